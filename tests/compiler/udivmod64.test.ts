/**
 * __warden_udivmod64 against BigInt, on every path of the routine (n < d;
 * d < 2^24 by UDIV digits; the shift-subtract loop over the quotient's bits,
 * including d >= 2^63 and carries out of the 64-bit remainder):
 * - on QEMU through compiled i64.div_u / i64.rem_u (which call it when a high word is non-zero),
 *   call by call and in a WASM loop of many divisions folded into a checksum;
 * - on the spec's ARM interpreter, calling the canonical bytes directly with
 *   any n (also both high words 0), checking the AAPCS registers it must preserve.
 */
import { describe, expect, it } from 'vitest';
import { compileWat, runQemu, type Call } from './pipeline-harness.ts';
import { UDIVMOD64_CODE } from '../../proofs/runtime/udivmod64.ts';
import { runThumb } from '../../spec/arm/interp.ts';
import { SparseMemory } from '../../spec/bv/concrete.ts';

const M64 = (1n << 64n) - 1n;

function xorshift(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s ^= (s << 13n) & M64;
    s ^= s >> 7n;
    s ^= (s << 17n) & M64;
    return s;
  };
}

/** Divisors at every path boundary, dividends around them. */
const D_EDGE = [1n, 2n, 3n, 0xffn, 0xffffn, 0xffffffn, 0x1000000n, 0x1000001n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 0x1ffffffffn, 1n << 62n, (1n << 63n) - 1n, 1n << 63n, (1n << 63n) + 1n, M64 - 1n, M64, 0x123456789abcdef0n];
const N_EDGE = [0n, 1n, 0xffffffffn, 0x100000000n, 0x1000000ffffffffn, 1n << 63n, (1n << 63n) - 1n, M64, M64 - 1n, 0xfedcba9876543210n, ...D_EDGE.flatMap((d) => [d - 1n, d, d + 1n, d * 3n + 1n])].map((v) => BigInt.asUintN(64, v));

function pairs(count: number): [bigint, bigint][] {
  const next = xorshift(0x2545f4914f6cdd1dn);
  const out: [bigint, bigint][] = [];
  for (const n of N_EDGE) for (const d of D_EDGE) out.push([n, d]);
  while (out.length < count) {
    const n = next() >> (next() % 64n);
    const d = next() >> (next() % 64n);
    if (d !== 0n) out.push([n, d]);
  }
  return out;
}

describe('__warden_udivmod64 on QEMU vs BigInt', () => {
  it('i64.div_u and i64.rem_u on edge and random operands of every magnitude', async () => {
    const c = await compileWat(`(module
      (func (export "q") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
      (func (export "r") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1))))`);
    expect(c.out.objFunctions.map((f) => f.name)).toContain('__warden_udivmod64');
    const ps = pairs(3000);
    const calls: Call[] = ps.flatMap(([n, d]) => [{ name: 'q', args: [n, d] }, { name: 'r', args: [n, d] }]);
    const got = (await runQemu(c, calls)).outcomes;
    const bad = calls.filter((call, i) => {
      const [n, d] = call.args as [bigint, bigint];
      const want = call.name === 'q' ? n / d : n % d;
      const o = got[i]!;
      return o.kind !== 'ok' || o.value !== want;
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(got.length).toBe(calls.length);
  });

  it('a WASM loop of 20000 divisions (xorshift operands, divisor shifted right by 0..63) folded into a checksum', async () => {
    const c = await compileWat(`(module
      (func (export "sweep") (param $s i64) (param $k i32) (result i64)
        (local $n i64) (local $d i64) (local $acc i64)
        (loop $l
          (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 13))))
          (local.set $s (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 7))))
          (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 17))))
          (local.set $n (local.get $s))
          (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 13))))
          (local.set $s (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 7))))
          (local.set $s (i64.xor (local.get $s) (i64.shl (local.get $s) (i64.const 17))))
          (local.set $d (i64.or (i64.shr_u (local.get $s) (i64.extend_i32_u (local.get $k))) (i64.const 1)))
          (local.set $acc (i64.add (i64.rotl (local.get $acc) (i64.const 5))
            (i64.xor (i64.div_u (local.get $n) (local.get $d)) (i64.mul (i64.rem_u (local.get $n) (local.get $d)) (i64.const 0x9e3779b97f4a7c15)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $k) (i32.const 20000))))
        (local.get $acc)))`);
    const model = (seed: bigint): bigint => {
      let s = seed;
      let acc = 0n;
      const step = () => {
        s ^= (s << 13n) & M64;
        s ^= s >> 7n;
        s ^= (s << 17n) & M64;
      };
      for (let k = 0; k < 20000; k++) {
        step();
        const n = s;
        step();
        const d = (s >> BigInt(k & 63)) | 1n; // k mod 64 matches i64.shr_u's amount for k < 2^32
        const rot = ((acc << 5n) | (acc >> 59n)) & M64;
        acc = (rot + ((n / d) ^ (((n % d) * 0x9e3779b97f4a7c15n) & M64))) & M64;
      }
      return acc;
    };
    const seeds = [0x123456789abcdefn, 0xdeadbeefcafef00dn];
    const got = (await runQemu(c, seeds.map((s) => ({ name: 'sweep', args: [s, 0n] })))).outcomes;
    expect(got).toEqual(seeds.map((s) => ({ kind: 'ok', value: model(s) })));
  });
});

describe('canonical __warden_udivmod64 bytes on the spec interpreter', () => {
  it('computes n / d and n % d for any n (also both high words 0), preserving r4-r11, SP and returning to LR', () => {
    const base = 0x1000;
    const ret = 0x9000;
    const sp = 0x20001000;
    const bad: string[] = [];
    for (const [n, d] of [...pairs(4000), [5n, 3n], [0n, 7n], [0xffffffffn, 1n], [0xfffffffen, 0xffffffffn]] as [bigint, bigint][]) {
      const r = [Number(n & 0xffffffffn), Number(n >> 32n), Number(d & 0xffffffffn), Number(d >> 32n), 4, 5, 6, 7, 8, 9, 10, 11, 12, sp, ret | 1];
      const st = { r, n: false, z: false, c: false, v: false, mem: new SparseMemory() };
      const o = runThumb(st, { bytes: UDIVMOD64_CODE, base }, { start: base, stopAt: (pc) => pc === ret, maxSteps: 5000 });
      const q = BigInt(st.r[0]! >>> 0) | (BigInt(st.r[1]! >>> 0) << 32n);
      const m = BigInt(st.r[2]! >>> 0) | (BigInt(st.r[3]! >>> 0) << 32n);
      const kept = [4, 5, 6, 7, 8, 9, 10, 11].every((i) => st.r[i] === i) && st.r[13] === sp;
      if (o.kind !== 'stopped' || q !== n / d || m !== n % d || !kept) bad.push(`${n}/${d}: ${o.kind} q=${q} r=${m} kept=${kept}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
