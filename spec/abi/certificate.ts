/**
 * The certificate: the compiler's hints to the validator, stored in the
 * object's `.warden.cert` section. It is a contract both sides meet, and it
 * is untrusted: a wrong hint may only make validation fail, never pass.
 *
 * For every function, the cut points (entry, loop headers, block joins, call
 * returns, exit) with their machine address and where every live WASM local
 * and operand-stack slot lives, plus the frame.
 */

export const CERT_SECTION = '.warden.cert';
export const CERT_VERSION = 1;

/** Where one 32-bit word lives at a cut point. */
export type WordLoc =
  | { kind: 'reg'; reg: number }
  /** A frame slot: byte offset from SP at the cut point. */
  | { kind: 'slot'; offset: number }
  | { kind: 'const'; value: number };

/**
 * Where one WASM value lives: an i32 in one word, an i64 as two words (halves may live apart).
 * One half of an i64 may be `dead` (the code never reads it again, e.g. a shift amount's high
 * word): nothing is claimed about it, so a value whose dead half is still needed is not proved.
 */
export type ValueLoc = { type: 'i32'; loc: WordLoc } | { type: 'i64'; lo: WordLoc | DeadWord; hi: WordLoc | DeadWord };
export type DeadWord = { kind: 'dead' };

export type CutKind = 'entry' | 'loop' | 'join' | 'call-return' | 'exit';

/**
 * A fact at a cut point: a register or frame slot holds a value that is no
 * WASM value, a 32-bit constant or the address of a state symbol
 * (layout.ts) plus an addend. It lets code keep such values (the memory
 * base, a loop-invariant constant) across the cut point. Like the map, a
 * fact is assumed where its region starts and proved on every edge into
 * the cut point.
 */
export type FactValue = { kind: 'const'; value: number } | { kind: 'symbol'; symbol: string; addend: number };
export interface Fact {
  loc: { kind: 'reg'; reg: number } | { kind: 'slot'; offset: number };
  value: FactValue;
}

export interface CutPoint {
  kind: CutKind;
  /** Byte offset of the cut point from the function's first instruction. */
  address: number;
  /**
   * The WASM program point: byte offset of an instruction in the module
   * binary, and whether the cut is before it or after it. `after` a
   * structured instruction (block, loop, if) means after its whole body,
   * i.e. after its `end` (a block join). The `exit` cut point uses the
   * function body's byte offset (`Func.byteOffset`) with `after`: after the
   * whole body, the function's own `end`.
   */
  wasm: { offset: number; position: 'before' | 'after' };
  /** Every WASM local (params first) that is live here; dead ones are omitted. */
  locals: { index: number; loc: ValueLoc }[];
  /** The operand stack, bottom first. */
  stack: ValueLoc[];
  /** Facts about registers and slots that hold no WASM value (none at the entry, whose state the ABI gives). */
  facts?: Fact[];
}

export interface FunctionCertificate {
  /** Index in the WASM function index space. */
  index: number;
  /** The symbol of the function's code in the object. */
  symbol: string;
  /** The ladder rung that compiled it, and why earlier rungs failed. */
  rung: string;
  ladder: { rung: string; failure: string }[];
  frame: {
    /** Registers pushed by the prologue, ascending. */
    saved: number[];
    /** Bytes subtracted from SP after the push. */
    size: number;
  };
  cutPoints: CutPoint[];
}

export interface Certificate {
  version: typeof CERT_VERSION;
  /** `--prefix` used for the state symbols (spec/abi/layout.ts). */
  prefix: string;
  /** Reserved linear-memory pages (memory.grow fails beyond). */
  reservedPages: number;
  functions: FunctionCertificate[];
}

export function encodeCertificate(cert: Certificate): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(cert));
}

/** Parse a certificate; the validator treats a malformed one as an `unknown` verdict, naming the reason. */
export function decodeCertificate(bytes: Uint8Array): { ok: true; cert: Certificate } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return { ok: false, reason: `certificate is not valid UTF-8 JSON: ${(e as Error).message}` };
  }
  const v = value as Partial<Certificate>;
  if (typeof v !== 'object' || v === null || v.version !== CERT_VERSION || !Array.isArray(v.functions)) {
    return { ok: false, reason: `certificate has no version ${CERT_VERSION} header or no function list` };
  }
  return { ok: true, cert: v as Certificate };
}
