/**
 * The two algebras must agree: every primitive and derived operation, on
 * random and edge-case operands, gives the same value concretely and as a
 * Z3 term simplified to a numeral. Z3 is the oracle here for SMT-LIB corner
 * cases (division by zero, over-wide shifts) that the concrete side mimics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concrete, CBV, SparseMemory } from '../../spec/bv/concrete.ts';
import { openZ3Context, z3Algebra, type ScopedZ3Context, type Z3Algebra, type ZBV } from '../../spec/bv/z3.ts';
import * as D from '../../spec/bv/derived.ts';

let Z: Z3Algebra;
let scope: ScopedZ3Context;
afterAll(() => scope?.close());
beforeAll(async () => {
  scope = await openZ3Context();
  Z = z3Algebra(scope.ctx);
});

async function z3Value(term: ZBV): Promise<bigint> {
  const s = await Z.ctx.simplify(term);
  if (!Z.ctx.isBitVecVal(s)) throw new Error(`did not simplify to a numeral: ${s.sexpr()}`);
  return s.value();
}

const binops = ['add', 'sub', 'mul', 'udiv', 'urem', 'sdiv', 'srem', 'and', 'or', 'xor', 'shl', 'lshr', 'ashr'] as const;
const cmps = ['eq', 'ult', 'ule', 'slt', 'sle'] as const;
const derived = ['clz', 'ctz', 'popcnt', 'bitReverse', 'byteReverse'] as const;

function edgy(width: number) {
  const top = (1n << BigInt(width)) - 1n;
  const edges = [0n, 1n, 2n, top, top - 1n, 1n << BigInt(width - 1), (1n << BigInt(width - 1)) - 1n, BigInt(width), BigInt(width - 1), BigInt(width + 1)];
  return fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: top }));
}

describe.each([8, 32, 64])('concrete and z3 agree at width %i', (width) => {
  it('binary operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...binops), edgy(width), edgy(width), async (op, a, b) => {
        const c = concrete[op](concrete.bv(a, width), concrete.bv(b, width));
        const z = await z3Value(Z[op](Z.bv(a, width), Z.bv(b, width)));
        expect({ op, a, b, v: z }).toEqual({ op, a, b, v: c.v });
      }),
      { numRuns: 150 },
    );
  });

  it('comparisons', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cmps), edgy(width), edgy(width), async (op, a, b) => {
        const c = concrete[op](concrete.bv(a, width), concrete.bv(b, width));
        const z = await Z.ctx.simplify(Z[op](Z.bv(a, width), Z.bv(b, width)));
        expect({ op, a, b, v: Z.ctx.isTrue(z) }).toEqual({ op, a, b, v: c });
      }),
      { numRuns: 100 },
    );
  });

  it('derived operations, rotations, slices and extensions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...derived), edgy(width), edgy(width), async (op, a, k) => {
        const ca = concrete.bv(a, width);
        const za = Z.bv(a, width);
        const cases: [CBV, ZBV][] = [
          [D[op](concrete, ca), D[op](Z, za)],
          [D.rotl(concrete, ca, concrete.bv(k, width)), D.rotl(Z, za, Z.bv(k, width))],
          [D.rotr(concrete, ca, concrete.bv(k, width)), D.rotr(Z, za, Z.bv(k, width))],
          [concrete.sext(concrete.extract(ca, width - 1, width / 2), 2 * width), Z.sext(Z.extract(za, width - 1, width / 2), 2 * width)],
          [concrete.zext(ca, width + 8), Z.zext(za, width + 8)],
          [concrete.concat(ca, concrete.not(ca)), Z.concat(za, Z.not(za))],
        ];
        for (const [c, z] of cases) expect(await z3Value(z)).toBe(c.v);
      }),
      { numRuns: 40 },
    );
  });
});

describe('memory', () => {
  it('little-endian load after store agrees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 0xffff_fff0 }), fc.constantFrom(1, 2, 4, 8), async (v, addr, bytes) => {
        const cm = D.storeLE(concrete, new SparseMemory(), concrete.bv(addr, 32), concrete.bv(v, 64), bytes);
        const c = D.loadLE(concrete, cm, concrete.bv(addr, 32), bytes);
        const zm = D.storeLE(Z, Z.memVar('m'), Z.bv(addr, 32), Z.bv(v, 64), bytes);
        const z = await z3Value(D.loadLE(Z, zm, Z.bv(addr, 32), bytes));
        expect(z).toBe(c.v);
        expect(c.v).toBe(v & ((1n << BigInt(8 * bytes)) - 1n));
      }),
      { numRuns: 40 },
    );
  });
});
