import { describe, expect, it } from 'vitest';
import { concrete as A, FlatMemory, type CBV } from '../../spec/bv/concrete.ts';
import { withZ3Context, z3Algebra } from '../../spec/bv/z3.ts';
import { numeric, load, store, memoryGrow, pagesToBytes, effectiveAddress } from '../../spec/wasm/semantics.ts';
import type { NumericOp } from '../../spec/wasm/ast.ts';
import { NUMERIC_OPS } from '../../spec/wasm/opcodes.ts';

const i32 = (v: number | bigint): CBV => A.bv(v, 32);
const i64 = (v: number | bigint): CBV => A.bv(v, 64);

/** Run a rule concretely: the first trap that holds, or the result (unsigned). */
function run(op: NumericOp, ...args: CBV[]): bigint | string {
  const out = numeric(A, op, args);
  const t = out.traps.find((x) => x.when);
  return t ? t.trap : out.results[0]!.v;
}

describe('integer semantics (concrete)', () => {
  it('division and remainder traps', () => {
    expect(run('i32.div_s', i32(-(2 ** 31)), i32(-1))).toBe('integer overflow');
    expect(run('i64.div_s', i64(1n << 63n), i64(-1))).toBe('integer overflow');
    expect(run('i32.div_s', i32(7), i32(0))).toBe('integer divide by zero');
    expect(run('i32.div_u', i32(7), i32(0))).toBe('integer divide by zero');
    expect(run('i64.rem_u', i64(7), i64(0))).toBe('integer divide by zero');
    expect(run('i64.rem_s', i64(7), i64(0))).toBe('integer divide by zero');
    expect(run('i32.rem_s', i32(-(2 ** 31)), i32(-1))).toBe(0n);
    expect(run('i64.rem_s', i64(1n << 63n), i64(-1))).toBe(0n);
    expect(run('i32.div_s', i32(-7), i32(2))).toBe(BigInt.asUintN(32, -3n)); // truncates toward zero
    expect(run('i32.rem_s', i32(-7), i32(2))).toBe(BigInt.asUintN(32, -1n)); // sign of the dividend
    expect(run('i32.div_u', i32(-1), i32(2))).toBe(0x7fffffffn);
  });

  it('shifts and rotates take the amount modulo the width', () => {
    expect(run('i32.shl', i32(1), i32(33))).toBe(2n);
    expect(run('i32.shr_s', i32(-8), i32(-1))).toBe(0xffffffffn);
    expect(run('i32.shr_u', i32(-8), i32(32))).toBe(0xfffffff8n);
    expect(run('i64.shl', i64(1), i64(64 + 63))).toBe(1n << 63n);
    expect(run('i32.rotl', i32(0x80000001), i32(1))).toBe(3n);
    expect(run('i32.rotr', i32(1), i32(-1))).toBe(2n);
    expect(run('i64.rotl', i64(0x8000000000000001n), i64(65))).toBe(3n);
  });

  it('bit counts, tests, comparisons, conversions', () => {
    expect(run('i32.clz', i32(0))).toBe(32n);
    expect(run('i64.ctz', i64(0))).toBe(64n);
    expect(run('i64.clz', i64(1))).toBe(63n);
    expect(run('i32.popcnt', i32(-1))).toBe(32n);
    expect(run('i64.eqz', i64(0))).toBe(1n);
    expect(run('i32.lt_s', i32(-1), i32(0))).toBe(1n);
    expect(run('i32.lt_u', i32(-1), i32(0))).toBe(0n);
    expect(run('i64.ge_u', i64(-1), i64(0))).toBe(1n);
    expect(run('i32.wrap_i64', i64(0x1_ffff_fffen))).toBe(0xfffffffen);
    expect(run('i64.extend_i32_s', i32(-2))).toBe(BigInt.asUintN(64, -2n));
    expect(run('i64.extend_i32_u', i32(-2))).toBe(0xfffffffen);
    expect(run('i32.extend8_s', i32(0x180))).toBe(0xffffff80n);
    expect(run('i32.extend16_s', i32(0x7fff))).toBe(0x7fffn);
    expect(run('i64.extend32_s', i64(0x80000000n))).toBe(0xffffffff80000000n);
  });

  it('rejects wrongly typed operands', () => {
    expect(() => numeric(A, 'i32.add', [i64(1), i32(1)])).toThrow(/operand 0 must be i32/);
    expect(() => numeric(A, 'i32.eqz', [])).toThrow(/takes 1 operands/);
  });

  it('bounds: ea = zext(addr) + offset without wrap-around, in bounds iff ea + size <= bytes', () => {
    const bytes = pagesToBytes(A, i32(1));
    expect(bytes.v).toBe(65536n);
    const trapped = (offset: number, addr: number, size: number): boolean => effectiveAddress(A, bytes, offset, i32(addr), size).traps[0]!.when;
    expect(trapped(0, 65532, 4)).toBe(false);
    expect(trapped(0, 65533, 4)).toBe(true);
    expect(trapped(65532, 0, 4)).toBe(false);
    expect(trapped(1, 65532, 4)).toBe(true);
    // 0xffffffff + 1 would wrap to 0 in 32 bits: still out of bounds.
    expect(trapped(1, 0xffffffff, 1)).toBe(true);
    expect(trapped(0xffffffff, 1, 1)).toBe(true);
  });

  it('loads extend and stores truncate, little-endian', () => {
    const mem = new FlatMemory(new Uint8Array(65536));
    const bytes = pagesToBytes(A, i32(1));
    const s = store(A, bytes, 'i64.store', { align: 3, offset: 8 }, i32(65520), i64(0x8877665544332211n));
    expect(s.traps[0]!.when).toBe(false);
    s.write(mem);
    expect(Array.from(mem.data.subarray(65528, 65536))).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    const ld = (op: Parameters<typeof load>[3], off: number): bigint => load(A, mem, bytes, op, { align: 0, offset: off }, i32(65528)).results[0]!.v;
    expect(ld('i32.load8_s', 7)).toBe(0xffffff88n);
    expect(ld('i32.load16_u', 6)).toBe(0x8877n);
    expect(ld('i64.load32_s', 4)).toBe(0xffffffff88776655n);
    expect(ld('i64.load', 0)).toBe(0x8877665544332211n);
    const oob = store(A, bytes, 'i32.store16', { align: 1, offset: 0 }, i32(65535), i32(0));
    expect(oob.traps[0]!.when).toBe(true);
  });

  it('memory.grow', () => {
    const g = (pages: number, delta: number, max?: number) => {
      const r = memoryGrow(A, i32(pages), i32(delta), max);
      return [r.result.s, r.pages.v];
    };
    expect(g(1, 2, 3)).toEqual([1n, 3n]);
    expect(g(1, 3, 3)).toEqual([-1n, 1n]);
    expect(g(1, 0, 1)).toEqual([1n, 1n]);
    expect(g(0, 65536)).toEqual([0n, 65536n]);
    expect(g(1, 65536)).toEqual([-1n, 1n]);
    expect(g(1, 0xffffffff)).toEqual([-1n, 1n]); // no 32-bit wrap-around of old + delta
  });
});

describe('the same rules under Z3', () => {
  it('every numeric rule builds terms, and Z3 agrees with the concrete run on sample operands', () => withZ3Context(async (ctx) => {
    const Z = z3Algebra(ctx);
    const solver = new Z.ctx.Solver();
    const samples: [bigint, bigint][] = [[0x80000000n, 0xffffffffn], [5n, 0n], [0x12345678n, 33n]];
    for (const op of NUMERIC_OPS) {
      for (const [a, b] of samples) {
        const args = op.sig.params.map((t, i) => (i === 0 ? a : b) | (t === 'i64' ? a << 32n : 0n));
        const conc = numeric(A, op.name, args.map((v, i) => A.bv(v, op.sig.params[i] === 'i32' ? 32 : 64)));
        const sym = numeric(Z, op.name, args.map((v, i) => Z.bv(v, op.sig.params[i] === 'i32' ? 32 : 64)));
        const concTrap = conc.traps.findIndex((t) => t.when);
        // The symbolic trap conditions are valid-equal to the concrete truth values, and so is the result.
        for (const [i, t] of sym.traps.entries()) {
          solver.push();
          solver.add(Z.boolNot(Z.boolEq(t.when, Z.bool(conc.traps[i]!.when))));
          expect(await solver.check(), `${op.name} trap ${i}`).toBe('unsat');
          solver.pop();
        }
        if (concTrap < 0) {
          solver.push();
          solver.add(Z.boolNot(Z.eq(sym.results[0]!, Z.bv(conc.results[0]!.v, conc.results[0]!.w))));
          expect(await solver.check(), op.name).toBe('unsat');
          solver.pop();
        }
      }
    }
  }));

  it('the bounds check with a symbolic memory size', () => withZ3Context(async (ctx) => {
    const Z = z3Algebra(ctx);
    const pages = Z.bvVar('pages', 32);
    const addr = Z.bvVar('addr', 32);
    const { traps } = effectiveAddress(Z, pagesToBytes(Z, pages), 4, addr, 4);
    const solver = new Z.ctx.Solver();
    // With at least one page, address 0 with offset 4 is in bounds...
    solver.add(Z.ule(Z.bv(1, 32), pages), Z.eq(addr, Z.bv(0, 32)), traps[0]!.when);
    expect(await solver.check()).toBe('unsat');
    // ...and address 0xfffffffc is never in bounds, whatever the size (no wrap-around).
    const s2 = new Z.ctx.Solver();
    s2.add(Z.ule(pages, Z.bv(65536, 32)), Z.eq(addr, Z.bv(0xfffffffc, 32)), Z.boolNot(traps[0]!.when));
    expect(await s2.check()).toBe('unsat');
  }));
});
