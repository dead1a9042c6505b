/**
 * The warden commands as a user runs them: happy paths, and every kind of
 * bad input answered with one line naming what is wrong and a non-zero exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf } from '../../validator/elf.ts';
import { expectUserError, SAMPLE_WAT, scratch, warden, wardenProcess } from './helpers.ts';

const junk = 'this is not an ELF object at all, just some text that is long enough for a header';

describe('warden compile', () => {
  const dir = scratch({ 's.wat': SAMPLE_WAT, 'bad.wat': '(module (func (result i32) (i32.add (i32.const 1))))', 'f.wat': '(module (func (export "f") (param f32)))', 'junk.wasm': new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 99, 7]) });

  it('--no-verify writes the object and the header, with a warning', async () => {
    const r = await warden(['compile', 's.wat', '-o', 's.o', '--no-verify', '--verbose'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warden: warning: --no-verify: s.o is UNVERIFIED');
    expect(r.stdout).toMatch(/function 0 \(fib\) -> fib: rung default/);
    const elf = readElf(readFileSync(join(dir, 's.o')));
    expect(elf.type).toBe(1);
    expect(elf.symbols.map((s) => s.name)).toEqual(expect.arrayContaining(['fib', 'div', 'mul64', 'store', 'pick']));
    expect(readFileSync(join(dir, 's.h'), 'utf8')).toContain('int64_t mul64(int64_t, int64_t);');
    // Deterministic: the same input gives the same bytes.
    expect((await warden(['compile', 's.wat', '-o', 's2.o', '--no-verify'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 's2.o'))).toEqual(readFileSync(join(dir, 's.o')));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--target tags the object with the architecture gcc -mcpu gives that CPU; the code is the same', async () => {
    const tags = (file: string) => spawnSync('arm-none-eabi-readelf', ['-A', file], { cwd: dir, encoding: 'utf8' }).stdout.split('\n').filter((l) => /Tag_CPU_(name|arch)\b/.test(l));
    const text = (file: string) => readElf(readFileSync(join(dir, file))).sections.find((x) => x.name === '.text')!.data;
    writeFileSync(join(dir, 'empty.c'), 'int empty;\n');
    const cpus = ['cortex-m3', 'cortex-m4', 'cortex-m7'];
    for (const cpu of cpus) expect((await warden(['compile', 's.wat', '-o', `${cpu}.o`, '--no-verify', '--target', cpu], dir)).code).toBe(0);
    for (const cpu of cpus) {
      const gcc = spawnSync('arm-none-eabi-gcc', [`-mcpu=${cpu}`, '-mthumb', '-c', 'empty.c', '-o', `gcc-${cpu}.o`], { cwd: dir, encoding: 'utf8' });
      expect(gcc.status).toBe(0);
      expect(tags(`${cpu}.o`)).toEqual(tags(`gcc-${cpu}.o`));
      expect(text(`${cpu}.o`)).toEqual(text('cortex-m4.o'));
    }
    expect(tags('cortex-m3.o')).toContain('  Tag_CPU_arch: v7');
  });

  it('validates by default and writes nothing unless every function is proved', async () => {
    const r = await warden(['compile', 's.wat', '-o', 'v.o'], dir);
    expect([0, 2, 3]).toContain(r.code);
    if (r.code === 0) {
      expect(existsSync(join(dir, 'v.o')) && existsSync(join(dir, 'v.h'))).toBe(true);
    } else {
      expect(existsSync(join(dir, 'v.o')) || existsSync(join(dir, 'v.h'))).toBe(false);
      expect(r.stderr).toMatch(/^function \d+ '\w+': (refuted|unknown)/m);
      expect(r.stderr).toContain('functions not proved; nothing written');
    }
  });

  it.each([
    [['compile', 's.wat'], 'warden: compile: missing output file (-o OUT)'],
    [['compile', 'nope.wat', '-o', 'x.o'], 'warden: nope.wat: no such file'],
    [['compile', 's.wat', '-o', 'x.o', '--target', 'cortex-a9'], "warden: compile: unknown target 'cortex-a9' (expected one of cortex-m3, cortex-m4, cortex-m7)"],
    [['compile', 's.wat', '-o', 'x.o', '--prefix', 'a-b'], "warden: compile: prefix 'a-b' is not a C identifier prefix"],
    [['compile', 's.wat', '-o', 'nodir/x.o', '--no-verify'], 'warden: nodir/x.o: directory nodir does not exist'],
  ])('%j -> one-line error', async (args, message) => {
    const r = await warden(args, dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').filter((l) => !l.includes('UNVERIFIED'))).toEqual([message]);
    expect(existsSync(join(dir, 'x.o'))).toBe(false);
  });

  it('invalid text names file:line:col', () => expectUserError(['compile', 'bad.wat', '-o', 'x.o', '--no-verify'], dir, /^warden: bad\.wat:1:\d+: error: type mismatch in i32\.add/));

  it('a malformed binary is one line naming the file', () => expectUserError(['compile', 'junk.wasm', '-o', 'x.o', '--no-verify'], dir, /^warden: junk\.wasm: /));

  it('an unsupported feature names function and offset', () => expectUserError(['compile', 'f.wat', '-o', 'x.o', '--no-verify'], dir, /^warden: f\.wat: unsupported: function 0 \(\w+\), offset 0x[0-9a-f]+: floating point/));

  it('--help documents the exit codes (as a real process)', () => {
    const r = wardenProcess(['compile', '--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 some function refuted; 3 some function unknown');
  });
});

describe('warden run', () => {
  const dir = scratch({ 's.wat': SAMPLE_WAT, 'imp.wat': '(module (import "env" "f" (func)) (func (export "g") (call 0)))' });

  it('prints results as <signed decimal>:<type>', async () => {
    expect(await warden(['run', 's.wat', '--invoke', 'fib', '10'], dir)).toMatchObject({ code: 0, stdout: '55:i32\n' });
    expect(await warden(['run', 's.wat', '--invoke', 'mul64', '-3', '0x100000000'], dir)).toMatchObject({ code: 0, stdout: '-12884901888:i64\n' });
    expect(await warden(['run', 's.wat', '--invoke', 'div', '-7', '2'], dir)).toMatchObject({ code: 0, stdout: '-3:i32\n' });
    expect(await warden(['run', 's.wat', '--invoke', 'store', '8', '1'], dir)).toMatchObject({ code: 0, stdout: '' });
  });

  it('a trap prints "trap: <kind>" and exits 4', async () => {
    expect(await warden(['run', 's.wat', '--invoke', 'div', '1', '0'], dir)).toMatchObject({ code: 4, stdout: '', stderr: 'trap: integer divide by zero\n' });
    expect(await warden(['run', 's.wat', '--invoke', 'store', '65534', '1'], dir)).toMatchObject({ code: 4, stderr: 'trap: out of bounds memory access\n' });
  });

  it.each([
    [['run', 's.wat', '--invoke', 'fib'], "warden: run: 'fib' takes 1 argument (i32), got 0"],
    [['run', 's.wat', '--invoke', 'div', '1', '2', '3'], "warden: run: 'div' takes 2 arguments (i32, i32), got 3"],
    [['run', 's.wat', '--invoke', 'fib', '1.5'], "warden: run: argument 1 of 'fib': '1.5' is not an i32 (decimal or 0x hex integer expected)"],
    [['run', 's.wat', '--invoke', 'fib', '4294967296'], "warden: run: argument 1 of 'fib': 4294967296 is out of range for i32"],
    [['run', 's.wat', '--invoke', 'nope'], "warden: s.wat: no exported function 'nope' (exports: fib, div, mul64, store, pick)"],
    [['run', 's.wat', '--invoke', 'g'], "warden: s.wat: export 'g' is a global, not a function"],
    [['run', 's.wat', '10'], 'warden: run: missing --invoke EXPORT'],
    [['run', 'imp.wat', '--invoke', 'g'], 'warden: run: imp.wat imports env.f; the QEMU firmware cannot provide imports (compile it and link with C instead)'],
  ])('%j -> one-line error', (args, message) => expectUserError(args, dir, message));
});

describe('warden disasm and verify', () => {
  const dir = scratch({
    's.wat': SAMPLE_WAT,
    'p.wat': `(module
      (func (export "big") (param i32) (result i32) (i32.add (local.get 0) (i32.const 0x12345679)))
      (func $f (param i32) (result i32) (local.get 0))
      (func (export "callf") (param i32) (result i32) (call $f (local.get 0))))`,
    'not.o': junk,
  });

  it('shows symbols, addresses, bytes, $d data and relocations', async () => {
    expect((await warden(['compile', 's.wat', '-o', 's.o', '--no-verify'], dir)).code).toBe(0);
    expect((await warden(['compile', 'p.wat', '-o', 'p.o', '--no-verify'], dir)).code).toBe(0);
    const s = await warden(['disasm', 's.o'], dir);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^00000000 <fib>:$/m);
    expect(s.stdout).toMatch(/^00000014:\t4770\s+\tbx\tlr$/m);
    expect(s.stdout).toMatch(/R_ARM_THM_MOVW_ABS_NC\t__warden_memory$/m);
    expect(s.stdout).toMatch(/udf\t#2/);
    expect(s.stdout).toContain('Certificate: .warden.cert');
    const p = await warden(['disasm', 'p.o'], dir);
    expect(p.stdout).toMatch(/\t12345679 \t\.word\t0x12345679$/m);
    expect(p.stdout).toMatch(/R_ARM_THM_CALL\twasm_f1$/m);
  });

  it('verify prints one verdict per function and exits 0, 2 or 3', async () => {
    expect((await warden(['compile', 's.wat', '-o', 's.o', '--no-verify'], dir)).code).toBe(0);
    const r = await warden(['verify', 's.wat', 's.o'], dir);
    expect([0, 2, 3]).toContain(r.code);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => /^function \d+ '\w+': (proved|refuted|unknown)/.test(l))).toHaveLength(5);
    expect(lines.at(-1)).toMatch(/^\d\/5 functions proved$/);
  });

  it.each([
    [['disasm', 'not.o'], 'warden: not.o: ELF: not an ELF file (bad magic) (at byte 0)'],
    [['disasm', 'missing.o'], 'warden: missing.o: no such file'],
    [['verify', 's.wat', 'not.o'], 'warden: not.o: ELF: not an ELF file (bad magic) (at byte 0)'],
    [['verify', 'missing.wat', 'not.o'], 'warden: missing.wat: no such file'],
  ])('%j -> one-line error', (args, message) => expectUserError(args, dir, message));
});
