/**
 * A static linker for firmware images: places encoded functions and data at
 * fixed addresses (flash from 0x0, RAM from 0x20000000) and resolves the
 * encoder's relocation types. No external tools.
 */
import type { ObjData, ObjFunction, Relocation } from '../target/object.ts';
import { branch32, movwt } from '../target/thumb.ts';
import { layoutData, layoutText, writeInPlaceAddend, type LaidOutSection } from '../elf/relocatable.ts';
import type { SymbolSpec } from '../elf/elf32.ts';

export const FLASH_BASE = 0x00000000;
export const FLASH_SIZE = 4 << 20;
export const RAM_BASE = 0x20000000;
export const RAM_SIZE = 4 << 20;

export interface PlacedSection extends LaidOutSection {
  addr: number;
  /** Where the contents live in the image (differs from addr for .data). */
  loadAddr: number;
}

export interface LinkedImage {
  sections: PlacedSection[];
  /** Every defined symbol's address (functions with the Thumb bit). */
  symbols: Map<string, number>;
  symbolSpecs: SymbolSpec[];
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * Link: `.text` at `textBase`, then `.rodata`, then the `.data` load image;
 * `.data` and `.bss` in RAM from RAM_BASE. `extraSymbols` (absolute) may name
 * addresses inside placed code, given as a function name + byte offset.
 */
export function link(functions: ObjFunction[], data: ObjData[], textBase: number, extraSymbols: (place: Map<string, number>) => Map<string, number>): LinkedImage {
  const text = layoutText(functions);
  const rodata = layoutData('.rodata', data);
  const dataSec = layoutData('.data', data);
  const bss = layoutData('.bss', data);
  const textAddr = align(textBase, 4);
  const rodataAddr = align(textAddr + text.bytes.length, rodata.align);
  const dataLoad = align(rodataAddr + rodata.bytes.length, dataSec.align);
  const dataAddr = align(RAM_BASE, dataSec.align);
  const bssAddr = align(dataAddr + dataSec.bytes.length, bss.align);
  if (dataLoad + dataSec.bytes.length > FLASH_BASE + FLASH_SIZE) throw new Error(`firmware does not fit in flash (${dataLoad + dataSec.bytes.length} bytes)`);
  const sections: PlacedSection[] = [
    { ...text, addr: textAddr, loadAddr: textAddr },
    { ...rodata, addr: rodataAddr, loadAddr: rodataAddr },
    { ...dataSec, addr: dataAddr, loadAddr: dataLoad },
    { ...bss, addr: bssAddr, loadAddr: bssAddr },
  ];
  const symbols = new Map<string, number>();
  const symbolSpecs: SymbolSpec[] = [];
  for (const s of sections) {
    for (const sym of s.symbols) {
      const spec = { ...sym, value: (s.addr + sym.value) >>> 0 };
      symbolSpecs.push(spec);
      if (sym.name === '$t' || sym.name === '$d') continue;
      if (symbols.has(sym.name)) throw new Error(`duplicate symbol ${sym.name}`);
      symbols.set(sym.name, spec.value);
    }
  }
  const linkerSymbols: [string, number][] = [
    ['__data_load', dataLoad], ['__data_start', dataAddr], ['__data_end', dataAddr + dataSec.bytes.length],
    ['__bss_start', bssAddr], ['__bss_end', bssAddr + bss.bytes.length],
  ];
  for (const [n, v] of [...linkerSymbols, ...extraSymbols(symbols)]) {
    if (symbols.has(n)) throw new Error(`duplicate symbol ${n}`);
    symbols.set(n, v);
    symbolSpecs.push({ name: n, value: v, size: 0, type: 'notype', bind: 'global', section: 'ABS' });
  }
  if (bssAddr + bss.bytes.length > RAM_BASE + RAM_SIZE - 64 * 1024) throw new Error('firmware data leaves less than 64 KiB of stack');
  for (const s of sections) for (const r of s.relocations) applyRelocation(s, r, symbols);
  return { sections, symbols, symbolSpecs };
}

function applyRelocation(s: PlacedSection, r: Relocation, symbols: Map<string, number>): void {
  const S = symbols.get(r.symbol);
  if (S === undefined) throw new Error(`undefined symbol ${r.symbol} (referenced from ${s.name}+0x${r.offset.toString(16)})`);
  const P = s.addr + r.offset;
  const put16 = (at: number, hw: number[]): void => {
    hw.forEach((h, i) => {
      s.bytes[at + 2 * i] = h & 0xff;
      s.bytes[at + 2 * i + 1] = h >> 8;
    });
  };
  const rd = (): number => (s.bytes[r.offset + 3]! & 0x0f);
  switch (r.type) {
    case 'R_ARM_THM_CALL': {
      if ((S & 1) === 0) throw new Error(`BL to ${r.symbol}, which is not a Thumb function`);
      return put16(r.offset, branch32((S & ~1) + r.addend - P, true));
    }
    case 'R_ARM_THM_MOVW_ABS_NC': return put16(r.offset, movwt(false, rd(), (S + r.addend) & 0xffff));
    case 'R_ARM_THM_MOVT_ABS': return put16(r.offset, movwt(true, rd(), ((S + r.addend) >>> 16) & 0xffff));
    case 'R_ARM_ABS32': return writeInPlaceAddend(s.bytes, { ...r, addend: (S + r.addend) >>> 0 });
  }
}
