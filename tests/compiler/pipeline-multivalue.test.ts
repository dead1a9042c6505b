import { describe, expect, it } from 'vitest';
import { compileWat, differential, type Call } from './pipeline-harness.ts';
import { resultLocations } from '../../spec/abi/aapcs.ts';
import { loadWat } from '../../compiler/frontend/index.ts';
import { compileModule, formatCompileError } from '../../compiler/compile.ts';

const E32 = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn];
const E64 = [0n, 1n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];

describe('multiple results (r0-r3, spec/abi/aapcs.ts resultLocations)', () => {
  it('lays results out like parameters; what does not fit in r0-r3 is refused by name', async () => {
    expect(resultLocations(['i32', 'i32', 'i64'])).toEqual({ ok: true, locs: [{ kind: 'reg', reg: 0 }, { kind: 'reg', reg: 1 }, { kind: 'regPair', lo: 2, hi: 3 }] });
    expect(resultLocations(['i64'])).toEqual({ ok: true, locs: [{ kind: 'regPair', lo: 0, hi: 1 }] });
    expect(resultLocations(['i32', 'i64', 'i32']).ok).toBe(false);
    const l = await loadWat(`(module (func (export "f") (result i64 i64 i32) (i64.const 1) (i64.const 2) (i32.const 3)))`);
    if (!l.ok) throw new Error('frontend');
    const r = compileModule(l.module);
    expect(r.ok ? '' : r.errors.map(formatCompileError).join('\n')).toMatch(/3 results \(i64, i64, i32\) need more than r0-r3/);
  });

  it('exports and internal calls with several results agree with V8 on QEMU', async () => {
    const c = await compileWat(`(module
      (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
      (func $divmod (param i64 i64) (result i64 i64)
        (i64.div_u (local.get 0) (local.get 1)) (i64.rem_u (local.get 0) (local.get 1)))
      (func $three (param i32) (result i32 i32 i64)
        (local.get 0) (i32.add (local.get 0) (i32.const 1)) (i64.extend_i32_s (local.get 0)))
      (func (export "swap") (param i32 i32) (result i32 i32) (call $swap (local.get 0) (local.get 1)))
      (func (export "divmod") (param i64 i64) (result i64 i64) (call $divmod (local.get 0) (local.get 1)))
      (func (export "three") (param i32) (result i32 i32 i64) (call $three (local.get 0)))
      (func (export "sub_swapped") (param i32 i32) (result i32) (call $swap (local.get 0) (local.get 1)) (i32.sub))
      (func (export "mix") (param i32) (result i64)
        (local i32 i32 i64)
        (call $three (local.get 0)) (local.set 3) (local.set 2) (local.set 1)
        (i64.xor (local.get 3) (i64.extend_i32_u (i32.mul (local.get 1) (local.get 2)))))
      (func (export "early") (param i32) (result i32 i64)
        (block (result i32 i64) (br_if 0 (i32.const 7) (i64.const -1) (local.get 0)) (drop) (drop) (i32.const 8) (i64.const 9)))
      (func (export "ret") (param i32) (result i64 i32)
        (if (local.get 0) (then (return (i64.const -2) (i32.const 3))))
        (i64.extend_i32_u (local.get 0)) (i32.const 4))
      (func (export "tbl") (param i32 i32) (result i32 i32)
        (call_indirect (type 0) (local.get 0) (local.get 1) (i32.const 0)))
      (table 1 funcref) (elem (i32.const 0) $swap)
      (type (func (param i32 i32) (result i32 i32))))`);
    const calls: Call[] = [];
    for (const a of E32) for (const b of E32) calls.push({ name: 'swap', args: [a, b] }, { name: 'sub_swapped', args: [a, b] }, { name: 'tbl', args: [a, b] });
    for (const a of E64) for (const b of E64) calls.push({ name: 'divmod', args: [a, b] });
    for (const a of E32) calls.push({ name: 'three', args: [a] }, { name: 'mix', args: [a] }, { name: 'early', args: [a] }, { name: 'ret', args: [a] });
    const rows = await differential(c, calls);
    expect(rows.filter((r) => r.arm !== r.v8).slice(0, 10)).toEqual([]);
    expect(rows.length).toBe(calls.length);
    // The certificate's exit lists every result where resultLocations puts it.
    const three = c.out.certificate.functions.find((f) => f.symbol === 'three')!;
    expect(three.cutPoints.filter((p) => p.kind === 'exit').map((p) => p.stack)).toEqual([[
      { type: 'i32', loc: { kind: 'reg', reg: 0 } }, { type: 'i32', loc: { kind: 'reg', reg: 1 } }, { type: 'i64', lo: { kind: 'reg', reg: 2 }, hi: { kind: 'reg', reg: 3 } },
    ]]);
    expect(c.out.header).toMatch(/swap\(int32_t, int32_t\) returns i32, i32 in r0-r3: not callable from C/);
  });
});
