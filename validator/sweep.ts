/**
 * Proof by equal subterms (SAT sweeping, at the term level), for a claim Z3
 * does not decide in one query.
 *
 * The hard value claims compare two computations that agree operation by
 * operation but not in form: WASM's `rotl(x, y mod 32)` against the
 * compiler's `ror(x, (0 - y) & 31)`, a division that traps against one
 * that returns 0, each nested under further divisions and multiplies. Z3
 * bit-blasts both sides whole and must rediscover inside the SAT problem
 * that the two rotates are equal; it often runs out of rlimit. Shown alone,
 * each such pair is a small query.
 *
 * So: sample a few models of the premises, evaluate every bit-vector
 * subterm of the goal in each, and group the subterms whose values agree in
 * every model. Lowest first, ask Z3 whether the members of a group are
 * equal under the premises (each its own obligation); a proved equality
 * replaces the member by the group's representative in every larger term.
 * Last, the goal with every proved equality substituted is asked.
 *
 * Sound by substitution of equals: each equality `t = r` is proved under
 * the same premises P, so in any model of P, t and r have the same value
 * and the rewritten goal has the goal's value; P => goal' (unsat, asked)
 * then gives P => goal. Samples only choose which equalities to ask: a
 * wrong guess costs a query that is not unsat, and is dropped. Verdicts stay
 * reproducible: the samples are drawn from a PRNG seeded by the claim's
 * name, and every query runs under an rlimit.
 */
import { Z3_decl_kind } from 'z3-solver';
import type { Z3Context, ZBool, ZBV } from '../spec/bv/z3.ts';
import { flattened, prove, rebuilt, withArgs, type Named, type ProveOptions } from './prove.ts';
import type { Counterexample, ObligationResult } from './verdict.ts';

/** Models of the premises the subterms are evaluated in. */
const SAMPLES = 8;
/** rlimit of one sampling query (a model of the premises, part of the inputs fixed at random). */
const SAMPLE_RLIMIT = 2_000_000;
/** rlimit of one equality between subterms: each should be shallow once its parts are merged. */
const STEP_RLIMIT = 2_000_000;
/** rlimit of an equality asked without the premises first. */
const ALONE_RLIMIT = 3_000_000;
/** Equalities asked per claim at most (each costs a fresh solver), and the rlimit they may spend in all. */
const MAX_STEPS = 400;
const BUDGET = 20_000_000;
/** Subterms of a goal beyond which sweeping is not tried (evaluation cost). */
const MAX_TERMS = 4000;

type Term = ZBV | ZBool;
type Model = ReturnType<InstanceType<Z3Context['Solver']>['model']>;

export interface SweepResult {
  /** The obligations asked that were answered unsat: each equality used, and the rewritten goal if proved. */
  obligations: ObligationResult[];
  /** The rewritten goal's own result (unsat: the claim is proved; sat: refuted, with its counterexample). */
  final?: { result: ObligationResult; counterexample?: Counterexample };
}

export async function proveBySweeping(
  ctx: Z3Context,
  name: string,
  address: number,
  givenPremises: ZBool[],
  givenGoal: ZBool,
  symbols: readonly Named[],
  opts: ProveOptions,
): Promise<SweepResult> {
  const obligations: ObligationResult[] = [];
  // Again on the result: a definition met after its constant was defined (stack1 = local4, then
  // stack1 = the slot's bytes) is then one of the constant it now names.
  let sub = { premises: givenPremises, goal: givenGoal };
  for (let round = 0; round < 4; round++) {
    const next = eliminated(ctx, sub.premises, sub.goal);
    if (next.premises.length === sub.premises.length) break;
    sub = next;
  }
  // Z3's simplifier puts both sides' operations in one normal form (extract of extract, shifts by
  // constants, ...); that the simplified query says what the given one says is an obligation of its own.
  // (When that is not shown, the query is swept as it is.)
  let { premises, goal } = sub;
  // Z3's simplifier writes a division whose divisor it knows is not 0 with its own operators (bvudiv_i, ...),
  // which are not SMT-LIB (cvc5 could not re-check the query): they are put back as the standard ones,
  // which the obligation below shows changes nothing.
  const standard = standardDivisions(ctx);
  const simple: ZBool[] = [];
  for (const p of sub.premises) simple.push(standard((await ctx.simplify(p)) as ZBool) as ZBool); // one Z3 call at a time
  const simpleGoal = standard((await ctx.simplify(sub.goal)) as ZBool) as ZBool;
  const same = ctx.And(ctx.Eq(sub.goal, simpleGoal), ...sub.premises.map((p, i) => ctx.Eq(p, simple[i]!)));
  const stepOpts = { ...opts, rlimit: Math.min(opts.rlimit, STEP_RLIMIT) };
  const simplified = await prove(ctx, `${name}: the query simplified says the same`, address, [], same, symbols, stepOpts);
  if (simplified.result.answer === 'unsat') {
    obligations.push(simplified.result);
    [premises, goal] = [simple, simpleGoal];
  }
  const { terms, vars } = subterms(ctx, goal, premises);
  if (terms.length === 0 || terms.length > MAX_TERMS) return { obligations };
  const values = (m: Model) => terms.map((t) => m.eval(t, true).toString());
  // Z3's incremental solver decides some queries its one-shot tactic leaves; asked before and after
  // simplification: either may be the one it decides (both seen).
  for (const [p, g] of goal === sub.goal ? [[premises, goal] as const] : [[sub.premises, sub.goal] as const, [premises, goal] as const]) {
    const incremental = await prove(ctx, `${name} (by Z3's incremental solver)`, address, p, g, symbols, stepOpts, { incremental: true });
    if (incremental.result.answer === 'unsat') return { obligations: goal === g ? obligations : [], final: { result: incremental.result } };
  }
  const samples = await sampleModels(ctx, premises, vars, seedOf(name), values);
  if (samples === 'inconsistent') {
    // No model at all: the path the claim is asked on cannot be taken, and the claim holds.
    const none = await prove(ctx, `${name}: the premises are inconsistent (the path cannot be taken)`, address, premises, ctx.Bool.val(false), symbols, { ...opts, rlimit: SAMPLE_RLIMIT }, { incremental: true });
    return none.result.answer === 'unsat' ? { obligations, final: { result: none.result } } : { obligations };
  }
  if (samples.length < 2) return { obligations };
  const height = heights(ctx, terms);

  /** Each subterm's representative: the lowest subterm of the same width with its values in every sample. */
  let rep = new Map<number, Term>();
  const regroup = () => {
    const first = new Map<string, Term>();
    rep = new Map();
    for (const i of byHeight) {
      const t = terms[i]!;
      const key = `${(t as ZBV).sort.size()}:${samples.map((s) => s[i]).join(',')}`;
      const r = first.get(key);
      if (r) rep.set(t.id(), r);
      else first.set(key, t);
    }
  };
  const byHeight = [...terms.keys()].sort((a, b) => height.get(terms[a]!.id())! - height.get(terms[b]!.id())!);
  regroup();
  if (rep.size === 0) return { obligations };

  // The canonical form of a term: its parts canonical, then replaced by what it was proved equal to.
  const merged = new Map<number, Term>();
  const canon = new Map<number, Term>();
  const canonical = (x: Term): Term =>
    rebuilt(ctx, canon, x, (y, args) => {
      const z = withArgs(y, args);
      return merged.get(z.id()) ?? z;
    });

  // Lowest first, so that a pair is asked with its parts already merged. A pair found different (sat) gives
  // a model that tells more pairs apart: it is one more sample.
  const aloneOpts = { ...opts, rlimit: Math.min(opts.rlimit, ALONE_RLIMIT) };
  let steps = 0;
  let spent = 0;
  for (const i of byHeight) {
    const t = terms[i]!;
    const r = rep.get(t.id());
    if (!r) continue;
    if (steps >= MAX_STEPS || spent >= BUDGET) break;
    const ct = canonical(t) as ZBV;
    const cr = canonical(r) as ZBV;
    if (ct.id() === cr.id()) continue;
    steps++;
    let differ = false;
    const stepName = `${name}: equal subterms (${steps})`;
    // Most pairs are equal whatever the premises and whatever the parts they share (two forms of one
    // operation on the same operands): asked so, the query is small.
    // (Parts that overlap, such as the bits and the bytes of one word, are related: then without the premises only.)
    const [at, ar] = sharedAbstracted(ctx, ct, cr);

    let alone = await prove(ctx, `${stepName}, whatever the premises${at.id() === ct.id() ? '' : ' and the shared parts'}`, address, [], ctx.Eq(at, ar), symbols, aloneOpts);
    if (alone.result.answer !== 'unsat' && at.id() !== ct.id()) {
      const plain = await prove(ctx, `${stepName}, whatever the premises`, address, [], ctx.Eq(ct, cr), symbols, aloneOpts);
      spent += alone.result.rlimit;
      alone = plain;
    }
    const res =
      alone.result.answer === 'unsat'
        ? alone
        : await prove(ctx, stepName, address, premises, ctx.Eq(ct, cr), symbols, stepOpts, {
            onModel: (m) => {
              samples.push(values(m));
              differ = true;
            },
          });
    spent += alone.result.rlimit + (res === alone ? 0 : res.result.rlimit);
    if (differ) regroup();
    if (res.result.answer !== 'unsat') continue;
    obligations.push(res.result);
    merged.set(ct.id(), cr);
    canon.set(t.id(), cr);
    canon.set(ct.id(), cr);
  }
  if (obligations.length === 0) return { obligations };
  const rewritten = canonical(goal) as ZBool;
  // The premises rewritten too (they hold in every model of the premises, so they may be added): the goal's
  // terms may now be the premises' own.
  const more = premises.map((p) => canonical(p) as ZBool).filter((p, i) => p.id() !== premises[i]!.id());
  const final = await prove(ctx, `${name} (with the ${obligations.length} equalities above substituted)`, address, [...premises, ...more], rewritten, symbols, opts);
  if (final.result.answer === 'unsat') obligations.push(final.result);
  return { obligations, final };
}

/** Terms with Z3's internal division operators (bvudiv_i, ...) replaced by the SMT-LIB ones of the same name. */
function standardDivisions(ctx: Z3Context): (t: Term) => Term {
  const K = Z3_decl_kind;
  const op: Partial<Record<number, (a: ZBV, b: ZBV) => ZBV>> = {
    [K.Z3_OP_BUDIV_I]: (a, b) => a.udiv(b),
    [K.Z3_OP_BSDIV_I]: (a, b) => a.sdiv(b),
    [K.Z3_OP_BUREM_I]: (a, b) => a.urem(b),
    [K.Z3_OP_BSREM_I]: (a, b) => a.srem(b),
    [K.Z3_OP_BSMOD_I]: (a, b) => a.smod(b),
  };
  const done = new Map<number, Term>();
  return (t) =>
    rebuilt(ctx, done, t, (x, args) => {
      const f = op[x.decl().kind()];
      return f ? f(args[0] as ZBV, args[1] as ZBV) : withArgs(x, args);
    });
}

/**
 * `a` and `b` with each largest part they share (an application, not a leaf) replaced by a fresh constant:
 * `a = b` for every value of those constants implies it for theirs, and Z3 is spared their circuits (a
 * division both rotates rotate).
 */
function sharedAbstracted(ctx: Z3Context, a: Term, b: Term): [Term, Term] {
  const inB = new Set<number>();
  const mark = (x: Term) => {
    if (inB.has(x.id())) return;
    inB.add(x.id());
    if (ctx.isApp(x)) for (let i = 0; i < x.numArgs(); i++) mark(x.arg(i) as Term);
  };
  mark(b);
  const pairs = new Map<number, [Term, Term]>();
  const seen = new Set<number>();
  const find = (x: Term) => {
    if (seen.has(x.id()) || !ctx.isApp(x) || x.numArgs() === 0) return;
    seen.add(x.id());
    if (inB.has(x.id()) && x.id() !== b.id()) {
      const fresh = ctx.isBool(x) ? ctx.Bool.const(`shared!${x.id()}`) : ctx.BitVec.const(`shared!${x.id()}`, (x as ZBV).sort.size());
      pairs.set(x.id(), [x, fresh]);
      return;
    }
    for (let i = 0; i < x.numArgs(); i++) find(x.arg(i) as Term);
  };
  if (a.id() === b.id() || !ctx.isApp(a)) return [a, b];
  for (let i = 0; i < a.numArgs(); i++) find(a.arg(i) as Term);
  if (pairs.size === 0) return [a, b];
  const subst = [...pairs.values()];
  return [ctx.substitute(a, ...subst) as Term, ctx.substitute(b, ...subst) as Term];
}

/**
 * The premises and goal with each constant that a premise defines (`c = t`, c not in t: a WASM local and
 * the register pair that holds it) replaced by its definition, and the defining premises dropped. A model
 * of the given query is one of this query (c = t holds in it), so this one unsat proves the given one. The
 * two sides then share their inputs syntactically, and no sample or step is spent on `local0 = r0`.
 */
function eliminated(ctx: Z3Context, premises: readonly ZBool[], goal: ZBool): { premises: ZBool[]; goal: ZBool } {
  const isConst = (x: Term) => ctx.isApp(x) && x.numArgs() === 0 && x.decl().kind() === Z3_decl_kind.Z3_OP_UNINTERPRETED;
  const occurs = (c: Term, x: Term): boolean => {
    const seen = new Set<number>();
    const go = (y: Term): boolean => {
      if (y.id() === c.id()) return true;
      if (seen.has(y.id()) || !ctx.isApp(y)) return false;
      seen.add(y.id());
      for (let i = 0; i < y.numArgs(); i++) if (go(y.arg(i) as Term)) return true;
      return false;
    };
    return go(x);
  };
  let defs: [Term, Term][] = [];
  const subst = (x: Term, pairs: [Term, Term][]) => (pairs.length === 0 ? x : (ctx.substitute(x, ...pairs) as Term));
  const defining = new Set<number>();
  /** `c = t` as a definition of c, if c is not defined yet and not in t (with the definitions so far). */
  const define = (c: Term, t: Term): boolean => {
    if (defs.some(([d]) => d.id() === c.id())) return false;
    const def = subst(t, defs);
    if (occurs(c, def)) return false;
    defs = [...defs.map(([d, e]): [Term, Term] => [d, subst(e, [[c, def]])]), [c, def]];
    return true;
  };
  /** The constants a concatenation of distinct constants is made of, with the bits each is (a frame slot's bytes). */
  const parts = (x: Term): { c: Term; hi: number; lo: number }[] | undefined => {
    if (!ctx.isApp(x) || x.decl().kind() !== Z3_decl_kind.Z3_OP_CONCAT) return undefined;
    const args = Array.from({ length: x.numArgs() }, (_, i) => x.arg(i) as ZBV);
    if (!args.every(isConst) || new Set(args.map((a) => a.id())).size !== args.length) return undefined;
    let hi = (x as ZBV).sort.size() - 1;
    return args.map((c) => {
      const w = c.sort.size();
      hi -= w;
      return { c, hi: hi + w, lo: hi + 1 };
    });
  };
  for (const p of premises) {
    if (!ctx.isApp(p) || p.decl().kind() !== Z3_decl_kind.Z3_OP_EQ || p.numArgs() !== 2) continue;
    const [l, r] = [p.arg(0) as Term, p.arg(1) as Term];
    if (isConst(l) || isConst(r)) {
      const [c, t] = isConst(l) ? [l, r] : [r, l];
      if (define(c, t)) defining.add(p.id());
      continue;
    }
    // concat(c1, ..., cn) = t: each ci is the bits of t it stands for (all or none, so the premise may go).
    const [cs, t] = parts(l) ? [parts(l)!, r] : parts(r) ? [parts(r)!, l] : [undefined, undefined];
    if (!cs || !t || cs.some(({ c }) => defs.some(([d]) => d.id() === c.id()) || occurs(c, subst(t, defs)))) continue;
    for (const { c, hi, lo } of cs) define(c, ctx.Extract(hi, lo, t as ZBV));
    defining.add(p.id());
  }
  if (defs.length === 0) return { premises: [...premises], goal };
  const rest = premises.filter((p) => !defining.has(p.id())).map((p) => subst(p, defs) as ZBool);
  return { premises: rest, goal: subst(goal, defs) as ZBool };
}

/**
 * Every bit-vector application under the goal and the premises (no leaves, no numerals): the premises hold
 * the other side's terms (an ARM branch condition, a register fact) that a goal's term may equal. And the
 * free bit-vector constants and memory reads, which the samples fix at random.
 */
function subterms(ctx: Z3Context, goal: ZBool, premises: readonly ZBool[]): { terms: Term[]; vars: ZBV[] } {
  const seen = new Set<number>();
  const terms: Term[] = [];
  const vars = new Map<number, ZBV>();
  const walk = (x: Term) => {
    if (seen.has(x.id()) || terms.length > MAX_TERMS) return;
    seen.add(x.id());
    if (!ctx.isApp(x)) return;
    const n = x.numArgs();
    const kind = x.decl().kind();
    // A byte read from a memory is fixed like a constant: else every unwritten byte of a model is the same.
    if (ctx.isBitVec(x) && (kind === Z3_decl_kind.Z3_OP_UNINTERPRETED || kind === Z3_decl_kind.Z3_OP_SELECT)) vars.set(x.id(), x as ZBV);
    if (n === 0) return;
    for (let i = 0; i < n; i++) walk(x.arg(i) as Term);
    if (ctx.isBitVec(x)) terms.push(x);
  };
  walk(goal);
  for (const p of premises) walk(p);
  return { terms, vars: [...vars.values()] };
}

function heights(ctx: Z3Context, terms: readonly Term[]): Map<number, number> {
  const h = new Map<number, number>();
  const of = (x: Term): number => {
    const hit = h.get(x.id());
    if (hit !== undefined) return hit;
    let m = 0;
    const n = ctx.isApp(x) ? x.numArgs() : 0;
    for (let i = 0; i < n; i++) m = Math.max(m, of(x.arg(i) as Term) + 1);
    h.set(x.id(), m);
    return m;
  };
  for (const t of terms) of(t);
  return h;
}

/**
 * The terms' `values` in up to SAMPLES models of the premises, or 'inconsistent' if they have none. Each
 * model is asked with about half of the free constants fixed at random (edge values and random words) as
 * assumptions, so that the models differ; assumptions in an unsat core are dropped and the query asked again.
 */
async function sampleModels(ctx: Z3Context, premises: readonly ZBool[], vars: readonly ZBV[], seed: number, values: (m: Model) => string[]): Promise<string[][] | 'inconsistent'> {
  const rand = xorshift(seed);
  // Z3's incremental solver (the one that takes assumptions), not the one-shot tactic.
  const solver = new ctx.Solver('QF_ABV');
  const samples: string[][] = [];
  try {
    solver.set('rlimit', SAMPLE_RLIMIT);
    for (const p of premises) solver.add(flattened(ctx, p));
    // A scope makes Z3 answer with its incremental solver from the first check (else its one-shot tactic).
    solver.push();
    let answer = await solver.check();
    if (answer === 'unsat') return 'inconsistent';
    for (let k = 0; k < SAMPLES; k++) {
      let fixed = vars.filter(() => rand() % 2 === 0).map((v) => ctx.Eq(v, ctx.BitVec.val(randomWord(rand, v.sort.size()), v.sort.size())));
      answer = await solver.check(...fixed);
      for (let tries = 0; answer === 'unsat' && fixed.length > 0 && tries < 10; tries++) {
        const core = solver.unsatCore();
        const drop = new Set<number>();
        for (let i = 0; i < core.length(); i++) drop.add(core.get(i).id());
        fixed = drop.size === 0 ? [] : fixed.filter((f) => !drop.has(f.id()));
        answer = await solver.check(...fixed);
      }
      if (answer === 'unsat') answer = await solver.check();
      if (answer !== 'sat') continue;
      const model = solver.model();
      try {
        samples.push(values(model));
      } finally {
        model.release();
      }
    }
  } finally {
    solver.release();
  }
  return samples;
}

const EDGE_WORDS = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn];

function randomWord(rand: () => number, width: number): bigint {
  const mask = (1n << BigInt(width)) - 1n;
  const k = rand() % 4;
  if (k === 0) return EDGE_WORDS[rand() % EDGE_WORDS.length]! & mask;
  let v = 0n;
  for (let i = 0; i < width; i += 16) v = (v << 16n) | BigInt(rand() & 0xffff);
  return v & mask;
}

function seedOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0 || 1;
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
