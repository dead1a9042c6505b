/**
 * Proving a lemma: each obligation's negation is handed to a fresh solver
 * with the lemma's logic and an rlimit (never wall time, so results are
 * reproducible). unsat = proved; sat = refuted, with a model; else unknown.
 */
import { rlimitCount, type Z3Context, type ZBool } from '../spec/bv/z3.ts';
import { DEFAULT_RLIMIT, type Lemma, type Obligation } from './lemmas/types.ts';

export type Answer = 'proved' | 'refuted' | 'unknown';

export interface ObligationResult {
  name: string;
  answer: Answer;
  ms: number;
  rlimit: number;
  /** For `refuted`: the model, as `name = value` pairs. */
  counterexample?: Record<string, string>;
  /** For `unknown`: Z3's reason. */
  reason?: string;
}

export interface LemmaResult {
  lemma: string;
  theory: string;
  answer: Answer;
  ms: number;
  rlimit: number;
  obligations: ObligationResult[];
}

export async function proveObligation(ctx: Z3Context, ob: Obligation, theory: string, rlimit: number): Promise<ObligationResult> {
  const solver = new ctx.Solver(theory);
  try {
    return await check(ctx, solver, ob, rlimit);
  } finally {
    // The wasm Z3 heap is bounded (2 GB): release every solver at once (no finalizer would: spec/bv/z3.ts).
    solver.release();
  }
}

async function check(ctx: Z3Context, solver: InstanceType<Z3Context['Solver']>, ob: Obligation, rlimit: number): Promise<ObligationResult> {
  solver.set('rlimit', rlimit);
  solver.add(ctx.Not(ob.goal as ZBool));
  const before = rlimitCount(solver);
  const t0 = performance.now();
  let answer: string;
  try {
    answer = await solver.check();
  } catch (e) {
    return { name: ob.name, answer: 'unknown', ms: Math.round(performance.now() - t0), rlimit: 0, reason: String(e) };
  }
  const ms = Math.round((performance.now() - t0) * 10) / 10;
  const used = rlimitCount(solver) - before;
  if (answer === 'unsat') return { name: ob.name, answer: 'proved', ms, rlimit: used };
  if (answer === 'sat') {
    const model = solver.model();
    const counterexample: Record<string, string> = {};
    for (const d of model.decls()) {
      if (d.arity() !== 0 || d.range().name() === 'Array') continue;
      const text = model.get(d as never)?.toString() ?? '?';
      counterexample[d.name().toString()] = /^\d+$/.test(text) && text.length > 3 ? `0x${BigInt(text).toString(16)}` : text;
    }
    model.release();
    return { name: ob.name, answer: 'refuted', ms, rlimit: used, counterexample };
  }
  return { name: ob.name, answer: 'unknown', ms, rlimit: used, reason: solver.reasonUnknown() };
}

/** Prove every obligation of a lemma; the lemma is proved iff all are. */
export async function proveLemma(ctx: Z3Context, lemma: Lemma): Promise<LemmaResult> {
  const t0 = performance.now();
  const obligations: ObligationResult[] = [];
  for (const ob of lemma.build(ctx)) obligations.push(await proveObligation(ctx, ob, lemma.theory, lemma.rlimit ?? DEFAULT_RLIMIT));
  const answer: Answer = obligations.some((o) => o.answer === 'refuted') ? 'refuted' : obligations.every((o) => o.answer === 'proved') && obligations.length > 0 ? 'proved' : 'unknown';
  return {
    lemma: lemma.name,
    theory: lemma.theory,
    answer,
    ms: Math.round(performance.now() - t0),
    rlimit: obligations.reduce((a, o) => a + o.rlimit, 0),
    obligations,
  };
}
