/**
 * GNU-objdump-like text for decoded instructions (`adds r0, r1, #1`), used by
 * `warden disasm` and compared against `arm-none-eabi-objdump -d` in tests
 * (modulo `.w`/`.n` width suffixes, comments and symbol annotations).
 */
import { CONDS, type ArmInstr, type Cond, type ImmShift, type Operand2, type Reg } from './ast.ts';

const REG_NAMES = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'sl', 'fp', 'ip', 'sp', 'lr', 'pc'];

export function regName(r: Reg): string {
  return REG_NAMES[r] ?? `?r${r}`;
}

function shiftText(s: ImmShift): string {
  if (s.type === 'rrx') return ', rrx';
  if (s.type === 'lsl' && s.amount === 0) return '';
  return `, ${s.type} #${s.amount}`;
}

function op2Text(o: Operand2): string {
  return o.kind === 'imm' ? `#${o.value}` : `${regName(o.rm)}${shiftText(o.shift)}`;
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}

function list(regs: Reg[]): string {
  return `{${regs.map(regName).join(', ')}}`;
}

/** The condition an instruction executes under inside an IT block (`itCond`), printed as a mnemonic suffix. */
export interface FormatContext {
  itCond?: Cond;
}

/** The text of an IT instruction's mnemonic: `it`, `itte`, ... */
function itMnemonic(firstcond: number, mask: number): string {
  let m = 'it';
  const n = 3 - Math.log2(mask & -mask); // number of instructions after the first
  for (let i = 0; i < n; i++) m += ((mask >> (3 - i)) & 1) === (firstcond & 1) ? 't' : 'e';
  return m;
}

export function formatInstr(instr: ArmInstr, ctx: FormatContext = {}): string {
  const c = ctx.itCond !== undefined && ctx.itCond !== 'al' ? ctx.itCond : '';
  const inIT = ctx.itCond !== undefined;
  const narrow = instr.size === 2;
  const flagS = (sf: 'always' | 'never' | 'outsideIT'): string => (sf === 'always' || (sf === 'outsideIT' && !inIT) ? 's' : '');
  const m = (mn: string, ops: string): string => `${mn}${c}\t${ops}`;
  switch (instr.op) {
    case 'dp': {
      const s = flagS(instr.setFlags);
      const o2 = instr.op2;
      if (instr.opc === 'mov' && narrow && o2.kind === 'reg' && !(o2.shift.type === 'lsl' && o2.shift.amount === 0) && o2.shift.type !== 'rrx') {
        return m(`${o2.shift.type}${s}`, `${regName(instr.rd)}, ${regName(o2.rm)}, #${o2.shift.amount}`);
      }
      if (instr.opc === 'mov' && narrow && instr.rd === 8 && o2.kind === 'reg' && o2.rm === 8 && instr.setFlags === 'never') return m('nop', '').trimEnd(); // objdump's name for 0x46c0
      if (instr.opc === 'rsb' && narrow) return m(`neg${s}`, `${regName(instr.rd)}, ${regName(instr.rn!)}`);
      if (instr.rn === null) return m(`${instr.opc}${s}`, `${regName(instr.rd)}, ${op2Text(o2)}`);
      if (instr.rdnForm) return m(`${instr.opc}${s}`, `${regName(instr.rd)}, ${op2Text(o2)}`);
      return m(`${instr.opc}${s}`, `${regName(instr.rd)}, ${regName(instr.rn)}, ${op2Text(o2)}`);
    }
    case 'cmp':
      return m(instr.opc, `${regName(instr.rn)}, ${op2Text(instr.op2)}`);
    case 'addw':
    case 'subw':
      return m(instr.op, `${regName(instr.rd)}, ${regName(instr.rn)}, #${instr.imm}`);
    case 'adr':
      if (narrow) return m('add', `${regName(instr.rd)}, pc, #${instr.offset}`);
      return m(instr.offset < 0 ? 'subw' : 'addw', `${regName(instr.rd)}, pc, #${Math.abs(instr.offset)}`);
    case 'shiftReg': {
      const s = flagS(instr.setFlags);
      if (narrow) return m(`${instr.type}${s}`, `${regName(instr.rd)}, ${regName(instr.rm)}`);
      return m(`${instr.type}${s}`, `${regName(instr.rd)}, ${regName(instr.rn)}, ${regName(instr.rm)}`);
    }
    case 'movw':
    case 'movt':
      return m(instr.op, `${regName(instr.rd)}, #${instr.imm16}`);
    case 'mul':
      if (narrow) return m(`mul${flagS(instr.setFlags)}`, `${regName(instr.rd)}, ${regName(instr.rn)}`);
      return m('mul', `${regName(instr.rd)}, ${regName(instr.rn)}, ${regName(instr.rm)}`);
    case 'mla':
    case 'mls':
      return m(instr.op, `${regName(instr.rd)}, ${regName(instr.rn)}, ${regName(instr.rm)}, ${regName(instr.ra)}`);
    case 'umull':
    case 'smull':
    case 'umlal':
    case 'smlal':
      return m(instr.op, `${regName(instr.rdLo)}, ${regName(instr.rdHi)}, ${regName(instr.rn)}, ${regName(instr.rm)}`);
    case 'sdiv':
    case 'udiv':
      return m(instr.op, `${regName(instr.rd)}, ${regName(instr.rn)}, ${regName(instr.rm)}`);
    case 'clz':
    case 'rbit':
    case 'rev':
    case 'rev16':
    case 'revsh':
      return m(instr.op, `${regName(instr.rd)}, ${regName(instr.rm)}`);
    case 'sxtb':
    case 'sxth':
    case 'uxtb':
    case 'uxth':
      return m(instr.op, `${regName(instr.rd)}, ${regName(instr.rm)}${instr.rotation ? `, ror #${instr.rotation}` : ''}`);
    case 'ldr':
    case 'str': {
      const mn = instr.op + (instr.op === 'ldr' && instr.signed ? 's' : '') + (instr.bytes === 1 ? 'b' : instr.bytes === 2 ? 'h' : '');
      const a = instr.addr;
      let at: string;
      if (a.kind === 'lit') at = `[pc, #${a.offset}]`;
      else if (a.kind === 'reg') at = `[${regName(a.rn)}, ${regName(a.rm)}${a.shift ? `, lsl #${a.shift}` : ''}]`;
      else if (!a.index) at = `[${regName(a.rn)}], #${a.offset}`;
      else if (a.offset === 0 && !narrow) at = `[${regName(a.rn)}]${a.wback ? '!' : ''}`;
      else at = `[${regName(a.rn)}, #${a.offset}]${a.wback ? '!' : ''}`;
      return m(mn, `${regName(instr.rt)}, ${at}`);
    }
    case 'ldrd':
    case 'strd': {
      const base = regName(instr.rn);
      const at = !instr.index ? `[${base}], #${instr.offset}` : instr.offset === 0 && !instr.wback ? `[${base}]` : `[${base}, #${instr.offset}]${instr.wback ? '!' : ''}`;
      return m(instr.op, `${regName(instr.rt)}, ${regName(instr.rt2)}, ${at}`);
    }
    case 'ldm':
    case 'stm':
      if (instr.alias !== null) return m(instr.alias, list(instr.regs));
      return m(`${instr.op}${instr.mode}`, `${regName(instr.rn)}${instr.wback ? '!' : ''}, ${list(instr.regs)}`);
    case 'b':
      return `b${instr.cond === 'al' ? c : instr.cond}\t${hex(instr.target)}`;
    case 'cbz':
    case 'cbnz':
      return `${instr.op}\t${regName(instr.rn)}, ${hex(instr.target)}`;
    case 'bl':
      return m('bl', hex(instr.target));
    case 'bx':
    case 'blx':
      return m(instr.op, regName(instr.rm));
    case 'tbb':
      return m('tbb', `[${regName(instr.rn)}, ${regName(instr.rm)}]`);
    case 'tbh':
      return m('tbh', `[${regName(instr.rn)}, ${regName(instr.rm)}, lsl #1]`);
    case 'it':
      return `${itMnemonic(instr.firstcond, instr.mask)}\t${CONDS[instr.firstcond]}`;
    case 'udf':
      return `udf\t#${instr.imm}`;
    case 'nop':
      return m('nop', '').trimEnd();
  }
}
