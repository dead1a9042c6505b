import { describe, expect, it } from 'vitest';
import { flagLiveness, useDeadFlags } from '../../compiler/frame/flags.ts';
import type { MInstr, PReg } from '../../compiler/target/insn.ts';
import { encodeFunction } from '../../compiler/target/encode.ts';
import { compileWat, differential, type Call } from './pipeline-harness.ts';

type I = MInstr<PReg>;
const movk = (rd: number, value: number): I => ({ op: 'movConst', rd, value });
const sub1 = (rd: number): I => ({ op: 'alu', alu: 'sub', setFlags: false, rd, rn: rd, op2: { kind: 'imm', value: 1 } });
const adds = (rd: number, rm: number): I => ({ op: 'alu', alu: 'add', setFlags: true, rd, rn: rd, op2: { kind: 'reg', rm } });
const adc = (rd: number, rm: number): I => ({ op: 'alu', alu: 'adc', setFlags: false, rd, rn: rd, op2: { kind: 'reg', rm } });
const ret: I = { op: 'bx', rm: 14 };

describe('flag liveness and flag-free 16-bit forms', () => {
  it('flags are dead before exit, a call and a full write; live before Bcc and ADC', () => {
    const code: I[] = [
      sub1(0), // 0: dead (CMP follows)
      { op: 'cmp', rn: 0, op2: { kind: 'imm', value: 3 } }, // 1
      movk(1, 0), // 2: live (BNE reads)
      { op: 'b', cond: 'ne', target: 7 }, // 3
      adds(0, 1), // 4
      movk(2, 0), // 5: live (ADC reads C)
      adc(3, 2), // 6
      { op: 'label', label: 7 }, // 7
      movk(2, 5), // 8: dead (BL kills)
      { op: 'bl', symbol: 'f' }, // 9
      sub1(1), // 10: dead (exit)
      ret,
    ];
    const live = flagLiveness(code);
    expect([0, 2, 5, 8, 10].map((k) => live[k])).toEqual([false, true, true, false, false]);
    const out = useDeadFlags(code);
    expect(out[0]).toEqual({ ...sub1(0), setFlags: true });
    expect(out[2]).toEqual(code[2]);
    expect(out[5]).toEqual(code[5]);
    expect(out[8]).toEqual({ op: 'mov', setFlags: true, rd: 2, op2: { kind: 'imm', value: 5 } });
    expect(out[10]).toEqual({ ...sub1(1), setFlags: true });
    expect(encodeFunction(out).bytes.length).toBeLessThan(encodeFunction(code).bytes.length);
  });

  it('liveness flows around loops and through partial writers (TST keeps C and V)', () => {
    const code: I[] = [
      { op: 'label', label: 0 },
      movk(1, 0), // live: the loop's BHS reads C, TST does not kill it
      { op: 'tst', rn: 2, op2: { kind: 'reg', rm: 2 } },
      { op: 'b', cond: 'hs', target: 0 },
      ret,
    ];
    expect(flagLiveness(code)[1]).toBe(true);
    expect(useDeadFlags(code)).toEqual(code);
  });

  it('keeps the form when the S-form is not shorter (high registers, wide constants)', () => {
    const code: I[] = [movk(8, 0), movk(1, 0x12345), sub1(9), ret];
    expect(useDeadFlags(code)).toEqual(code);
  });

  it('MULS is 16-bit only: chosen for low registers with rd = rn or rm, never otherwise', () => {
    const mul = (rd: number, rn: number, rm: number, setFlags = false): I => ({ op: 'mul', setFlags, rd, rn, rm });
    expect(Array.from(encodeFunction([mul(2, 1, 2, true)]).bytes)).toEqual([0x4a, 0x43]); // muls r2, r1, r2
    expect(Array.from(encodeFunction([mul(2, 2, 5, true)]).bytes)).toEqual([0x6a, 0x43]); // muls r2, r5, r2
    expect(() => encodeFunction([mul(8, 1, 8, true)])).toThrow(/MULS needs low registers/);
    expect(() => encodeFunction([mul(2, 1, 3, true)])).toThrow(/MULS needs low registers/);
    const code: I[] = [mul(2, 1, 2), mul(3, 1, 4), mul(9, 1, 9), ret];
    expect(useDeadFlags(code).map((i) => (i.op === 'mul' ? Boolean(i.setFlags) : null))).toEqual([true, false, false, null]);
  });

  it('compiled code agrees with V8 on QEMU: carries, compares and loops next to rewritten ops', async () => {
    const c = await compileWat(`(module
      (func (export "fib") (param i32) (result i32) (local i32 i32 i32)
        (local.set 2 (i32.const 1))
        (block $d (loop $l (br_if $d (i32.eqz (local.get 0)))
          (local.set 3 (i32.add (local.get 1) (local.get 2)))
          (local.set 1 (local.get 2)) (local.set 2 (local.get 3))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br $l)))
        (local.get 1))
      (func (export "add64k") (param i64 i32) (result i64)
        (i64.add (i64.add (local.get 0) (i64.const 0xffffffff)) (i64.extend_i32_u (i32.add (local.get 1) (i32.const 7)))))
      (func (export "mulk") (param i32 i32) (result i32) (i32.mul (i32.add (local.get 0) (i32.const 3)) (local.get 1)))
      (func (export "sel") (param i32 i32) (result i32)
        (select (i32.sub (local.get 0) (i32.const 3)) (i32.const 200) (i32.lt_u (local.get 0) (local.get 1))))
      (func (export "cnt") (param i32) (result i32) (local i32)
        (block $d (loop $l (br_if $d (i32.ge_s (local.get 1) (local.get 0)))
          (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br $l)))
        (i32.sub (i32.const 0) (local.get 1))))`);
    const e32 = [0n, 1n, 2n, 3n, 7n, 0x7fffffffn, 0x80000000n, 0xfffffff9n, 0xffffffffn];
    const e64 = [0n, 1n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];
    const calls: Call[] = [];
    for (const n of [0n, 1n, 2n, 10n, 47n]) calls.push({ name: 'fib', args: [n] }, { name: 'cnt', args: [n] });
    calls.push({ name: 'cnt', args: [0xffffffffn] });
    for (const a of e64) for (const b of e32) calls.push({ name: 'add64k', args: [a, b] });
    for (const a of e32) for (const b of e32) calls.push({ name: 'sel', args: [a, b] }, { name: 'mulk', args: [a, b] });
    const rows = await differential(c, calls);
    expect(rows.filter((r) => r.arm !== r.v8)).toEqual([]);
    expect(rows.length).toBe(calls.length);
  });
});
