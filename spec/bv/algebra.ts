/**
 * The bit-vector algebra every semantic rule in spec/ is written over.
 *
 * A rule is written once, generically in `<B, P, M>`, and runs under two
 * implementations: `concrete` (bigint values, real booleans, a byte map),
 * used by the reference interpreters, and `z3` (z3-solver terms), used by
 * the validator. Rules must not branch on a `P` in TypeScript: they return
 * conditions (`P`) and let the driver (interpreter or symbolic executor)
 * decide, so that the same rule serves both.
 *
 * Operations follow SMT-LIB QF_BV semantics exactly, including the corner
 * cases (`udiv x 0 = ~0`, `urem x 0 = x`, `sdiv`/`srem` likewise, shifts by
 * at least the width give 0 or the sign fill). Semantic rules guard those
 * cases themselves; the algebra only has to agree between implementations.
 *
 * Memory `M` maps 32-bit addresses to bytes. It is used linearly: after
 * `store8(m, ...)` a rule never reads `m` again, only the returned memory.
 * (The concrete implementation is free to update in place.)
 */
export interface Algebra<B, P, M> {
  readonly kind: 'concrete' | 'z3';

  // --- constants and shape ---
  bv(value: bigint | number, width: number): B;
  widthOf(x: B): number;

  // --- arithmetic (operands of equal width) ---
  add(a: B, b: B): B;
  sub(a: B, b: B): B;
  mul(a: B, b: B): B;
  neg(a: B): B;
  udiv(a: B, b: B): B;
  urem(a: B, b: B): B;
  sdiv(a: B, b: B): B;
  srem(a: B, b: B): B;

  // --- bitwise ---
  and(a: B, b: B): B;
  or(a: B, b: B): B;
  xor(a: B, b: B): B;
  not(a: B): B;

  // --- shifts: the amount is a bit-vector of the same width, not reduced ---
  shl(a: B, amount: B): B;
  lshr(a: B, amount: B): B;
  ashr(a: B, amount: B): B;

  // --- slicing ---
  /** Bits hi..lo inclusive, result width hi - lo + 1. */
  extract(x: B, hi: number, lo: number): B;
  /** `hi` becomes the most significant part. */
  concat(hi: B, lo: B): B;
  zext(x: B, toWidth: number): B;
  sext(x: B, toWidth: number): B;

  // --- comparisons ---
  eq(a: B, b: B): P;
  ult(a: B, b: B): P;
  ule(a: B, b: B): P;
  slt(a: B, b: B): P;
  sle(a: B, b: B): P;

  // --- choice ---
  ite(c: P, then: B, otherwise: B): B;

  // --- booleans ---
  bool(v: boolean): P;
  boolNot(p: P): P;
  boolAnd(...ps: P[]): P;
  boolOr(...ps: P[]): P;
  boolXor(a: P, b: P): P;
  boolIte(c: P, then: P, otherwise: P): P;
  boolEq(a: P, b: P): P;

  // --- memory: 32-bit byte addresses, 8-bit cells ---
  load8(m: M, addr: B): B;
  store8(m: M, addr: B, value: B): M;
}

/** The algebra with its three types erased: for code that only passes terms through. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAlgebra = Algebra<any, any, any>;
