/**
 * Function tables, for call_indirect (spec/abi/layout.ts `tableSymbol`):
 * their contents after instantiation from the module's active element
 * segments (the WASM side), and the object's table data read back through
 * its relocations and checked to hold the same functions (the ARM side).
 *
 * Tables never change in the supported subset (no table.set/grow), so the
 * object's initial table words are premises on every region's memory; the
 * table regions are disjoint from everything else and no machine store may
 * write them (validate.ts `storeAllowed` does not allow them).
 */
import type { Module } from '../spec/wasm/ast.ts';
import { TABLE_ENTRY_BYTES, tableSymbol } from '../spec/abi/layout.ts';
import { SHT_NOBITS, type ElfFile } from './elf.ts';
import { R_ARM_ABS32 } from './arm-exec.ts';
import { hex, refuse } from './verdict.ts';

/** Each table's entries (function index or null) after instantiation, by table index. */
export function tableContents(m: Module): (number | null)[][] {
  if (m.imports.some((i) => i.desc.kind === 'table')) refuse({ kind: 'wasm-unsupported', detail: 'an imported table (its contents are not known to the object)' });
  const tables = m.tables.map((t) => new Array<number | null>(t.limits.min).fill(null));
  m.elems.forEach((e, si) => {
    if (e.mode !== 'active') return;
    const t = tables[e.tableIndex];
    if (!t) refuse({ kind: 'wasm-unsupported', detail: `element segment ${si} for table ${e.tableIndex}, which does not exist` });
    if (e.offset?.kind !== 'i32.const') refuse({ kind: 'wasm-unsupported', detail: `element segment ${si} with a non-constant offset` });
    const base = e.offset.value >>> 0;
    if (base + e.funcs.length > t.length) refuse({ kind: 'wasm-unsupported', detail: `element segment ${si} beyond table ${e.tableIndex}'s ${t.length} entries (an instantiation trap)` });
    e.funcs.forEach((f, k) => void (t[base + k] = f));
  });
  return tables;
}

/** One table word as the object holds it: a function's address (by function index), or a constant. */
export type TableWord = { kind: 'function'; func: number } | { kind: 'const'; value: number };

/**
 * The object's table `t`, word by word ({address, type id} per entry), checked against `entries`:
 * an entry's address word is an R_ARM_ABS32 (addend 0) against the symbol of the same function, or 0 with
 * no relocation for a null entry; the type id word is a plain constant. Anything else is `unknown`.
 */
export function objectTable(elf: ElfFile, prefix: string, t: number, entries: (number | null)[], functionOf: (symbol: string) => number | undefined): TableWord[] {
  const name = tableSymbol(prefix, t);
  const sym = elf.symbols.find((s) => s.name === name && s.shndx !== 0);
  if (!sym) refuse({ kind: 'relocation', detail: `no table symbol ${name} in the object` });
  const sec = elf.sections[sym.shndx];
  if (!sec) refuse({ kind: 'relocation', detail: `${name} names no section` });
  const bytes = entries.length * TABLE_ENTRY_BYTES;
  if (sym.size !== bytes) refuse({ kind: 'relocation', detail: `${name} has ${sym.size} bytes, table ${t} needs ${bytes}` });
  const nobits = sec.type === SHT_NOBITS;
  if (!nobits && sym.value + bytes > sec.data.length) refuse({ kind: 'relocation', detail: `${name} extends past ${sec.name}` });
  const word = (o: number) => (nobits ? 0 : (sec.data[o]! | (sec.data[o + 1]! << 8) | (sec.data[o + 2]! << 16) | (sec.data[o + 3]! << 24)) >>> 0);
  const relocs = new Map(elf.relocations.filter((r) => r.target === sec.index && r.offset > sym.value - 4 && r.offset < sym.value + bytes).map((r) => [r.offset, r]));
  const out: TableWord[] = [];
  entries.forEach((f, k) => {
    const o = sym.value + k * TABLE_ENTRY_BYTES;
    const where = `table ${t} entry ${k} (${name}+${hex(o - sym.value)})`;
    for (const at of relocs.keys()) if (at !== o && at > o - 4 && at < o + TABLE_ENTRY_BYTES) refuse({ kind: 'relocation', detail: `${where}: a relocation at ${sec.name}+${hex(at)} is not on its address word` });
    const r = relocs.get(o);
    if (r) {
      if (r.type !== R_ARM_ABS32 || (r.addend ?? word(o)) !== 0) refuse({ kind: 'relocation', detail: `${where}: relocation type ${r.type} with addend ${r.addend ?? word(o)} (only R_ARM_ABS32 + 0 is a function's address)` });
      const g = functionOf(r.symbol.name);
      if (g === undefined) refuse({ kind: 'relocation', detail: `${where} holds ${r.symbol.name}, which is no known function` });
      // A defined function must be a Thumb function symbol, so that the address has bit 0 set.
      if (r.symbol.shndx !== 0 && (r.symbol.type !== 'func' || (r.symbol.value & 1) !== 1)) refuse({ kind: 'relocation', detail: `${where}: ${r.symbol.name} is not a Thumb function symbol` });
      if (g !== f) refuse({ kind: 'relocation', detail: `${where} holds function ${g} (${r.symbol.name}), the element segments ${f === null ? 'a null entry' : `function ${f}`}` });
      out.push({ kind: 'function', func: g });
    } else {
      if (word(o) !== 0) refuse({ kind: 'relocation', detail: `${where} holds ${hex(word(o))} without a relocation` });
      if (f !== null) refuse({ kind: 'relocation', detail: `${where} is null, the element segments hold function ${f}` });
      out.push({ kind: 'const', value: 0 });
    }
    out.push({ kind: 'const', value: word(o + 4) });
  });
  return out;
}
