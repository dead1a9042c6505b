/** Shared helpers for stating selection-rule lemmas. */
import { z3Algebra, type Z3Algebra, type Z3Context, type ZBool, type ZBV } from '../../spec/bv/z3.ts';
import { numeric, type Outcome } from '../../spec/wasm/semantics.ts';
import type { NumericOp } from '../../spec/wasm/ast.ts';
import { initialState, run, type CallContract, type Item, type State } from '../arm-run.ts';
import { agrees, condAgrees, type ResultRegs } from '../check.ts';
import type { Cond } from '../../spec/arm/ast.ts';
import type { Obligation } from './types.ts';

const algebras = new WeakMap<object, Z3Algebra>();
export function alg(ctx: Z3Context): Z3Algebra {
  let A = algebras.get(ctx);
  if (!A) algebras.set(ctx, (A = z3Algebra(ctx)));
  return A;
}

/** The initial state with some registers replaced (e.g. r3 = -r1: an immediate derived from the constant in r1). */
export function stateWith(A: Z3Algebra, over: (s: State) => Record<number, ZBV> = () => ({})): State {
  const s = initialState(A);
  const o = over(s);
  return { ...s, r: s.r.map((x, i) => o[i] ?? x) };
}

export function i64Of(A: Z3Algebra, s: State, lo: number, hi: number): ZBV {
  return A.concat(s.r[hi]!, s.r[lo]!);
}

export interface Case {
  name: string;
  /** WASM operands, from the initial state. */
  args: (s: State) => ZBV[];
  items: Item[];
  result: ResultRegs;
  /** Hypothesis on the initial state (e.g. the constant's properties). */
  hyp?: (s: State) => ZBool;
  over?: (s: State) => Record<number, ZBV>;
  calls?: Record<string, CallContract>;
  /** Replace the WASM results by an equal term (justified by the rewrite lemma the case names in its lemma's `covers`/statement). */
  rewrite?: (s: State, args: ZBV[]) => ZBV[];
}

/** The obligation: the sequence computes `op` on the case's operands (results and traps). */
export function valueCase(ctx: Z3Context, op: NumericOp, c: Case): Obligation {
  const { A, s, expected, r } = runCase(ctx, op, c);
  return { name: c.name, goal: agrees(A, r, expected, c.result, c.hyp?.(s)) };
}

/** The case's sequence run from a fresh state, beside what WASM computes (or the case's rewrite of it). */
function runCase(ctx: Z3Context, op: NumericOp, c: Case) {
  const A = alg(ctx);
  const s = stateWith(A, c.over);
  const args = c.args(s);
  const spec: Outcome<ZBV, ZBool> = numeric(A, op, args);
  const expected = c.rewrite ? { ...spec, results: c.rewrite(s, args) } : spec;
  return { A, s, expected, r: run(A, c.items, s, c.calls ?? {}) };
}

/** As valueCase, one obligation per path of the sequence (and one for the call preconditions): smaller queries for long sequences. */
export function valueCasePaths(ctx: Z3Context, op: NumericOp, c: Case): Obligation[] {
  const { A, s, expected, r } = runCase(ctx, op, c);
  const hyp = c.hyp?.(s);
  return [
    ...r.paths.map((p, i) => ({ name: `${c.name}: path ${i + 1}/${r.paths.length} (${p.exit.kind === 'udf' ? `udf #${p.exit.imm}` : p.exit.kind})`, goal: agrees(A, { paths: [p], requires: [] }, expected, c.result, hyp) })),
    { name: `${c.name}: call preconditions`, goal: agrees(A, { paths: [], requires: r.requires }, expected, c.result, hyp) },
  ];
}

export interface CondCase {
  name: string;
  args: (s: State) => ZBV[];
  items: Item[];
  cond: Cond;
  zero?: { reg: number; ifZero: boolean };
  hyp?: (s: State) => ZBool;
  over?: (s: State) => Record<number, ZBV>;
}

/** The obligation for a lazy comparison: `cond` after the flag-setting items iff the WASM result is 1. */
export function condCase(ctx: Z3Context, op: NumericOp, c: CondCase): Obligation {
  const A = alg(ctx);
  const s = stateWith(A, c.over);
  const expected = numeric(A, op, c.args(s));
  const r = run(A, c.items, s);
  return { name: c.name, goal: condAgrees(A, r, expected, c.cond, c.zero, c.hyp?.(s)) };
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
