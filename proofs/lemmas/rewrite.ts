/**
 * Rewrite lemmas the validator relies on (it replaces one side by the other,
 * treating the operators as uninterpreted), and small facts about the spec
 * the selection lemmas combine with.
 */
import type { Lemma } from './types.ts';
import { alg } from './common.ts';
import { CONDS, type Cond } from '../../spec/arm/ast.ts';
import { condHolds } from '../../spec/arm/semantics.ts';

const TWO32 = 1n << 32n;

export const MUL64_HALVES: Lemma = {
  name: 'rewrite/mul64-halves',
  statement:
    'For all 32-bit al, ah, bl, bh, with p = zext64(al) * zext64(bl): bvmul(concat(ah, al), concat(bh, bl)) = concat(extract(63,32)(p) + al*bh + ah*bl, extract(31,0)(p)) (UMULL lo, h0, al, bl; MLA h1, al, bh, h0; MLA hi, ah, bl, h1). Proved over integers: with halves in [0, 2^32), p = al*bl, lo = p mod 2^32, hi = (p div 2^32 + al*bh + ah*bl) mod 2^32: (ah*2^32 + al) * (bh*2^32 + bl) mod 2^64 = hi*2^32 + lo.',
  theory: 'QF_NIA',
  method: 'Z3 unsat of the negation over bounded integers (QF_NIA); carried to bit-vectors by bv-int-correspondence',
  covers: ['validator-rewrite:mul64-halves', 'i64.mul'],
  assumes: ['bv-int-correspondence'],
  build(ctx) {
    const { Int, And, Implies } = ctx;
    const B = Int.val(TWO32);
    const [al, ah, bl, bh] = ['al', 'ah', 'bl', 'bh'].map((n) => Int.const(n));
    const bounded = And(...[al!, ah!, bl!, bh!].map((v) => And(v.ge(0), v.lt(B))));
    const p = al!.mul(bl!);
    const lo = p.mod(B);
    const hi = p.div(B).add(al!.mul(bh!)).add(ah!.mul(bl!)).mod(B);
    const x = ah!.mul(B).add(al!);
    const y = bh!.mul(B).add(bl!);
    return [{ name: 'integers', goal: Implies(bounded, x.mul(y).mod(Int.val(TWO32 * TWO32)).eq(hi.mul(B).add(lo))) }];
  },
};

export const MUL64_LOW_BRIDGE: Lemma = {
  name: 'rewrite/mul64-low-half',
  statement: 'For all 64-bit a, b: extract(31,0)(a * b) = extract(31,0)(a) * extract(31,0)(b); for all 32-bit al, bl: extract(31,0)(zext64(al) * zext64(bl)) = al * bl. (The low word of the 64-bit multiply, entirely in bit-vectors.)',
  theory: 'QF_BV',
  method: 'Z3 unsat of the negation',
  covers: ['validator-rewrite:mul64-low-half', 'i64.mul'],
  build(ctx) {
    const A = alg(ctx);
    const a = A.bvVar('a', 64);
    const b = A.bvVar('b', 64);
    const al = A.bvVar('al', 32);
    const bl = A.bvVar('bl', 32);
    return [
      { name: 'low word of a 64-bit product', goal: A.eq(A.extract(A.mul(a, b), 31, 0), A.mul(A.extract(a, 31, 0), A.extract(b, 31, 0))) },
      { name: 'low word of UMULL', goal: A.eq(A.extract(A.mul(A.zext(al, 64), A.zext(bl, 64)), 31, 0), A.mul(al, bl)) },
    ];
  },
};

export const REM_FROM_DIV: Lemma = {
  name: 'rewrite/rem-from-div',
  statement:
    'For 32-bit x, y with y != 0: bvurem(x, y) = x - bvudiv(x, y) * y and bvsrem(x, y) = x - bvsdiv(x, y) * y (incl. INT_MIN / -1, where bvsdiv wraps to INT_MIN and the remainder is 0). Over integers: unsigned x, y in [0, 2^32), y > 0: (x - (x div y) * y) mod 2^32 = x mod y; signed x, y in [-2^31, 2^31), y != 0, q, r the truncating quotient and remainder (x = q*y + r, |r| < |y|, r = 0 or sign r = sign x): x - (q mod 2^32) * y - r is a multiple of 2^32 (= (q div 2^32) * y * 2^32).',
  theory: 'QF_NIA',
  method: 'Z3 unsat of the negation over bounded integers; carried to bit-vectors by bv-int-correspondence (SMT-LIB defines bvudiv/bvurem/bvsdiv/bvsrem by these integer operations)',
  covers: ['validator-rewrite:rem-from-div'],
  assumes: ['bv-int-correspondence'],
  build(ctx) {
    const { Int, And, Or, Implies, Not } = ctx;
    const B = Int.val(TWO32);
    const H = Int.val(TWO32 / 2n);
    const x = Int.const('x');
    const y = Int.const('y');
    const unsigned = Implies(And(x.ge(0), x.lt(B), y.gt(0), y.lt(B)), x.sub(x.div(y).mul(y)).mod(B).eq(x.mod(y)));
    const q = Int.const('q');
    const r = Int.const('r');
    const abs = (t: typeof x) => ctx.If(t.ge(0), t, t.neg());
    const trunc = And(x.eq(q.mul(y).add(r)), abs(r).lt(abs(y)), Or(r.eq(0), And(r.gt(0), x.gt(0)), And(r.lt(0), x.lt(0))));
    const signedIn = And(x.ge(H.neg()), x.lt(H), y.ge(H.neg()), y.lt(H), Not(y.eq(0)));
    // bvsdiv's result is q mod 2^32 = qw, q = qw + k*2^32: x - qw*y and r differ by a multiple of 2^32, namely (k*y)*2^32.
    const qw = Int.const('qw');
    const k = Int.const('k');
    const wrap = And(qw.ge(0), qw.lt(B), q.eq(qw.add(k.mul(B))));
    const signed = Implies(And(signedIn, trunc, wrap), x.sub(qw.mul(y)).sub(r).eq(k.mul(y).mul(B)));
    return [
      { name: 'unsigned', goal: unsigned },
      { name: 'signed', goal: signed },
    ];
  },
};

/**
 * validator-rewrite:i64.divrem-by-cases (validator/lemmas.ts states it and
 * applies it), in two parts. The fast case: a 64-bit division of
 * zero-extended words is the zero-extended 32-bit one (UDIV, and MLS for the
 * remainder).
 */
export const I64_DIVREM_FAST: Lemma = {
  name: 'rewrite/i64.divrem-by-cases/fast',
  statement: 'For a, b in [0, 2^32), b > 0: a div b < 2^32 and (a - (a div b) * b) mod 2^32 = a mod b; so for x = zext64(x0), y = zext64(y0) != 0: udiv(x, y) = zext64(udiv(x0, y0)) and urem(x, y) = zext64(x0 - udiv(x0, y0) * y0).',
  theory: 'QF_NIA',
  method: 'Z3 unsat of the negation over bounded integers; carried to bit-vectors by bv-int-correspondence (bvudiv / bvurem are integer div / mod)',
  covers: ['validator-rewrite:i64.divrem-by-cases'],
  assumes: ['bv-int-correspondence'],
  build(ctx) {
    const { Int, And, Implies } = ctx;
    const B = Int.val(TWO32);
    const a = Int.const('a');
    const b = Int.const('b');
    const q = a.div(b);
    return [{ name: 'integers', goal: Implies(And(a.ge(0), a.lt(B), b.gt(0), b.lt(B)), And(q.ge(0), q.lt(B), a.sub(q.mul(b)).mod(B).eq(a.mod(b)))) }];
  },
};

/**
 * The signed cases: SMT-LIB defines bvsdiv / bvsrem by a case split on the
 * signs over bvudiv / bvurem of the negated operands; with any U and R in
 * their place that definition equals neg(sx ^ sy, U(|x|, |y|)) and
 * neg(sx, R(|x|, |y|)), so 64-bit udiv / urem may stay uninterpreted.
 */
export const I64_DIVREM_SIGNED: Lemma = {
  name: 'rewrite/i64.divrem-by-cases/signed',
  statement:
    'For all 64-bit x, y and all functions U, R: SMT-LIB\'s definition of bvsdiv(x, y) over U (for bvudiv) equals neg(sx ^ sy, U(|x|, |y|)), and that of bvsrem(x, y) over R (for bvurem) equals neg(sx, R(|x|, |y|)), where sx = x >>s 63, sy = y >>s 63, |v| = neg(sv, v), neg(s, v) = (v ^ s) - s.',
  theory: 'QF_UFBV',
  method: 'Z3 unsat of the negation with U and R uninterpreted',
  covers: ['validator-rewrite:i64.divrem-by-cases'],
  build(ctx) {
    const { And, Not, If, BitVec, Function: Fn } = ctx;
    const bv = BitVec.sort(64);
    const U = Fn.declare('U', bv, bv, bv);
    const R = Fn.declare('R', bv, bv, bv);
    const x = BitVec.const('x', 64);
    const y = BitVec.const('y', 64);
    const zero1 = BitVec.val(0, 1);
    const msbx = ctx.Extract(63, 63, x).eq(zero1);
    const msby = ctx.Extract(63, 63, y).eq(zero1);
    // SMT-LIB's definitions of bvsdiv and bvsrem, over U and R.
    const sdivDef = If(And(msbx, msby), U.call(x, y), If(And(Not(msbx), msby), U.call(x.neg(), y).neg(), If(And(msbx, Not(msby)), U.call(x, y.neg()).neg(), U.call(x.neg(), y.neg()))));
    const sremDef = If(And(msbx, msby), R.call(x, y), If(And(Not(msbx), msby), R.call(x.neg(), y).neg(), If(And(msbx, Not(msby)), R.call(x, y.neg()), R.call(x.neg(), y.neg()).neg())));
    const sx = x.shr(BitVec.val(63, 64));
    const sy = y.shr(BitVec.val(63, 64));
    const neg = (s: typeof x, v: typeof x) => v.xor(s).sub(s);
    return [
      { name: 'sdiv', goal: sdivDef.eq(neg(sx.xor(sy), U.call(neg(sx, x), neg(sy, y)))) },
      { name: 'srem', goal: sremDef.eq(neg(sx, R.call(neg(sx, x), neg(sy, y)))) },
    ];
  },
};

export const I64_DIVREM_BY_CASES: readonly Lemma[] = [I64_DIVREM_FAST, I64_DIVREM_SIGNED];

const INVERSE: Record<string, Cond> = { eq: 'ne', ne: 'eq', cs: 'cc', cc: 'cs', mi: 'pl', pl: 'mi', vs: 'vc', vc: 'vs', hi: 'ls', ls: 'hi', ge: 'lt', lt: 'ge', gt: 'le', le: 'gt' };

export const COND_INVERSE: Lemma = {
  name: 'spec/cond-inverse',
  statement: 'For every condition code c other than AL and all flags: ConditionPassed(inverse(c)) = not ConditionPassed(c) (eq/ne, cs/cc, mi/pl, vs/vc, hi/ls, ge/lt, gt/le). Justifies i32.eqz on a lazy condition, and the materialisation of conditions (branch on the inverse).',
  theory: 'QF_BV',
  method: 'Z3 unsat of the negation, one obligation per condition',
  covers: ['i32.eqz', 'validator-rewrite:cond-inverse'],
  build(ctx) {
    const A = alg(ctx);
    const s = { r: [], n: A.boolVar('N'), z: A.boolVar('Z'), c: A.boolVar('C'), v: A.boolVar('V'), mem: A.memVar('m') };
    return CONDS.filter((c) => c !== 'al').map((c) => ({ name: c, goal: A.boolEq(condHolds(A, s, INVERSE[c]!), A.boolNot(condHolds(A, s, c))) }));
  },
};

export const REWRITE_LEMMAS: Lemma[] = [MUL64_HALVES, MUL64_LOW_BRIDGE, REM_FROM_DIV, ...I64_DIVREM_BY_CASES, COND_INVERSE];
