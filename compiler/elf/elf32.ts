/**
 * A small ELF32 little-endian ARM file builder shared by the relocatable
 * object writer and the firmware image: sections, a symbol table (locals
 * first, as the gABI requires), REL relocation sections and, for
 * executables, PT_LOAD program headers.
 */

export const SHT = { PROGBITS: 1, SYMTAB: 2, STRTAB: 3, NOBITS: 8, REL: 9, ARM_ATTRIBUTES: 0x70000003 } as const;
export const SHF = { WRITE: 1, ALLOC: 2, EXECINSTR: 4, INFO_LINK: 0x40 } as const;
export const EF_ARM_EABI_VER5 = 0x05000000;
const EM_ARM = 40;

export interface SectionSpec {
  name: string;
  type: number;
  flags: number;
  /** Contents; for SHT_NOBITS only `size` counts. */
  data: Uint8Array;
  size?: number;
  align: number;
  /** Virtual address (executables). */
  addr?: number;
  /** Load address if different from addr (executables: .data image in flash). */
  loadAddr?: number;
}

export interface SymbolSpec {
  name: string;
  value: number;
  size: number;
  type: 'notype' | 'object' | 'func' | 'section';
  bind: 'local' | 'global';
  /** Section name, or 'UND' for an undefined symbol, 'ABS' for an absolute one. */
  section: string;
}

export interface RelSpec {
  /** The section the relocation patches. */
  section: string;
  offset: number;
  /** Name of a symbol in `symbols`. */
  symbol: string;
  type: number;
}

export interface ElfSpec {
  kind: 'rel' | 'exec';
  entry?: number;
  sections: SectionSpec[];
  symbols: SymbolSpec[];
  relocations?: RelSpec[];
}

class StrTab {
  private bytes: number[] = [0];
  private index = new Map<string, number>([['', 0]]);
  add(s: string): number {
    const got = this.index.get(s);
    if (got !== undefined) return got;
    const off = this.bytes.length;
    this.bytes.push(...Buffer.from(s, 'utf8'), 0);
    this.index.set(s, off);
    return off;
  }
  data(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const STT = { notype: 0, object: 1, func: 2, section: 3 } as const;

export function buildElf(spec: ElfSpec): Uint8Array {
  const names = new Set<string>();
  for (const s of spec.sections) {
    if (names.has(s.name)) throw new Error(`duplicate section ${s.name}`);
    names.add(s.name);
  }
  // Symbols: null, locals, then globals.
  const syms = [...spec.symbols.filter((s) => s.bind === 'local'), ...spec.symbols.filter((s) => s.bind === 'global')];
  const firstGlobal = 1 + spec.symbols.filter((s) => s.bind === 'local').length;
  const symIndex = new Map<string, number>();
  syms.forEach((s, i) => {
    if (s.name && s.type !== 'section' && !s.name.startsWith('$')) {
      if (symIndex.has(s.name)) throw new Error(`duplicate symbol ${s.name}`);
      symIndex.set(s.name, i + 1);
    }
  });

  const all: (SectionSpec & { link?: number; info?: number; entsize?: number })[] = [...spec.sections];
  const secIndex = (name: string): number => {
    const i = all.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no section ${name}`);
    return i + 1;
  };
  // REL sections, one per patched section, in section order.
  const rels = spec.relocations ?? [];
  const symtabIdx = all.length + spec.sections.filter((s) => rels.some((r) => r.section === s.name)).length + 1;
  for (const s of spec.sections) {
    const rs = rels.filter((r) => r.section === s.name);
    if (rs.length === 0) continue;
    const buf = new DataView(new ArrayBuffer(rs.length * 8));
    rs.forEach((r, i) => {
      const si = symIndex.get(r.symbol);
      if (si === undefined) throw new Error(`relocation against unknown symbol ${r.symbol}`);
      buf.setUint32(i * 8, r.offset, true);
      buf.setUint32(i * 8 + 4, (si << 8) | r.type, true);
    });
    all.push({ name: `.rel${s.name}`, type: SHT.REL, flags: SHF.INFO_LINK, data: new Uint8Array(buf.buffer), align: 4, link: symtabIdx, info: secIndex(s.name), entsize: 8 });
  }
  const strtab = new StrTab();
  const symData = new DataView(new ArrayBuffer((syms.length + 1) * 16));
  syms.forEach((s, i) => {
    const o = (i + 1) * 16;
    symData.setUint32(o, s.type === 'section' ? 0 : strtab.add(s.name), true);
    symData.setUint32(o + 4, s.value >>> 0, true);
    symData.setUint32(o + 8, s.size, true);
    symData.setUint8(o + 12, ((s.bind === 'global' ? 1 : 0) << 4) | STT[s.type]);
    symData.setUint16(o + 14, s.section === 'UND' ? 0 : s.section === 'ABS' ? 0xfff1 : secIndex(s.section), true);
  });
  all.push({ name: '.symtab', type: SHT.SYMTAB, flags: 0, data: new Uint8Array(symData.buffer), align: 4, link: symtabIdx + 1, info: firstGlobal, entsize: 16 });
  all.push({ name: '.strtab', type: SHT.STRTAB, flags: 0, data: strtab.data(), align: 1 });
  const shstr = new StrTab();
  const nameOff = all.map((s) => shstr.add(s.name));
  const shstrName = shstr.add('.shstrtab');
  all.push({ name: '.shstrtab', type: SHT.STRTAB, flags: 0, data: shstr.data(), align: 1 });
  nameOff.push(shstrName);

  // File layout: header, program headers, section contents, section headers.
  const exec = spec.kind === 'exec';
  const loadable = exec ? all.filter((s) => s.flags & SHF.ALLOC && s.type !== SHT.NOBITS && (s.size ?? s.data.length) > 0) : [];
  const nobitsAlloc = exec ? all.filter((s) => s.flags & SHF.ALLOC && s.type === SHT.NOBITS && (s.size ?? 0) > 0) : [];
  const phnum = loadable.length + nobitsAlloc.length;
  let off = 52 + phnum * 32;
  const offsets: number[] = [];
  for (const s of all) {
    const al = Math.max(1, s.align);
    off = Math.ceil(off / al) * al;
    offsets.push(off);
    if (s.type !== SHT.NOBITS) off += s.data.length;
  }
  off = Math.ceil(off / 4) * 4;
  const shoff = off;
  const total = shoff + (all.length + 1) * 40;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  dv.setUint16(16, exec ? 2 : 1, true);
  dv.setUint16(18, EM_ARM, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, exec ? spec.entry ?? 0 : 0, true);
  dv.setUint32(28, phnum ? 52 : 0, true);
  dv.setUint32(32, shoff, true);
  dv.setUint32(36, EF_ARM_EABI_VER5, true);
  dv.setUint16(40, 52, true);
  dv.setUint16(42, phnum ? 32 : 0, true);
  dv.setUint16(44, phnum, true);
  dv.setUint16(46, 40, true);
  dv.setUint16(48, all.length + 1, true);
  dv.setUint16(50, all.length, true); // .shstrtab is last
  all.forEach((s, i) => {
    if (s.type !== SHT.NOBITS) out.set(s.data, offsets[i]!);
    const h = shoff + (i + 1) * 40;
    dv.setUint32(h, nameOff[i]!, true);
    dv.setUint32(h + 4, s.type, true);
    dv.setUint32(h + 8, s.flags, true);
    dv.setUint32(h + 12, s.addr ?? 0, true);
    dv.setUint32(h + 16, offsets[i]!, true);
    dv.setUint32(h + 20, s.type === SHT.NOBITS ? s.size ?? 0 : s.data.length, true);
    dv.setUint32(h + 24, s.link ?? 0, true);
    dv.setUint32(h + 28, s.info ?? 0, true);
    dv.setUint32(h + 32, s.align, true);
    dv.setUint32(h + 36, s.entsize ?? 0, true);
  });
  [...loadable, ...nobitsAlloc].forEach((s, i) => {
    const h = 52 + i * 32;
    const nobits = s.type === SHT.NOBITS;
    dv.setUint32(h, 1, true); // PT_LOAD
    dv.setUint32(h + 4, offsets[all.indexOf(s)]!, true);
    dv.setUint32(h + 8, s.addr ?? 0, true);
    dv.setUint32(h + 12, s.loadAddr ?? s.addr ?? 0, true);
    dv.setUint32(h + 16, nobits ? 0 : s.data.length, true);
    dv.setUint32(h + 20, nobits ? s.size ?? 0 : s.data.length, true);
    dv.setUint32(h + 24, 4 | (s.flags & SHF.WRITE ? 2 : 0) | (s.flags & SHF.EXECINSTR ? 1 : 0), true);
    dv.setUint32(h + 28, Math.max(1, s.align), true);
  });
  return out;
}
