/**
 * The object `warden compile` writes, linked with a C program by the GNU
 * toolchain (newlib + rdimon semihosting) and run on QEMU mps2-an386:
 * exports with i32 and i64 parameters (more than four, some on the stack),
 * an import provided by C, linear memory and a mutable global initialised
 * from .data. Also: the generated header compiles under -Wall -Werror.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch, warden } from '../cli/helpers.ts';

const WAT = String.raw`(module
  (import "env" "host_mul3" (func $host (param i32) (result i32)))
  (memory 1)
  (global $count (mut i32) (i32.const 100))
  (func (export "sum6") (param i32 i32 i32 i32 i32 i32) (result i32)
    (i32.add (i32.add (i32.add (local.get 0) (i32.mul (local.get 1) (i32.const 2)))
                      (i32.add (i32.mul (local.get 2) (i32.const 3)) (i32.mul (local.get 3) (i32.const 4))))
             (i32.add (i32.mul (local.get 4) (i32.const 5)) (i32.mul (local.get 5) (i32.const 6)))))
  (func (export "mix") (param i32 i64 i32 i64) (result i64)
    (i64.add (i64.sub (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))
                      (i64.mul (i64.extend_i32_u (local.get 2)) (i64.const 3)))
             (local.get 3)))
  (func (export "callhost") (param i32) (result i32)
    (i32.add (call $host (local.get 0)) (i32.const 1)))
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count))
  (func (export "poke") (param i32 i64)
    (i64.store (local.get 0) (local.get 1)))
  (func (export "peek32") (param i32) (result i32)
    (i32.load (local.get 0))))
`;

const MAIN_C = String.raw`#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include "m.h"
int32_t host_mul3(int32_t x) { return 3 * x; }
int main(void) {
  printf("sum6 %" PRId32 "\n", sum6(1, 2, 3, 4, 5, 6));
  printf("mix %" PRId64 "\n", mix(-5, INT64_C(0x100000000), 7, INT64_C(-1000)));
  printf("callhost %" PRId32 "\n", callhost(14));
  printf("bump %" PRId32 "\n", bump());
  printf("bump %" PRId32 "\n", bump());
  poke(16, INT64_C(0x1122334455667788));
  printf("peek %08" PRIx32 " %08" PRIx32 "\n", peek32(16), peek32(20));
  return 0;
}
`;

// Vectors at 0 (flash), .data/.bss in RAM where QEMU's ELF loader puts them; rdimon's crt0 (_start) zeroes .bss,
// sets up the heap and stack through semihosting, runs main and exits with its status.
const LINK_LD = String.raw`MEMORY { FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M
         RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = 4M }
ENTRY(_start)
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) KEEP(*(.init)) KEEP(*(.fini)) *(.rodata*)
            . = ALIGN(4); __preinit_array_start = .; KEEP(*(.preinit_array)) __preinit_array_end = .;
            __init_array_start = .; KEEP(*(SORT(.init_array.*))) KEEP(*(.init_array)) __init_array_end = .;
            __fini_array_start = .; KEEP(*(.fini_array)) __fini_array_end = .; } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  .data : { *(.data*) } > RAM
  .bss : { . = ALIGN(8); __bss_start__ = .; *(.bss*) *(COMMON) . = ALIGN(8); __bss_end__ = .; } > RAM
  end = .; _end = .; __end__ = .;
  __stack = ORIGIN(RAM) + LENGTH(RAM);
  /DISCARD/ : { *(.warden.cert) }
}
`;
const VECTORS_C = String.raw`extern void _start(void);
extern char __stack[];
static void fault(void) { for (;;) __asm__ volatile("bkpt 0xab"); }
__attribute__((section(".vectors"), used)) const void *vectors[16] = { __stack, _start, fault, fault, fault, fault, fault };
`;

const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 });

describe('an object from warden compile, linked with C (arm-none-eabi-gcc, rdimon) and run on QEMU', () => {
  const dir = scratch({ 'm.wat': WAT, 'main.c': MAIN_C, 'link.ld': LINK_LD, 'vectors.c': VECTORS_C });

  it('compiles, links and prints the right results', async () => {
    const c = await warden(['compile', 'm.wat', '-o', 'm.o', '--no-verify'], dir);
    expect(c.code).toBe(0);
    const header = readFileSync(join(dir, 'm.h'), 'utf8');
    expect(header).toContain('int32_t sum6(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);');
    expect(header).toContain('int64_t mix(int32_t, int64_t, int32_t, int64_t);');
    const cc = ['-mcpu=cortex-m4', '-mthumb', '-O1', '-Wall', '-Werror'];
    const link = run('arm-none-eabi-gcc', [...cc, '--specs=rdimon.specs', '-T', 'link.ld', 'vectors.c', 'main.c', 'm.o', '-o', 'prog.elf'], dir);
    expect(link.stderr).toBe('');
    expect(link.status).toBe(0);
    const q = run('timeout', ['20', 'qemu-system-arm', '-M', 'mps2-an386', '-cpu', 'cortex-m4', '-display', 'none', '-serial', 'none', '-monitor', 'none',
      '-chardev', 'stdio,id=c0', '-semihosting-config', 'enable=on,target=native,chardev=c0', '-kernel', 'prog.elf'], dir);
    expect(q.stdout).toBe([
      'sum6 91', // 1 + 4 + 9 + 16 + 25 + 36
      `mix ${-5n + 0x100000000n - 21n - 1000n}`,
      'callhost 43',
      'bump 101',
      'bump 102',
      'peek 55667788 11223344',
      '',
    ].join('\n'));
    expect(q.status).toBe(0);
  });

  it('the generated header compiles on its own under -Wall -Wextra -Werror -pedantic', () => {
    writeFileSync(join(dir, 'h.c'), '#include "m.h"\n#include "m.h"\nint use(void) { return (int)sum6(1, 2, 3, 4, 5, 6) + (int)bump(); }\n');
    const r = run('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-c', 'h.c', '-o', 'h.o'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
