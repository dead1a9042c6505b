/**
 * Flag liveness on allocated code, and the rewrite it enables: an ALU op
 * after which no path can read N/Z/C/V before they are all overwritten may
 * set them. Outside IT blocks (warden emits none) the 16-bit ALU forms
 * always set the flags, so this is what lets the encoder pick them
 * (`MOVS r1, #0` in 2 bytes instead of `MOV.W r1, #0` in 4). The rewrite is
 * kept only where the encoding gets strictly shorter.
 *
 * One liveness bit for all four flags, kept conservative:
 * - readers: conditional branches, ADC, SBC;
 * - killers (write all of N/Z/C/V): CMP, CMN, flag-setting ADD/ADC/SUB/SBC/RSB,
 *   and calls (AAPCS: flags are clobbered by the callee);
 * - flag-setting logical ops, moves, shifts and MULS leave C or V alone, and an
 *   expanded CBZ/CBNZ may or may not write them: neither reads nor kills;
 * - flags are dead at function exit and at a trap.
 */
import type { MInstr, PReg } from '../target/insn.ts';
import { EncodeError, encodeFunction } from '../target/encode.ts';

type Instr = MInstr<PReg>;

const FULL_WRITE_ALU = new Set(['add', 'adc', 'sub', 'sbc', 'rsb']);

function readsFlags(i: Instr): boolean {
  return (i.op === 'b' && i.cond !== undefined) || (i.op === 'alu' && (i.alu === 'adc' || i.alu === 'sbc'));
}

function killsFlags(i: Instr): boolean {
  return i.op === 'cmp' || i.op === 'cmn' || i.op === 'bl' || i.op === 'blx' || (i.op === 'alu' && i.setFlags && FULL_WRITE_ALU.has(i.alu));
}

/** Successor indices of instruction k (`code.length` stands for "falls off the end", treated as exit). */
function successors(code: readonly Instr[], k: number, labelAt: Map<number, number>): number[] {
  const i = code[k]!;
  const at = (l: number): number => {
    const t = labelAt.get(l);
    if (t === undefined) throw new Error(`internal: branch to undefined label ${l}`);
    return t;
  };
  switch (i.op) {
    case 'b':
      return i.cond ? [at(i.target), k + 1] : [at(i.target)];
    case 'cbz':
    case 'cbnz':
      return [at(i.target), k + 1];
    case 'tbb':
    case 'tbh':
      return i.targets.map(at);
    case 'bx':
    case 'udf':
      return [];
    case 'pop':
      return i.regs.includes(15) ? [] : [k + 1];
    default:
      return [k + 1];
  }
}

/** flagsLiveAfter[k]: some path from after instruction k reads a flag before all four are overwritten. */
export function flagLiveness(code: readonly Instr[]): boolean[] {
  const labelAt = new Map<number, number>();
  code.forEach((i, k) => {
    if (i.op === 'label') labelAt.set(i.label, k);
  });
  const succ = code.map((_, k) => successors(code, k, labelAt).filter((s) => s < code.length));
  const liveIn = new Array<boolean>(code.length).fill(false);
  const liveOut = new Array<boolean>(code.length).fill(false);
  // Monotone (false -> true only), so iterating to a fixed point terminates.
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = code.length - 1; k >= 0; k--) {
      const out = succ[k]!.some((s) => liveIn[s]);
      const inn = readsFlags(code[k]!) || (out && !killsFlags(code[k]!));
      if (out !== liveOut[k] || inn !== liveIn[k]) {
        liveOut[k] = out;
        liveIn[k] = inn;
        changed = true;
      }
    }
  }
  return liveOut;
}

/** Bytes of one instruction; a form the encoder refuses (MULS on high registers) is never shorter. */
function encodedBytes(i: Instr): number {
  try {
    return encodeFunction([i]).bytes.length;
  } catch (e) {
    if (e instanceof EncodeError) return Infinity;
    throw e;
  }
}

/**
 * The flag-setting form of an instruction that leaves the flags alone, if it
 * has one: ALU ops on general registers (SP arithmetic has its own 16-bit
 * forms), MULS, and constants as MOVS #imm.
 */
function flagSettingForm(i: Instr): Instr | undefined {
  switch (i.op) {
    case 'alu':
      return i.setFlags || i.rd >= 13 || i.rn >= 13 ? undefined : { ...i, setFlags: true };
    case 'mov':
    case 'mvn':
    case 'shiftReg':
    case 'mul':
      return i.setFlags || i.rd >= 13 ? undefined : { ...i, setFlags: true };
    case 'movConst':
      return i.rd >= 13 ? undefined : { op: 'mov', setFlags: true, rd: i.rd, op2: { kind: 'imm', value: i.value } };
    default:
      return undefined;
  }
}

/** Use the flag-setting form of every instruction whose flags are dead when it encodes shorter. */
export function useDeadFlags(code: readonly Instr[]): Instr[] {
  const live = flagLiveness(code);
  return code.map((i, k) => {
    const s = live[k] ? undefined : flagSettingForm(i);
    return s && encodedBytes(s) < encodedBytes(i) ? s : i;
  });
}
