/**
 * Firmware images built in TypeScript (no external linker), run on QEMU
 * mps2-an386: many calls in one run, AAPCS arguments incl. i64 on the stack,
 * UDF traps that do not stop the next call, .data/.bss initialisation, and a
 * non-UDF fault that reports itself.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunction } from '../../compiler/target/encode.ts';
import type { MInstr, PReg } from '../../compiler/target/insn.ts';
import type { ObjFunction } from '../../compiler/target/object.ts';
import { aapcsArgs, buildFirmware, runFirmware, type CallOutcome, type FirmwareCall } from '../../compiler/firmware/firmware.ts';
import { TRAP_CODES } from '../../spec/abi/traps.ts';

type MI = MInstr<PReg>;
const fn = (name: string, instrs: MI[]): ObjFunction => ({ name, global: true, code: encodeFunction(instrs) });
const r = (rm: number) => ({ kind: 'reg' as const, rm });
const i = (value: number) => ({ kind: 'imm' as const, value });
const ldrSp = (rt: number, offset: number): MI => ({ op: 'ldr', size: 4, signed: false, rt, addr: { kind: 'imm', base: 13, offset } });
const add64 = (lo: number, hi: number): MI[] => [
  { op: 'alu', alu: 'add', setFlags: true, rd: 2, rn: 2, op2: r(lo) },
  hi < 0 ? { op: 'alu', alu: 'adc', setFlags: false, rd: 3, rn: 3, op2: i(0) } : { op: 'alu', alu: 'adc', setFlags: false, rd: 3, rn: 3, op2: r(hi) },
];

const functions: ObjFunction[] = [
  fn('add', [{ op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 0, op2: r(1) }, { op: 'bx', rm: 14 }]),
  // i32.div_s with the divide-by-zero trap.
  fn('div', [
    { op: 'cbnz', rn: 1, target: 0 },
    { op: 'udf', code: TRAP_CODES['integer divide by zero'] },
    { op: 'label', label: 0 },
    { op: 'sdiv', rd: 0, rn: 0, rm: 1 },
    { op: 'bx', rm: 14 },
  ]),
  // sum6(a: i32, b: i64, c: i32, d: i64, e: i32, f: i32): i64 = a + b + c + d + e + f (unsigned i32s).
  // a -> r0, b -> r2:r3, c -> [sp], d -> [sp+8] (8-aligned), e -> [sp+16], f -> [sp+20].
  fn('sum6', [
    { op: 'push', regs: [4, 5] },
    ...add64(0, -1),
    ldrSp(4, 8), ...add64(4, -1),
    ldrSp(4, 16), ldrSp(5, 20), ...add64(4, 5),
    ldrSp(4, 24), ...add64(4, -1),
    ldrSp(4, 28), ...add64(4, -1),
    { op: 'mov', setFlags: false, rd: 0, op2: r(2) },
    { op: 'mov', setFlags: false, rd: 1, op2: r(3) },
    { op: 'pop', regs: [4, 5] },
    { op: 'bx', rm: 14 },
  ]),
  // Increments a .data global (initialised to 100) and returns the new value.
  fn('bump', [
    { op: 'addrOf', rd: 1, symbol: 'g', addend: 0 },
    { op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base: 1, offset: 0 } },
    { op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 0, op2: i(1) },
    { op: 'str', size: 4, rt: 0, addr: { kind: 'imm', base: 1, offset: 0 } },
    { op: 'bx', rm: 14 },
  ]),
  // Reads the second word of a .bss blob: zeroed by reset.
  fn('zero', [{ op: 'addrOf', rd: 1, symbol: 'z', addend: 4 }, { op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base: 1, offset: 0 } }, { op: 'bx', rm: 14 }]),
  // Traps with a wide UDF after clobbering callee-saved registers and SP: the driver must recover.
  fn('messy_trap', [
    { op: 'push', regs: [4, 5, 6, 7, 14] },
    { op: 'movConst', rd: 4, value: 0xdeadbeef },
    { op: 'movConst', rd: 5, value: 0 },
    { op: 'alu', alu: 'sub', setFlags: false, rd: 13, rn: 13, op2: i(64) },
    { op: 'udf', code: 300 },
  ]),
  // A non-UDF fault: BX to an ARM-state address (INVSTATE UsageFault).
  fn('bad', [{ op: 'movConst', rd: 0, value: 0x100 }, { op: 'bx', rm: 0 }]),
];

const data = [
  { name: 'g', global: true, section: '.data' as const, bytes: Uint8Array.from([100, 0, 0, 0]), align: 4, relocations: [] },
  { name: 'z', global: true, section: '.bss' as const, bytes: new Uint8Array(16), align: 8, relocations: [] },
];

const i32 = (v: number | bigint) => ({ type: 'i32' as const, value: BigInt(v) });
const i64 = (v: bigint) => ({ type: 'i64' as const, value: v });

describe('AAPCS argument placement', () => {
  it('uses even register pairs for i64, the stack 8-byte aligned, and no back-filling', () => {
    expect(aapcsArgs([i32(1), i64(0x200000003n), i32(4)])).toEqual({ regs: [1, 0, 3, 2], stack: [4, 0] });
    expect(aapcsArgs([i32(1), i32(2), i32(3), i64(0x500000004n), i32(6)])).toEqual({ regs: [1, 2, 3, 0], stack: [4, 5, 6, 0] });
    expect(aapcsArgs([i32(1), i64(0x300000002n), i32(4), i64(0x600000005n), i32(7), i32(8)])).toEqual({ regs: [1, 0, 2, 3], stack: [4, 0, 5, 6, 7, 8] });
    expect(aapcsArgs([i32(-1)])).toEqual({ regs: [0xffffffff, 0, 0, 0], stack: [] });
  });
});

describe('firmware on QEMU mps2-an386', () => {
  const sum6Args = [i32(1), i64(0x1_0000_0002n), i32(0xffffffff), i64(0x20_0000_0000n), i32(5), i32(6)];
  const sum6Want = 1n + 0x1_0000_0002n + 0xffffffffn + 0x20_0000_0000n + 5n + 6n;
  const calls: FirmwareCall[] = [
    { symbol: 'add', args: [i32(40), i32(2)], results: ['i32'] },
    { symbol: 'div', args: [i32(7), i32(0)], results: ['i32'] },
    { symbol: 'div', args: [i32(-7), i32(2)], results: ['i32'] },
    { symbol: 'sum6', args: sum6Args, results: ['i64'] },
    { symbol: 'bump', args: [], results: ['i32'] },
    { symbol: 'bump', args: [], results: ['i32'] },
    { symbol: 'zero', args: [], results: ['i32'] },
    { symbol: 'messy_trap', args: [], results: [] },
    { symbol: 'add', args: [i32(0xffffffff), i32(2)], results: ['i32'] },
  ];
  const expected: CallOutcome[] = [
    { kind: 'ok', values: [42n] },
    { kind: 'trap', code: 2, trap: 'integer divide by zero' },
    { kind: 'ok', values: [BigInt.asUintN(32, -3n)] },
    { kind: 'ok', values: [sum6Want] },
    { kind: 'ok', values: [101n] },
    { kind: 'ok', values: [102n] },
    { kind: 'ok', values: [0n] },
    { kind: 'trap', code: 300, trap: undefined },
    { kind: 'ok', values: [1n] },
  ];
  // 200 more assertions in the same run: a trap every third call.
  for (let k = 0; k < 200; k++) {
    const d = k % 3 === 0 ? 0 : k;
    calls.push({ symbol: 'div', args: [i32(1000 * k), i32(d)], results: ['i32'] });
    expected.push(d === 0 ? { kind: 'trap', code: 2, trap: 'integer divide by zero' } : { kind: 'ok', values: [BigInt(Math.trunc((1000 * k) / d))] });
  }

  it('runs every call in one QEMU run, traps resuming at the next call', () => {
    const run = runFirmware({ functions, data, calls }, { timeoutSec: 20 });
    expect(run.stderr).toBe('');
    expect(run.outcomes).toEqual(expected);
    expect(run.completed).toBe(true);
    expect(run.exitCode).toBe(0);
  });

  it('runs 2,000 calls with stack arguments in one run (a call table of ~100 KiB)', () => {
    const many: FirmwareCall[] = [];
    const want: CallOutcome[] = [];
    for (let k = 0; k < 2000; k++) {
      const args = [i32(k), i64(BigInt(k) << 33n), i32(0xffffffff - k), i64(0xffff_ffffn * BigInt(k)), i32(k * 3), i32(7)];
      many.push({ symbol: 'sum6', args, results: ['i64'] });
      want.push({ kind: 'ok', values: [BigInt.asUintN(64, args.reduce((s, a) => s + a.value, 0n))] });
    }
    const run = runFirmware({ functions, data, calls: many }, { timeoutSec: 30 });
    expect(run.outcomes).toEqual(want);
    expect(run.completed).toBe(true);
  });

  it('reports a non-UDF fault with its PC and stops', () => {
    const faultCalls: FirmwareCall[] = [
      { symbol: 'add', args: [i32(1), i32(1)], results: ['i32'] },
      { symbol: 'bad', args: [], results: [] },
      { symbol: 'add', args: [i32(1), i32(1)], results: ['i32'] },
    ];
    const run = runFirmware({ functions, data, calls: faultCalls }, { timeoutSec: 10 });
    expect(run.outcomes[0]).toEqual({ kind: 'ok', values: [2n] });
    const f = run.outcomes[1]!;
    expect(f.kind).toBe('fault');
    if (f.kind === 'fault') {
      expect(f.cfsr & 0x20000).toBe(0x20000); // UFSR.INVSTATE
      expect(f.pc).toBe(0x100);
    }
    expect(run.outcomes[2]).toEqual({ kind: 'missing' });
    expect(run.completed).toBe(false);
    expect(run.exitCode).toBe(3);
  });

  it('produces an ELF executable that readelf accepts without complaint', () => {
    const fw = buildFirmware({ functions, data, calls: calls.slice(0, 3) });
    const dir = mkdtempSync(join(tmpdir(), 'warden-fw-'));
    try {
      writeFileSync(join(dir, 'fw.elf'), fw.image);
      const re = spawnSync('arm-none-eabi-readelf', ['-a', '-W', join(dir, 'fw.elf')], { encoding: 'utf8' });
      expect(re.status).toBe(0);
      expect(re.stderr).toBe('');
      expect(re.stdout).toMatch(/Type:\s+EXEC/);
      expect(re.stdout).toMatch(/Entry point address:\s+0x[0-9a-f]*[13579bdf]\b/); // Thumb entry
      // .data is loaded in flash and copied to RAM by reset.
      expect(re.stdout).toMatch(/LOAD\s+0x[0-9a-f]+ 0x20000000 0x0000[0-9a-f]{4} 0x00004/);
      expect(fw.symbols.get('add')! & 1).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects calls it cannot make', () => {
    expect(() => buildFirmware({ functions, data, calls: [{ symbol: 'nope', args: [], results: [] }] })).toThrow(/no function named nope/);
    expect(() => buildFirmware({ functions, data, calls: [{ symbol: 'add', args: [], results: ['i64', 'i64', 'i32'] }] })).toThrow(/need more than r0-r3/);
    expect(() => buildFirmware({ functions: [fn('calls_missing', [{ op: 'bl', symbol: 'missing' }])], calls: [] })).toThrow(/undefined symbol missing/);
  });
});
