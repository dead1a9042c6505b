/**
 * Runtime routines emitted into the object as local functions, written as
 * `MInstr` (they go through the same encoder, and keep to its contract:
 * r12 is never used, every immediate fits one instruction).
 *
 * `__warden_udivmod64`: unsigned 64/64 division, AAPCS leaf.
 *   in:  r0:r1 = n (lo, hi), r2:r3 = d (lo, hi); precondition d != 0
 *   out: r0:r1 = n / d (bvudiv), r2:r3 = n % d (bvurem)
 *   preserves r4-r11, SP (r4-r7 and LR are pushed and popped); clobbers
 *   r0-r3, LR and the flags; never touches r12 or memory outside its 20-byte
 *   stack frame; returns with POP {.., PC} to the entry LR.
 * Canonical bytes: proofs/runtime/udivmod64.ts (regenerate with tests/proofs/udivmod64-gen.ts --write).
 * Selected code calls it after its own divide-by-zero and overflow guards
 * and only when a high word is non-zero (else UDIV/MLS on 32 bits).
 */
import type { AluOp, MInstr, Operand2, PReg } from '../target/insn.ts';
import { LR, PC } from '../target/insn.ts';

export { UDIVMOD64_SYMBOL as UDIVMOD64 } from '../../spec/abi/layout.ts';

type MI = MInstr<PReg>;
const reg = (rm: PReg) => ({ kind: 'reg' as const, rm });
const imm = (value: number) => ({ kind: 'imm' as const, value });
const alu = (op: AluOp, s: boolean, rd: PReg, rn: PReg, op2: Operand2<PReg>): MI => ({ op: 'alu', alu: op, setFlags: s, rd, rn, op2 });
const mov = (rd: PReg, op2: Operand2<PReg>): MI => ({ op: 'mov', setFlags: false, rd, op2 });
const shiftReg = (kind: 'lsl' | 'lsr', rd: PReg, rn: PReg, rm: PReg): MI => ({ op: 'shiftReg', kind, setFlags: false, rd, rn, rm });

/**
 * Three paths after the n < d exit (q = 0, r = n):
 * - d < 2^24 (high word 0): five exact UDIV/MLS steps, by the high word then
 *   8 bits at a time (each partial remainder is < d, so shifting it left by 8 fits);
 * - otherwise restoring shift-subtract division over the 128-bit shift
 *   register rem:n (r5:r4:r1:r0), one quotient bit per step shifted into n's
 *   low end, run only over the quotient's bits: sr = clz64(d) - clz64(n) + 1
 *   (1..64, as n >= d) steps, starting from rem:n = zext128(n) << (64 - sr),
 *   i.e. rem = n >> sr (< d) and n's low sr bits at the top of r1:r0.
 * Register shifts use the amount's low byte: amounts 32..255 (and negative
 * amounts, 224..255) give 0, which the shift pairs below rely on.
 */
export function udivmod64(): MI[] {
  const [DIVIDE, GENERAL, LOOP, SUB, NEXT, DONE] = [0, 1, 2, 3, 4, 5];
  const ret: MI = { op: 'pop', regs: [4, 5, 6, 7, PC] };
  const shifted = (rm: PReg, kind: 'lsl' | 'lsr', amount: number) => ({ kind: 'reg' as const, rm, shift: { kind, amount } });
  /** rd = clz64(hi:lo) = clz(hi) + (hi == 0 ? clz(lo) : 0); t, u scratch. */
  const clz64 = (rd: PReg, lo: PReg, hi: PReg, t: PReg, u: PReg): MI[] => [
    { op: 'clz', rd, rm: hi },
    { op: 'clz', rd: t, rm: lo },
    mov(u, shifted(rd, 'lsr', 5)),
    alu('rsb', false, u, u, imm(0)),
    alu('and', false, t, t, reg(u)),
    alu('add', false, rd, rd, reg(t)),
  ];
  return [
    { op: 'push', regs: [4, 5, 6, 7, LR] },
    // n < d: q = 0, r = n.
    { op: 'cmp', rn: 0, op2: reg(2) },
    alu('sbc', true, 6, 1, reg(3)),
    { op: 'b', cond: 'hs', target: DIVIDE },
    mov(2, reg(0)), mov(3, reg(1)), mov(0, imm(0)), mov(1, imm(0)),
    ret,
    { op: 'label', label: DIVIDE },
    { op: 'cmp', rn: 3, op2: imm(0) },
    { op: 'b', cond: 'ne', target: GENERAL },
    { op: 'cmp', rn: 2, op2: imm(0x1000000) },
    { op: 'b', cond: 'hs', target: GENERAL },
    // d < 2^24: qh = nh / d (r4), then four 8-bit digits of (rem:nl) / d into r6, nl shifted up 8 bits a step.
    { op: 'udiv', rd: 4, rn: 1, rm: 2 },
    { op: 'mls', rd: 5, rn: 4, rm: 2, ra: 1 },
    mov(6, imm(0)),
    ...[0, 1, 2, 3].flatMap((): MI[] => [
      mov(7, shifted(0, 'lsr', 24)),
      alu('orr', false, 5, 7, shifted(5, 'lsl', 8)),
      mov(0, shifted(0, 'lsl', 8)),
      { op: 'udiv', rd: 7, rn: 5, rm: 2 },
      { op: 'mls', rd: 5, rn: 7, rm: 2, ra: 5 },
      alu('orr', false, 6, 7, shifted(6, 'lsl', 8)),
    ]),
    mov(0, reg(6)), mov(1, reg(4)), mov(2, reg(5)),
    ret,
    { op: 'label', label: GENERAL },
    ...clz64(6, 0, 1, 4, 5),
    ...clz64(7, 2, 3, 4, 5),
    // lr = sr = clz64(d) - clz64(n) + 1; r6 = 64 - sr.
    alu('sub', false, LR, 7, reg(6)),
    alu('add', false, LR, LR, imm(1)),
    alu('rsb', false, 6, LR, imm(64)),
    // rem = n >> sr (r5:r4); reads r0, r1 before they are shifted.
    shiftReg('lsr', 4, 0, LR),
    alu('rsb', false, 7, LR, imm(32)),
    shiftReg('lsl', 7, 1, 7),
    alu('orr', false, 4, 4, reg(7)),
    alu('sub', false, 7, LR, imm(32)),
    shiftReg('lsr', 7, 1, 7),
    alu('orr', false, 4, 4, reg(7)),
    shiftReg('lsr', 5, 1, LR),
    // n <<= 64 - sr (r1:r0).
    shiftReg('lsl', 1, 1, 6),
    alu('rsb', false, 7, 6, imm(32)),
    shiftReg('lsr', 7, 0, 7),
    alu('orr', false, 1, 1, reg(7)),
    alu('sub', false, 7, 6, imm(32)),
    shiftReg('lsl', 7, 0, 7),
    alu('orr', false, 1, 1, reg(7)),
    shiftReg('lsl', 0, 0, 6),
    { op: 'label', label: LOOP },
    alu('add', true, 0, 0, reg(0)),
    alu('adc', true, 1, 1, reg(1)),
    alu('adc', true, 4, 4, reg(4)),
    alu('adc', true, 5, 5, reg(5)),
    // A carry out: the remainder is 65 bits wide, certainly >= d; the subtraction mod 2^64 is exact.
    { op: 'b', cond: 'hs', target: SUB },
    alu('sub', true, 6, 4, reg(2)),
    alu('sbc', true, 7, 5, reg(3)),
    { op: 'b', cond: 'lo', target: NEXT },
    mov(4, reg(6)), mov(5, reg(7)),
    alu('orr', false, 0, 0, imm(1)),
    // The loop tail again (saves the branch to NEXT on this common path).
    alu('sub', true, LR, LR, imm(1)),
    { op: 'b', cond: 'ne', target: LOOP },
    { op: 'b', target: DONE },
    { op: 'label', label: SUB },
    alu('sub', true, 4, 4, reg(2)),
    alu('sbc', false, 5, 5, reg(3)),
    alu('orr', false, 0, 0, imm(1)),
    { op: 'label', label: NEXT },
    alu('sub', true, LR, LR, imm(1)),
    { op: 'b', cond: 'ne', target: LOOP },
    { op: 'label', label: DONE },
    mov(2, reg(4)), mov(3, reg(5)),
    ret,
  ];
}
