/**
 * A small fuzz campaign in the default test run: generated modules through
 * compile + QEMU vs V8, a few of them also validated (child process), and
 * mutated inputs through the decoder, compiler and CLI. `npm run fuzz` runs
 * the large campaigns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadWat } from '../../compiler/frontend/index.ts';
import { buildModule, caseArb, caseArbOf, NOT_VALIDATED, type Construct } from './gen.ts';
import { checkCase, reproducer } from './run.ts';
import { ValidatorPool } from './verdicts.ts';
import { inOrder } from './ordered.ts';
import { robustCampaign, type RobustFailure } from './robust.ts';

/**
 * Open bugs found by the fuzzer (tests/fuzz/FINDINGS.md, reproducers in
 * tests/fuzz/findings/). A robustness failure matching one is tolerated; the
 * wrong-code bugs (no matcher) do not occur with this file's seeds.
 */
/** Open bugs the campaign may meet, each with its reason; empty when none is known. F1-F4 are fixed (tests/compiler/regressions.test.ts). */
const KNOWN_BUGS: { id: string; reason: string; matches?: (f: RobustFailure) => boolean }[] = [];

describe('fuzz: generated modules', () => {
  it('the generator makes valid modules that shrink towards a trivial one', async () => {
    const samples = fc.sample(caseArb, { seed: 7, numRuns: 40 });
    for (const s of samples) {
      const l = await loadWat(buildModule(s.stream).wat);
      expect(l.ok, buildModule(s.stream).wat).toBe(true);
    }
    // The empty stream (where shrinking ends) is one function returning nothing.
    expect(buildModule([]).wat).toContain('(func (;0;) (export "f0") (type 0)');
    expect(buildModule([]).funcs).toEqual([{ params: [], result: null }]);
    // The samples exercise the hard cases.
    const all = samples.map((s) => buildModule(s.stream).wat).join('\n');
    for (const needle of ['call_indirect', 'br_table', 'br_if', '(loop', 'i64.div_s', 'i64.store8', 'memory.grow', 'global.set', '(param i32 i64']) expect(all).toContain(needle);
    // The proved subset leaves out what the validator does not model yet (NOT_VALIDATED), and keeps the rest.
    const subset = samples.map((s) => buildModule(s.stream, 'proved-subset').wat).join('\n');
    const needles: Record<Construct, RegExp> = { call_indirect: /call_indirect/, 'memory.grow': /memory\.grow/, 'i64 div/rem': /i64\.(div|rem)_/ };
    for (const [k, re] of Object.entries(needles) as [Construct, RegExp][]) expect([k, re.test(subset)]).toEqual([k, !NOT_VALIDATED.has(k)]);
    for (const needle of ['br_table', '(loop', 'i64.store8', '(call ']) expect(subset).toContain(needle);
  });

  it('5 small modules of the proved subset, 2 at a time: every function proved (validator in 2 child processes) and QEMU = V8', async () => {
    const pool = new ValidatorPool(2_000_000, 2);
    try {
      const failures: string[] = [];
      let proved = 0;
      const cases = fc.sample(caseArbOf(120), { seed: 2, numRuns: 5 });
      await inOrder(cases, 2, (c) => checkCase(c, { validator: pool, shapes: 'proved-subset' }), (c, r) => {
        if (!r.ok) failures.push(reproducer(c, r, 'proved-subset'));
        proved += (r.functions ?? []).filter((f) => f.kind === 'proved').length;
      });
      expect(failures.join('\n\n')).toBe('');
      expect(proved).toBeGreaterThanOrEqual(5);
    } finally {
      pool.close();
    }
  }, 120_000);

  it('30 modules run the same on QEMU and V8', async () => {
    const cases = fc.sample(caseArb, { seed: 20261124, numRuns: 30 });
    const failures: string[] = [];
    for (const c of cases) {
      const r = await checkCase(c);
      if (!r.ok) failures.push(reproducer(c, r));
    }
    expect(failures.join('\n\n')).toBe('');
  }, 60_000);
});

describe('fuzz: decoder and CLI robustness', () => {
  it('2,000 decoder inputs and 30 CLI invocations: no crash, one-line errors, no partial files', async () => {
    const r = await robustCampaign(11, 2000, 30);
    const unknown = r.failures.filter((f) => !KNOWN_BUGS.some((k) => k.matches?.(f)));
    expect(unknown.map((f) => `${f.what}\n  ${f.input.slice(0, 400)}`).join('\n')).toBe('');
  }, 60_000);
});
