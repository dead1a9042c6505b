import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileWat, differential, type Call } from './pipeline-harness.ts';

const I32_EDGE = [0n, 1n, 2n, 7n, 31n, 32n, 33n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0xfffffffen, 12345n];

describe('pipeline: straight-line and loops on QEMU vs V8', () => {
  it('fib and add3', async () => {
    const c = await compileWat(readFileSync('examples/fib.wat', 'utf8'), 'fib.wat');
    const calls: Call[] = [0n, 1n, 2n, 10n, 30n, 47n].map((n) => ({ name: 'fib', args: [n] }));
    calls.push({ name: 'add3', args: [1n, 2n, 3n] }, { name: 'add3', args: [0xffffffffn, 1n, 5n] });
    const rows = await differential(c, calls);
    for (const r of rows) expect(r.arm, r.call).toEqual(r.v8);
  });

  it('crc32 example: check value 0xCBF43926, and agreement with V8 on memory contents', async () => {
    const c = await compileWat(readFileSync('examples/crc32.wat', 'utf8'), 'crc32.wat');
    const rows = await differential(c, [{ name: 'check', args: [] }, { name: 'crc32', args: [0n, 9n] }, { name: 'crc32', args: [2n, 5n] }, { name: 'crc32', args: [65530n, 6n] }, { name: 'crc32', args: [65530n, 7n] }]);
    expect(rows[0]!.arm).toBe(`ok ${0xcbf43926}`);
    for (const r of rows) expect(r.arm, r.call).toBe(r.v8);
  });

  it('(memory 4) with a data segment at the end of memory: loads, stores and bounds traps', async () => {
    // 256 KiB of linear memory in .data: the object writer and the firmware linker copy it as one blob.
    const wat = `(module
      (memory 4)
      (data (i32.const 262136) "\\01\\02\\03\\04\\05\\06\\07\\08")
      (func (export "ld") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "ld8") (param i32) (result i32) (i32.load8_u (local.get 0)))
      (func (export "st") (param i32 i32) (result i32) (i32.store (local.get 0) (local.get 1)) (i32.load (local.get 0)))
      (func (export "size") (result i32) (memory.size)))`;
    const c = await compileWat(wat);
    expect(c.out.reservedPages).toBe(4);
    const calls: Call[] = [
      { name: 'size', args: [] },
      ...[262136n, 262139n, 262140n, 262141n, 262144n, 0n, 131072n, 0xffffffffn].map((a) => ({ name: 'ld', args: [a] })),
      ...[262136n, 262143n, 262144n].map((a) => ({ name: 'ld8', args: [a] })),
      { name: 'st', args: [262140n, 0xdeadbeefn] },
      { name: 'st', args: [262141n, 1n] },
      { name: 'st', args: [65536n * 3n, 42n] },
    ];
    const rows = await differential(c, calls);
    expect(rows[1]!.arm).toBe(`ok ${0x04030201}`);
    for (const r of rows) expect(r.arm, r.call).toBe(r.v8);
  });

  it('a function exported under several names is callable by each', async () => {
    const c = await compileWat(`(module
      (func $f (export "one") (export "two") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
      (export "three" (func $f)))`);
    const rows = await differential(c, ['one', 'two', 'three'].map((name, k) => ({ name, args: [BigInt(k + 5)] })));
    expect(rows.map((r) => r.arm)).toEqual(['ok 15', 'ok 18', 'ok 21']);
    for (const r of rows) expect(r.arm, r.call).toBe(r.v8);
  });

  it('straight-line memory accesses reuse the memory base and pages word, never a stale size after memory.grow', async () => {
    const c = await compileWat(`(module
      (memory 1 4)
      (global $g (mut i32) (i32.const 5))
      (func (export "sum4") (param $p i32) (result i32)
        (i32.store offset=16 (local.get $p) (i32.add (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))))
        (i32.store offset=20 (local.get $p) (i32.add (i32.load offset=8 (local.get $p)) (i32.load offset=12 (local.get $p))))
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.add (i32.load offset=16 (local.get $p)) (i32.load offset=20 (local.get $p))))
      (func (export "fill") (param $p i32) (param $v i32)
        (i32.store (local.get $p) (local.get $v)) (i32.store offset=4 (local.get $p) (i32.mul (local.get $v) (i32.const 3)))
        (i32.store offset=8 (local.get $p) (i32.const -1)) (i32.store offset=12 (local.get $p) (i32.const 7)))
      ;; loads before and after a grow in one function: the second bounds check must see the new size
      (func (export "grow_then_load") (param $a i32) (result i32)
        (i32.add (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 4)))
          (i32.add (drop (memory.grow (i32.const 1))) (i32.store (local.get $a) (i32.const 9)) (i32.load (local.get $a)) (memory.size))))
      ;; an access only on one arm of an if: nothing it computed may be reused after the join
      (func (export "one_arm") (param $c i32) (param $p i32) (result i32)
        (if (local.get $c) (then (global.set $g (i32.load (local.get $p)))))
        (i32.add (global.get $g) (i32.load offset=4 (local.get $p))))
      (func (export "g") (result i32) (global.get $g)))`);
    const sum4 = c.out.functions.find((f) => f.exportNames.includes('sum4'))!;
    // One addrOf each for linear memory, the pages word and the globals.
    expect(sum4.code.filter((i) => i.op === 'addrOf')).toHaveLength(3);
    const calls: Call[] = [
      { name: 'fill', args: [100n, 0x1234n] },
      { name: 'sum4', args: [100n] },
      { name: 'sum4', args: [65520n] },
      { name: 'sum4', args: [65530n] },
      { name: 'g', args: [] },
      { name: 'grow_then_load', args: [65536n] },
      { name: 'grow_then_load', args: [3n * 65536n + 4n] },
      { name: 'grow_then_load', args: [3n * 65536n + 4n] },
      { name: 'grow_then_load', args: [4n * 65536n] },
      { name: 'sum4', args: [4n * 65536n - 24n] },
      { name: 'one_arm', args: [0n, 100n] },
      { name: 'one_arm', args: [1n, 100n] },
      { name: 'one_arm', args: [0n, 65534n] },
    ];
    const rows = await differential(c, calls);
    for (const r of rows) expect(r.arm, r.call).toBe(r.v8);
    expect(rows[5]!.arm).not.toMatch(/trap/);
  });

  it('i32 arithmetic, comparisons, shifts, division traps', async () => {
    const ops = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr',
      'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
    const unops = ['clz', 'ctz', 'popcnt', 'eqz', 'extend8_s', 'extend16_s'];
    const wat = `(module
      ${ops.map((o) => `(func (export "${o}") (param i32 i32) (result i32) (i32.${o} (local.get 0) (local.get 1)))
      (func (export "${o}_k") (param i32) (result i32) (i32.${o} (local.get 0) (i32.const 7)))
      (func (export "${o}_kl") (param i32) (result i32) (i32.${o} (i32.const -3) (local.get 0)))`).join('\n')}
      ${unops.map((o) => `(func (export "${o}") (param i32) (result i32) (i32.${o} (local.get 0)))`).join('\n')}
    )`;
    const c = await compileWat(wat);
    const calls: Call[] = [];
    const vals = [0n, 1n, 7n, 0x80000000n, 0xffffffffn, 0x12345678n, 33n];
    for (const o of ops) {
      for (const a of vals) for (const b of vals) calls.push({ name: o, args: [a, b] });
      for (const a of vals) calls.push({ name: `${o}_k`, args: [a] }, { name: `${o}_kl`, args: [a] });
    }
    for (const o of unops) for (const a of I32_EDGE) calls.push({ name: o, args: [a] });
    const rows = await differential(c, calls);
    const bad = rows.filter((r) => r.arm !== r.v8);
    expect(bad.slice(0, 10)).toEqual([]);
    expect(rows.length).toBe(calls.length);
  });
});
