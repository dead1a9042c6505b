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
    /** Table 0: one 8-byte entry per element, {code address | 1, type id}, 0 for an empty entry (`tableSymbol`). */
    table: `${prefix}__warden_table`,
  } as const;
}

/**
 * The symbol of table `index`: table 0 is `__warden_table`, further tables
 * `__warden_table<N>`, all with the same entry format: 8 bytes per element,
 * word 0 the function's address (ABS32 against its Thumb symbol, so bit 0
 * set) or 0 for a null entry, word 1 its type id (`tableTypeIds`).
 */
export function tableSymbol(prefix: string, index: number): string {
  return index === 0 ? stateSymbols(prefix).table : `${prefix}__warden_table${index}`;
}

/** Bytes per table entry: {address, type id}. */
export const TABLE_ENTRY_BYTES = 8;

/** The local runtime routine for 64-bit unsigned division (contract and proof: proofs/runtime/udivmod64.ts). */
export const UDIVMOD64_SYMBOL = '__warden_udivmod64';

/**
 * The type id stored in table entries for each type index: equal signatures
 * share one id (the first type index with that signature), so call_indirect
 * compares one word, as WASM compares signatures structurally.
 */
export function tableTypeIds(types: readonly { params: readonly string[]; results: readonly string[] }[]): (typeIndex: number) => number {
  const key = (i: number) => JSON.stringify([types[i]!.params, types[i]!.results]);
  const first = new Map<string, number>();
  types.forEach((_, i) => {
    if (!first.has(key(i))) first.set(key(i), i);
  });
  return (i) => {
    const id = first.get(key(i));
    if (id === undefined) throw new Error(`tableTypeIds: type index ${i} out of range`);
    return id;
  };
}

/**
 * The external symbol an imported function or global is reached through:
 * the import's bare field name, without `--prefix`. The importer defines it
 * (a C function or variable of that name), so two modules compiled with
 * different prefixes that import one field reach one definition; `--prefix`
 * separates only what each object defines. The module name is not part of
 * it: the compiler refuses two different imports with one field, and an
 * import whose symbol the object itself defines.
 */
export function importSymbol(field: string): string {
  return field;
}

/** Byte offset of each global in the globals block (each slot 8-byte aligned). */
export function globalOffsets(types: readonly ('i32' | 'i64')[]): number[] {
  return types.map((_, i) => i * 8);
}
