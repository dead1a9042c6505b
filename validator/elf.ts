/**
 * A small ELF32 little-endian reader: the validator's own view of an object
 * (sections, symbols, relocations). Written independently of the compiler's
 * ELF writer on purpose: the validator trusts the bytes, not the writer.
 * Malformed input raises `ElfError` naming the offset; nothing else escapes.
 */

export class ElfError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`ELF: ${message} (at byte ${offset})`);
    this.name = 'ElfError';
  }
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
  /** The section's contents (empty for SHT_NOBITS). */
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  bind: 'local' | 'global' | 'weak' | 'other';
  type: 'notype' | 'object' | 'func' | 'section' | 'file' | 'other';
  /** Section index; 0 = undefined. */
  shndx: number;
}

export interface ElfRelocation {
  /** The section the relocation applies to. */
  target: number;
  offset: number;
  type: number;
  symbol: ElfSymbol;
  /** Explicit addend (RELA) or undefined for REL (addend in place). */
  addend?: number;
}

export interface ElfFile {
  type: number; // 1 = ET_REL, 2 = ET_EXEC
  machine: number;
  flags: number;
  entry: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  relocations: ElfRelocation[];
}

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const EM_ARM = 40;

export function readElf(bytes: Uint8Array): ElfFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (off: number, len: number, what: string) => {
    if (off < 0 || len < 0 || off + len > bytes.length) throw new ElfError(`${what} lies outside the file (${bytes.length} bytes)`, off);
  };
  need(0, 52, 'ELF header');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfError('not an ELF file (bad magic)', 0);
  if (bytes[4] !== 1) throw new ElfError('not a 32-bit ELF file', 4);
  if (bytes[5] !== 1) throw new ElfError('not a little-endian ELF file', 5);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const type = u16(16);
  const machine = u16(18);
  const entry = u32(24);
  const shoff = u32(32);
  const flags = u32(36);
  const shentsize = u16(46);
  const shnum = u16(48);
  const shstrndx = u16(50);
  if (shnum > 0 && shentsize < 40) throw new ElfError(`section header entry size ${shentsize} < 40`, 46);
  need(shoff, shnum * shentsize, 'section header table');

  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    const s = { nameOff: u32(o), type: u32(o + 4), flags: u32(o + 8), addr: u32(o + 12), offset: u32(o + 16), size: u32(o + 20), link: u32(o + 24), info: u32(o + 28), entsize: u32(o + 36) };
    if (s.type !== SHT_NOBITS) need(s.offset, s.size, `section ${i}`);
    return s;
  });
  const cstr = (tableIdx: number, off: number): string => {
    const t = raw[tableIdx];
    if (!t) throw new ElfError(`string table index ${tableIdx} out of range`, shoff);
    if (off >= t.size) throw new ElfError(`string offset ${off} outside string table ${tableIdx}`, t.offset);
    let end = t.offset + off;
    const limit = t.offset + t.size;
    while (end < limit && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(t.offset + off, end));
  };
  const sections: ElfSection[] = raw.map((s, index) => ({
    index,
    name: shstrndx < shnum && index > 0 ? cstr(shstrndx, s.nameOff) : '',
    type: s.type,
    flags: s.flags,
    addr: s.addr,
    offset: s.offset,
    size: s.size,
    link: s.link,
    info: s.info,
    entsize: s.entsize,
    data: s.type === SHT_NOBITS ? new Uint8Array(0) : bytes.subarray(s.offset, s.offset + s.size),
  }));

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols: ElfSymbol[] = [];
  if (symtab) {
    const n = Math.floor(symtab.size / 16);
    for (let i = 0; i < n; i++) {
      const o = symtab.offset + i * 16;
      const info = bytes[o + 12]!;
      const bindBits = info >> 4;
      const typeBits = info & 0xf;
      symbols.push({
        name: i === 0 ? '' : cstr(symtab.link, u32(o)),
        value: u32(o + 4),
        size: u32(o + 8),
        bind: (['local', 'global', 'weak'] as const)[bindBits] ?? 'other',
        type: (['notype', 'object', 'func', 'section', 'file'] as const)[typeBits] ?? 'other',
        shndx: u16(o + 14),
      });
    }
  }

  const relocations: ElfRelocation[] = [];
  for (const s of sections) {
    if (s.type !== SHT_REL && s.type !== SHT_RELA) continue;
    const size = s.type === SHT_REL ? 8 : 12;
    for (let o = s.offset; o + size <= s.offset + s.size; o += size) {
      const info = u32(o + 4);
      const symbol = symbols[info >>> 8];
      if (!symbol) throw new ElfError(`relocation names symbol ${info >>> 8}, which does not exist`, o);
      relocations.push({ target: s.info, offset: u32(o), type: info & 0xff, symbol, ...(s.type === SHT_RELA ? { addend: view.getInt32(o + 8, true) } : {}) });
    }
  }
  return { type, machine, flags, entry, sections, symbols, relocations };
}
