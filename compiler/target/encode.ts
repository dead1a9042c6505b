/**
 * The Thumb-2 assembler: one function's `MInstr<PReg>[]` -> bytes, relocations, label offsets.
 *
 * CONTRACT with instruction selection / register allocation:
 * - r12 (IP) is reserved for the encoder. Anything that does not fit one
 *   instruction (an ALU immediate that is not a modified immediate, a memory
 *   offset out of range, an `addrOf` addend beyond 16 bits, a register shift
 *   beyond LSL #3 in an address) is materialised through r12, so r12 must
 *   not hold a live value across any instruction, and must never be an
 *   operand of such an instruction (that is reported as an EncodeError).
 * - `setFlags: false` means "the flags must not change"; `setFlags: true`
 *   means the instruction sets N/Z/C/V as its S-form does. Set it whenever
 *   the flags are dead: it lets the encoder use the 16-bit forms (which set
 *   flags outside IT blocks), e.g. ADDS r0, r0, #1 in 2 bytes vs ADD.W in 4.
 *   With setFlags: false the encoder may also pick an equivalent op
 *   (ADD #-x -> SUB #x, AND #x -> BIC #~x, ...), which it never does for
 *   setFlags: true unless the flags are bit-identical (ADC <-> SBC).
 * - `movConst` and `addrOf` never change the flags. `mul` with setFlags is
 *   the 16-bit MULS only (N, Z set; C, V kept); other operands are an error.
 * - `cbz`/`cbnz` whose target is backward, beyond 126 bytes or whose register
 *   is high become CMP rn, #0 + Bcc: they clobber the flags.
 * - TBB/TBH targets behind the table get a trampoline (B) after the table.
 * - No IT blocks are emitted.
 *
 * Layout: branches start at their shortest form and only grow until every
 * offset fits (so the iteration terminates); literal pools go after the
 * function, and an island (with a branch over it unless it follows an
 * unconditional transfer) is inserted mid-function when a load could fall out
 * of the 4 KiB LDR (literal) range. Output is deterministic.
 */
import type { Cond, Label, MInstr, Operand2, PReg, ShiftKind, AluOp, Address } from './insn.ts';
import type { DataRange, EncodedFunction, Relocation, RelocType } from './object.ts';
import {
  EncodeError, INVERSE_COND, LS16_REG, LS32, addSubW, b16, bcond16, bcond32, branch32, cbz16, checkReg, dpImm32, dpReg32,
  encodeShift, isLow, lsKey, movwt, thumbExpandImmEncode, type DpOp,
} from './thumb.ts';

export { EncodeError } from './thumb.ts';

export const SCRATCH = 12;

/**
 * What the encoder accepts: the shared `MInstr` plus encoder-only extras that
 * instruction selection never emits (BKPT, used by the firmware runtime for
 * semihosting; the validator does not model it, so compiled code must not use it).
 */
export type TargetInstr = MInstr<PReg> | { op: 'bkpt'; imm: number };

export interface EncodeOptions {
  /** Use a literal pool for constants that need MOVW+MOVT into a low register (default true: 6 bytes instead of 8). */
  literalPool?: boolean;
}

type CodeReloc = { at: number; type: RelocType; symbol: string; addend: number };

type Item =
  | { k: 'code'; hw: number[]; relocs: CodeReloc[] }
  | { k: 'label'; label: number }
  | { k: 'b'; cond?: Cond; target: number; size: 2 | 4 | 6 }
  | { k: 'cbz'; nz: boolean; rn: number; target: number; expanded: boolean; bsize: 2 | 4 | 6 }
  | { k: 'lit'; rt: number; pool: number; idx: number; size: 2 | 4 }
  | { k: 'pool'; id: number; values: number[] }
  | { k: 'table'; half: boolean; index: number; targets: number[] };

/** Worst-case size of an item, for deciding where literal-pool islands must go. */
function maxSize(it: Item): number {
  switch (it.k) {
    case 'code': return it.hw.length * 2;
    case 'label': return 0;
    case 'b': return 6;
    case 'cbz': return 4 + 6;
    case 'lit': return 4;
    case 'pool': return 2 + 4 * it.values.length;
    case 'table': return 4 + 2 * it.targets.length;
  }
}

const LIT_REACH = 3900; // < 4095 (LDR.W literal), with margin for the instruction being lowered and the branch over the island.

class Lowerer {
  items: Item[] = [];
  /** Which input instruction produced each item. */
  srcOf: number[] = [];
  private src = 0;
  private maxOffset = 0;
  private nextSynthetic = -1;
  private pool: { id: number; values: number[]; index: Map<number, number>; firstUseMax: number } | undefined;
  private nextPoolId = 0;
  readonly defined = new Set<number>();
  readonly referenced = new Set<number>();

  constructor(private readonly opts: Required<EncodeOptions>) {}

  private push(it: Item): void {
    this.items.push(it);
    this.srcOf.push(this.src);
    this.maxOffset += maxSize(it);
  }

  private emit(hw: number[], relocs: CodeReloc[] = []): void {
    this.push({ k: 'code', hw, relocs });
  }

  private synthLabel(): number {
    return this.nextSynthetic--;
  }

  lowerAll(instrs: TargetInstr[]): void {
    let lastTerminates = false;
    instrs.forEach((mi, i) => {
      this.src = i;
      try {
        this.lower(mi);
      } catch (e) {
        if (e instanceof EncodeError) throw new EncodeError(`instruction ${i} (${JSON.stringify(mi)}): ${e.message}`);
        throw e;
      }
      lastTerminates = isTerminator(mi);
      const p = this.pool;
      if (p && this.maxOffset + 8 + 2 + 4 * p.values.length - p.firstUseMax > LIT_REACH) this.flushPool(!lastTerminates);
    });
    this.src = instrs.length;
    if (this.pool) this.flushPool(false);
    for (const l of this.referenced) if (!this.defined.has(l)) throw new EncodeError(`branch to undefined label ${l}`);
  }

  private flushPool(branchOver: boolean): void {
    const p = this.pool;
    if (!p) return;
    this.pool = undefined;
    const over = branchOver ? this.synthLabel() : undefined;
    if (over !== undefined) this.push({ k: 'b', target: over, size: 2 });
    this.push({ k: 'pool', id: p.id, values: p.values });
    if (over !== undefined) this.push({ k: 'label', label: over });
  }

  private literal(rt: number, value: number): void {
    const v = value >>> 0;
    if (!this.pool) this.pool = { id: this.nextPoolId++, values: [], index: new Map(), firstUseMax: this.maxOffset };
    const p = this.pool;
    let idx = p.index.get(v);
    if (idx === undefined) {
      idx = p.values.length;
      p.values.push(v);
      p.index.set(v, idx);
    }
    this.push({ k: 'lit', rt, pool: p.id, idx, size: isLow(rt) ? 2 : 4 });
  }

  // ---- constants -------------------------------------------------------

  /** rd := value, flags preserved. */
  movConst(rd: number, value: number): void {
    if (rd === 13 || rd === 15) throw new EncodeError(`movConst into r${rd}`);
    const v = value >>> 0;
    const imm = thumbExpandImmEncode(v);
    if (imm !== undefined) return this.emit(dpImm32('orr', false, rd, 15, imm));
    const nimm = thumbExpandImmEncode(~v >>> 0);
    if (nimm !== undefined) return this.emit(dpImm32('orn', false, rd, 15, nimm));
    if (v <= 0xffff) return this.emit(movwt(false, rd, v));
    if (this.opts.literalPool && isLow(rd)) return this.literal(rd, v);
    this.emit([...movwt(false, rd, v & 0xffff), ...movwt(true, rd, v >>> 16)]);
  }

  private scratchFor(...used: number[]): number {
    if (used.includes(SCRATCH)) throw new EncodeError(`needs scratch r12 but r12 is an operand (r12 is reserved for the encoder)`);
    return SCRATCH;
  }

  // ---- ALU -------------------------------------------------------------

  private aluImm(op: AluOp, s: boolean, rd: number, rn: number, value: number): void {
    const v = value >>> 0;
    if (s && isLow(rd) && isLow(rn)) {
      if ((op === 'add' || op === 'sub') && v <= 7) return this.emit([(op === 'add' ? 0x1c00 : 0x1e00) | (v << 6) | (rn << 3) | rd]);
      if ((op === 'add' || op === 'sub') && rd === rn && v <= 255) return this.emit([(op === 'add' ? 0x3000 : 0x3800) | (rd << 8) | v]);
      if (op === 'rsb' && v === 0) return this.emit([0x4240 | (rn << 3) | rd]);
    }
    if (!s && (op === 'add' || op === 'sub')) {
      const neg = (-v) >>> 0;
      const [o, amt] = op === 'add' ? (v < 0x80000000 ? ['add', v] : ['sub', neg]) : (v < 0x80000000 ? ['sub', v] : ['add', neg]);
      if (rd === 13 && rn === 13 && amt % 4 === 0 && amt <= 508) return this.emit([(o === 'add' ? 0xb000 : 0xb080) | (amt >> 2)]);
      if (o === 'add' && rn === 13 && isLow(rd) && amt % 4 === 0 && amt <= 1020) return this.emit([0xa800 | (rd << 8) | (amt >> 2)]);
    }
    const direct = thumbExpandImmEncode(v);
    if (direct !== undefined) return this.emit(dpImm32(op, s, rd, rn, direct));
    // Equivalent ops with a transformed immediate.
    const alts: [DpOp, number, boolean][] = [
      // ADC x, #i == SBC x, #~i bit for bit (flags included).
      ['adc', ~v >>> 0, op === 'sbc'],
      ['sbc', ~v >>> 0, op === 'adc'],
      ['sub', -v >>> 0, op === 'add' && !s],
      ['add', -v >>> 0, op === 'sub' && !s],
      ['bic', ~v >>> 0, op === 'and' && !s],
      ['and', ~v >>> 0, op === 'bic' && !s],
      ['orn', ~v >>> 0, op === 'orr' && !s],
      ['orr', ~v >>> 0, op === 'orn' && !s],
    ];
    for (const [aop, aval, ok] of alts) {
      if (!ok) continue;
      const e = thumbExpandImmEncode(aval);
      if (e !== undefined) return this.emit(dpImm32(aop, s, rd, rn, e));
    }
    if (!s && (op === 'add' || op === 'sub') && rn !== 15) {
      if (v <= 4095) return this.emit(addSubW(op === 'sub', rd, rn, v));
      const neg = -v >>> 0;
      if (neg <= 4095) return this.emit(addSubW(op === 'add', rd, rn, neg));
    }
    const t = this.scratchFor(rd === SCRATCH && rn !== SCRATCH ? -1 : rd, rn);
    this.movConst(t, v);
    this.aluReg(op, s, rd, rn, t);
  }

  private aluReg(op: AluOp, s: boolean, rd: number, rn: number, rm: number, shift?: { kind: ShiftKind; amount: number }): void {
    const noShift = !shift || shift.amount === 0;
    if (noShift && s && isLow(rd) && isLow(rn) && isLow(rm)) {
      if (op === 'add' || op === 'sub') return this.emit([(op === 'add' ? 0x1800 : 0x1a00) | (rm << 6) | (rn << 3) | rd]);
      const code16: Partial<Record<AluOp, number>> = { and: 0, eor: 1, adc: 5, sbc: 6, orr: 12, bic: 14 };
      const c = code16[op];
      const commutative = op === 'and' || op === 'eor' || op === 'adc' || op === 'orr';
      if (c !== undefined && rd === rn) return this.emit([0x4000 | (c << 6) | (rm << 3) | rd]);
      if (c !== undefined && commutative && rd === rm) return this.emit([0x4000 | (c << 6) | (rn << 3) | rd]);
    }
    if (noShift && !s && op === 'add') {
      const other = rd === rn ? rm : rd === rm ? rn : undefined;
      const okRd = rd !== 15 && (rd !== 13 || rn === 13);
      if (other !== undefined && okRd && other !== 13 && other !== 15) return this.emit([0x4400 | ((rd >> 3) << 7) | (other << 3) | (rd & 7)]);
    }
    this.emit(dpReg32(op, s, rd, rn, rm, noShift ? undefined : shift));
  }

  private alu(op: AluOp, s: boolean, rd: number, rn: number, op2: Operand2<PReg>): void {
    checkReg(rd, 'rd'); checkReg(rn, 'rn');
    if (op2.kind === 'imm') return this.aluImm(op, s, rd, rn, op2.value);
    checkReg(op2.rm, 'rm');
    this.aluReg(op, s, rd, rn, op2.rm, op2.shift);
  }

  private mov(s: boolean, rd: number, op2: Operand2<PReg>): void {
    checkReg(rd, 'rd');
    if (op2.kind === 'imm') {
      const v = op2.value >>> 0;
      if (s && isLow(rd) && v <= 255) return this.emit([0x2000 | (rd << 8) | v]);
      const e = thumbExpandImmEncode(v);
      if (e !== undefined) return this.emit(dpImm32('orr', s, rd, 15, e));
      this.movConst(rd, v);
      if (s) this.mov(true, rd, { kind: 'reg', rm: rd }); // MOVS rd, rd: N/Z from the value
      return;
    }
    const rm = op2.rm;
    checkReg(rm, 'rm');
    const sh = op2.shift && op2.shift.amount !== 0 ? op2.shift : undefined;
    if (!sh) {
      if (s && isLow(rd) && isLow(rm)) return this.emit([(rm << 3) | rd]); // MOVS (LSLS #0)
      if (!s) return this.emit([0x4600 | ((rd >> 3) << 7) | (rm << 3) | (rd & 7)]);
      return this.emit(dpReg32('orr', true, rd, 15, rm));
    }
    if (s && isLow(rd) && isLow(rm) && sh.kind !== 'ror') {
      const { imm5 } = encodeShift(sh);
      const opc = sh.kind === 'lsl' ? 0 : sh.kind === 'lsr' ? 1 : 2;
      return this.emit([(opc << 11) | (imm5 << 6) | (rm << 3) | rd]);
    }
    this.emit(dpReg32('orr', s, rd, 15, rm, sh));
  }

  private mvn(s: boolean, rd: number, op2: Operand2<PReg>): void {
    checkReg(rd, 'rd');
    if (op2.kind === 'imm') {
      const v = op2.value >>> 0;
      const e = thumbExpandImmEncode(v);
      if (e !== undefined) return this.emit(dpImm32('orn', s, rd, 15, e));
      if (!s) return this.movConst(rd, ~v >>> 0);
      const t = this.scratchFor();
      this.movConst(t, v);
      return this.mvn(true, rd, { kind: 'reg', rm: t });
    }
    checkReg(op2.rm, 'rm');
    const noShift = !op2.shift || op2.shift.amount === 0;
    if (s && noShift && isLow(rd) && isLow(op2.rm)) return this.emit([0x43c0 | (op2.rm << 3) | rd]);
    this.emit(dpReg32('orn', s, rd, 15, op2.rm, noShift ? undefined : op2.shift));
  }

  private compare(op: 'cmp' | 'cmn' | 'tst' | 'teq', rn: number, op2: Operand2<PReg>): void {
    checkReg(rn, 'rn');
    const dp: DpOp = op === 'cmp' ? 'sub' : op === 'cmn' ? 'add' : op === 'tst' ? 'and' : 'eor';
    if (op2.kind === 'imm') {
      const v = op2.value >>> 0;
      if (op === 'cmp' && isLow(rn) && v <= 255) return this.emit([0x2800 | (rn << 8) | v]);
      const e = thumbExpandImmEncode(v);
      if (e !== undefined) return this.emit(dpImm32(dp, true, 15, rn, e));
      const t = this.scratchFor(rn);
      this.movConst(t, v);
      return this.compare(op, rn, { kind: 'reg', rm: t });
    }
    const rm = op2.rm;
    checkReg(rm, 'rm');
    const noShift = !op2.shift || op2.shift.amount === 0;
    if (noShift && isLow(rn) && isLow(rm) && op !== 'teq') {
      return this.emit([({ cmp: 0x4280, cmn: 0x42c0, tst: 0x4200 } as const)[op] | (rm << 3) | rn]);
    }
    if (noShift && op === 'cmp' && rn !== 15 && rm !== 15) return this.emit([0x4500 | ((rn >> 3) << 7) | (rm << 3) | (rn & 7)]);
    this.emit(dpReg32(dp, true, 15, rn, rm, noShift ? undefined : op2.shift));
  }

  // ---- memory ----------------------------------------------------------

  private mem(load: boolean, size: 1 | 2 | 4, signed: boolean, rt: number, addr: Address<PReg>): void {
    checkReg(rt, 'rt');
    checkReg(addr.base, 'base');
    if (addr.base === 15) throw new EncodeError('PC-relative addressing is not supported in ldr/str (use movConst)');
    if (load && size !== 4 && rt === 15) throw new EncodeError('byte/halfword load into pc');
    const key = lsKey(load, size, signed);
    const { base } = addr;
    if (addr.kind === 'reg') {
      checkReg(addr.index, 'index');
      const idx = addr.index;
      if (addr.shift === 0 && isLow(rt) && isLow(base) && isLow(idx)) {
        return this.emit([0x5000 | (LS16_REG[key] << 9) | (idx << 6) | (base << 3) | rt]);
      }
      if (addr.shift >= 0 && addr.shift <= 3) return this.emit([LS32.imm8[key] | base, (rt << 12) | (addr.shift << 4) | idx]);
      if (addr.shift > 31 || addr.shift < 0) throw new EncodeError(`index shift ${addr.shift} out of range`);
      const t = this.scratchFor(base, idx, load ? -1 : rt);
      this.emit(dpReg32('add', false, t, base, idx, { kind: 'lsl', amount: addr.shift }));
      return this.mem(load, size, signed, rt, { kind: 'imm', base: t, offset: 0 });
    }
    const off = addr.offset;
    if (!Number.isInteger(off)) throw new EncodeError(`offset ${off} is not an integer`);
    if (isLow(rt) && isLow(base) && !(load && signed && size !== 4)) {
      const scale = size;
      if (off >= 0 && off % scale === 0 && off / scale <= 31) {
        const opc = { 4: 0x6000, 1: 0x7000, 2: 0x8000 }[size] | (load ? 0x0800 : 0);
        return this.emit([opc | ((off / scale) << 6) | (base << 3) | rt]);
      }
    }
    if (size === 4 && base === 13 && isLow(rt) && off >= 0 && off % 4 === 0 && off <= 1020) {
      return this.emit([(load ? 0x9800 : 0x9000) | (rt << 8) | (off >> 2)]);
    }
    if (off >= 0 && off <= 4095) return this.emit([LS32.imm12[key] | base, (rt << 12) | off]);
    if (off < 0 && off >= -255) return this.emit([LS32.imm8[key] | base, (rt << 12) | 0xc00 | -off]);
    const t = this.scratchFor(base, load ? -1 : rt);
    this.movConst(t, off);
    this.mem(load, size, signed, rt, { kind: 'reg', base, index: t, shift: 0 });
  }

  private dual(load: boolean, rt: number, rt2: number, base: number, offset: number): void {
    checkReg(rt, 'rt'); checkReg(rt2, 'rt2'); checkReg(base, 'base');
    if (base === 15) throw new EncodeError('PC-relative ldrd/strd is not supported');
    if (offset % 4 === 0 && offset >= -1020 && offset <= 1020) {
      const u = offset >= 0 ? 0x80 : 0;
      return this.emit([(load ? 0xe950 : 0xe940) | u | base, (rt << 12) | (rt2 << 8) | (Math.abs(offset) >> 2)]);
    }
    const t = this.scratchFor(base, rt, rt2);
    this.movConst(t, offset);
    this.aluReg('add', false, t, base, t); // base first: ADD r12, SP, r12 is valid, ADD r12, r12, SP is not
    this.dual(load, rt, rt2, t, 0);
  }

  private pushPop(pop: boolean, regs: PReg[]): void {
    if (regs.length === 0) throw new EncodeError(`${pop ? 'pop' : 'push'} with no registers`);
    let mask = 0;
    for (const r of regs) {
      checkReg(r, pop ? 'pop' : 'push');
      if (mask & (1 << r)) throw new EncodeError(`register r${r} listed twice`);
      mask |= 1 << r;
    }
    const extra = pop ? 15 : 14;
    if ((mask & ~(0xff | (1 << extra))) === 0) return this.emit([(pop ? 0xbc00 : 0xb400) | ((mask >> extra) & 1) << 8 | (mask & 0xff)]);
    if (mask & (1 << 13)) throw new EncodeError(`${pop ? 'pop' : 'push'} of sp`);
    if (!pop && mask & (1 << 15)) throw new EncodeError('push of pc');
    if (pop && (mask & (1 << 14)) && (mask & (1 << 15))) throw new EncodeError('pop of both lr and pc');
    if (regs.length === 1) {
      const r = regs[0]!;
      // STMDB/LDMIA with one register is UNPREDICTABLE: use STR rt, [sp, #-4]! / LDR rt, [sp], #4.
      return this.emit(pop ? [0xf85d, (r << 12) | 0xb04] : [0xf84d, (r << 12) | 0xd04]);
    }
    this.emit(pop ? [0xe8bd, mask] : [0xe92d, mask]);
  }

  private addrOf(rd: number, symbol: string, addend: number): void {
    checkReg(rd, 'rd');
    if (rd === 13 || rd === 15) throw new EncodeError(`addrOf into r${rd}`);
    if (addend >= -0x8000 && addend <= 0x7fff) {
      const a = addend & 0xffff;
      return this.emit([...movwt(false, rd, a), ...movwt(true, rd, a)], [
        { at: 0, type: 'R_ARM_THM_MOVW_ABS_NC', symbol, addend },
        { at: 4, type: 'R_ARM_THM_MOVT_ABS', symbol, addend },
      ]);
    }
    this.addrOf(rd, symbol, 0);
    this.aluImm('add', false, rd, rd, addend);
  }

  private target(l: Label): number {
    if (!Number.isInteger(l) || l < 0) throw new EncodeError(`invalid label ${l}`);
    this.referenced.add(l);
    return l;
  }

  lower(mi: TargetInstr): void {
    switch (mi.op) {
      case 'bkpt':
        if (!Number.isInteger(mi.imm) || mi.imm < 0 || mi.imm > 0xff) throw new EncodeError(`bkpt #${mi.imm} out of range`);
        return this.emit([0xbe00 | mi.imm]);
      case 'alu': return this.alu(mi.alu, mi.setFlags, mi.rd, mi.rn, mi.op2);
      case 'mov': return this.mov(mi.setFlags, mi.rd, mi.op2);
      case 'mvn': return this.mvn(mi.setFlags, mi.rd, mi.op2);
      case 'cmp': case 'cmn': case 'tst': case 'teq': return this.compare(mi.op, mi.rn, mi.op2);
      case 'shiftReg': {
        checkReg(mi.rd, 'rd'); checkReg(mi.rn, 'rn'); checkReg(mi.rm, 'rm');
        const type = ({ lsl: 0, lsr: 1, asr: 2, ror: 3 } as const)[mi.kind];
        if (mi.setFlags && mi.rd === mi.rn && isLow(mi.rd) && isLow(mi.rm)) {
          return this.emit([0x4000 | ([2, 3, 4, 7][type]! << 6) | (mi.rm << 3) | mi.rd]);
        }
        return this.emit([0xfa00 | (type << 5) | (mi.setFlags ? 0x10 : 0) | mi.rn, 0xf000 | (mi.rd << 8) | mi.rm]);
      }
      case 'movw': case 'movt':
        checkReg(mi.rd, 'rd');
        if (!Number.isInteger(mi.imm16) || mi.imm16 < 0 || mi.imm16 > 0xffff) throw new EncodeError(`${mi.op} immediate ${mi.imm16} out of range`);
        return this.emit(movwt(mi.op === 'movt', mi.rd, mi.imm16));
      case 'movConst': checkReg(mi.rd, 'rd'); return this.movConst(mi.rd, mi.value);
      case 'mul': {
        if (!mi.setFlags) return this.emit([0xfb00 | mi.rn, 0xf000 | (mi.rd << 8) | mi.rm]);
        // MULS Rdm, Rn, Rdm (multiplication commutes, so rd may equal either operand).
        const other = mi.rd === mi.rm ? mi.rn : mi.rd === mi.rn ? mi.rm : undefined;
        if (other === undefined || !isLow(mi.rd) || !isLow(other)) throw new EncodeError('MULS needs low registers with rd = rn or rm (there is no 32-bit MULS)');
        return this.emit([0x4340 | (other << 3) | mi.rd]);
      }
      case 'mla': case 'mls':
        if (mi.ra === 15) throw new EncodeError('mla/mls with ra = pc');
        return this.emit([0xfb00 | mi.rn, (mi.ra << 12) | (mi.rd << 8) | (mi.op === 'mls' ? 0x10 : 0) | mi.rm]);
      case 'umull': case 'smull':
        if (mi.rdLo === mi.rdHi) throw new EncodeError(`${mi.op} with rdLo = rdHi`);
        return this.emit([(mi.op === 'umull' ? 0xfba0 : 0xfb80) | mi.rn, (mi.rdLo << 12) | (mi.rdHi << 8) | mi.rm]);
      case 'udiv': case 'sdiv':
        return this.emit([(mi.op === 'udiv' ? 0xfbb0 : 0xfb90) | mi.rn, 0xf0f0 | (mi.rd << 8) | mi.rm]);
      case 'clz': return this.emit([0xfab0 | mi.rm, 0xf080 | (mi.rd << 8) | mi.rm]);
      case 'rbit': return this.emit([0xfa90 | mi.rm, 0xf0a0 | (mi.rd << 8) | mi.rm]);
      case 'rev':
        if (isLow(mi.rd) && isLow(mi.rm)) return this.emit([0xba00 | (mi.rm << 3) | mi.rd]);
        return this.emit([0xfa90 | mi.rm, 0xf080 | (mi.rd << 8) | mi.rm]);
      case 'sxth': case 'sxtb': case 'uxth': case 'uxtb': {
        const i = ['sxth', 'sxtb', 'uxth', 'uxtb'].indexOf(mi.op);
        if (isLow(mi.rd) && isLow(mi.rm)) return this.emit([0xb200 | (i << 6) | (mi.rm << 3) | mi.rd]);
        return this.emit([[0xfa0f, 0xfa4f, 0xfa1f, 0xfa5f][i]!, 0xf080 | (mi.rd << 8) | mi.rm]);
      }
      case 'ldr': return this.mem(true, mi.size, mi.signed, mi.rt, mi.addr);
      case 'str': return this.mem(false, mi.size, false, mi.rt, mi.addr);
      case 'ldrd': case 'strd': return this.dual(mi.op === 'ldrd', mi.rt, mi.rt2, mi.base, mi.offset);
      case 'push': case 'pop': return this.pushPop(mi.op === 'pop', mi.regs);
      case 'addrOf': return this.addrOf(mi.rd, mi.symbol, mi.addend);
      case 'label':
        if (!Number.isInteger(mi.label) || mi.label < 0) throw new EncodeError(`invalid label ${mi.label}`);
        if (this.defined.has(mi.label)) throw new EncodeError(`label ${mi.label} defined twice`);
        this.defined.add(mi.label);
        return this.push({ k: 'label', label: mi.label });
      case 'b': return this.push(mi.cond ? { k: 'b', cond: mi.cond, target: this.target(mi.target), size: 2 } : { k: 'b', target: this.target(mi.target), size: 2 });
      case 'cbz': case 'cbnz': {
        checkReg(mi.rn, 'rn');
        const t = this.target(mi.target);
        // Backward targets or high registers never fit CBZ: start expanded.
        const expanded = !isLow(mi.rn) || this.defined.has(t);
        return this.push({ k: 'cbz', nz: mi.op === 'cbnz', rn: mi.rn, target: t, expanded, bsize: 2 });
      }
      case 'tbb': case 'tbh': {
        checkReg(mi.index, 'index');
        if (mi.index === 13 || mi.index === 15) throw new EncodeError(`${mi.op} index r${mi.index}`);
        if (mi.targets.length === 0) throw new EncodeError(`${mi.op} with no targets`);
        const trampolines: [number, number][] = [];
        const entries = mi.targets.map((l) => {
          const t = this.target(l);
          if (!this.defined.has(t)) return t;
          // Table entries are unsigned: a backward target goes through a B after the table.
          const tramp = trampolines.find(([orig]) => orig === t);
          if (tramp) return tramp[1];
          const s = this.synthLabel();
          trampolines.push([t, s]);
          return s;
        });
        this.push({ k: 'table', half: mi.op === 'tbh', index: mi.index, targets: entries });
        for (const [orig, s] of trampolines) {
          this.push({ k: 'label', label: s });
          this.push({ k: 'b', target: orig, size: 2 });
        }
        return;
      }
      case 'bl':
        if (!mi.symbol) throw new EncodeError('bl with an empty symbol');
        return this.emit([0xf7ff, 0xfffe], [{ at: 0, type: 'R_ARM_THM_CALL', symbol: mi.symbol, addend: -4 }]);
      case 'bx': case 'blx':
        checkReg(mi.rm, 'rm');
        if (mi.op === 'blx' && mi.rm === 15) throw new EncodeError('blx pc');
        return this.emit([(mi.op === 'bx' ? 0x4700 : 0x4780) | (mi.rm << 3)]);
      case 'udf':
        if (!Number.isInteger(mi.code) || mi.code < 0 || mi.code > 0xffff) throw new EncodeError(`udf #${mi.code} out of range`);
        if (mi.code <= 0xff) return this.emit([0xde00 | mi.code]);
        return this.emit([0xf7f0 | (mi.code >> 12), 0xa000 | (mi.code & 0xfff)]);
      case 'nop': return this.emit([0xbf00]);
    }
  }
}

function isTerminator(mi: TargetInstr): boolean {
  return (mi.op === 'b' && !mi.cond) || mi.op === 'bx' || (mi.op === 'pop' && mi.regs.includes(15)) || mi.op === 'tbb' || mi.op === 'tbh';
}

function itemSize(it: Item, addr: number): number {
  switch (it.k) {
    case 'code': return it.hw.length * 2;
    case 'label': return 0;
    case 'b': return it.size;
    case 'cbz': return it.expanded ? (isLow(it.rn) ? 2 : 4) + it.bsize : 2;
    case 'lit': return it.size;
    case 'pool': return (addr % 4 === 0 ? 0 : 2) + 4 * it.values.length;
    case 'table': return 4 + (it.half ? 2 * it.targets.length : (it.targets.length + 1) & ~1);
  }
}

interface Layout {
  addrs: number[];
  labels: Map<number, number>;
  /** Address of each pool's first entry (after alignment padding). */
  pools: Map<number, number>;
  end: number;
}

function layout(items: Item[]): Layout {
  const addrs: number[] = [];
  const labels = new Map<number, number>();
  const pools = new Map<number, number>();
  let a = 0;
  for (const it of items) {
    addrs.push(a);
    if (it.k === 'label') labels.set(it.label, a);
    if (it.k === 'pool') pools.set(it.id, a % 4 === 0 ? a : a + 2);
    a += itemSize(it, a);
  }
  return { addrs, labels, pools, end: a };
}

function fitsB(cond: Cond | undefined, size: number, off: number): boolean {
  if (size === 2) return cond ? off >= -256 && off <= 254 : off >= -2048 && off <= 2046;
  if (size === 4) return cond ? off >= -(1 << 20) && off < 1 << 20 : off >= -(1 << 24) && off < 1 << 24;
  return off >= -(1 << 24) && off < 1 << 24;
}

function growB(cond: Cond | undefined, size: 2 | 4 | 6, off: number): 2 | 4 | 6 {
  let s = size;
  while (!fitsB(cond, s, off)) {
    if (s === 6 || (s === 4 && !cond)) throw new EncodeError(`branch offset ${off} out of range`);
    s = s === 2 ? 4 : 6;
  }
  return s;
}

function litOffset(it: { pool: number; idx: number }, addr: number, L: Layout): number {
  return L.pools.get(it.pool)! + 4 * it.idx - ((addr + 4) & ~3);
}

function labelAddr(L: Layout, l: number): number {
  const a = L.labels.get(l);
  if (a === undefined) throw new EncodeError(`undefined label ${l}`);
  return a;
}

/** Grow items until every offset fits; returns the final layout. */
function relax(items: Item[]): Layout {
  for (;;) {
    const L = layout(items);
    let changed = false;
    items.forEach((it, i) => {
      const a = L.addrs[i]!;
      if (it.k === 'b') {
        const s = growB(it.cond, it.size, labelAddr(L, it.target) - (a + 4));
        if (s !== it.size) { it.size = s; changed = true; }
      } else if (it.k === 'cbz') {
        if (!it.expanded) {
          const off = labelAddr(L, it.target) - (a + 4);
          if (off < 0 || off > 126) { it.expanded = true; changed = true; }
        } else {
          const bAt = a + (isLow(it.rn) ? 2 : 4);
          const s = growB('eq', it.bsize, labelAddr(L, it.target) - (bAt + 4));
          if (s !== it.bsize) { it.bsize = s; changed = true; }
        }
      } else if (it.k === 'lit') {
        const off = litOffset(it, a, L);
        if (it.size === 2 && !(off >= 0 && off <= 1020)) { it.size = 4; changed = true; }
      } else if (it.k === 'table' && !it.half) {
        if (it.targets.some((t) => (labelAddr(L, t) - (a + 4)) / 2 > 255)) { it.half = true; changed = true; }
      }
    });
    if (!changed) return L;
  }
}

function encodeBranch(cond: Cond | undefined, size: 2 | 4 | 6, off: number): number[] {
  if (size === 2) return [cond ? bcond16(cond, off) : b16(off)];
  if (size === 4) return cond ? bcond32(cond, off) : branch32(off, false);
  if (!cond) throw new EncodeError('6-byte form of an unconditional branch');
  // B<!cond>.N over a B.W (which starts 2 bytes later).
  return [bcond16(INVERSE_COND[cond], 2), ...branch32(off - 2, false)];
}

/** Assemble one function. Throws EncodeError with the offending instruction on any contract violation. */
export function encodeFunction(instrs: TargetInstr[], options: EncodeOptions = {}): EncodedFunction {
  const lw = new Lowerer({ literalPool: options.literalPool ?? true });
  lw.lowerAll(instrs);
  const items = lw.items;
  const L = relax(items);
  const bytes = new Uint8Array(L.end);
  const relocations: Relocation[] = [];
  const dataRanges: DataRange[] = [];
  let pos = 0;
  const put16 = (h: number): void => {
    bytes[pos] = h & 0xff;
    bytes[pos + 1] = (h >> 8) & 0xff;
    pos += 2;
  };
  items.forEach((it, i) => {
    const a = L.addrs[i]!;
    if (pos !== a) throw new Error(`internal: layout mismatch at item ${i}: ${pos} vs ${a}`);
    switch (it.k) {
      case 'code':
        for (const r of it.relocs) relocations.push({ offset: a + r.at, type: r.type, symbol: r.symbol, addend: r.addend });
        it.hw.forEach(put16);
        break;
      case 'label':
        break;
      case 'b':
        encodeBranch(it.cond, it.size, labelAddr(L, it.target) - (a + 4)).forEach(put16);
        break;
      case 'cbz': {
        if (!it.expanded) {
          put16(cbz16(it.nz, it.rn, labelAddr(L, it.target) - (a + 4)));
          break;
        }
        if (isLow(it.rn)) put16(0x2800 | (it.rn << 8));
        else dpImm32('sub', true, 15, it.rn, 0).forEach(put16);
        encodeBranch(it.nz ? 'ne' : 'eq', it.bsize, labelAddr(L, it.target) - (pos + 4)).forEach(put16);
        break;
      }
      case 'lit': {
        const off = litOffset(it, a, L);
        if (it.size === 2) put16(0x4800 | (it.rt << 8) | (off >> 2));
        else {
          if (off < -4095 || off > 4095) throw new EncodeError(`literal out of LDR range (${off})`);
          put16(0xf85f | (off >= 0 ? 0x80 : 0));
          put16((it.rt << 12) | Math.abs(off));
        }
        break;
      }
      case 'pool': {
        const start = L.pools.get(it.id)!;
        dataRanges.push({ start: a, end: start + 4 * it.values.length });
        pos = start;
        for (const v of it.values) {
          new DataView(bytes.buffer).setUint32(pos, v, true);
          pos += 4;
        }
        break;
      }
      case 'table': {
        put16(0xe8df);
        put16((it.half ? 0xf010 : 0xf000) | it.index);
        const base = a + 4;
        const entries = it.targets.map((t) => (labelAddr(L, t) - base) / 2);
        for (const e of entries) {
          if (e < 0 || e > (it.half ? 0xffff : 0xff)) throw new EncodeError(`jump table entry ${e} out of range`);
          if (it.half) put16(e);
          else bytes[pos++] = e;
        }
        if (!it.half && entries.length % 2 === 1) bytes[pos++] = 0;
        dataRanges.push({ start: base, end: pos });
        break;
      }
    }
  });
  if (pos !== L.end) throw new Error(`internal: size mismatch ${pos} vs ${L.end}`);
  const labelOffsets = new Map<number, number>();
  for (const [l, a] of L.labels) if (l >= 0) labelOffsets.set(l, a);
  const instrOffsets: number[] = new Array(instrs.length);
  for (let i = items.length - 1; i >= 0; i--) if (lw.srcOf[i]! < instrs.length) instrOffsets[lw.srcOf[i]!] = L.addrs[i]!;
  // Instructions that produced no item (none today) take the next one's offset.
  for (let i = instrs.length - 1; i >= 0; i--) if (instrOffsets[i] === undefined) instrOffsets[i] = instrOffsets[i + 1] ?? L.end;
  return { bytes, relocations, labelOffsets, instrOffsets, dataRanges };
}
