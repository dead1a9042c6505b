/**
 * One differential fuzz case: build the module, compile it with the whole
 * pipeline, run every export on QEMU and on V8 with the same calls in the
 * same order (edge-case vectors, then random ones), compare results and
 * traps, and (with a ValidatorPool) validate the object and classify every
 * function's verdict. A compile error, a mismatch, a fault, a timeout, a
 * crash or a verdict other than `proved` is a failure.
 */
import fc from 'fast-check';
import { compileWat, differential, type Call, type Compiled } from '../compiler/pipeline-harness.ts';
import { buildModule, caseArb, EDGES, type FuzzCase, type GenModule, type Shapes } from './gen.ts';
import type { FnVerdict, ValidatorPool } from './verdicts.ts';

/**
 * What went wrong with a module. With validation, a module passes only if
 * it runs identically AND every function is proved:
 *   mismatch / run   QEMU and V8 differ (or the run broke); the detail says
 *                    what the validator answered (refuted: a compiler bug it
 *                    caught; proved: a validator soundness bug);
 *   false-alarm      runs identically, but some function is refuted;
 *   unknown          runs identically, some function is unknown (grouped by reason);
 *   validator-crash  the validator's process died or hung.
 */
export type Stage = 'compile' | 'run' | 'mismatch' | 'false-alarm' | 'unknown' | 'validator-crash';

export type CaseResult = (
  | { ok: true; functions?: FnVerdict[] }
  | { ok: false; stage: Stage; detail: string; functions?: FnVerdict[]; /** What shrinking must preserve: the stage and, for `unknown`, the reason group. */ key: string }
) & {
  /** Functions `unknown` at the pool's rlimit, validated again at CheckOptions.escalate (the verdicts are then those). */
  escalated?: number;
};

export interface CheckOptions {
  /** Validate every module (in the pool's child process); without it only compile + run. */
  validator?: ValidatorPool;
  /**
   * The rlimit of the second look: a module with a function `unknown` at the pool's (small, fast) rlimit
   * is validated again at this one, the product's default, whose verdicts count. Off when not above it.
   */
  escalate?: number;
  shapes?: Shapes;
}

/** Edge vectors: every argument set to the same edge value (0, 1, -1, MIN, MAX, 31, 32, 63, 64). */
const EDGE_VECTORS = 9;
const RANDOM_VECTORS = 4;

export function callsFor(m: GenModule, args: bigint[]): Call[] {
  const calls: Call[] = [];
  m.funcs.forEach((f, i) => {
    const name = `f${i}`;
    for (let e = 0; e < EDGE_VECTORS; e++) calls.push({ name, args: f.params.map((t) => EDGES[t][e]!) });
    for (let k = 0; k < RANDOM_VECTORS; k++) calls.push({ name, args: f.params.map((_, p) => args[(k * f.params.length + p + k) % args.length]!) });
  });
  return calls;
}

/**
 * V8 reports a signature mismatch as "null function or function signature
 * mismatch", which the harness maps to the null-function code (6). Generated
 * tables have no null slot, so that message always means a mismatch (7).
 */
const sameAsV8 = (v8: string) => (v8 === 'trap 6' ? 'trap 7' : v8);

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join('\n');

export async function checkCase(c: FuzzCase, opts: CheckOptions = {}): Promise<CaseResult> {
  const m = buildModule(c.stream, opts.shapes);
  let compiled: Compiled;
  try {
    compiled = await compileWat(m.wat, 'fuzz.wat');
  } catch (e) {
    return { ok: false, stage: 'compile', detail: messageOf(e), key: 'compile' };
  }
  // The validator works in its own process while QEMU runs.
  const pending = opts.validator?.validate(compiled.bytes, compiled.out.object);
  const calls = callsFor(m, c.args);
  let runFailure: { stage: 'run' | 'mismatch'; detail: string } | undefined;
  try {
    const pairs = await differential(compiled, calls);
    const bad = pairs.filter((p) => sameAsV8(p.v8) !== p.arm);
    if (bad.length) runFailure = { stage: 'mismatch', detail: bad.slice(0, 5).map((p) => `${p.call}: v8 ${p.v8}, arm ${p.arm}`).join('\n') };
  } catch (e) {
    runFailure = { stage: 'run', detail: messageOf(e) };
  }
  let v = pending ? await pending : undefined;
  let escalated: number | undefined;
  if (v?.ok && opts.escalate && v.functions.some((f) => f.kind === 'unknown')) {
    // Only the unknown functions again (a verdict proved or refuted stands at any rlimit).
    const first = v.functions;
    const again = first.filter((f) => f.kind === 'unknown').map((f) => f.func);
    escalated = again.length;
    const second = again.includes(-1) ? v : await opts.validator!.validate(compiled.bytes, compiled.out.object, opts.escalate, again);
    v = second.ok ? { ok: true, functions: first.map((f) => (again.includes(f.func) ? (second.functions.find((g) => g.func === f.func) ?? f) : f)) } : second;
  }
  const result = ((): CaseResult => {
    const functions = v?.ok ? v.functions : undefined;
    const fns = (kind: FnVerdict['kind']) => (functions ?? []).filter((f) => f.kind === kind);
    const listing = (xs: FnVerdict[]) => xs.map((f) => `f${f.func} ${f.kind}: ${f.detail ?? ''}`).join('\n');
    if (runFailure) {
      // Say what the validator made of the module that misbehaved.
      const said = !v ? '' : !v.ok ? `\nvalidator: ${v.why}` : fns('refuted').length ? `\nvalidator caught it (a compiler bug):\n${listing(fns('refuted'))}` : fns('unknown').length ? `\nvalidator: not refuted; unknown:\n${listing(fns('unknown'))}` : '\nVALIDATOR PROVED EVERY FUNCTION: a validator soundness bug (or one in its trusted base)';
      const caught = !v ? '' : !v.ok ? ' (validator died)' : fns('refuted').length ? ' (refuted)' : fns('unknown').length ? ' (unknown)' : ' (PROVED)';
      return { ok: false, stage: runFailure.stage, detail: runFailure.detail + said, key: runFailure.stage + caught, ...(functions ? { functions } : {}) };
    }
    if (!v) return { ok: true };
    if (!v.ok) return { ok: false, stage: 'validator-crash', detail: v.why, key: 'validator-crash' };
    if (fns('refuted').length) return { ok: false, stage: 'false-alarm', detail: `runs identically on QEMU and V8, but:\n${listing(fns('refuted'))}`, key: 'false-alarm', functions: v.functions };
    const unknown = fns('unknown');
    if (unknown.length) return { ok: false, stage: 'unknown', detail: listing(unknown), key: `unknown: ${unknown[0]!.group}`, functions: v.functions };
    return { ok: true, functions: v.functions };
  })();
  return escalated === undefined ? result : { ...result, escalated };
}

/** The calls as text, one per line, for a reproducer. */
export function showCalls(m: GenModule, args: bigint[]): string {
  return callsFor(m, args)
    .map((k) => `${k.name}(${k.args.join(', ')})`)
    .join('\n');
}

/**
 * Shrink a failing case with fast-check (bounded in time) and return the
 * smallest case found that fails the same way (same `key`: a module that
 * shrinks into another kind of failure is not a reproducer of this one).
 */
export async function shrink(c: FuzzCase, failure: CaseResult & { ok: false }, timeLimitMs: number, opts: CheckOptions = {}): Promise<{ case: FuzzCase; result: CaseResult; shrinks: number }> {
  let last: { case: FuzzCase; result: CaseResult } | undefined;
  const r = await fc.check(
    fc.asyncProperty(caseArb, async (x) => {
      const res = await checkCase(x, opts);
      const same = !res.ok && res.key === failure.key;
      if (same) last = { case: x, result: res };
      return !same;
    }),
    { examples: [[c]], numRuns: 1, interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: false },
  );
  const best = (r.counterexample?.[0] as FuzzCase | undefined) ?? c;
  // Re-run the reported counterexample so the detail printed is its own.
  const result = last && last.case === best ? last.result : await checkCase(best, opts);
  return { case: best, result, shrinks: r.numShrinks };
}

export function reproducer(c: FuzzCase, r: CaseResult, shapes: Shapes = 'full'): string {
  const m = buildModule(c.stream, shapes);
  const detail = r.ok ? 'passes' : `${r.stage}: ${r.detail}`;
  return `;; ---- failure (${r.ok ? 'not reproduced' : r.key}) ----\n;; ${detail.split('\n').join('\n;; ')}\n${m.wat}\n;; calls, in order (QEMU and V8 see the same sequence):\n;; ${showCalls(m, c.args).split('\n').join('\n;; ')}`;
}
