/**
 * The relocatable object writer, checked by the GNU toolchain: the object
 * passes `readelf -a` cleanly, links with C compiled by arm-none-eabi-gcc
 * without warnings, and the linked program gives the right results on QEMU.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunction } from '../../compiler/target/encode.ts';
import type { MInstr, PReg } from '../../compiler/target/insn.ts';
import type { ObjFunction } from '../../compiler/target/object.ts';
import { layoutData, layoutText, writeRelocatableObject } from '../../compiler/elf/relocatable.ts';
import { runOnQemu } from '../../compiler/firmware/qemu.ts';
import { loadWat } from '../../compiler/frontend/index.ts';
import { compileModule, formatCompileError } from '../../compiler/compile.ts';

type MI = MInstr<PReg>;
const fn = (name: string, instrs: MI[], global = true): ObjFunction => ({ name, global, code: encodeFunction(instrs) });

/** Bare-metal C for QEMU: semihosting output and exit (C_IO), the vector table (C_VECTORS); cProgram puts declarations, C_IO, main, C_VECTORS in that order. */
const C_IO = String.raw`static int sh(int op, void *arg) { register int r0 __asm__("r0") = op; register void *r1 __asm__("r1") = arg; __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory"); return r0; }
static void put(const char *s) { sh(4, (void *)s); }
static void puthex(uint32_t v) { char b[12]; b[0]=' '; for (int i = 0; i < 8; i++) b[1+i] = "0123456789abcdef"[(v >> (28 - 4*i)) & 15]; b[9] = 0; put(b); }
static void sexit(int code) { uint32_t a[2] = {0x20026, (uint32_t)code}; sh(0x20, a); for (;;) {} }
`;
const C_VECTORS = String.raw`extern uint32_t _estack;
void Reset_Handler(void) { sexit(main()); }
void Fault_Handler(void) { put("fault\n"); sexit(99); }
__attribute__((section(".vectors"), used)) const void *vectors[] = { &_estack, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler };
`;
const cProgram = (decls: string, main: string): string => `#include <stdint.h>\n${decls}${C_IO}${main}${C_VECTORS}`;
const MAIN_C = cProgram(String.raw`extern int32_t add(int32_t, int32_t);
extern int32_t callext(int32_t);
extern int32_t readg(void);
extern uint32_t sel(uint32_t);
extern int32_t counter;
int32_t ext_double(int32_t x) { return 2 * x; }
`, String.raw`int main(void) {
  put("add"); puthex(add(40, 2)); put("\n");
  put("callext"); puthex(callext(20)); put("\n");
  put("readg"); puthex(readg()); put("\n");
  counter = 7; put("readg2"); puthex(readg()); put("\n");
  put("sel"); puthex(sel(0)); puthex(sel(1)); puthex(sel(2)); puthex(sel(3)); put("\n");
  return 0;
}
`);
const LINK_LD = String.raw`MEMORY { FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M
         RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = 4M }
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM
  .bss : { *(.bss*) *(COMMON) } > RAM
  _estack = ORIGIN(RAM) + LENGTH(RAM);
}
`;

function buildObject(): Uint8Array {
  const functions = [
    fn('add', [{ op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 0, op2: { kind: 'reg', rm: 1 } }, { op: 'bx', rm: 14 }]),
    fn('callext', [
      { op: 'push', regs: [4, 14] },
      { op: 'bl', symbol: 'ext_double' },
      { op: 'bl', symbol: 'plus_one' },
      { op: 'pop', regs: [4, 15] },
    ]),
    // A file-local helper, called through a relocation against a local symbol.
    fn('plus_one', [{ op: 'alu', alu: 'add', setFlags: false, rd: 0, rn: 0, op2: { kind: 'imm', value: 1 } }, { op: 'bx', rm: 14 }], false),
    fn('readg', [{ op: 'addrOf', rd: 3, symbol: 'counter', addend: 0 }, { op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base: 3, offset: 0 } }, { op: 'bx', rm: 14 }]),
    // Literal pool + TBB table: data in .text ($d mapping symbols).
    fn('sel', [
      { op: 'cmp', rn: 0, op2: { kind: 'imm', value: 2 } },
      { op: 'b', cond: 'hi', target: 9 },
      { op: 'tbb', index: 0, targets: [0, 1, 2] },
      { op: 'label', label: 0 }, { op: 'movConst', rd: 0, value: 0x12345678 }, { op: 'bx', rm: 14 },
      { op: 'label', label: 1 }, { op: 'movConst', rd: 0, value: 0xcafef00d }, { op: 'bx', rm: 14 },
      { op: 'label', label: 2 }, { op: 'addrOf', rd: 0, symbol: 'table', addend: 4 }, { op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base: 0, offset: 0 } }, { op: 'bx', rm: 14 },
      { op: 'label', label: 9 }, { op: 'mov', setFlags: false, rd: 0, op2: { kind: 'imm', value: 0xff } }, { op: 'bx', rm: 14 },
    ]),
  ];
  return writeRelocatableObject({
    functions,
    data: [
      { name: 'counter', global: true, section: '.data', bytes: Uint8Array.from([41, 0, 0, 0]), align: 4, relocations: [] },
      { name: 'table', global: false, section: '.rodata', bytes: Uint8Array.from([1, 0, 0, 0, 0x99, 0x88, 0x77, 0x66]), align: 4, relocations: [] },
      { name: 'fnptr', global: true, section: '.data', bytes: new Uint8Array(4), align: 4, relocations: [{ offset: 0, type: 'R_ARM_ABS32', symbol: 'add', addend: 0 }] },
      { name: 'scratch', global: false, section: '.bss', bytes: new Uint8Array(64), align: 8, relocations: [] },
    ],
    custom: [{ name: '.warden.cert', bytes: Buffer.from('{"version":1}'), align: 1 }],
  });
}

describe('ELF relocatable object', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-elf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const obj = join(dir, 'w.o');
  writeFileSync(obj, buildObject());
  writeFileSync(join(dir, 'link.ld'), LINK_LD);
  /** Compile `wat` with `prefix` to `<name>.o` and `<name>.h` in the scratch dir. */
  const compileTo = async (name: string, wat: string, prefix?: string) => {
    const l = await loadWat(wat);
    if (!l.ok) throw new Error('frontend');
    const r = compileModule(l.module, prefix === undefined ? {} : { prefix });
    if (!r.ok) throw new Error(`compile: ${r.errors.map(formatCompileError).join('; ')}`);
    writeFileSync(join(dir, `${name}.o`), r.output.object);
    writeFileSync(join(dir, `${name}.h`), r.output.header);
    return r.output;
  };
  /** Link `main` (C) with the objects (paths) by gcc, without warnings, and run it on QEMU. */
  const linkAndRun = (main: string, objects: string[]) => {
    writeFileSync(join(dir, 'main.c'), main);
    const elf = join(dir, 'main.elf');
    const g = spawnSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-O1', '-Wall', '-nostartfiles', '--specs=nosys.specs', '-T', join(dir, 'link.ld'), join(dir, 'main.c'), ...objects, '-o', elf], { encoding: 'utf8' });
    expect(g.stderr).toBe('');
    expect(g.status).toBe(0);
    return runOnQemu(readFileSync(elf), { timeoutSec: 10 });
  };

  it('is clean under readelf -a and has the expected symbols, sections and relocations', () => {
    const r = spawnSync('arm-none-eabi-readelf', ['-a', '-W', obj], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toMatch(/Type:\s+REL \(Relocatable file\)/);
    expect(out).toMatch(/Flags:\s+0x5000000, Version5 EABI/);
    expect(out).toMatch(/Tag_CPU_arch: v7E-M/);
    expect(out).toMatch(/Tag_CPU_arch_profile: Microcontroller/);
    expect(out).toMatch(/\.warden\.cert/);
    expect(out).toMatch(/R_ARM_THM_CALL\s+00000000\s+ext_double/);
    expect(out).toMatch(/R_ARM_THM_MOVW_ABS_NC\s+00000000\s+counter/);
    expect(out).toMatch(/R_ARM_THM_MOVT_ABS\s+00000000\s+counter/);
    expect(out).toMatch(/R_ARM_ABS32\s+00000001\s+add/);
    expect(out).toMatch(/FUNC\s+GLOBAL\s+DEFAULT\s+1 add\b/);
    expect(out).toMatch(/FUNC\s+LOCAL\s+DEFAULT\s+1 plus_one\b/);
    expect(out).toMatch(/NOTYPE\s+GLOBAL\s+DEFAULT\s+UND ext_double/);
    expect(out).toMatch(/OBJECT\s+GLOBAL\s+DEFAULT\s+\d+ counter/);
    expect(out).toMatch(/\$d/);
    execFileSync('arm-none-eabi-objcopy', [`--dump-section=.warden.cert=${join(dir, 'cert.bin')}`, obj, join(dir, 'copy.o')]);
    expect(readFileSync(join(dir, 'cert.bin'), 'utf8')).toBe('{"version":1}');
  });

  it('disassembles with literal pools and tables marked as data', () => {
    const out = execFileSync('arm-none-eabi-objdump', ['-d', obj], { encoding: 'utf8' });
    expect(out).toMatch(/\.word\s+0x12345678/);
    expect(out).toMatch(/\.word\s+0xcafef00d/);
    expect(out).toMatch(/tbb\s+\[pc, r0\]/);
  });

  it('links with gcc-compiled C without warnings and runs on QEMU', () => {
    const run = linkAndRun(MAIN_C, [obj]);
    expect(run.stdout).toBe(['add 0000002a', 'callext 00000029', 'readg 00000029', 'readg2 00000007', 'sel 12345678 cafef00d 66778899 000000ff', ''].join('\n'));
    expect(run.exitCode).toBe(0);
  });

  it('lays out multi-MiB blobs and long function lists (no argument-spread copies)', () => {
    const big = new Uint8Array(1 << 20).map((_, k) => k * 7);
    const d = layoutData('.data', [
      { name: 'small', global: false, section: '.data', bytes: Uint8Array.of(1), align: 1, relocations: [] },
      { name: 'big', global: true, section: '.data', bytes: big, align: 8, relocations: [] },
    ]);
    expect(d.bytes.length).toBe(8 + big.length);
    expect(Buffer.compare(d.bytes.subarray(8), big)).toBe(0); // toEqual on a MiB is slow
    expect(d.symbols.find((s) => s.name === 'big')!.value).toBe(8);
    const two = encodeFunction([{ op: 'nop' }]);
    const t = layoutText(Array.from({ length: 3 }, (_, k) => ({ name: `f${k}`, global: true, code: two })));
    // 2-byte functions padded to 4 with a NOP (00 bf).
    expect([...t.bytes]).toEqual([0x00, 0xbf, 0x00, 0xbf, 0x00, 0xbf, 0x00, 0xbf, 0x00, 0xbf]);
  });

  it('gives a function exported under several names one global symbol per name (prefixed), at one address, each in the header', async () => {
    const l = await loadWat(`(module
      (func $f (export "one") (export "two") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (export "three" (func $f))
      (func (export "other") (result i32) (call $f (i32.const 41))))`);
    if (!l.ok) throw new Error('frontend');
    const r = compileModule(l.module, { prefix: 'p_' });
    if (!r.ok) throw new Error('compile');
    const o = join(dir, 'alias.o');
    writeFileSync(o, r.output.object);
    const syms = spawnSync('arm-none-eabi-readelf', ['-s', '-W', o], { encoding: 'utf8' });
    expect(syms.stderr).toBe('');
    const value = (name: string) => syms.stdout.match(new RegExp(`([0-9a-f]{8})\\s+\\d+\\s+FUNC\\s+GLOBAL\\s+DEFAULT\\s+\\d+ ${name}$`, 'm'))?.[1];
    expect(value('p_one')).toBeDefined();
    expect(value('p_two')).toBe(value('p_one'));
    expect(value('p_three')).toBe(value('p_one'));
    expect(value('p_other')).not.toBe(value('p_one'));
    for (const n of ['one', 'two', 'three']) expect(r.output.header).toContain(`int32_t p_${n}(int32_t);`);
    expect(r.output.header).toContain('int32_t p_other(void);');
  });

  // Imports a global and a function from C; its own state: a table and linear memory.
  const IMPORTER = `(module
      (import "env" "level" (global $level (mut i32)))
      (import "env" "scale" (func $scale (param i32) (result i32)))
      (memory 1)
      (table 1 funcref) (table 3 funcref)
      (elem (table 1) (i32.const 2) func $neg)
      (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
      (func (export "step") (result i32)
        (global.set $level (call $scale (i32.add (global.get $level) (i32.const 1))))
        (global.get $level))
      (func (export "viatab") (param i32 i32) (result i32) (call_indirect 1 (param i32) (result i32) (local.get 0) (local.get 1)))
      (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))`;
  const C_IMPORTS = String.raw`int32_t level = 4;
int32_t scale(int32_t x) { return 3 * x; }
`;

  it('links a compiled module that imports a global and a function with C that includes the generated header', async () => {
    await compileTo('mod', IMPORTER);
    const out = linkAndRun(cProgram(`#include "mod.h"\n${C_IMPORTS}`, String.raw`int main(void) {
  put("step"); puthex(step()); puthex(step()); puthex(level); put("\n");
  put("viatab"); puthex(viatab(5, 2)); put("\n");
  return 0;
}
`), [join(dir, 'mod.o')]).stdout;
    // (4 + 1) * 3 = 15, (15 + 1) * 3 = 48; table 1 entry 2 negates 5.
    expect(out).toBe(['step 0000000f 00000030 00000030', 'viatab fffffffb', ''].join('\n'));
  });

  it('a header for names C cannot spell: each is a comment whose C name and linker-script line link and run', async () => {
    const out = await compileTo('odd', String.raw`(module
      (import "env" "host-fn" (func $h (param i32) (result i32)))
      (import "env" "lvl.2" (global $g (mut i32)))
      (func (export "as-br-value") (param i32) (result i32) (i32.add (call $h (local.get 0)) (global.get $g)))
      (func (export "int") (result i32) (i32.const 7))
      (func (export "x*/y\n") (result i32) (i32.const 9)))`);
    const hints = [...out.header.matchAll(/ e\.g\. (.*?;) with (.*?;) in the linker script \*\//g)].map((m) => [m[1]!, m[2]!]);
    expect(hints).toEqual([
      ['int32_t as_br_value(int32_t);', 'as_br_value = "as-br-value";'],
      ['int32_t int_(void);', 'int_ = "int";'],
      ['int32_t host_fn(int32_t);', '"host-fn" = host_fn;'],
      ['extern int32_t lvl_2;', '"lvl.2" = lvl_2;'],
    ]);
    expect(out.header).toContain('/* an export named "x*?/y\\n": neither C nor a linker script can name it */');
    writeFileSync(join(dir, 'alias.ld'), hints.map((h) => h[1]).join('\n'));
    const run = linkAndRun(cProgram(`#include "odd.h"\n${hints.map((h) => h[0]).join('\n')}\nint32_t host_fn(int32_t x) { return 10 * x; }\nint32_t lvl_2 = 5;\n`, String.raw`int main(void) {
  put("odd"); puthex(as_br_value(4)); puthex(int_()); put("\n");
  return 0;
}
`), [join(dir, 'odd.o'), join(dir, 'alias.ld')]);
    expect(run.stdout).toBe('odd 0000002d 00000007\n');
  });

  it('links two modules compiled with different prefixes: their imports are the one C definition, their state is their own', async () => {
    const a = await compileTo('a', IMPORTER, 'a_');
    await compileTo('b', IMPORTER, 'b_');
    // Imports keep the importer's (C's) name; everything the object defines carries the prefix.
    expect(a.header).toContain('int32_t scale(int32_t);');
    expect(a.header).toContain('extern int32_t level;');
    expect(a.header).toContain('int32_t a_step(void);');
    const out = linkAndRun(cProgram(`#include "a.h"\n#include "b.h"\n${C_IMPORTS}`, String.raw`int main(void) {
  put("step"); puthex(a_step()); puthex(b_step()); puthex(level); put("\n");
  a_poke(8, 5); b_poke(8, 7);
  put("mem"); puthex(a_peek(8)); puthex(b_peek(8)); put("\n");
  put("viatab"); puthex(a_viatab(5, 2)); puthex(b_viatab(6, 2)); put("\n");
  return 0;
}
`), [join(dir, 'a.o'), join(dir, 'b.o')]).stdout;
    // One shared level: (4 + 1) * 3 = 15 through a, (15 + 1) * 3 = 48 through b; two memories.
    expect(out).toBe(['step 0000000f 00000030 00000030', 'mem 00000005 00000007', 'viatab fffffffb fffffffa', ''].join('\n'));
  });

});

describe('symbols: one thing each; imports keep the importer\'s names, never prefixed', () => {
  const errorsOf = async (wat: string, prefix = '') => {
    const l = await loadWat(wat);
    if (!l.ok) throw new Error('frontend');
    const r = compileModule(l.module, { prefix });
    return r.ok ? [] : r.errors.map(formatCompileError);
  };
  const SELF = `(module (import "env" "f" (func $f (result i32))) (func (export "f") (result i32) (i32.add (call $f) (i32.const 1))))`;

  it('refuses an import whose symbol the object defines (the call would reach the object itself), unless a prefix separates them', async () => {
    expect(await errorsOf(SELF)).toEqual(["imported func env.f: its symbol 'f' is also defined by this object (export 'f'); choose a --prefix"]);
    expect(await errorsOf(SELF, 'p_')).toEqual([]);
    expect(await errorsOf(`(module (import "env" "__warden_memory" (global i32)) (memory 1))`)).toEqual([
      "imported global env.__warden_memory: its symbol '__warden_memory' is also defined by this object (its state); choose a --prefix",
    ]);
  });

  it('refuses two different imports on one symbol, and accepts the same import twice', async () => {
    expect(await errorsOf(`(module (import "a" "f" (func)) (import "b" "f" (func)))`)).toEqual([
      "imported func b.f: its symbol 'f' is also the symbol of imported func a.f, a different import",
    ]);
    expect(await errorsOf(`(module (import "env" "f" (func)) (import "env" "f" (global i32)))`)).toHaveLength(1);
    expect(await errorsOf(`(module (import "env" "f" (func (param i32))) (import "env" "f" (func (param i32))))`)).toEqual([]);
  });

  it('refuses an export whose symbol names something else the object defines', async () => {
    expect(await errorsOf(`(module (func (export "wasm_f1")) (func (result i32) (i32.const 1)))`, 'p_')).toEqual([
      "function 1 and export 'wasm_f1' would both be the symbol 'p_wasm_f1'",
    ]);
    expect(await errorsOf(`(module (memory 1) (func (export "__warden_memory")))`)).toEqual(["its state and export '__warden_memory' would both be the symbol '__warden_memory'"]);
    // One function under several names is fine.
    expect(await errorsOf(`(module (func (export "a") (export "b")))`)).toEqual([]);
  });

  it('names a re-exported import as unsupported (the object has no code to give the export\'s name)', async () => {
    expect(await errorsOf(`(module (import "env" "f" (func)) (export "g" (func 0)))`, 'p_')).toEqual([
      "unsupported: offset 0x0: export 'g' re-exports imported function 0 (f; the object has no code to give that name)",
    ]);
  });
});
