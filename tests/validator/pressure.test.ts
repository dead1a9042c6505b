/**
 * Register-pressure cases that used to exhaust the rlimit, compiled by warden and validated under the
 * default rlimit; and i64 shifts by a register amount (lemmas i64.*-by-halves) against hand-written code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';
import { compiledVerdicts } from './compiled.ts';


describe('register pressure under the default rlimit', () => {
  // A 50-deep stack spilled to frame slots: reloads are the stored words again (symmem.ts slices).
  it('proves examples/pressure/deep50.wat', async () => {
    const r = await compiledVerdicts(readFileSync('examples/pressure/deep50.wat', 'utf8'));
    expect(summary(r)).toEqual([expect.stringMatching(/^proved/)]);
  }, 300_000);
  // i64 mul, rotl by a variable amount, sub with borrow and sign extension: both sides reach one term.
  it('proves examples/pressure/i64x4-with-4-params.wat', async () => {
    const r = await compiledVerdicts(readFileSync('examples/pressure/i64x4-with-4-params.wat', 'utf8'));
    expect(summary(r)).toEqual([expect.stringMatching(/^proved/)]);
  }, 300_000);
  it('proves i64.rotl and i64.shr_u by a variable amount as compiled', async () => {
    const r = await compiledVerdicts(`(module
      (func (export "rotl") (param i64 i64) (result i64) (i64.rotl (local.get 0) (local.get 1)))
      (func (export "shr") (param i64 i64) (result i64) (i64.shr_u (local.get 0) (local.get 1))))`);
    expect(summary(r)).toEqual([expect.stringMatching(/^proved/), expect.stringMatching(/^proved/)]);
    for (const [i, v] of r.verdicts.entries()) if (v.kind === 'proved') expect(v.lemmas.join()).toContain(i === 0 ? 'i64.rotl-by-halves' : 'i64.shr_u-by-halves');
  }, 300_000);
});

// i64.shl by a register amount n = y & 63: lo = x0 << n; hi = (x1 << n) | (x0 << (n - 32)) | (x0 >> (32 - n)).
const SHL = `(module (func (param i64 i64) (result i64) (i64.shl (local.get 0) (local.get 1))))`;
const shl = (fill: string) => `and r2, r2, #63
 lsl r1, r1, r2
 sub r3, r2, #32
 lsl r12, r0, r3
 orr r1, r1, r12
 ${fill}
 lsr r12, r0, r3
 orr r1, r1, r12
 lsl r0, r0, r2
 bx lr`;
describe.runIf(hasToolchain())('i64.shl by a register amount (skipped without arm-none-eabi-as)', () => {
  const run = async (body: string) => summary(await validate(SHL, fn('f', body), cert([funcCert(0, 'f', { saved: [], size: 0 })])))[0]!;
  it('proves the halves with register shifts', async () => {
    expect(await run(shl('rsb r3, r2, #32'))).toMatch(/^proved/);
  });
  it('refutes a wrong carry-over amount (33 - n)', async () => {
    expect(await run(shl('rsb r3, r2, #33'))).toMatch(/^refuted: .*result hi in r1/);
  });
});
