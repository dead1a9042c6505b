/**
 * One differential fuzz case: build the module, compile it with the whole
 * pipeline, run every export on QEMU and on V8 with the same calls in the
 * same order (edge-case vectors, then random ones), and compare results and
 * traps. A compile error, a mismatch, a fault, a timeout or a crash is a
 * failure. Optionally validate and count verdicts.
 */
import fc from 'fast-check';
import { compileWat, differential, type Call, type Compiled } from '../compiler/pipeline-harness.ts';
import { validateObject } from '../../validator/validate.ts';
import { buildModule, caseArb, EDGES, type FuzzCase, type GenModule } from './gen.ts';

export type CaseResult = { ok: true; verdicts?: VerdictCounts } | { ok: false; stage: 'compile' | 'run' | 'mismatch'; detail: string; verdicts?: VerdictCounts };

export interface VerdictCounts {
  proved: number;
  refuted: number;
  unknown: number;
  /** Refuted although every call ran identically on QEMU and V8. */
  falseAlarms: number;
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

export async function checkCase(c: FuzzCase, opts: { validate?: boolean; rlimit?: number } = {}): Promise<CaseResult> {
  const m = buildModule(c.stream);
  let compiled: Compiled;
  try {
    compiled = await compileWat(m.wat, 'fuzz.wat');
  } catch (e) {
    return { ok: false, stage: 'compile', detail: messageOf(e) };
  }
  const calls = callsFor(m, c.args);
  let result: CaseResult;
  try {
    const pairs = await differential(compiled, calls);
    const bad = pairs.filter((p) => sameAsV8(p.v8) !== p.arm);
    result = bad.length === 0 ? { ok: true } : { ok: false, stage: 'mismatch', detail: bad.slice(0, 5).map((p) => `${p.call}: v8 ${p.v8}, arm ${p.arm}`).join('\n') };
  } catch (e) {
    result = { ok: false, stage: 'run', detail: messageOf(e) };
  }
  if (opts.validate) {
    const report = await validateObject(compiled.bytes, compiled.out.object, { rlimit: opts.rlimit ?? 2_000_000 });
    const v: VerdictCounts = { proved: 0, refuted: 0, unknown: 0, falseAlarms: 0 };
    for (const x of report.verdicts) v[x.kind]++;
    if (result.ok) v.falseAlarms = v.refuted;
    result.verdicts = v;
  }
  return result;
}

/** The calls as text, one per line, for a reproducer. */
export function showCalls(m: GenModule, args: bigint[]): string {
  return callsFor(m, args)
    .map((k) => `${k.name}(${k.args.join(', ')})`)
    .join('\n');
}

/** Shrink a failing case with fast-check (bounded in time) and return the smallest failing case found. */
export async function shrink(c: FuzzCase, timeLimitMs: number): Promise<{ case: FuzzCase; result: CaseResult; shrinks: number }> {
  let last: { case: FuzzCase; result: CaseResult } | undefined;
  const r = await fc.check(
    fc.asyncProperty(caseArb, async (x) => {
      const res = await checkCase(x);
      if (!res.ok) last = { case: x, result: res };
      return res.ok;
    }),
    { examples: [[c]], numRuns: 1, interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: false },
  );
  const best = (r.counterexample?.[0] as FuzzCase | undefined) ?? c;
  // Re-run the reported counterexample so the detail printed is its own.
  const result = last && last.case === best ? last.result : await checkCase(best);
  return { case: best, result, shrinks: r.numShrinks };
}

export function reproducer(c: FuzzCase, r: CaseResult): string {
  const m = buildModule(c.stream);
  const detail = r.ok ? 'passes' : `${r.stage}: ${r.detail}`;
  return `;; ---- failure (${r.ok ? 'not reproduced' : r.stage}) ----\n;; ${detail.split('\n').join('\n;; ')}\n${m.wat}\n;; calls, in order (QEMU and V8 see the same sequence):\n;; ${showCalls(m, c.args).split('\n').join('\n;; ')}`;
}
