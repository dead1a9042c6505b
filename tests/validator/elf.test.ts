/**
 * The validator's ELF reader against objects made by GNU as (an oracle
 * independent of warden's own ELF writer), and against malformed input.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ElfError, readElf } from '../../validator/elf.ts';

const SOURCE = `.syntax unified
.thumb
.global f
.type f,%function
f: bl g
 movw r0, #:lower16:data
 movt r0, #:upper16:data
 bx lr
.data
data: .word 7
`;

function hasAs(): boolean {
  try {
    execFileSync('arm-none-eabi-as', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasAs())('readElf on a GNU as object (skipped without arm-none-eabi-as)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-elf-'));
  writeFileSync(join(dir, 'a.s'), SOURCE);
  execFileSync('arm-none-eabi-as', ['-mcpu=cortex-m4', '-mthumb', join(dir, 'a.s'), '-o', join(dir, 'a.o')]);
  const elf = readElf(new Uint8Array(readFileSync(join(dir, 'a.o'))));

  it('reads the header, sections and symbols', () => {
    expect(elf.type).toBe(1);
    expect(elf.machine).toBe(40);
    const text = elf.sections.find((s) => s.name === '.text')!;
    expect(text.size).toBe(14); // bl (4) + movw (4) + movt (4) + bx (2)
    expect([...text.data.subarray(12, 14)]).toEqual([0x70, 0x47]); // bx lr
    const f = elf.symbols.find((s) => s.name === 'f')!;
    expect(f).toMatchObject({ bind: 'global', type: 'func', value: 1, shndx: text.index });
    expect(elf.symbols.find((s) => s.name === 'g')).toMatchObject({ bind: 'global', shndx: 0 });
  });

  it('reads the relocations with their symbols', () => {
    expect(elf.relocations.map((r) => [r.offset, r.type, r.symbol.name])).toEqual([
      [0, 10, 'g'], // R_ARM_THM_CALL
      [4, 47, 'data'], // R_ARM_THM_MOVW_ABS_NC
      [8, 48, 'data'], // R_ARM_THM_MOVT_ABS
    ]);
  });

  it('raises only ElfError on truncated or corrupted copies', () => {
    const good = new Uint8Array(readFileSync(join(dir, 'a.o')));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length }), fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { maxLength: 8 }), (cut, flips) => {
        const bad = good.slice(0, cut);
        for (const [i, v] of flips) if (i < bad.length) bad[i] = v;
        try {
          readElf(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(ElfError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

it('rejects a non-ELF file with the offset of the problem', () => {
  expect(() => readElf(new Uint8Array(60))).toThrow(/bad magic.*at byte 0/);
  expect(() => readElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]))).toThrow(ElfError);
});
