/**
 * ITSTATE bookkeeping (ARMv7-M A7.3.3). ITSTATE is the 8-bit value
 * firstcond:mask set by an IT instruction; 0 means "not in an IT block".
 * It is always concrete: it follows from the instruction stream alone.
 */
import { CONDS, type ArmInstr, type Cond } from './ast.ts';

export function inITBlock(it: number): boolean {
  return (it & 0xf) !== 0;
}

export function lastInITBlock(it: number): boolean {
  return (it & 0xf) === 0b1000;
}

/** The condition of the current instruction inside an IT block, or undefined outside one. */
export function itCond(it: number): Cond | undefined {
  return inITBlock(it) ? CONDS[(it >> 4) & 0xf] ?? 'al' : undefined;
}

/** ITAdvance(). */
export function itAdvance(it: number): number {
  if ((it & 0b111) === 0) return 0;
  return (it & 0xe0) | ((it << 1) & 0x1f);
}

/** ITSTATE after executing `instr` (not taking a branch out of the block changes nothing here: branches are last). */
export function itAfter(instr: ArmInstr, it: number): number {
  if (instr.op === 'it') return ((instr.firstcond << 4) | instr.mask) & 0xff;
  return inITBlock(it) ? itAdvance(it) : 0;
}
