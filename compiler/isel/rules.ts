/**
 * Instruction-selection rules for the operand-only numeric instructions,
 * as data: one named rule per WASM shape (operation + operand kinds), tried
 * in order, the first whose ts-pattern pattern matches wins. The list is
 * exported so that tools (the lemma library) can enumerate it.
 *
 * i64 values are (lo, hi) pairs of 32-bit virtual registers.
 */
import { isMatching, P } from 'ts-pattern';
import type { NumericOp } from '../../spec/wasm/ast.ts';
import { TRAP_CODES } from '../../spec/abi/traps.ts';
import type { AluOp, Cond, ShiftKind } from '../target/insn.ts';
import { FnBuilder, INVERSE, SWAPPED, c32, c64, hi32, i32, i64, imm, isModImm, lo32, reg, type Val } from './builder.ts';
import type { VReg } from './vcode.ts';
import { UDIVMOD64 } from '../runtime/divmod64.ts';

export interface NumericInput {
  op: NumericOp;
  args: Val[];
}

export interface Rule {
  name: string;
  pattern: P.Pattern<NumericInput>;
  lower: (b: FnBuilder, args: Val[]) => Val;
}

const C32 = { k: 'c32' } as const;
const C64 = { k: 'c64' } as const;
/** A pattern for a number satisfying `f`. */
const numWhere = (f: (v: number) => boolean) => P.when((v: unknown) => typeof v === 'number' && f(v));
const pow2 = (v: number) => v > 0 && (v & (v - 1)) === 0;
const C32Pow2 = { k: 'c32', value: numWhere((v) => pow2(v)) } as const;

function rule(name: string, pattern: P.Pattern<NumericInput>, lower: Rule['lower']): Rule {
  return { name, pattern, lower };
}

// ---------- shared lowering helpers ----------

function shifted(b: FnBuilder, rm: VReg, kind: ShiftKind, amount: number): VReg {
  if (amount === 0) return rm;
  const rd = b.v();
  b.emit({ op: 'mov', setFlags: false, rd, op2: { kind: 'reg', rm, shift: { kind, amount } } });
  return rd;
}
function shiftReg(b: FnBuilder, kind: ShiftKind, rn: VReg, rm: VReg): VReg {
  const rd = b.v();
  b.emit({ op: 'shiftReg', kind, setFlags: false, rd, rn, rm });
  return rd;
}
/** rd = rn <op> (rm <shift> #amount) */
function aluShifted(b: FnBuilder, op: AluOp, rn: VReg, rm: VReg, kind: ShiftKind, amount: number): VReg {
  const rd = b.v();
  b.emit({ op: 'alu', alu: op, setFlags: false, rd, rn, op2: amount === 0 ? reg(rm) : { kind: 'reg', rm, shift: { kind, amount } } });
  return rd;
}
function unary(b: FnBuilder, op: 'clz' | 'rbit' | 'sxtb' | 'sxth', rm: VReg): VReg {
  const rd = b.v();
  b.emit({ op, rd, rm });
  return rd;
}
function trapIf(b: FnBuilder, cond: Cond, code: number): void {
  b.emit({ op: 'b', cond, target: b.trap(code) });
}

function compare32(b: FnBuilder, x: Val, y: Val, cond: Cond): Val {
  if (x.k === 'c32' && y.k !== 'c32') return compare32(b, y, x, SWAPPED[cond]);
  const rn = b.r32(x);
  if (y.k === 'c32') {
    const c = y.value;
    const zero = c === 0 && (cond === 'eq' || cond === 'ne') ? { v: rn, ifZero: cond === 'eq' } : undefined;
    if (isModImm(c)) return { k: 'cond', flags: [{ op: 'cmp', rn, op2: imm(c) }], cond, ...(zero ? { zero } : {}) };
    // CMN computes different C/V than CMP: only equality may use it.
    if ((cond === 'eq' || cond === 'ne') && isModImm(-c)) return { k: 'cond', flags: [{ op: 'cmn', rn, op2: imm(-c) }], cond };
  }
  return { k: 'cond', flags: [{ op: 'cmp', rn, op2: reg(b.r32(y)) }], cond };
}

function eqz32(b: FnBuilder, x: Val): Val {
  if (x.k === 'cond') return { ...x, cond: INVERSE[x.cond], ...(x.zero ? { zero: { v: x.zero.v, ifZero: !x.zero.ifZero } } : {}) };
  if (x.k === 'c32') return c32(x.value === 0 ? 1 : 0);
  const v = b.r32(x);
  return { k: 'cond', flags: [{ op: 'cmp', rn: v, op2: imm(0) }], cond: 'eq', zero: { v, ifZero: true } };
}

/** x == y / x != y for i64: (xlo ^ ylo) | (xhi ^ yhi) compared with 0. */
function equal64(b: FnBuilder, x: Val, y: Val, cond: 'eq' | 'ne'): Val {
  if (x.k === 'c64' && y.k !== 'c64') return equal64(b, y, x, cond);
  const a = b.r64(x);
  const t = b.v();
  if (y.k === 'c64' && y.value === 0n) {
    return { k: 'cond', flags: [{ op: 'alu', alu: 'orr', setFlags: true, rd: t, rn: a.lo, op2: reg(a.hi) }], cond, zero: { v: t, ifZero: cond === 'eq' } };
  }
  const c = b.r64(y);
  const t1 = b.v();
  const t2 = b.v();
  return {
    k: 'cond',
    flags: [
      { op: 'alu', alu: 'eor', setFlags: false, rd: t1, rn: a.lo, op2: reg(c.lo) },
      { op: 'alu', alu: 'eor', setFlags: false, rd: t2, rn: a.hi, op2: reg(c.hi) },
      { op: 'alu', alu: 'orr', setFlags: true, rd: t, rn: t1, op2: reg(t2) },
    ],
    cond,
    zero: { v: t, ifZero: cond === 'eq' },
  };
}

/** x < y or x >= y for i64: CMP on the low words, SBCS on the high words. */
function less64(b: FnBuilder, x: Val, y: Val, cond: 'lt' | 'ge' | 'lo' | 'hs'): Val {
  const a = b.r64(x);
  const c = b.r64(y);
  const t = b.v();
  return {
    k: 'cond',
    flags: [
      { op: 'cmp', rn: a.lo, op2: reg(c.lo) },
      { op: 'alu', alu: 'sbc', setFlags: true, rd: t, rn: a.hi, op2: reg(c.hi) },
    ],
    cond,
  };
}

function popcnt32(b: FnBuilder, x: VReg): VReg {
  const a = b.alu('and', shifted(b, x, 'lsr', 1), c32(0x55555555));
  const s = b.v();
  b.emit({ op: 'alu', alu: 'sub', setFlags: false, rd: s, rn: x, op2: reg(a) });
  const lo = b.alu('and', s, c32(0x33333333));
  const hi = b.alu('and', shifted(b, s, 'lsr', 2), c32(0x33333333));
  const sum = b.v();
  b.emit({ op: 'alu', alu: 'add', setFlags: false, rd: sum, rn: lo, op2: reg(hi) });
  const f = aluShifted(b, 'add', sum, sum, 'lsr', 4);
  const g = b.alu('and', f, c32(0x0f0f0f0f));
  const k = b.konst(0x01010101);
  const h = b.v();
  b.emit({ op: 'mul', rd: h, rn: g, rm: k });
  return shifted(b, h, 'lsr', 24);
}

/** `first` if it is not 32 (its operand was non-zero), else 32 + `second`: the i64 clz/ctz combination, branch-free. */
function combineCount(b: FnBuilder, first: VReg, second: VReg): VReg {
  const m = shifted(b, first, 'lsr', 5); // 1 iff first == 32
  const mask = b.v();
  b.emit({ op: 'alu', alu: 'rsb', setFlags: false, rd: mask, rn: m, op2: imm(0) });
  const part = b.v();
  b.emit({ op: 'alu', alu: 'and', setFlags: false, rd: part, rn: second, op2: reg(mask) });
  const r = b.v();
  b.emit({ op: 'alu', alu: 'add', setFlags: false, rd: r, rn: first, op2: reg(part) });
  return r;
}

// i64 shifts by a constant (already reduced mod 64).
function shl64c(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: number): Val {
  if (n === 0) return i64(x.lo, x.hi);
  if (n >= 32) return i64(b.konst(0), shifted(b, x.lo, 'lsl', n - 32));
  const hi = aluShifted(b, 'orr', shifted(b, x.hi, 'lsl', n), x.lo, 'lsr', 32 - n);
  return i64(shifted(b, x.lo, 'lsl', n), hi);
}
function shru64c(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: number): Val {
  if (n === 0) return i64(x.lo, x.hi);
  if (n >= 32) return i64(shifted(b, x.hi, 'lsr', n - 32), b.konst(0));
  const lo = aluShifted(b, 'orr', shifted(b, x.lo, 'lsr', n), x.hi, 'lsl', 32 - n);
  return i64(lo, shifted(b, x.hi, 'lsr', n));
}
function shrs64c(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: number): Val {
  if (n === 0) return i64(x.lo, x.hi);
  if (n >= 32) return i64(shifted(b, x.hi, 'asr', n - 32), shifted(b, x.hi, 'asr', 31));
  const lo = aluShifted(b, 'orr', shifted(b, x.lo, 'lsr', n), x.hi, 'lsl', 32 - n);
  return i64(lo, shifted(b, x.hi, 'asr', n));
}
function rotl64c(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: number): Val {
  if (n === 0) return i64(x.lo, x.hi);
  if (n === 32) return i64(x.hi, x.lo);
  // Rotating by 32 + m is swapping the halves and rotating by m.
  const [a, c] = n < 32 ? [x.lo, x.hi] : [x.hi, x.lo];
  const m = n % 32;
  const hi = aluShifted(b, 'orr', shifted(b, c, 'lsl', m), a, 'lsr', 32 - m);
  const lo = aluShifted(b, 'orr', shifted(b, a, 'lsl', m), c, 'lsr', 32 - m);
  return i64(lo, hi);
}

/** i64 add or sub: the low halves set the carry, the high halves use it. */
function carry64(b: FnBuilder, low: 'add' | 'sub', high: 'adc' | 'sbc', x: Val, y: Val): Val {
  const a = b.r64(x);
  const c = halves(b, y);
  const lo = b.alu(low, a.lo, c.lo, true);
  return i64(lo, b.alu(high, a.hi, c.hi));
}

/**
 * i64 logical shift by a register amount n in [0, 63], branch-free: register shifts by 32..255 give 0,
 * so the out-of-range terms vanish by themselves. Bits move from half `from` into half `into` (lo into hi
 * for a left shift, hi into lo for a right shift).
 */
function shift64v(b: FnBuilder, dir: 'lsl' | 'lsr', into: VReg, from: VReg, n: VReg): { into: VReg; from: VReg } {
  const t1 = shiftReg(b, dir, into, n);
  const t = b.alu('sub', n, c32(32));
  const t2 = shiftReg(b, dir, from, t);
  const u = b.v();
  b.emit({ op: 'alu', alu: 'rsb', setFlags: false, rd: u, rn: n, op2: imm(32) });
  const t3 = shiftReg(b, dir === 'lsl' ? 'lsr' : 'lsl', from, u);
  const t12 = b.alu('orr', t1, { k: 'i32', v: t2 });
  return { into: b.alu('orr', t12, { k: 'i32', v: t3 }), from: shiftReg(b, dir, from, n) };
}
function shl64v(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: VReg): { lo: VReg; hi: VReg } {
  const r = shift64v(b, 'lsl', x.hi, x.lo, n);
  return { lo: r.from, hi: r.into };
}
function shru64v(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: VReg): { lo: VReg; hi: VReg } {
  const r = shift64v(b, 'lsr', x.lo, x.hi, n);
  return { lo: r.into, hi: r.from };
}
/** Arithmetic shift right by n in [0, 63]: a short branch on n >= 32 (the sign fill does not vanish). */
function shrs64v(b: FnBuilder, x: { lo: VReg; hi: VReg }, n: VReg): Val {
  const lo = b.v();
  const hi = b.v();
  const small = b.label();
  const done = b.label();
  const t = b.v();
  b.emit({ op: 'alu', alu: 'sub', setFlags: true, rd: t, rn: n, op2: imm(32) });
  b.emit({ op: 'b', cond: 'mi', target: small });
  b.emit({ op: 'shiftReg', kind: 'asr', setFlags: false, rd: lo, rn: x.hi, rm: t });
  b.emit({ op: 'mov', setFlags: false, rd: hi, op2: { kind: 'reg', rm: x.hi, shift: { kind: 'asr', amount: 31 } } });
  b.emit({ op: 'b', target: done });
  b.place(small);
  const u = b.v();
  b.emit({ op: 'alu', alu: 'rsb', setFlags: false, rd: u, rn: n, op2: imm(32) });
  const l1 = shiftReg(b, 'lsr', x.lo, n);
  const l2 = shiftReg(b, 'lsl', x.hi, u);
  b.emit({ op: 'alu', alu: 'orr', setFlags: false, rd: lo, rn: l1, op2: reg(l2) });
  b.emit({ op: 'shiftReg', kind: 'asr', setFlags: false, rd: hi, rn: x.hi, rm: n });
  b.place(done);
  return i64(lo, hi);
}
function amount64(b: FnBuilder, y: Val): VReg {
  return b.alu('and', b.r64(y).lo, c32(63));
}
function negAmount64(b: FnBuilder, n: VReg): VReg {
  const m = b.v();
  b.emit({ op: 'alu', alu: 'rsb', setFlags: false, rd: m, rn: n, op2: imm(0) });
  return b.alu('and', m, c32(63));
}
function or64(b: FnBuilder, x: { lo: VReg; hi: VReg }, y: { lo: VReg; hi: VReg }): Val {
  return i64(b.alu('orr', x.lo, { k: 'i32', v: y.lo }), b.alu('orr', x.hi, { k: 'i32', v: y.hi }));
}

/** Halves of an i64 operand as i32 values (constants stay constants, for immediate forms). */
function halves(b: FnBuilder, x: Val): { lo: Val; hi: Val } {
  if (x.k === 'c64') return { lo: c32(lo32(x.value)), hi: c32(hi32(x.value)) };
  const r = b.r64(x);
  return { lo: i32(r.lo), hi: i32(r.hi) };
}

/** (x ^ sign) - sign on an i64 pair: x negated when `sign` is -1, unchanged when 0. */
function condNeg64(b: FnBuilder, x: { lo: VReg; hi: VReg }, sign: VReg): { lo: VReg; hi: VReg } {
  const l = b.alu('eor', x.lo, i32(sign));
  const h = b.alu('eor', x.hi, i32(sign));
  const lo = b.alu('sub', l, i32(sign), true);
  return { lo, hi: b.alu('sbc', h, i32(sign)) };
}

type Div64Op = 'i64.div_u' | 'i64.div_s' | 'i64.rem_u' | 'i64.rem_s';

/**
 * i64 division: the WASM traps (unless `guarded` is false: a constant divisor
 * other than 0 and -1), then UDIV (+ MLS) when both high words are zero (the
 * operands are then non-negative, so signed = unsigned), else a call to the
 * runtime's unsigned 64/64 routine on the magnitudes, with the signs applied
 * after: the quotient negated iff the signs differ, the remainder takes the
 * dividend's sign. rem_s INT64_MIN % -1 needs no guard: |n| % 1 = 0.
 */
function divmod64(b: FnBuilder, op: Div64Op, x: Val, y: Val, guarded: boolean): Val {
  const signed = op.endsWith('_s');
  const rem = op.startsWith('i64.rem');
  const n = b.r64(x);
  const d = b.r64(y);
  if (guarded) {
    b.alu('orr', d.lo, i32(d.hi), true);
    trapIf(b, 'eq', TRAP_CODES['integer divide by zero']);
    if (signed && !rem) {
      const ok = b.label();
      const both = b.alu('and', d.lo, i32(d.hi));
      b.emit({ op: 'cmn', rn: both, op2: imm(1) });
      b.emit({ op: 'b', cond: 'ne', target: ok });
      b.alu('orr', b.alu('eor', n.hi, c32(-0x80000000)), i32(n.lo), true);
      trapIf(b, 'eq', TRAP_CODES['integer overflow']);
      b.place(ok);
    }
  }
  const res = b.pair();
  const slow = b.label();
  const done = b.label();
  b.alu('orr', n.hi, i32(d.hi), true);
  b.emit({ op: 'b', cond: 'ne', target: slow });
  const q = b.v();
  b.emit({ op: 'udiv', rd: q, rn: n.lo, rm: d.lo });
  if (rem) b.emit({ op: 'mls', rd: res.lo, rn: q, rm: d.lo, ra: n.lo });
  else b.mov(res.lo, q);
  b.constInto(res.hi, 0);
  b.emit({ op: 'b', target: done });
  b.place(slow);
  const sn = signed ? shifted(b, n.hi, 'asr', 31) : undefined;
  const sd = signed ? shifted(b, d.hi, 'asr', 31) : undefined;
  const an = sn === undefined ? n : condNeg64(b, n, sn);
  const ad = sd === undefined ? d : condNeg64(b, d, sd);
  b.assign(i64(0, 1), i64(an.lo, an.hi));
  b.assign(i64(2, 3), i64(ad.lo, ad.hi));
  const bl = b.emit({ op: 'bl', symbol: UDIVMOD64 });
  b.implicit.set(bl, { uses: [0, 1, 2, 3], defs: [0, 1, 2, 3, 14] });
  const out = b.pair();
  b.assign(i64(out.lo, out.hi), rem ? i64(2, 3) : i64(0, 1));
  const sign = sn === undefined || sd === undefined ? undefined : rem ? sn : b.alu('eor', sn, i32(sd));
  const signedOut = sign === undefined ? out : condNeg64(b, out, sign);
  b.assign(i64(res.lo, res.hi), i64(signedOut.lo, signedOut.hi));
  b.place(done);
  return i64(res.lo, res.hi);
}

// ---------- the rules ----------

const I32_COMMUTATIVE: [NumericOp, AluOp][] = [
  ['i32.add', 'add'],
  ['i32.and', 'and'],
  ['i32.or', 'orr'],
  ['i32.xor', 'eor'],
];
const I64_BITWISE: [NumericOp, AluOp][] = [
  ['i64.and', 'and'],
  ['i64.or', 'orr'],
  ['i64.xor', 'eor'],
];
const I32_COMPARE: [NumericOp, Cond][] = [
  ['i32.eq', 'eq'], ['i32.ne', 'ne'], ['i32.lt_s', 'lt'], ['i32.lt_u', 'lo'], ['i32.gt_s', 'gt'], ['i32.gt_u', 'hi'],
  ['i32.le_s', 'le'], ['i32.le_u', 'ls'], ['i32.ge_s', 'ge'], ['i32.ge_u', 'hs'],
];
/** i64 orderings as (swap operands?, condition after CMP/SBCS). */
const I64_ORDER: [NumericOp, boolean, 'lt' | 'ge' | 'lo' | 'hs'][] = [
  ['i64.lt_s', false, 'lt'], ['i64.lt_u', false, 'lo'], ['i64.ge_s', false, 'ge'], ['i64.ge_u', false, 'hs'],
  ['i64.gt_s', true, 'lt'], ['i64.gt_u', true, 'lo'], ['i64.le_s', true, 'ge'], ['i64.le_u', true, 'hs'],
];
const I32_SHIFT: [NumericOp, ShiftKind][] = [
  ['i32.shl', 'lsl'],
  ['i32.shr_s', 'asr'],
  ['i32.shr_u', 'lsr'],
];

export const RULES: readonly Rule[] = [
  // i32 arithmetic and logic: immediates where they fit (aluInto decides), constant on either side for commutative ops.
  ...I32_COMMUTATIVE.flatMap(([op, alu]) => [
    rule(`${op}/const-left`, { op, args: [C32, P.not(C32)] }, (b, [x, y]) => i32(b.alu(alu, b.r32(y!), x!))),
    rule(`${op}`, { op }, (b, [x, y]) => i32(b.alu(alu, b.r32(x!), y!))),
  ]),
  rule('i32.sub/const-left', { op: 'i32.sub', args: [{ k: 'c32', value: numWhere((v) => isModImm(v)) }, P._] }, (b, [x, y]) => {
    const rd = b.v();
    b.emit({ op: 'alu', alu: 'rsb', setFlags: false, rd, rn: b.r32(y!), op2: imm((x as { value: number }).value) });
    return i32(rd);
  }),
  rule('i32.sub', { op: 'i32.sub' }, (b, [x, y]) => i32(b.alu('sub', b.r32(x!), y!))),
  rule('i32.mul/pow2', { op: 'i32.mul', args: [P._, C32Pow2] }, (b, [x, y]) => i32(shifted(b, b.r32(x!), 'lsl', Math.log2((y as { value: number }).value)))),
  rule('i32.mul/pow2-left', { op: 'i32.mul', args: [C32Pow2, P._] }, (b, [x, y]) => i32(shifted(b, b.r32(y!), 'lsl', Math.log2((x as { value: number }).value)))),
  // x * (2^k + 1) = x + (x << k); x * (2^k - 1) = (x << k) - x: one ALU op with a shifted operand, no constant.
  // 2^k - 1 only up to 31: beyond, its lemma's obligations take Z3 minutes each.
  ...(
    [
      ['i32.mul/pow2+1', 'add', 1, 0x7fffffff],
      ['i32.mul/pow2-1', 'rsb', -1, 31],
    ] as const
  ).flatMap(([name, alu, d, max]) => {
    const fits = numWhere((v) => v > 2 && v <= max && pow2(v - d));
    const lower = (b: FnBuilder, x: Val, c: number) => {
      const r = b.r32(x);
      return i32(aluShifted(b, alu, r, r, 'lsl', Math.log2(c - d)));
    };
    return [
      rule(name, { op: 'i32.mul', args: [P._, { k: 'c32', value: fits }] }, (b, [x, y]) => lower(b, x!, (y as { value: number }).value)),
      rule(`${name}-left`, { op: 'i32.mul', args: [{ k: 'c32', value: fits }, P._] }, (b, [x, y]) => lower(b, y!, (x as { value: number }).value)),
    ];
  }),
  rule('i32.mul', { op: 'i32.mul' }, (b, [x, y]) => {
    const rd = b.v();
    b.emit({ op: 'mul', rd, rn: b.r32(x!), rm: b.r32(y!) });
    return i32(rd);
  }),

  // Division: the divide-by-zero and INT_MIN / -1 traps guard SDIV/UDIV (which would not trap).
  rule('i32.div_u/pow2', { op: 'i32.div_u', args: [P._, { k: 'c32', value: numWhere((v) => pow2(v >>> 0) || v === -0x80000000) }] }, (b, [x, y]) =>
    i32(shifted(b, b.r32(x!), 'lsr', Math.log2((y as { value: number }).value >>> 0))),
  ),
  ...(['i32.div_u', 'i32.div_s', 'i32.rem_u', 'i32.rem_s'] as const).flatMap((op) => {
    const signed = op.endsWith('_s');
    const rem = op.includes('rem');
    const divide = (b: FnBuilder, n: VReg, d: VReg): VReg => {
      const q = b.v();
      b.emit({ op: signed ? 'sdiv' : 'udiv', rd: q, rn: n, rm: d });
      if (!rem) return q;
      // a - (a / b) * b; for rem_s INT_MIN % -1 SDIV gives INT_MIN and this gives 0, as WASM wants.
      const r = b.v();
      b.emit({ op: 'mls', rd: r, rn: q, rm: d, ra: n });
      return r;
    };
    return [
      // A constant divisor other than 0 and -1 cannot trap.
      rule(`${op}/const-safe`, { op, args: [P._, { k: 'c32', value: numWhere((v) => v !== 0 && v !== -1) }] }, (b, [x, y]) =>
        i32(divide(b, b.r32(x!), b.r32(y!))),
      ),
      rule(`${op}`, { op }, (b, [x, y]) => {
        const n = b.r32(x!);
        const d = b.r32(y!);
        b.emit({ op: 'cmp', rn: d, op2: imm(0) });
        trapIf(b, 'eq', TRAP_CODES['integer divide by zero']);
        if (signed && !rem) {
          const ok = b.label();
          b.emit({ op: 'cmn', rn: d, op2: imm(1) });
          b.emit({ op: 'b', cond: 'ne', target: ok });
          b.emit({ op: 'cmp', rn: n, op2: imm(-0x80000000) });
          trapIf(b, 'eq', TRAP_CODES['integer overflow']);
          b.place(ok);
        }
        return i32(divide(b, n, d));
      }),
    ];
  }),

  // Shifts and rotates: WASM takes the amount mod 32; register shifts on ARM use the low byte, so mask (except ROR, which is mod 32 anyway).
  ...I32_SHIFT.flatMap(([op, kind]) => [
    rule(`${op}/const`, { op, args: [P._, C32] }, (b, [x, y]) => i32(shifted(b, b.r32(x!), kind, (y as { value: number }).value & 31))),
    rule(`${op}`, { op }, (b, [x, y]) => i32(shiftReg(b, kind, b.r32(x!), b.alu('and', b.r32(y!), c32(31))))),
  ]),
  rule('i32.rotr/const', { op: 'i32.rotr', args: [P._, C32] }, (b, [x, y]) => i32(shifted(b, b.r32(x!), 'ror', (y as { value: number }).value & 31))),
  rule('i32.rotr', { op: 'i32.rotr' }, (b, [x, y]) => i32(shiftReg(b, 'ror', b.r32(x!), b.r32(y!)))),
  rule('i32.rotl/const', { op: 'i32.rotl', args: [P._, C32] }, (b, [x, y]) => i32(shifted(b, b.r32(x!), 'ror', (32 - ((y as { value: number }).value & 31)) & 31))),
  rule('i32.rotl', { op: 'i32.rotl' }, (b, [x, y]) => {
    const neg = b.v();
    b.emit({ op: 'alu', alu: 'rsb', setFlags: false, rd: neg, rn: b.r32(y!), op2: imm(0) });
    return i32(shiftReg(b, 'ror', b.r32(x!), neg));
  }),

  // Comparisons produce a lazy condition: a consumer branch uses the flags directly.
  rule('i32.eqz', { op: 'i32.eqz' }, (b, [x]) => eqz32(b, x!)),
  ...I32_COMPARE.map(([op, cond]) => rule(op, { op }, (b, [x, y]) => compare32(b, x!, y!, cond))),

  rule('i32.clz', { op: 'i32.clz' }, (b, [x]) => i32(unary(b, 'clz', b.r32(x!)))),
  rule('i32.ctz', { op: 'i32.ctz' }, (b, [x]) => i32(unary(b, 'clz', unary(b, 'rbit', b.r32(x!))))),
  rule('i32.popcnt', { op: 'i32.popcnt' }, (b, [x]) => i32(popcnt32(b, b.r32(x!)))),
  rule('i32.extend8_s', { op: 'i32.extend8_s' }, (b, [x]) => i32(unary(b, 'sxtb', b.r32(x!)))),
  rule('i32.extend16_s', { op: 'i32.extend16_s' }, (b, [x]) => i32(unary(b, 'sxth', b.r32(x!)))),

  // i64 arithmetic on halves: ADDS/ADC, SUBS/SBC, UMULL + 2 MLA.
  rule('i64.add', { op: 'i64.add' }, (b, [x, y]) => carry64(b, 'add', 'adc', x!, y!)),
  rule('i64.sub', { op: 'i64.sub' }, (b, [x, y]) => carry64(b, 'sub', 'sbc', x!, y!)),
  rule('i64.mul', { op: 'i64.mul' }, (b, [x, y]) => {
    const a = b.r64(x!);
    const c = b.r64(y!);
    const lo = b.v();
    const h0 = b.v();
    b.emit({ op: 'umull', rdLo: lo, rdHi: h0, rn: a.lo, rm: c.lo });
    const h1 = b.v();
    b.emit({ op: 'mla', rd: h1, rn: a.lo, rm: c.hi, ra: h0 });
    const hi = b.v();
    b.emit({ op: 'mla', rd: hi, rn: a.hi, rm: c.lo, ra: h1 });
    return i64(lo, hi);
  }),
  ...(['i64.div_u', 'i64.div_s', 'i64.rem_u', 'i64.rem_s'] as const).flatMap((op) => [
    // A constant divisor other than 0 and -1 cannot trap.
    rule(`${op}/const-safe`, { op, args: [P._, { k: 'c64', value: P.when((v: unknown) => typeof v === 'bigint' && BigInt.asIntN(64, v) !== 0n && BigInt.asIntN(64, v) !== -1n) }] }, (b, [x, y]) =>
      divmod64(b, op, x!, y!, false),
    ),
    rule(op, { op }, (b, [x, y]) => divmod64(b, op, x!, y!, true)),
  ]),
  ...I64_BITWISE.map(([op, alu]) =>
    rule(op, { op }, (b, [x, y]) => {
      const [p, q] = x!.k === 'c64' && y!.k !== 'c64' ? [y!, x!] : [x!, y!];
      const a = b.r64(p);
      const c = halves(b, q);
      return i64(b.alu(alu, a.lo, c.lo), b.alu(alu, a.hi, c.hi));
    }),
  ),

  rule('i64.eqz', { op: 'i64.eqz' }, (b, [x]) => equal64(b, x!, c64(0n), 'eq')),
  rule('i64.eq', { op: 'i64.eq' }, (b, [x, y]) => equal64(b, x!, y!, 'eq')),
  rule('i64.ne', { op: 'i64.ne' }, (b, [x, y]) => equal64(b, x!, y!, 'ne')),
  ...I64_ORDER.map(([op, swap, cond]) => rule(op, { op }, (b, [x, y]) => (swap ? less64(b, y!, x!, cond) : less64(b, x!, y!, cond)))),

  rule('i64.shl/const', { op: 'i64.shl', args: [P._, C64] }, (b, [x, y]) => shl64c(b, b.r64(x!), Number((y as { value: bigint }).value & 63n))),
  rule('i64.shr_u/const', { op: 'i64.shr_u', args: [P._, C64] }, (b, [x, y]) => shru64c(b, b.r64(x!), Number((y as { value: bigint }).value & 63n))),
  rule('i64.shr_s/const', { op: 'i64.shr_s', args: [P._, C64] }, (b, [x, y]) => shrs64c(b, b.r64(x!), Number((y as { value: bigint }).value & 63n))),
  rule('i64.rotl/const', { op: 'i64.rotl', args: [P._, C64] }, (b, [x, y]) => rotl64c(b, b.r64(x!), Number((y as { value: bigint }).value & 63n))),
  rule('i64.rotr/const', { op: 'i64.rotr', args: [P._, C64] }, (b, [x, y]) => rotl64c(b, b.r64(x!), Number(-(y as { value: bigint }).value & 63n))),
  rule('i64.shl', { op: 'i64.shl' }, (b, [x, y]) => {
    const r = shl64v(b, b.r64(x!), amount64(b, y!));
    return i64(r.lo, r.hi);
  }),
  rule('i64.shr_u', { op: 'i64.shr_u' }, (b, [x, y]) => {
    const r = shru64v(b, b.r64(x!), amount64(b, y!));
    return i64(r.lo, r.hi);
  }),
  rule('i64.shr_s', { op: 'i64.shr_s' }, (b, [x, y]) => shrs64v(b, b.r64(x!), amount64(b, y!))),
  rule('i64.rotl', { op: 'i64.rotl' }, (b, [x, y]) => {
    const a = b.r64(x!);
    const n = amount64(b, y!);
    return or64(b, shl64v(b, a, n), shru64v(b, a, negAmount64(b, n)));
  }),
  rule('i64.rotr', { op: 'i64.rotr' }, (b, [x, y]) => {
    const a = b.r64(x!);
    const n = amount64(b, y!);
    return or64(b, shru64v(b, a, n), shl64v(b, a, negAmount64(b, n)));
  }),

  rule('i64.clz', { op: 'i64.clz' }, (b, [x]) => {
    const a = b.r64(x!);
    return i64(combineCount(b, unary(b, 'clz', a.hi), unary(b, 'clz', a.lo)), b.konst(0));
  }),
  rule('i64.ctz', { op: 'i64.ctz' }, (b, [x]) => {
    const a = b.r64(x!);
    return i64(combineCount(b, unary(b, 'clz', unary(b, 'rbit', a.lo)), unary(b, 'clz', unary(b, 'rbit', a.hi))), b.konst(0));
  }),
  rule('i64.popcnt', { op: 'i64.popcnt' }, (b, [x]) => {
    const a = b.r64(x!);
    return i64(b.alu('add', popcnt32(b, a.lo), i32(popcnt32(b, a.hi))), b.konst(0));
  }),

  // Conversions.
  rule('i32.wrap_i64/const', { op: 'i32.wrap_i64', args: [C64] }, (_b, [x]) => c32(lo32((x as { value: bigint }).value))),
  rule('i32.wrap_i64', { op: 'i32.wrap_i64' }, (b, [x]) => i32(b.r64(x!).lo)),
  rule('i64.extend_i32_s/const', { op: 'i64.extend_i32_s', args: [C32] }, (_b, [x]) => c64(BigInt((x as { value: number }).value))),
  rule('i64.extend_i32_s', { op: 'i64.extend_i32_s' }, (b, [x]) => {
    const lo = b.r32(x!);
    return i64(lo, shifted(b, lo, 'asr', 31));
  }),
  rule('i64.extend_i32_u/const', { op: 'i64.extend_i32_u', args: [C32] }, (_b, [x]) => c64(BigInt((x as { value: number }).value >>> 0))),
  rule('i64.extend_i32_u', { op: 'i64.extend_i32_u' }, (b, [x]) => i64(b.r32(x!), b.konst(0))),
  ...(
    [
      ['i64.extend8_s', 'sxtb'],
      ['i64.extend16_s', 'sxth'],
    ] as const
  ).map(([op, ext]) =>
    rule(op, { op }, (b, [x]) => {
      const lo = unary(b, ext, b.r64(x!).lo);
      return i64(lo, shifted(b, lo, 'asr', 31));
    }),
  ),
  rule('i64.extend32_s', { op: 'i64.extend32_s' }, (b, [x]) => {
    const lo = b.r64(x!).lo;
    return i64(lo, shifted(b, lo, 'asr', 31));
  }),
];

/** Operators whose condition operand is consumed lazily (not materialised before the rule runs). */
export const CONSUMES_COND: ReadonlySet<NumericOp> = new Set(['i32.eqz']);

/** The first rule that matches, or undefined (the op is outside what the selector supports). */
export function selectRule(input: NumericInput): Rule | undefined {
  return RULES.find((r) => isMatching(r.pattern as never, input));
}
