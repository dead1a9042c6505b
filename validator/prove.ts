/**
 * One obligation, one Z3 query: `premises => goal` is checked by asking
 * whether `premises and not goal` is satisfiable. `unsat` proves it; `sat`
 * refutes it with a model; anything else is `unknown`. Each query runs in a
 * fresh solver with an explicit logic and an `rlimit` (never wall time), so
 * that the answer is reproducible.
 */
import type { Z3Context, ZBool, ZBV } from '../spec/bv/z3.ts';
import type { Counterexample, ObligationResult } from './verdict.ts';

export interface ProveOptions {
  /** Z3 resource limit per obligation. */
  rlimit: number;
  /** Keep each query as SMT-LIB2 text in the result. */
  smt2: boolean;
}

/** The logic named in exported obligations (a superset of the QF_ABV the validator's solver is created with). */
export const SMT_EXPORT_LOGIC = 'QF_AUFBV';

export const DEFAULT_PROVE: ProveOptions = { rlimit: 50_000_000, smt2: false };

export interface Named {
  name: string;
  term: ZBV | ZBool;
}

export async function prove(
  ctx: Z3Context,
  name: string,
  address: number,
  premises: ZBool[],
  goal: ZBool,
  symbols: readonly Named[],
  opts: ProveOptions,
): Promise<{ result: ObligationResult; counterexample?: Counterexample }> {
  // Arrays (memory) appear in almost every obligation; QF_ABV is the logic that admits them.
  const solver = new ctx.Solver('QF_ABV');
  try {
    solver.set('rlimit', opts.rlimit);
    for (const p of premises) solver.add(p);
    solver.add(ctx.Not(goal));
    // Taken before check(): afterwards Z3 prints its preprocessing (`model-add`), which is not SMT-LIB2.
    // Exported as QF_AUFBV: the same assertions, but i64 div/rem obligations declare uninterpreted
    // functions (udiv64.uf), which a strict solver (cvc5) refuses under QF_ABV.
    const smt2 = opts.smt2 ? `(set-logic ${SMT_EXPORT_LOGIC})\n${solver.toString()}\n(check-sat)\n` : undefined;
    // Z3's `rlimit count` is a context-wide counter and `rlimit` is relative to it: report the difference.
    const before = rlimitCount(solver);
    const t0 = performance.now();
    const answer = await solver.check();
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    const rlimit = rlimitCount(solver) - before;
    const result: ObligationResult = { name, address, answer: answer === 'unsat' ? 'unsat' : answer === 'sat' ? 'sat' : 'unknown', ms, rlimit };
    if (smt2 !== undefined) result.smt2 = smt2;
    if (answer !== 'sat') return { result };
    const model = solver.model();
    try {
      const values: Record<string, string> = {};
      for (const s of symbols) {
        const v = model.eval(s.term as ZBV, true);
        const text = v.toString();
        values[s.name] = /^\d+$/.test(text) ? `0x${BigInt(text).toString(16)}` : text;
      }
      return { result, counterexample: { values, replay: { kind: 'pending' } } };
    } finally {
      model.release();
    }
  } finally {
    // Freed now, not whenever a JS finalizer runs: a solver holds most of Z3's memory for a query.
    solver.release();
  }
}

function rlimitCount(solver: { statistics(): { get(key: string): number; release(): void } }): number {
  const stats = solver.statistics();
  try {
    return stats.get('rlimit count');
  } catch {
    return 0;
  } finally {
    stats.release();
  }
}

/** Is the conjunction satisfiable? Used to refuse vacuous regions (inconsistent premises would prove anything). */
export async function consistent(ctx: Z3Context, premises: ZBool[], opts: ProveOptions): Promise<SolverAnswerSat> {
  const solver = new ctx.Solver('QF_ABV');
  try {
    solver.set('rlimit', opts.rlimit);
    for (const p of premises) solver.add(p);
    return await solver.check();
  } finally {
    solver.release();
  }
}

export type SolverAnswerSat = 'sat' | 'unsat' | 'unknown';
