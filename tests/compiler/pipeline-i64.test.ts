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
