/**
 * call_indirect: the table from the element segments (WASM side) and from the
 * object's table data via its relocations (ARM side), checked to agree;
 * out-of-range index, null entry and signature mismatch trap with their
 * codes (spec/abi/traps.ts); a matching entry is a call to that function.
 */
import { describe, expect, it } from 'vitest';
import type { CutPoint } from '../../spec/abi/certificate.ts';
import { validateObject } from '../../validator/validate.ts';
import { compileWat } from '../compiler/pipeline-harness.ts';
import { cert, fn, funcCert, hasToolchain, instrOffsets, summary, validate } from './harness.ts';

const WAT = `(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (table 5 funcref)
  (elem (i32.const 0) $inc $dbl $nop)
  (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
  (func $dbl (param i32) (result i32) local.get 0 local.get 0 i32.add)
  (func $nop (type $v))
  (func (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii)))`;

interface Variant {
  bound?: string;
  boundGuard?: string;
  nullGuard?: string;
  typeId?: number;
  typeGuard?: string;
  nullCode?: number;
  table?: string;
}
// Byte offsets: push 0, sub 2, movs 4, cmp 6, b<bound> 8, movw 10, movt 14, add 18, ldr 22, cmp 24, b<null> 26,
// ldr 28, subs 30, b<type> 32, mov 34, blx 36, then the call-return cut at 38.
const go = (v: Variant) => `push {lr}
 sub sp, #4
 movs r2, #${v.bound ?? '5'}
 cmp r0, r2
 ${v.boundGuard ?? 'bcs 1f'}
 movw r2, #:lower16:__warden_table
 movt r2, #:upper16:__warden_table
 add r0, r2, r0, lsl #3
 ldr r2, [r0, #0]
 cmp r2, #0
 ${v.nullGuard ?? 'beq 2f'}
 ldr r0, [r0, #4]
 subs r0, r0, #${v.typeId ?? 0}
 ${v.typeGuard ?? 'bne 3f'}
 mov r0, r1
 blx r2
 add sp, #4
 pop {pc}
1: udf #5
2: udf #${v.nullCode ?? 6}
3: udf #7`;
// Type ids as the compiler assigns them (spec/abi/layout.ts tableTypeIds): $ii -> 0, $v -> 1.
const TABLE = '.word f0, 0\n .word f1, 0\n .word f2, 1\n .word 0, 0\n .word 0, 0';
const asm = (v: Variant) =>
  fn('f0', 'adds r0, #1\n bx lr') +
  fn('f1', 'adds r0, r0, r0\n bx lr') +
  fn('f2', 'bx lr') +
  fn('go', go(v)) +
  `.data\n.balign 8\n.global __warden_table\n.type __warden_table,%object\n__warden_table:\n ${v.table ?? TABLE}\n.size __warden_table, .-__warden_table\n`;
const cut = (wasm: Uint8Array): CutPoint[] => [
  { kind: 'call-return', address: 38, wasm: { offset: instrOffsets(wasm, 3).find((i) => i.op === 'call_indirect')!.offset, position: 'after' }, locals: [], stack: [{ type: 'i32', loc: { kind: 'reg', reg: 0 } }] },
];
// The verdict of `go` (function 3; verdicts come in function order).
const run = async (v: Variant) => summary(await validate(WAT, asm(v), (wasm) => cert([funcCert(0, 'f0', { saved: [], size: 0 }), funcCert(1, 'f1', { saved: [], size: 0 }), funcCert(2, 'f2', { saved: [], size: 0 }), funcCert(3, 'go', { saved: [14], size: 4 }, cut(wasm))])))[3]!;

describe.runIf(hasToolchain())('call_indirect (hand-written) (skipped without arm-none-eabi-as)', () => {
  it('proves bounds, null and signature checks and the call', async () => {
    expect(await run({})).toMatch(/^proved/);
  });
  it('refutes a dropped bounds check', async () => {
    expect(await run({ boundGuard: 'nop' })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes an inverted bounds check', async () => {
    expect(await run({ boundGuard: 'bcc 1f' })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes a bound off by one', async () => {
    expect(await run({ bound: '6' })).toMatch(/^refuted: /);
  });
  it('refutes a dropped null check', async () => {
    expect(await run({ nullGuard: 'nop' })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes an inverted null check', async () => {
    expect(await run({ nullGuard: 'bne 2f' })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes a dropped signature check', async () => {
    expect(await run({ typeGuard: 'nop' })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes an inverted signature check', async () => {
    expect(await run({ typeGuard: 'beq 3f' })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes comparing against the wrong type id', async () => {
    expect(await run({ typeId: 1 })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes the wrong trap code for a null entry', async () => {
    expect(await run({ nullCode: 5 })).toMatch(/^refuted: .*same successor/);
  });
  it('refutes a table whose type id words disagree with the signatures', async () => {
    expect(await run({ table: '.word f0, 0\n .word f1, 1\n .word f2, 1\n .word 0, 0\n .word 0, 0' })).toMatch(/^refuted: .*same successor/);
  });
  it('refuses a table holding another function than the element segments', async () => {
    expect(await run({ table: '.word f1, 0\n .word f1, 0\n .word f2, 1\n .word 0, 0\n .word 0, 0' })).toMatch(/^unknown: relocation: table 0 entry 0 .* holds function 1 \(f1\), the element segments function 0/);
  });
  it('refuses a table entry that is a plain address without a relocation', async () => {
    expect(await run({ table: '.word f0, 0\n .word f1, 0\n .word f2, 1\n .word 0x1001, 0\n .word 0, 0' })).toMatch(/^unknown: relocation: table 0 entry 3 .* holds 0x1001 without a relocation/);
  });
});

describe('call_indirect (compiled)', () => {
  it('proves every function of a module with two tables, calling through table 1', async () => {
    const c = await compileWat(`(module
      (type $ii (func (param i32) (result i32)))
      (table $t0 1 funcref)
      (table $t1 3 funcref)
      (elem (table $t0) (i32.const 0) func $inc)
      (elem (table $t1) (i32.const 1) func $dbl $inc)
      (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
      (func $dbl (type $ii) local.get 0 local.get 0 i32.add)
      (func (export "go") (param i32 i32) (result i32)
        local.get 1 local.get 0 call_indirect $t1 (type $ii)
        local.get 1 i32.const 0 call_indirect $t0 (type $ii) i32.add))`);
    const r = await validateObject(c.bytes, c.out.object);
    expect(summary(r).map((s) => s.replace(/ \(\d+\)$/, ''))).toEqual(['proved', 'proved', 'proved']);
  });
});
