/**
 * One obligation, one Z3 query: `premises => goal` is checked by asking
 * whether `premises and not goal` is satisfiable. `unsat` proves it; `sat`
 * refutes it with a model; anything else is `unknown`. Each query runs in a
 * fresh solver with an explicit logic and an `rlimit` (never wall time), so
 * that the answer is reproducible.
 */
import { Z3_decl_kind } from 'z3-solver';
import { rlimitCount, type Z3Context, type ZBool, type ZBV } from '../spec/bv/z3.ts';
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
  how: {
    /** Called with the model of a `sat` answer, before the counterexample is read from it. */
    onModel?: (model: ReturnType<InstanceType<Z3Context['Solver']>['model']>) => void;
    /**
     * Ask Z3's incremental solver (its SMT core; a scope pushed before the negated goal selects it), which
     * decides some queries the one-shot tactic used by default leaves.
     */
    incremental?: boolean;
  } = {},
): Promise<{ result: ObligationResult; counterexample?: Counterexample }> {
  // Arrays (memory) appear in almost every obligation; QF_ABV is the logic that admits them.
  const solver = new ctx.Solver('QF_ABV');
  try {
    solver.set('rlimit', opts.rlimit);
    for (const p of premises) solver.add(flattened(ctx, p));
    if (how.incremental) solver.push();
    solver.add(flattened(ctx, ctx.Not(goal)));
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
      how.onModel?.(model);
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

/** Operators that are associative, and n-ary in Z3 and in SMT-LIB2. */
const ASSOCIATIVE = new Set<number>([Z3_decl_kind.Z3_OP_AND, Z3_decl_kind.Z3_OP_OR, Z3_decl_kind.Z3_OP_BADD, Z3_decl_kind.Z3_OP_BMUL, Z3_decl_kind.Z3_OP_BAND, Z3_decl_kind.Z3_OP_BOR, Z3_decl_kind.Z3_OP_BXOR]);

type Term = ZBool | ZBV;
/** Per context: term id -> its flattened form (a validator context never frees a term, so ids are stable). */
const flatCache = new WeakMap<Z3Context, Map<number, Term>>();

/**
 * The term with nested applications of an associative operator made one: (bvadd (bvadd a b) c) becomes
 * (bvadd a b c). An equal term, and the query Z3's QF_ABV solver is given: the algebra builds every
 * operation binary, and on the nested form the solver can spend orders of magnitude more (a value
 * claim of the bench's scaling function exhausted rlimit 50M nested and took 7,700 flattened). SMT-LIB2
 * prints both forms as the flat one, so the exported query is the same text either way.
 */
export function flattened<T extends Term>(ctx: Z3Context, t: T): T {
  let cache = flatCache.get(ctx);
  if (!cache) flatCache.set(ctx, (cache = new Map()));
  const flat = cache;
  return rebuilt(ctx, flat, t, (x, parts) => {
    const decl = x.decl();
    const assoc = ASSOCIATIVE.has(decl.kind());
    const args = assoc ? parts.flatMap((f) => (ctx.isApp(f) && f.numArgs() > 0 && f.decl().id() === decl.id() ? Array.from({ length: f.numArgs() }, (_, j) => f.arg(j) as Term) : [f])) : parts;
    const r = args.length !== x.numArgs() || args.some((a, i) => a.id() !== x.arg(i).id()) ? applied(decl, args, assoc) : x;
    flat.set(r.id(), r);
    return r;
  }) as T;
}

/**
 * `x` rebuilt from the leaves up: each application's arguments first, then `node` given the application
 * and its rebuilt arguments (the application itself is what to return when nothing changes); memoized in
 * `cache` by term id, which the caller may also fill (a term known to rebuild to another).
 */
export function rebuilt(ctx: Z3Context, cache: Map<number, Term>, x: Term, node: (x: Term, args: Term[]) => Term): Term {
  const go = (y: Term): Term => {
    const hit = cache.get(y.id());
    if (hit) return hit;
    const n = ctx.isApp(y) ? y.numArgs() : 0;
    const r = n === 0 ? y : node(y, Array.from({ length: n }, (_, i) => go(y.arg(i) as Term)));
    cache.set(y.id(), r);
    return r;
  };
  return go(x);
}

/** `x` itself if `args` are its arguments, else its operator applied to them. */
export function withArgs(x: Term, args: Term[]): Term {
  return args.some((a, i) => a.id() !== x.arg(i).id()) ? applied(x.decl(), args) : x;
}

/** `decl` applied to `args`; `nary`: an associative operator, which Z3 takes with any number of arguments. */
export function applied(decl: ReturnType<Term['decl']>, args: Term[], nary = ASSOCIATIVE.has(decl.kind())): Term {
  // FuncDecl.call checks the declared arity (2 for these operators); Z3 itself takes them n-ary.
  return (nary ? Object.create(decl, { arity: { value: () => args.length }, domain: { value: () => decl.domain(0) } }) : decl).call(...args) as Term;
}

/** Is the conjunction satisfiable? Used to refuse vacuous regions (inconsistent premises would prove anything). */
export async function consistent(ctx: Z3Context, premises: ZBool[], opts: ProveOptions): Promise<SolverAnswerSat> {
  const solver = new ctx.Solver('QF_ABV');
  try {
    solver.set('rlimit', opts.rlimit);
    for (const p of premises) solver.add(flattened(ctx, p));
    return await solver.check();
  } finally {
    solver.release();
  }
}

export type SolverAnswerSat = 'sat' | 'unsat' | 'unknown';
