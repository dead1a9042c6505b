/**
 * Proof by equal subterms (validator/sweep.ts): a claim Z3 does not decide in one query is proved from
 * equalities of its parts, each an obligation of its own; a false claim is never proved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotl } from '../../spec/bv/derived.ts';
import { openZ3Context, z3Algebra, type ScopedZ3Context, type ZBV } from '../../spec/bv/z3.ts';
import { prove, type ProveOptions } from '../../validator/prove.ts';
import { proveBySweeping } from '../../validator/sweep.ts';

let z: ScopedZ3Context;
beforeAll(async () => (z = await openZ3Context()));
afterAll(async () => z.close());

const A = () => z3Algebra(z.ctx);
const OPTS: ProveOptions = { rlimit: 2_000_000, smt2: false };

/** WASM's rotl (spec/bv/derived.ts): shifts by y mod 32. */
const rotlWasm = (x: ZBV, y: ZBV): ZBV => rotl(A(), x, y);
/** The compiler's rotl: RSB t, y, #0; ROR x, t (ROR by t<7:0> mod 32). */
function rotlArm(x: ZBV, y: ZBV): ZBV {
  const a = A();
  const k = a.and(a.zext(a.extract(a.sub(a.bv(0, 32), y), 7, 0), 32), a.bv(31, 32));
  return a.or(a.lshr(x, k), a.shl(x, a.sub(a.bv(32, 32), k)));
}

describe('proof by equal subterms', () => {
  it('proves a product of rotates by a variable that one query leaves unknown, each equality an obligation', async () => {
    const { ctx } = z;
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => ctx.BitVec.const(n, 32));
    const goal = ctx.Eq(A().mul(rotlWasm(a!, b!), rotlWasm(c!, d!)), A().mul(rotlArm(a!, b!), rotlArm(c!, d!)));
    const direct = await prove(ctx, 'product', 0, [], goal, [], OPTS);
    expect(direct.result.answer).toBe('unknown');
    const swept = await proveBySweeping(ctx, 'product', 0, [], goal, [], OPTS);
    expect(swept.final?.result.answer).toBe('unsat');
    const names = swept.obligations.map((o) => o.name);
    expect(names.filter((n) => n.includes('equal subterms')).length).toBeGreaterThanOrEqual(2);
    expect(names.at(-1)).toMatch(/product \(with the \d+ equalities above substituted\)/);
    expect(swept.obligations.every((o) => o.answer === 'unsat')).toBe(true);
  });

  it('uses the premises: a local equal to its register only by a premise', async () => {
    const { ctx } = z;
    const [a, b, c, d, r0] = ['a', 'b', 'c', 'd', 'r0'].map((n) => ctx.BitVec.const(n, 32));
    const goal = ctx.Eq(A().mul(rotlWasm(a!, b!), rotlWasm(c!, d!)), A().mul(rotlArm(r0!, b!), rotlArm(c!, d!)));
    const swept = await proveBySweeping(ctx, 'premise', 0, [ctx.Eq(a!, r0!)], goal, [], OPTS);
    expect(swept.final?.result.answer).toBe('unsat');
  });

  it('never proves a false claim: rotl against rotr under a multiply', async () => {
    const { ctx } = z;
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => ctx.BitVec.const(n, 32));
    const rotr = (x: ZBV, y: ZBV) => rotlArm(x, A().sub(A().bv(0, 32), y));
    const goal = ctx.Eq(A().mul(rotlWasm(a!, b!), rotlWasm(c!, d!)), A().mul(rotlArm(a!, b!), rotr(c!, d!)));
    const swept = await proveBySweeping(ctx, 'false', 0, [], goal, [], OPTS);
    expect(swept.final?.result.answer).not.toBe('unsat');
  });

  it('a path whose premises contradict each other proves its claim (the incremental solver or the sampler finds no model)', async () => {
    const { ctx } = z;
    const [a, b] = ['a', 'b'].map((n) => ctx.BitVec.const(n, 32));
    const goal = ctx.Eq(rotlWasm(a!, b!), a!);
    const swept = await proveBySweeping(ctx, 'dead', 0, [ctx.Eq(a!, ctx.BitVec.val(1, 32)), ctx.Eq(a!, ctx.BitVec.val(2, 32))], goal, [], OPTS);
    expect(swept.final?.result.answer).toBe('unsat');
    expect(swept.final?.result.name).toMatch(/^dead/);
  });
});
