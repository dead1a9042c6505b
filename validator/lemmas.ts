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

export type LemmaName = 'i64.mul-by-halves';

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
};

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
  switch (name) {
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
}
