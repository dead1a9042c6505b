/**
 * `warden disasm OBJ.o`: the object's code through the spec decoder (the
 * validator's view of the bytes, not the compiler's): symbols, addresses,
 * raw bytes, `$d` ranges (literal pools, jump tables) as data words, and
 * the relocations applied at each address.
 */
import { decodeThumb, formatInstr } from '../../spec/arm/decode.ts';
import { itAfter, itCond } from '../../spec/arm/it.ts';
import { CERT_SECTION } from '../../spec/abi/certificate.ts';
import { ElfError, readElf, type ElfFile, type ElfRelocation, type ElfSection, type ElfSymbol } from '../../validator/elf.ts';
import { EXIT, readInput } from '../common.ts';
import { UserError } from '../errors.ts';

const SHF_EXECINSTR = 4;
const ET_NAMES: Record<number, string> = { 1: 'relocatable', 2: 'executable' };
const RELOC_NAMES: Record<number, string> = {
  2: 'R_ARM_ABS32',
  3: 'R_ARM_REL32',
  10: 'R_ARM_THM_CALL',
  25: 'R_ARM_BASE_PREL',
  30: 'R_ARM_THM_JUMP24',
  42: 'R_ARM_PREL31',
  47: 'R_ARM_THM_MOVW_ABS_NC',
  48: 'R_ARM_THM_MOVT_ABS',
  51: 'R_ARM_THM_JUMP19',
  102: 'R_ARM_THM_JUMP11',
};

const hex = (n: number, w = 0) => (n >>> 0).toString(16).padStart(w, '0');

function relocText(r: ElfRelocation): string {
  const name = r.symbol.name || `section ${r.symbol.shndx}`;
  const add = r.addend ? (r.addend > 0 ? `+0x${hex(r.addend)}` : `-0x${hex(-r.addend)}`) : '';
  return `${RELOC_NAMES[r.type] ?? `R_ARM_${r.type}`}\t${name}${add}`;
}

/** Disassemble every executable section of an ELF file to text. */
export function disassemble(elf: ElfFile, file: string): string {
  const out: string[] = [`${file}:\tfile format elf32-littlearm (${ET_NAMES[elf.type] ?? `type ${elf.type}`})`];
  for (const sec of elf.sections) {
    if (!(sec.flags & SHF_EXECINSTR) || sec.size === 0) continue;
    out.push('', `Disassembly of section ${sec.name}:`);
    out.push(...disassembleSection(elf, sec));
  }
  const other = elf.sections.filter((s) => !(s.flags & SHF_EXECINSTR) && /^\.(data|rodata|bss)/.test(s.name) && s.size > 0);
  if (other.length) {
    out.push('', 'Data sections:');
    for (const s of other) {
      const syms = elf.symbols.filter((y) => y.shndx === s.index && y.type !== 'section' && !y.name.startsWith('$')).sort((a, b) => a.value - b.value);
      out.push(`  ${s.name}\t${s.size} bytes${syms.length ? `: ${syms.map((y) => `${y.name}@0x${hex(y.value)}`).join(', ')}` : ''}`);
      for (const r of elf.relocations.filter((r) => r.target === s.index)) out.push(`    ${hex(r.offset, 8)}: ${relocText(r)}`);
    }
  }
  const cert = elf.sections.find((s) => s.name === CERT_SECTION);
  out.push('', cert ? `Certificate: ${CERT_SECTION}, ${cert.size} bytes` : `Certificate: none (no ${CERT_SECTION} section)`);
  return `${out.join('\n')}\n`;
}

function disassembleSection(elf: ElfFile, sec: ElfSection): string[] {
  const out: string[] = [];
  const syms = elf.symbols.filter((s) => s.shndx === sec.index);
  const labels = new Map<number, ElfSymbol[]>();
  for (const s of syms) {
    if (s.type === 'section' || s.name === '' || s.name.startsWith('$') || s.type === 'file') continue;
    const at = s.value & ~1;
    labels.set(at, [...(labels.get(at) ?? []), s]);
  }
  // Mapping symbols: $t code, $d data; code by default.
  const mapping = syms
    .filter((s) => s.name === '$t' || s.name === '$d' || s.name.startsWith('$t.') || s.name.startsWith('$d.'))
    .map((s) => ({ at: s.value, data: s.name.startsWith('$d') }))
    .sort((a, b) => a.at - b.at);
  const isData = (off: number) => {
    let d = false;
    for (const m of mapping) if (m.at <= off) d = m.data;
    return d;
  };
  const nextBoundary = (off: number) => {
    let n = sec.data.length;
    for (const m of mapping) if (m.at > off && m.at < n) n = m.at;
    for (const at of labels.keys()) if (at > off && at < n) n = at;
    return n;
  };
  const relocs = new Map<number, ElfRelocation[]>();
  for (const r of elf.relocations) if (r.target === sec.index) relocs.set(r.offset, [...(relocs.get(r.offset) ?? []), r]);
  const starts = [...labels.entries()].sort((a, b) => a[0] - b[0]);
  /** `name+0xoff` for an offset in this section. */
  const symbolize = (o: number): string => {
    let best: [number, ElfSymbol[]] | undefined;
    for (const e of starts) if (e[0] <= o) best = e;
    if (!best) return `${sec.name}+0x${hex(o)}`;
    return o === best[0] ? best[1][0]!.name : `${best[1][0]!.name}+0x${hex(o - best[0])}`;
  };
  const bytes = sec.data;
  let off = 0;
  let it = 0;
  const relocLines = (from: number, to: number) => {
    for (let o = from; o < to; o++) for (const r of relocs.get(o) ?? []) out.push(`\t\t\t${hex(sec.addr + o, 8)}: ${relocText(r)}`);
  };
  while (off < bytes.length) {
    for (const s of labels.get(off) ?? []) out.push('', `${hex(sec.addr + off, 8)} <${s.name}>:`);
    const addr = sec.addr + off;
    if (isData(off)) {
      const end = nextBoundary(off);
      const n = end - off >= 4 && off % 4 === 0 ? 4 : end - off >= 2 ? 2 : 1;
      const raw = bytes.subarray(off, off + n);
      const value = raw.reduceRight((acc, b) => acc * 256 + b, 0);
      const directive = n === 4 ? '.word' : n === 2 ? '.short' : '.byte';
      out.push(`${hex(addr, 8).padStart(8)}:\t${hex(value, n * 2).padEnd(9)}\t${directive}\t0x${hex(value, n * 2)}`);
      relocLines(off, off + n);
      off += n;
      it = 0;
      continue;
    }
    const d = decodeThumb(bytes, off, addr);
    const size = Math.min(d.size, bytes.length - off);
    const hw = [];
    for (let k = 0; k + 1 < size + 1 && k < size; k += 2) hw.push(hex(bytes[off + k]! | ((bytes[off + k + 1] ?? 0) << 8), 4));
    let text: string;
    if (d.kind === 'ok') {
      const cond = itCond(it);
      text = formatInstr(d.instr, cond !== undefined ? { itCond: cond } : {});
      it = itAfter(d.instr, it);
    } else {
      text = `<unknown: ${d.reason}>`;
      it = 0;
    }
    const target = d.kind === 'ok' && (d.instr.op === 'bl' || d.instr.op === 'b' || d.instr.op === 'cbz' || d.instr.op === 'cbnz') && !relocs.has(off) ? d.instr.target : undefined;
    const symNote = target !== undefined ? ` <${symbolize(target - sec.addr)}>` : '';
    out.push(`${hex(addr, 8)}:\t${hw.join(' ').padEnd(9)}\t${text}${symNote}`);
    relocLines(off, off + size);
    off += size;
  }
  return out;
}

export function disasmCommand(file: string): number {
  const bytes = readInput(file);
  let elf: ElfFile;
  try {
    elf = readElf(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
  if (elf.machine !== 40) throw new UserError(`${file}: not an ARM ELF file (machine ${elf.machine})`);
  process.stdout.write(disassemble(elf, file));
  return EXIT.ok;
}
