/**
 * The memory layout contract: where a compiled module's state lives.
 *
 * Linear memory, globals and the table are link-time symbols defined by the
 * object itself (in its own sections); code reaches them through absolute
 * MOVW/MOVT relocations. The machine stack is disjoint from all of them: the
 * validator assumes that no SP-relative access aliases linear memory or
 * globals, which holds because they are separate sections placed by the
 * linker and the stack lives in its own region.
 */

export const WASM_PAGE_BYTES = 65536;

/** Symbol names for one module's state; `prefix` is the `--prefix` option. */
export function stateSymbols(prefix = '') {
  return {
    /** Base of linear memory (byte 0 of the WASM address space). */
    memory: `${prefix}__warden_memory`,
    /** A 32-bit word holding the current memory size in pages (memory.size / memory.grow). */
    memoryPages: `${prefix}__warden_memory_pages`,
    /** Globals: one 8-byte-aligned slot each, i32 in 4 bytes, i64 in 8 (little-endian), in index order. */
    globals: `${prefix}__warden_globals`,
    /** The function table: one 8-byte entry per element, {code address | 1, type id}, 0 for an empty entry. */
    table: `${prefix}__warden_table`,
  } as const;
}

/**
 * The symbol of an imported global: its field name, defined by the program that links the object (the
 * generated C header declares it), holding the value little-endian in 4 (i32) or 8 (i64) bytes. Unlike
 * imported functions it carries no prefix.
 */
export function importedGlobalSymbol(field: string): string {
  return field;
}

/** Byte offset of each global in the globals block (each slot 8-byte aligned). */
export function globalOffsets(types: readonly ('i32' | 'i64')[]): number[] {
  return types.map((_, i) => i * 8);
}
