/**
 * Runtime routines emitted into the object as local functions, written as
 * `MInstr` (they go through the same encoder, and keep to its contract:
 * r12 is never used, every immediate fits one instruction).
 *
 * `__warden_udivmod64`: unsigned 64/64 division, AAPCS leaf.
 *   in:  r0:r1 = n (lo, hi), r2:r3 = d (lo, hi); precondition d != 0
 *   out: r0:r1 = n / d (bvudiv), r2:r3 = n % d (bvurem)
 *   preserves r4-r11, SP (r4-r7 and LR are pushed and popped); clobbers
 *   r0-r3 and the flags; never touches r12 or memory outside its 20-byte
 *   stack frame; returns with POP {.., PC} to the entry LR.
 * Selected code calls it after its own divide-by-zero and overflow guards
 * and only when a high word is non-zero (else UDIV/MLS on 32 bits).
 */
import type { AluOp, MInstr, Operand2, PReg } from '../target/insn.ts';
import { LR, PC } from '../target/insn.ts';

export const UDIVMOD64 = '__warden_udivmod64';

type MI = MInstr<PReg>;
const reg = (rm: PReg) => ({ kind: 'reg' as const, rm });
const imm = (value: number) => ({ kind: 'imm' as const, value });
const alu = (op: AluOp, s: boolean, rd: PReg, rn: PReg, op2: Operand2<PReg>): MI => ({ op: 'alu', alu: op, setFlags: s, rd, rn, op2 });
const mov = (rd: PReg, op2: Operand2<PReg>): MI => ({ op: 'mov', setFlags: false, rd, op2 });
const shiftReg = (kind: 'lsl' | 'lsr', rd: PReg, rn: PReg, rm: PReg): MI => ({ op: 'shiftReg', kind, setFlags: false, rd, rn, rm });

/**
 * Restoring shift-subtract division over the 128-bit shift register
 * rem:n (r5:r4:r1:r0), one quotient bit per step shifted into n's low end.
 * Leading zero bits of n are skipped first (they give zero quotient bits and
 * leave the remainder 0), so the loop runs 64 - clz64(n) times; n < d returns at once.
 */
export function udivmod64(): MI[] {
  const [DIVIDE, HIGH, LOOP, SUB, NEXT] = [0, 1, 2, 3, 4];
  const ret: MI = { op: 'pop', regs: [4, 5, 6, 7, PC] };
  return [
    { op: 'push', regs: [4, 5, 6, 7, LR] },
    // n < d: q = 0, r = n.
    { op: 'cmp', rn: 0, op2: reg(2) },
    alu('sbc', true, 6, 1, reg(3)),
    { op: 'b', cond: 'hs', target: DIVIDE },
    mov(2, reg(0)), mov(3, reg(1)), mov(0, imm(0)), mov(1, imm(0)),
    ret,
    { op: 'label', label: DIVIDE },
    // lr = steps; n != 0 here (n >= d >= 1). A zero high word: shift n by 32 at once.
    mov(LR, imm(64)),
    { op: 'cmp', rn: 1, op2: imm(0) },
    { op: 'b', cond: 'ne', target: HIGH },
    mov(1, reg(0)), mov(0, imm(0)),
    alu('sub', false, LR, LR, imm(32)),
    { op: 'label', label: HIGH },
    // k = clz(hi) in [0, 31]: n <<= k. For k = 0, LSR by 32 gives 0 (register shifts use the low byte).
    { op: 'clz', rd: 6, rm: 1 },
    shiftReg('lsl', 1, 1, 6),
    alu('rsb', false, 7, 6, imm(32)),
    shiftReg('lsr', 7, 0, 7),
    alu('orr', false, 1, 1, reg(7)),
    shiftReg('lsl', 0, 0, 6),
    alu('sub', false, LR, LR, reg(6)),
    mov(4, imm(0)), mov(5, imm(0)),
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
    { op: 'b', target: NEXT },
    { op: 'label', label: SUB },
    alu('sub', true, 4, 4, reg(2)),
    alu('sbc', false, 5, 5, reg(3)),
    alu('orr', false, 0, 0, imm(1)),
    { op: 'label', label: NEXT },
    alu('sub', true, LR, LR, imm(1)),
    { op: 'b', cond: 'ne', target: LOOP },
    mov(2, reg(4)), mov(3, reg(5)),
    ret,
  ];
}
