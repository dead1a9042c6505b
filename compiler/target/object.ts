/**
 * The compiler's object model between the encoder and the object writers
 * (ELF relocatable in compiler/elf, firmware image in compiler/firmware).
 */

/**
 * Relocation kinds (ARM ELF, REL style: the addend is also stored in place in
 * the bytes, exactly as GNU as does, so `ld` and our own linker agree).
 * - R_ARM_THM_CALL: BL at `offset`; in-place addend -4 (target = S + A - P).
 * - R_ARM_THM_MOVW_ABS_NC / R_ARM_THM_MOVT_ABS: MOVW / MOVT at `offset`,
 *   in-place signed 16-bit addend (both halves hold the same addend).
 * - R_ARM_ABS32: a 32-bit word in data (S + A), Thumb bit set for functions.
 */
export type RelocType = 'R_ARM_THM_CALL' | 'R_ARM_THM_MOVW_ABS_NC' | 'R_ARM_THM_MOVT_ABS' | 'R_ARM_ABS32';

export const RELOC_CODES: Record<RelocType, number> = {
  R_ARM_ABS32: 2,
  R_ARM_THM_CALL: 10,
  R_ARM_THM_MOVW_ABS_NC: 47,
  R_ARM_THM_MOVT_ABS: 48,
};

export interface Relocation {
  /** Byte offset within the section / function. */
  offset: number;
  type: RelocType;
  symbol: string;
  addend: number;
}

/** A half-open byte range [start, end) holding data (literal pools, jump tables) inside code. */
export interface DataRange {
  start: number;
  end: number;
}

/** One assembled function. */
export interface EncodedFunction {
  bytes: Uint8Array;
  relocations: Relocation[];
  /** Byte offset of every (user) label. */
  labelOffsets: Map<number, number>;
  /** instrOffsets[i] = byte offset where input instruction i starts (labels: their offset). */
  instrOffsets: number[];
  /** Data inside the code (ELF `$d` mapping symbols), sorted, non-overlapping. */
  dataRanges: DataRange[];
}

/** A function ready for an object writer. */
export interface ObjFunction {
  name: string;
  /** Further names for the same address (a WASM function exported under several names). */
  aliases?: string[];
  /** Exported (STB_GLOBAL) or file-local. */
  global: boolean;
  code: EncodedFunction;
}

/** A data section's contents for the object writers. */
export interface ObjData {
  /** Symbol naming the start of this blob. */
  name: string;
  global: boolean;
  section: '.data' | '.rodata' | '.bss';
  /** Contents (for .bss only the length matters; it must be all zero). */
  bytes: Uint8Array;
  align: number;
  /** ABS32 relocations inside the blob (e.g. function tables). */
  relocations: Relocation[];
}
