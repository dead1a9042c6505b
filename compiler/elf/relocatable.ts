/**
 * ELF32 ARM relocatable object (ET_REL, EABI5) from encoded functions and
 * data: links with arm-none-eabi-gcc/ld output. `.text` carries `$t`/`$d`
 * mapping symbols (literal pools and jump tables are data), `.ARM.attributes`
 * declares the target's architecture (ARMv7-M or ARMv7E-M), and custom sections (e.g. the
 * validator certificate `.warden.cert`) are carried as non-allocated data.
 */
import type { ObjData, ObjFunction, Relocation } from '../target/object.ts';
import { RELOC_CODES } from '../target/object.ts';
import { DEFAULT_TARGET, TARGETS, type Target } from '../target/cpu.ts';
import { SHF, SHT, buildElf, type RelSpec, type SectionSpec, type SymbolSpec } from './elf32.ts';

export interface CustomSection {
  name: string;
  bytes: Uint8Array;
  align?: number;
}

export interface ObjectInput {
  functions: ObjFunction[];
  data?: ObjData[];
  custom?: CustomSection[];
  /** The CPU the object declares (`.ARM.attributes`); default cortex-m4. */
  target?: Target;
}

/** A section laid out from its parts, with the symbols and relocations it defines. */
export interface LaidOutSection {
  name: '.text' | '.rodata' | '.data' | '.bss';
  bytes: Uint8Array;
  align: number;
  symbols: SymbolSpec[];
  /** Relocations with offsets relative to the section start. */
  relocations: Relocation[];
}

const NOP = Uint8Array.of(0x00, 0xbf);

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * Copy `parts` into one buffer at the given offsets. Blobs are copied with
 * `Uint8Array.set`: spreading them into `push` overflows the JS stack beyond ~100 KiB.
 */
function assemble(size: number, parts: { at: number; bytes: Uint8Array }[]): Uint8Array {
  const out = new Uint8Array(size);
  for (const p of parts) out.set(p.bytes, p.at);
  return out;
}

/** Concatenate functions into `.text` (4-byte aligned, NOP padded) with mapping symbols. Shared with the firmware linker. */
export function layoutText(functions: ObjFunction[]): LaidOutSection {
  const symbols: SymbolSpec[] = [];
  const relocations: Relocation[] = [];
  const parts: { at: number; bytes: Uint8Array }[] = [];
  let end = 0;
  for (const f of functions) {
    const base = alignUp(end, 4);
    // Alignment padding is at most one 16-bit NOP (code sizes are even).
    if (base > end) parts.push({ at: end, bytes: NOP });
    const code = f.code;
    symbols.push({ name: '$t', value: base, size: 0, type: 'notype', bind: 'local', section: '.text' });
    for (const r of code.dataRanges) {
      symbols.push({ name: '$d', value: base + r.start, size: 0, type: 'notype', bind: 'local', section: '.text' });
      if (r.end < code.bytes.length) symbols.push({ name: '$t', value: base + r.end, size: 0, type: 'notype', bind: 'local', section: '.text' });
    }
    // Thumb functions: the symbol value has bit 0 set.
    symbols.push({ name: f.name, value: base | 1, size: code.bytes.length, type: 'func', bind: f.global ? 'global' : 'local', section: '.text' });
    for (const alias of f.aliases ?? []) symbols.push({ name: alias, value: base | 1, size: code.bytes.length, type: 'func', bind: f.global ? 'global' : 'local', section: '.text' });
    for (const r of code.relocations) relocations.push({ ...r, offset: base + r.offset });
    parts.push({ at: base, bytes: code.bytes });
    end = base + code.bytes.length;
  }
  return { name: '.text', bytes: assemble(end, parts), align: 4, symbols, relocations };
}

/** Concatenate data blobs of one section kind. Shared with the firmware linker. */
export function layoutData(name: '.rodata' | '.data' | '.bss', blobs: ObjData[]): LaidOutSection {
  const symbols: SymbolSpec[] = [];
  const relocations: Relocation[] = [];
  const parts: { at: number; bytes: Uint8Array }[] = [];
  let align = 4;
  let end = 0;
  for (const d of blobs.filter((b) => b.section === name)) {
    if (name === '.bss' && d.bytes.some((b) => b !== 0)) throw new Error(`.bss blob ${d.name} has non-zero contents`);
    if (!(d.align >= 1 && (d.align & (d.align - 1)) === 0)) throw new Error(`data ${d.name}: alignment ${d.align} is not a power of two`);
    align = Math.max(align, d.align);
    const base = alignUp(end, d.align);
    symbols.push({ name: d.name, value: base, size: d.bytes.length, type: 'object', bind: d.global ? 'global' : 'local', section: name });
    if (name !== '.bss' && d.relocations.length) symbols.push({ name: '$d', value: base, size: 0, type: 'notype', bind: 'local', section: name });
    for (const r of d.relocations) {
      if (r.type !== 'R_ARM_ABS32') throw new Error(`data ${d.name}: relocation ${r.type} not allowed in data`);
      relocations.push({ ...r, offset: base + r.offset });
    }
    parts.push({ at: base, bytes: d.bytes });
    end = base + d.bytes.length;
  }
  return { name, bytes: assemble(end, parts), align, symbols, relocations };
}

/** Write the in-place (REL) addend of `r` into `bytes` (at r.offset), as GNU as would. */
export function writeInPlaceAddend(bytes: Uint8Array, r: Relocation): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (r.type === 'R_ARM_ABS32') dv.setUint32(r.offset, r.addend >>> 0, true);
  // Code relocations already carry their addend from the encoder.
}

/** The `.ARM.attributes` contents: a Thumb-2 object for `target`'s architecture (ARMv7-M or ARMv7E-M). */
export function armAttributes(target: Target = DEFAULT_TARGET): Uint8Array {
  const { cpuName, cpuArch } = TARGETS[target];
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const attrs: number[] = [
    ...uleb(5), ...Buffer.from(cpuName), 0, // Tag_CPU_name
    ...uleb(6), ...uleb(cpuArch), // Tag_CPU_arch
    ...uleb(7), ...uleb(0x4d), // Tag_CPU_arch_profile: 'M'
    ...uleb(9), ...uleb(2), // Tag_THUMB_ISA_use: Thumb-2
    ...uleb(34), ...uleb(1), // Tag_CPU_unaligned_access: WASM loads may be unaligned (LDR/LDRH/STR/STRH only)
  ];
  const fileSub = [1, ...u32(attrs.length + 5), ...attrs]; // Tag_File
  const vendor = [...Buffer.from('aeabi'), 0];
  const sectionLen = 4 + vendor.length + fileSub.length;
  return Uint8Array.from([0x41, ...u32(sectionLen), ...vendor, ...fileSub]);
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** Build the relocatable object. Relocations against names not defined here become undefined (imported) symbols. */
export function writeRelocatableObject(input: ObjectInput): Uint8Array {
  const data = input.data ?? [];
  const text = layoutText(input.functions);
  const parts = [text, layoutData('.rodata', data), layoutData('.data', data), layoutData('.bss', data)];
  for (const p of parts) for (const r of p.relocations) writeInPlaceAddend(p.bytes, r);
  const sections: SectionSpec[] = [
    { name: '.text', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXECINSTR, data: text.bytes, align: 4 },
    { name: '.rodata', type: SHT.PROGBITS, flags: SHF.ALLOC, data: parts[1]!.bytes, align: parts[1]!.align },
    { name: '.data', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.WRITE, data: parts[2]!.bytes, align: parts[2]!.align },
    { name: '.bss', type: SHT.NOBITS, flags: SHF.ALLOC | SHF.WRITE, data: new Uint8Array(0), size: parts[3]!.bytes.length, align: parts[3]!.align },
    { name: '.ARM.attributes', type: SHT.ARM_ATTRIBUTES, flags: 0, data: armAttributes(input.target), align: 1 },
  ];
  for (const c of input.custom ?? []) {
    if (sections.some((s) => s.name === c.name)) throw new Error(`custom section ${c.name} clashes with a standard section`);
    sections.push({ name: c.name, type: SHT.PROGBITS, flags: 0, data: c.bytes, align: c.align ?? 1 });
  }
  const symbols: SymbolSpec[] = parts.flatMap((p) => p.symbols);
  const defined = new Set(symbols.filter((s) => s.name !== '$t' && s.name !== '$d').map((s) => s.name));
  const relocations: RelSpec[] = [];
  for (const p of parts) {
    for (const r of p.relocations) {
      if (!defined.has(r.symbol)) {
        defined.add(r.symbol);
        symbols.push({ name: r.symbol, value: 0, size: 0, type: 'notype', bind: 'global', section: 'UND' });
      }
      relocations.push({ section: p.name, offset: r.offset, symbol: r.symbol, type: RELOC_CODES[r.type] });
    }
  }
  return buildElf({ kind: 'rel', sections, symbols, relocations });
}
