/**
 * A lemma of the library: a named statement, the theory it is stated in,
 * how it is proved, what it justifies, and the Z3 formulas that prove it.
 *
 * `build` returns obligations; each is proved iff the negation of its goal
 * is unsat (under `theory`, within `rlimit`). Every quantifier is implicit:
 * the free constants of a goal range over all values of their sort.
 */
import type { Z3Context, ZBool } from '../../spec/bv/z3.ts';

export type Theory = 'QF_BV' | 'QF_ABV' | 'QF_UFBV' | 'QF_NIA';

export interface Obligation {
  /** Variant name inside the lemma, e.g. `reg` or `shift=17`. */
  name: string;
  goal: ZBool;
}

export interface Lemma {
  name: string;
  /** The human-readable statement. */
  statement: string;
  theory: Theory;
  method: string;
  /** Selection-rule names (compiler/isel/rules.ts) it justifies, or `validator-rewrite:<name>`. */
  covers: string[];
  /** The assumptions (proofs/assumptions.ts ids) the statement relies on. */
  assumes?: string[];
  /** Per-obligation rlimit (default DEFAULT_RLIMIT). */
  rlimit?: number;
  build(ctx: Z3Context): Obligation[];
}

export const DEFAULT_RLIMIT = 20_000_000;
