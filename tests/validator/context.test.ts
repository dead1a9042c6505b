import { describe, expect, it } from 'vitest';
import { withZ3Context, z3AllocatedBytes } from '../../spec/bv/z3.ts';
import { withContext } from '../../validator/context.ts';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';

const MiB = 1 << 20;

describe('explicit-lifetime Z3 contexts (spec/bv/z3.ts, the validator\'s context.ts)', () => {
  it('a context and everything made in it are freed when its function is done', async () => {
    const before = await z3AllocatedBytes();
    let inside = 0;
    const answer = await withContext(async (ctx) => {
      const x = ctx.BitVec.const('x', 64);
      const s = new ctx.Solver('QF_BV');
      s.add(x.mul(x).eq(ctx.BitVec.val(49n, 64)));
      const r = await s.check();
      inside = await z3AllocatedBytes();
      s.release();
      return r;
    });
    expect(answer).toBe('sat');
    expect(inside - before).toBeGreaterThan(MiB);
    expect((await z3AllocatedBytes()) - before).toBeLessThan(64 * 1024);
  });

  it('a failing function still frees its context', async () => {
    const before = await z3AllocatedBytes();
    await expect(withContext(async (ctx) => {
      ctx.BitVec.const('y', 32).add(1);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect((await z3AllocatedBytes()) - before).toBeLessThan(64 * 1024);
  });

  it('a context is deleted only once its running check is done; a check on a deleted context is refused', async () => {
    let solver: { check(): Promise<string> } | undefined;
    let settled = false;
    let pending: Promise<string> | undefined;
    await withZ3Context(async (ctx) => {
      // Factoring a 64-bit product of two 32-bit numbers: about a second of Z3 on a pthread.
      const [x, y] = [ctx.BitVec.const('x', 64), ctx.BitVec.const('y', 64)];
      const top = ctx.BitVec.val(1n << 32n, 64);
      const s = new ctx.Solver('QF_BV');
      s.add(x.mul(y).eq(ctx.BitVec.val(((1n << 32n) - 5n) * ((1n << 32n) - 17n), 64)), x.ugt(1), y.ugt(1), x.ult(top), y.ult(top));
      solver = s;
      pending = s.check();
      pending.then(() => (settled = true), () => (settled = true));
      await new Promise((r) => setTimeout(r, 0)); // the check is on its thread now; f settles under it
    });
    expect(settled).toBe(true);
    expect(await pending).toBe('sat');
    await expect(solver!.check()).rejects.toThrow('its context was closed');
  });
});

const TWO = `(module
  (func (export "f") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "g") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`;
const ASM = fn('f', 'cbz r1, 1f\n udiv r0, r0, r1\n bx lr\n1: udf #2') + fn('g', 'adds r0, r0, r1\n bx lr');
const C = cert([funcCert(0, 'f', { saved: [], size: 0 }), funcCert(1, 'g', { saved: [], size: 0 })]);

describe.runIf(hasToolchain())('validation does not leak Z3 memory or depend on what ran before (skipped without arm-none-eabi-as)', () => {
  it('validating a module many times leaves Z3 memory where it was, with the same rlimit per obligation', async () => {
    const first = await validate(TWO, ASM, C);
    expect(summary(first)).toEqual([expect.stringMatching(/^proved/), expect.stringMatching(/^proved/)]);
    const before = await z3AllocatedBytes();
    let last = first;
    for (let i = 0; i < 5; i++) last = await validate(TWO, ASM, C);
    expect((await z3AllocatedBytes()) - before).toBeLessThan(256 * 1024);
    const rlimits = (r: typeof first) => r.verdicts.map((v) => v.obligations.map((o) => o.rlimit));
    expect(rlimits(last)).toEqual(rlimits(first));
  });
});
