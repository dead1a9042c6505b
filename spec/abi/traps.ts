/**
 * The trap codes: the one place that says which WebAssembly trap becomes
 * which `UDF #code` on the Cortex-M. Both the compiler (to emit) and the
 * validator / runners (to interpret) read this table.
 */
export const TRAP_CODES = {
  unreachable: 1,
  'integer divide by zero': 2,
  'integer overflow': 3,
  'out of bounds memory access': 4,
  'undefined element': 5,
  'uninitialized element': 6,
  'indirect call type mismatch': 7,
  'call stack exhausted': 8,
} as const;

/** A trap kind, named as the WebAssembly spec tests name it (`assert_trap` messages). */
export type TrapKind = keyof typeof TRAP_CODES;

export const TRAP_KINDS = Object.keys(TRAP_CODES) as TrapKind[];

export function trapCode(kind: TrapKind): number {
  return TRAP_CODES[kind];
}

export function trapKindOfCode(code: number): TrapKind | undefined {
  return TRAP_KINDS.find((k) => TRAP_CODES[k] === code);
}
