import { describe, expect, it } from 'vitest';
import { compileWat, differential, type Call } from './pipeline-harness.ts';

const V64 = [0n, 1n, 2n, 31n, 32n, 33n, 63n, 64n, 65n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x123456789abcdef0n, 0xfedcba9876543210n];

describe('pipeline: i64 on QEMU vs V8', () => {
  it('every i64 numeric op, register and constant operands', async () => {
    const bin = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
    const cmp = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
    const un = ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'];
    const consts = [0n, 1n, 31n, 32n, 33n, 63n, -1n, 0x1234567800000001n];
    const wat = `(module
      ${bin.map((o) => `(func (export "${o}") (param i64 i64) (result i64) (i64.${o} (local.get 0) (local.get 1)))
        ${consts.map((k, j) => `(func (export "${o}_k${j}") (param i64) (result i64) (i64.${o} (local.get 0) (i64.const ${k})))`).join('\n')}`).join('\n')}
      ${cmp.map((o) => `(func (export "${o}") (param i64 i64) (result i32) (i64.${o} (local.get 0) (local.get 1)))`).join('\n')}
      ${un.map((o) => `(func (export "${o}") (param i64) (result i64) (i64.${o} (local.get 0)))`).join('\n')}
      (func (export "eqz") (param i64) (result i32) (i64.eqz (local.get 0)))
      (func (export "wrap") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
      (func (export "ext_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
      (func (export "ext_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
      (func (export "brcmp") (param i64 i64) (result i32) (if (result i32) (i64.lt_s (local.get 0) (local.get 1)) (then (i32.const 10)) (else (i32.const 20))))
    )`;
    const c = await compileWat(wat);
    const calls: Call[] = [];
    for (const o of bin) {
      for (const a of V64) for (const b of V64) calls.push({ name: o, args: [a, b] });
      for (const a of V64) consts.forEach((_, j) => calls.push({ name: `${o}_k${j}`, args: [a] }));
    }
    for (const o of [...cmp, 'brcmp']) for (const a of V64) for (const b of V64) calls.push({ name: o, args: [a, b] });
    for (const o of [...un, 'eqz', 'wrap']) for (const a of V64) calls.push({ name: o, args: [a] });
    for (const a of [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn]) calls.push({ name: 'ext_s', args: [a] }, { name: 'ext_u', args: [a] });
    const rows = await differential(c, calls);
    expect(rows.filter((r) => r.arm !== r.v8).slice(0, 10)).toEqual([]);
    expect(rows.length).toBe(calls.length);
  });
});

/** Deterministic 64-bit xorshift: values of every magnitude and sign. */
function randoms64(n: number, seed: bigint): bigint[] {
  const out: bigint[] = [];
  let s = seed;
  const next = (): bigint => {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    return s;
  };
  for (let k = 0; k < n; k++) out.push(BigInt.asUintN(64, next() >> (next() % 64n)) * (k % 2 ? 1n : 0xffffffffffffffffn) & 0xffffffffffffffffn);
  return out;
}

describe('pipeline: i64 division on QEMU vs V8', () => {
  const ops = ['div_s', 'div_u', 'rem_s', 'rem_u'];
  const INT64_MIN = 0x8000000000000000n;
  const INT64_MAX = 0x7fffffffffffffffn;
  const EDGE = [
    0n, 1n, 2n, 3n, 7n, 10n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 1n << 40n, 1n << 62n,
    INT64_MAX, INT64_MIN, INT64_MIN + 1n, 0x123456789abcdef0n,
    ...[1n, 2n, 3n, 7n, 0x80000000n, 0xffffffffn, 0x100000000n, 1n << 40n, 0x123456789abcdef0n].map((v) => BigInt.asUintN(64, -v)),
  ];
  const CONSTS = [1n, 3n, -7n, 10n, 0x100000000n, 0x100000001n, -0x123456789n, INT64_MIN, INT64_MAX, 0n, -1n];

  it('every sign combination, divisor 0 / 1 / -1, INT64_MIN, large and small, constants, and random values', async () => {
    const wat = `(module
      ${ops.map((o) => `(func (export "${o}") (param i64 i64) (result i64) (i64.${o} (local.get 0) (local.get 1)))
        ${CONSTS.map((k, j) => `(func (export "${o}_k${j}") (param i64) (result i64) (i64.${o} (local.get 0) (i64.const ${k})))`).join('\n')}`).join('\n')}
      (func (export "live") (param i64 i64 i32) (result i64)
        ;; values live across the routine's call, in callee-saved registers
        (i64.add (i64.extend_i32_u (local.get 2)) (i64.mul (local.get 0) (i64.div_u (local.get 0) (local.get 1)))))
    )`;
    const c = await compileWat(wat);
    const calls: Call[] = [];
    const rnd = randoms64(120, 0x9e3779b97f4a7c15n);
    for (const o of ops) {
      for (const a of EDGE) for (const b of EDGE) calls.push({ name: o, args: [a, b] });
      for (let k = 0; k + 1 < rnd.length; k += 2) calls.push({ name: o, args: [rnd[k]!, rnd[k + 1]!] }, { name: o, args: [rnd[k]!, rnd[k + 1]! >> 33n] });
      for (const a of [...EDGE, ...rnd.slice(0, 20)]) CONSTS.forEach((_, j) => calls.push({ name: `${o}_k${j}`, args: [a] }));
    }
    for (const a of EDGE.slice(0, 8)) for (const b of EDGE.slice(1, 9)) calls.push({ name: 'live', args: [a, b, 0xfeedn] });
    const rows = await differential(c, calls);
    expect(rows.filter((r) => r.arm !== r.v8).slice(0, 10)).toEqual([]);
    expect(rows.length).toBe(calls.length);
    // The grid hits both traps and the INT64_MIN % -1 = 0 case.
    expect(rows.filter((r) => r.v8 === 'trap 2').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.v8 === 'trap 3').length).toBeGreaterThan(0);
    expect(rows).toContainEqual({ call: `rem_s(${INT64_MIN}, ${BigInt.asUintN(64, -1n)})`, v8: 'ok 0', arm: 'ok 0' });
  });
});
