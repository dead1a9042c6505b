/**
 * Rewrite lemmas: identities Z3 cannot decide quickly in QF_BV, stated over
 * bit-vectors, used by the validator to put one side in the shape the other
 * side computes, and each proved once for all inputs (here, over the
 * integers in QF_NIA, where Z3 proves them instantly).
 *
 * The bit-vector form and the integer form are related by the standard
 * bv2nat reading (bvmul is multiplication mod 2^n, zero-extension keeps the
 * value, extract(hi, lo) is div 2^lo mod 2^(hi-lo+1)); that reading is part
 * of the trusted base and is named in the report.
 *
 * proofs/ is the lemma library's home (DESIGN.md); this file holds the
 * statements the validator applies, so that a verdict names every lemma it
 * used and `proveLemma` can re-establish each one.
 */
import type { Z3Context, ZBV } from '../spec/bv/z3.ts';
import type { VAlgebra } from './symmem.ts';
import { I64_DIVREM_BY_CASES, REM_FROM_DIV } from '../proofs/lemmas/rewrite.ts';
import { proveLemma as proveLibraryLemma } from '../proofs/prove.ts';
import type { Algebra } from '../spec/bv/algebra.ts';
import { z3Algebra } from '../spec/bv/z3.ts';
import { numeric } from '../spec/wasm/semantics.ts';

export type LemmaName = 'i64.mul-by-halves' | 'i64.add-by-halves' | 'i64.sub-by-halves' | 'rem-from-div' | 'i64.divrem-by-cases' | 'popcnt-swar' | ShiftLemma;

/** The i64 shifts by a register amount rewritten over halves. */
export type Shift64 = 'shl' | 'shr_u' | 'rotl' | 'rotr';
type ShiftLemma = `i64.${Shift64}-by-halves`;
export const SHIFT64: readonly Shift64[] = ['shl', 'shr_u', 'rotl', 'rotr'];

export interface Lemma {
  name: LemmaName;
  statement: string;
}

export const LEMMAS: Record<LemmaName, Lemma> = {
  'i64.mul-by-halves': {
    name: 'i64.mul-by-halves',
    statement:
      'for all 64-bit x, y with halves x1:x0, y1:y0: x * y = concat(extract[63:32](zext64(x0) * zext64(y0)) + x0 * y1 + x1 * y0, extract[31:0](zext64(x0) * zext64(y0)))',
  },
  'i64.add-by-halves': {
    name: 'i64.add-by-halves',
    statement: 'for all 64-bit x, y with halves x1:x0, y1:y0: x + y = concat(x1 + y1 + zext32(x0 + y0 <u x0), x0 + y0)',
  },
  'i64.sub-by-halves': {
    name: 'i64.sub-by-halves',
    statement: 'for all 64-bit x, y with halves x1:x0, y1:y0: x - y = concat(x1 - y1 - zext32(x0 <u y0), x0 - y0)',
  },
  'rem-from-div': {
    name: 'rem-from-div',
    statement: 'for all 32-bit x, y with y != 0: urem(x, y) = x - udiv0(x, y) * y and srem(x, y) = x - sdiv0(x, y) * y, where udiv0 / sdiv0 are udiv / sdiv with 0 for a zero divisor (as UDIV / SDIV compute)',
  },
  'i64.divrem-by-cases': {
    name: 'i64.divrem-by-cases',
    statement:
      'for all 64-bit x, y with halves x1:x0, y1:y0, y != 0, f = (x1 | y1 = 0), sx = x >>s 63, sy = y >>s 63, |x| = (x ^ sx) - sx, neg(s, v) = (v ^ s) - s: ' +
      'udiv(x, y) = ite(f, zext64(udiv0(x0, y0)), udiv(x, y)); urem(x, y) = ite(f, zext64(x0 - udiv0(x0, y0) * y0), urem(x, y)); ' +
      'sdiv(x, y) = ite(f, zext64(udiv0(x0, y0)), neg(sx ^ sy, udiv(|x|, |y|))); srem(x, y) = ite(f, zext64(x0 - udiv0(x0, y0) * y0), neg(sx, urem(|x|, |y|))). ' +
      'The validator then treats 64-bit udiv and urem as uninterpreted functions on both sides (udiv64.uf, urem64.uf), which only forgets facts',
  },
  'popcnt-swar': {
    name: 'popcnt-swar',
    statement:
      'for all 32-bit x: popcnt(x) = swar(x), where s = x - ((x >> 1) & 0x55555555), t = (s & 0x33333333) + ((s >> 2) & 0x33333333), swar(x) = (((t + (t >> 4)) & 0x0f0f0f0f) * 0x01010101) >> 24; for all 64-bit x with halves x1:x0: popcnt(x) = zext64(swar(x0) + swar(x1))',
  },
  ...(Object.fromEntries(
    SHIFT64.map((op) => [
      `i64.${op}-by-halves`,
      {
        name: `i64.${op}-by-halves`,
        statement: `for all 64-bit x, y with halves x1:x0, y1:y0: i64.${op}(x, y) = shift64ByHalves('${op}', x, y) in validator/lemmas.ts: with n = y0 & 63, m = (0 - n) & 63, a << k and a >> k the 32-bit shifts by the amount's low byte (0 when it is 32 or more), shl(n) = concat((x1 << n) | (x0 << (n - 32)) | (x0 >> (32 - n)), x0 << n), shr_u(n) = concat(x1 >> n, (x0 >> n) | (x1 >> (n - 32)) | (x1 << (32 - n))), rotl = shl(n) | shr_u(m), rotr = shr_u(n) | shl(m)`,
      },
    ]),
  ) as Record<ShiftLemma, Lemma>),
};

/** The bit-vector operations the right-hand sides below use (the validator's algebra, or the lemma library's). */
export type BvAlgebra = Pick<VAlgebra, 'ctx' | 'bv' | 'widthOf' | 'extract' | 'eq' | 'or' | 'xor' | 'zext' | 'sub' | 'mul' | 'ite' | 'udiv' | 'sdiv' | 'ashr'>;

/** udiv / sdiv with 0 for a zero divisor: what UDIV / SDIV compute (spec/arm/semantics.ts). */
function div0(A: BvAlgebra, signed: boolean, x: ZBV, y: ZBV): ZBV {
  return A.ite(A.eq(y, A.bv(0, A.widthOf(y))), A.bv(0, A.widthOf(y)), signed ? A.sdiv(x, y) : A.udiv(x, y));
}

/** The right-hand side of rem-from-div (for y != 0): the shape UDIV/SDIV + MLS compute. */
export function remFromDiv(A: BvAlgebra, signed: boolean, x: ZBV, y: ZBV): ZBV {
  return A.sub(x, A.mul(div0(A, signed, x, y), y));
}

/** 64-bit udiv and urem as uninterpreted functions (one declaration per context, shared by both sides). */
export function udiv64Uf(A: BvAlgebra, n: ZBV, d: ZBV): ZBV {
  const bv = A.ctx.BitVec.sort(64);
  return A.ctx.Function.declare('udiv64.uf', bv, bv, bv).call(n as never, d as never) as ZBV;
}
export function urem64Uf(A: BvAlgebra, n: ZBV, d: ZBV): ZBV {
  const bv = A.ctx.BitVec.sort(64);
  return A.ctx.Function.declare('urem64.uf', bv, bv, bv).call(n as never, d as never) as ZBV;
}

export type DivRem64 = 'i64.div_u' | 'i64.rem_u' | 'i64.div_s' | 'i64.rem_s';

/** The right-hand sides of i64.divrem-by-cases (for y != 0), with 64-bit udiv / urem uninterpreted. */
export function divRem64ByCases(A: BvAlgebra, op: DivRem64, x: ZBV, y: ZBV): ZBV {
  const x0 = A.extract(x, 31, 0);
  const y0 = A.extract(y, 31, 0);
  const fast = A.eq(A.or(A.extract(x, 63, 32), A.extract(y, 63, 32)), A.bv(0, 32));
  const rem = op.startsWith('i64.rem');
  const small = A.zext(rem ? remFromDiv(A, false, x0, y0) : div0(A, false, x0, y0), 64);
  const neg = (s: ZBV, v: ZBV) => A.sub(A.xor(v, s), s);
  let big: ZBV;
  if (op.endsWith('_u')) big = rem ? urem64Uf(A, x, y) : udiv64Uf(A, x, y);
  else {
    const sx = A.ashr(x, A.bv(63, 64));
    const sy = A.ashr(y, A.bv(63, 64));
    const ax = neg(sx, x);
    const ay = neg(sy, y);
    big = rem ? neg(sx, urem64Uf(A, ax, ay)) : neg(A.xor(sx, sy), udiv64Uf(A, ax, ay));
  }
  return A.ite(fast, small, big);
}

/**
 * The right-hand sides of i64.{shl,shr_u,rotl,rotr}-by-halves: 64-bit shifts by a register amount built
 * from 32-bit shifts whose amount is the low byte of a register (an amount of 32 or more gives 0), the
 * shape LSL/LSR by register compute.
 */
export function shift64ByHalves<B, P, M>(A: Algebra<B, P, M>, op: Shift64, x: B, y: B): B {
  const x0 = A.extract(x, 31, 0);
  const x1 = A.extract(x, 63, 32);
  const k = (v: number) => A.bv(v, 32);
  const byReg = (f: 'shl' | 'lshr', a: B, amount: B) => A[f](a, A.zext(A.extract(amount, 7, 0), 32));
  const shl = (n: B) => ({ lo: byReg('shl', x0, n), hi: A.or(A.or(byReg('shl', x1, n), byReg('shl', x0, A.sub(n, k(32)))), byReg('lshr', x0, A.sub(k(32), n))) });
  const shr = (n: B) => ({ lo: A.or(A.or(byReg('lshr', x0, n), byReg('lshr', x1, A.sub(n, k(32)))), byReg('shl', x1, A.sub(k(32), n))), hi: byReg('lshr', x1, n) });
  const n = A.and(A.extract(y, 31, 0), k(63));
  const m = A.and(A.sub(k(0), n), k(63));
  const or = (a: { lo: B; hi: B }, b: { lo: B; hi: B }) => ({ lo: A.or(a.lo, b.lo), hi: A.or(a.hi, b.hi) });
  const r = op === 'shl' ? shl(n) : op === 'shr_u' ? shr(n) : op === 'rotl' ? or(shl(n), shr(m)) : or(shr(n), shl(m));
  return A.concat(r.hi, r.lo);
}

/** The right-hand side of popcnt-swar: the SWAR sequence the compiler emits for i32.popcnt (and twice for i64). */
export function popcntSwar<B, P, M>(A: Algebra<B, P, M>, x: B): B {
  const k = (v: number) => A.bv(v, 32);
  const swar = (w: B) => {
    const s = A.sub(w, A.and(A.lshr(w, k(1)), k(0x55555555)));
    const t = A.add(A.and(s, k(0x33333333)), A.and(A.lshr(s, k(2)), k(0x33333333)));
    return A.lshr(A.mul(A.and(A.add(t, A.lshr(t, k(4))), k(0x0f0f0f0f)), k(0x01010101)), k(24));
  };
  if (A.widthOf(x) === 32) return swar(x);
  return A.zext(A.add(swar(A.extract(x, 31, 0)), swar(A.extract(x, 63, 32))), 64);
}

/** The right-hand sides of i64.add-by-halves / i64.sub-by-halves: the shape ADDS+ADC / SUBS+SBC compute. */
export function addSub64ByHalves(A: VAlgebra, op: 'add' | 'sub', x: ZBV, y: ZBV): ZBV {
  const x0 = A.extract(x, 31, 0);
  const x1 = A.extract(x, 63, 32);
  const y0 = A.extract(y, 31, 0);
  const y1 = A.extract(y, 63, 32);
  if (op === 'add') {
    const lo = A.add(x0, y0);
    return A.concat(A.add(A.add(x1, y1), A.ite(A.ult(lo, x0), A.bv(1, 32), A.bv(0, 32))), lo);
  }
  return A.concat(A.sub(A.sub(x1, y1), A.ite(A.ult(x0, y0), A.bv(1, 32), A.bv(0, 32))), A.sub(x0, y0));
}

/** The right-hand side of i64.mul-by-halves: the shape UMULL + MUL/MLA compute. */
export function mul64ByHalves(A: VAlgebra, x: ZBV, y: ZBV): ZBV {
  const x0 = A.extract(x, 31, 0);
  const x1 = A.extract(x, 63, 32);
  const y0 = A.extract(y, 31, 0);
  const y1 = A.extract(y, 63, 32);
  const p = A.mul(A.zext(x0, 64), A.zext(y0, 64));
  const hi = A.add(A.add(A.extract(p, 63, 32), A.mul(x0, y1)), A.mul(x1, y0));
  return A.concat(hi, A.extract(p, 31, 0));
}

/** Prove a lemma for all inputs; resolves to Z3's answer for its negation (`unsat` = proved). */
export async function proveLemma(ctx: Z3Context, name: LemmaName): Promise<'unsat' | 'sat' | 'unknown'> {
  const shift = SHIFT64.find((op) => name === `i64.${op}-by-halves`);
  if (shift) {
    // 64-bit shifters against 32-bit ones with a 6-bit amount: decided in QF_BV.
    const A = z3Algebra(ctx);
    const s = new ctx.Solver('QF_BV');
    const x = A.bvVar('x', 64);
    const y = A.bvVar('y', 64);
    const wasm = numeric(A, `i64.${shift}`, [x, y]).results[0]!;
    s.add(ctx.Not(A.eq(wasm, shift64ByHalves(A, shift, x, y))));
    return s.check();
  }
  switch (name) {
    case 'popcnt-swar': {
      // In QF_BV, in two steps: the 32-bit bit sum is the SWAR circuit, and the 64-bit bit sum is the
      // sum of the halves' 32-bit ones (with the first, the 64-bit statement).
      const A = z3Algebra(ctx);
      const popcnt = (w: 32 | 64, x: ZBV) => numeric(A, `i${w}.popcnt`, [x]).results[0]!;
      const x32 = A.bvVar('x', 32);
      const x64 = A.bvVar('x', 64);
      const goals = [
        A.eq(popcnt(32, x32), popcntSwar(A, x32)),
        A.eq(popcnt(64, x64), A.zext(A.add(popcnt(32, A.extract(x64, 31, 0)), popcnt(32, A.extract(x64, 63, 32))), 64)),
      ];
      for (const g of goals) {
        const s = new ctx.Solver('QF_BV');
        s.add(ctx.Not(g));
        const r = await s.check();
        if (r !== 'unsat') return r;
      }
      return 'unsat';
    }
    case 'i64.add-by-halves':
    case 'i64.sub-by-halves': {
      // A 64-bit adder against two 32-bit ones: decided at once in QF_BV.
      const s = new ctx.Solver('QF_BV');
      const x = ctx.BitVec.const('x', 64);
      const y = ctx.BitVec.const('y', 64);
      const x0 = ctx.Extract(31, 0, x);
      const x1 = ctx.Extract(63, 32, x);
      const y0 = ctx.Extract(31, 0, y);
      const y1 = ctx.Extract(63, 32, y);
      const one = ctx.BitVec.val(1, 32);
      const zero = ctx.BitVec.val(0, 32);
      const rhs =
        name === 'i64.add-by-halves'
          ? ctx.Concat(x1.add(y1).add(ctx.If(x0.add(y0).ult(x0), one, zero)), x0.add(y0))
          : ctx.Concat(x1.sub(y1).sub(ctx.If(x0.ult(y0), one, zero)), x0.sub(y0));
      s.add(ctx.Not((name === 'i64.add-by-halves' ? x.add(y) : x.sub(y)).eq(rhs)));
      return s.check();
    }
    case 'rem-from-div': {
      // Proved over the integers in the lemma library (proofs/lemmas/rewrite.ts, via bv-int-correspondence).
      const r = await proveLibraryLemma(ctx, REM_FROM_DIV);
      return r.answer === 'proved' ? 'unsat' : r.answer === 'refuted' ? 'sat' : 'unknown';
    }
    case 'i64.divrem-by-cases':
      return proveDivRem64(ctx);
    case 'i64.mul-by-halves': {
      const { Int, Solver, And, Not } = ctx;
      const s = new Solver('QF_NIA');
      const two32 = Int.val(1n << 32n);
      const two64 = Int.val(1n << 64n);
      const [x0, x1, y0, y1] = ['x0', 'x1', 'y0', 'y1'].map((n) => Int.const(n));
      const bounded = [x0!, x1!, y0!, y1!].map((v) => And(v.ge(0), v.lt(two32)));
      const X = x1!.mul(two32).add(x0!);
      const Y = y1!.mul(two32).add(y0!);
      const P = x0!.mul(y0!);
      const lo = P.mod(two32);
      const hi = P.div(two32).add(x0!.mul(y1!)).add(x1!.mul(y0!)).mod(two32);
      s.add(...bounded, Not(X.mul(Y).mod(two64).eq(hi.mul(two32).add(lo))));
      return s.check();
    }
  }
  throw new Error(`proveLemma: no proof for ${name}`);
}

/**
 * i64.divrem-by-cases in two parts, each unsat of its negation:
 * - the fast case, over the integers (bv-int-correspondence: bvudiv / bvurem
 *   are integer div / mod): for a, b in [0, 2^32), b > 0, a div b < 2^32 and
 *   (a - (a div b) * b) mod 2^32 = a mod b, so a 64-bit division of
 *   zero-extended words is the zero-extended 32-bit one;
 * - the signed cases, in QF_UFBV with udiv / urem uninterpreted (U, R):
 *   SMT-LIB defines bvsdiv / bvsrem by a case split on the signs over bvudiv /
 *   bvurem of the negated operands; that definition, with any U and R, equals
 *   neg(sx ^ sy, U(|x|, |y|)) and neg(sx, R(|x|, |y|)). (64-bit division
 *   itself bit-blasts too slowly to decide these directly.)
 */
async function proveDivRem64(ctx: Z3Context): Promise<'unsat' | 'sat' | 'unknown'> {
  // Both parts are lemmas of the library (proofs/lemmas/rewrite.ts), proved by `warden proofs` too.
  for (const l of I64_DIVREM_BY_CASES) {
    const r = await proveLibraryLemma(ctx, l);
    if (r.answer !== 'proved') return r.answer === 'refuted' ? 'sat' : 'unknown';
  }
  return 'unsat';
}
