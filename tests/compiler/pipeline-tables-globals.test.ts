import { describe, expect, it } from 'vitest';
import { compileWat, differential, type Call, type Host } from './pipeline-harness.ts';

/** The slice of Node's WebAssembly.Global used here (tsconfig's libs do not declare it). */
type GlobalCtor = new (d: { value: 'i32' | 'i64'; mutable: boolean }, v: number | bigint) => object;
const WasmGlobal = (globalThis as unknown as { WebAssembly: { Global: GlobalCtor } }).WebAssembly.Global;

function word(name: string, bytes: number[]) {
  return { name, global: true, section: '.data' as const, bytes: Uint8Array.from(bytes), align: 8, relocations: [] };
}

describe('several tables and imported globals on QEMU vs V8', () => {
  it('call_indirect through each table: its own size, entries, null and signature traps', async () => {
    const c = await compileWat(`(module
      (type $ii (func (param i32) (result i32)))
      (type $v (func (result i32)))
      (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
      (func $dbl (type $ii) (i32.shl (local.get 0) (i32.const 1)))
      (func $k (type $v) (i32.const 42))
      (table $a 2 funcref)
      (table $b 5 funcref)
      (table $c 1 funcref)
      (elem (table $a) (i32.const 0) func $inc $k)
      (elem (table $b) (i32.const 1) func $dbl $inc)
      (elem (table $b) (i32.const 4) func $k)
      (elem (table $c) (i32.const 0) func $dbl)
      (func (export "a") (param i32 i32) (result i32) (call_indirect $a (type $ii) (local.get 1) (local.get 0)))
      (func (export "b") (param i32 i32) (result i32) (call_indirect $b (type $ii) (local.get 1) (local.get 0)))
      (func (export "bv") (param i32) (result i32) (call_indirect $b (type $v) (local.get 0)))
      (func (export "c") (param i32 i32) (result i32) (call_indirect $c (type $ii) (local.get 1) (local.get 0))))`);
    expect(c.out.data.map((d) => d.name).filter((n) => n.includes('table'))).toEqual(['__warden_table', '__warden_table1', '__warden_table2']);
    const calls: Call[] = [];
    for (const i of [0n, 1n, 2n, 3n, 4n, 5n, 0xffffffffn]) {
      for (const x of [0n, 7n, 0x7fffffffn, 0xffffffffn]) calls.push({ name: 'a', args: [i, x] }, { name: 'b', args: [i, x] }, { name: 'c', args: [i, x] });
      calls.push({ name: 'bv', args: [i] });
    }
    const rows = await differential(c, calls);
    // V8 reports "null function or function signature mismatch" for both: the harness maps it to 6,
    // so a mismatch must be exactly the calls whose entry holds a function of the other type.
    const mismatch = (call: string) => /^(a\(1,|b\(4,|bv\((1|2)\))/.test(call);
    expect(rows.filter((r) => r.arm !== r.v8 && !(mismatch(r.call) && r.v8 === 'trap 6' && r.arm === 'trap 7'))).toEqual([]);
    expect(rows.filter((r) => r.arm === 'trap 7').map((r) => r.call)).toEqual(rows.map((r) => r.call).filter(mismatch));
    expect(new Set(rows.map((r) => (r.arm.startsWith('trap') ? r.arm : 'ok')))).toEqual(new Set(['ok', 'trap 5', 'trap 6', 'trap 7']));
  });

  it('imported globals are external symbols the host defines; the header declares them', async () => {
    const c = await compileWat(`(module
      (import "env" "g32" (global $g32 (mut i32)))
      (import "env" "k64" (global $k64 i64))
      (global $own (mut i32) (i32.const 5))
      (func (export "get32") (result i32) (global.get $g32))
      (func (export "get64") (result i64) (global.get $k64))
      (func (export "own") (result i32) (global.get $own))
      (func (export "bump") (param i32) (result i32)
        (global.set $g32 (i32.add (global.get $g32) (local.get 0)))
        (global.set $own (i32.sub (global.get $own) (local.get 0)))
        (i32.add (global.get $g32) (global.get $own))))`);
    expect(c.out.header).toContain('extern int32_t g32; /* env.g32 */');
    expect(c.out.header).toContain('extern const int64_t k64; /* env.k64 */');
    const k64 = 0x8000000100000002n;
    const le = (v: bigint, n: number) => Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
    const host: Host = {
      imports: { env: { g32: new WasmGlobal({ value: 'i32', mutable: true }, -3), k64: new WasmGlobal({ value: 'i64', mutable: false }, BigInt.asIntN(64, k64)) } },
      data: [word('g32', le(BigInt.asUintN(32, -3n), 4)), word('k64', le(k64, 8))],
    };
    // State carries across calls in one run: the same sequence on both sides.
    const calls: Call[] = [{ name: 'get32', args: [] }, { name: 'get64', args: [] }, { name: 'own', args: [] }];
    for (const x of [1n, 0x7fffffffn, 0xffffffffn, 0x80000000n, 3n]) calls.push({ name: 'bump', args: [x] }, { name: 'get32', args: [] }, { name: 'own', args: [] });
    const rows = await differential(c, calls, host);
    expect(rows.filter((r) => r.arm !== r.v8)).toEqual([]);
    expect(rows[1]!.v8).toBe(`ok ${k64}`);
  });
});
