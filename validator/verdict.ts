/**
 * The validator's answers: typed, closed, and each one located.
 *
 * A function is `proved` only when Z3 answered `unsat` for every obligation
 * of every region. Anything the validator does not model, any malformed
 * hint, any solver `unknown` is an `unknown` verdict naming the reason and,
 * where there is one, the machine address. Nothing is ever skipped.
 */

/** Z3's answer to one obligation (`unsat` = the obligation holds). */
export type SolverAnswer = 'unsat' | 'sat' | 'unknown';

/** One proof obligation: a named, located claim checked by one Z3 query. */
export interface ObligationResult {
  /** e.g. `cut L3@0x1c -> L5@0x30 [arm path 2]: local 2 in r4`. */
  name: string;
  /** Machine address (byte offset in the function) of the region start. */
  address: number;
  answer: SolverAnswer;
  /** Wall time of the query in milliseconds (informative only, verdicts depend on rlimit). */
  ms: number;
  /** Z3's `rlimit count` for the query. */
  rlimit: number;
  /** The query in SMT-LIB2 (for re-checking with another solver); filled on request. */
  smt2?: string;
}

/** Values from a Z3 model, named as the validator named its symbols. */
export interface Counterexample {
  /** Symbol name -> value (hex for bit-vectors, true/false for conditions). */
  values: Record<string, string>;
  /**
   * Replay on the concrete interpreters (spec/wasm/interp.ts, spec/arm/interp.ts), replay.ts:
   * `confirmed` (the programs differ on these inputs), `not-reproduced` (they agree: the failure is in a
   * hint or an abstraction), `not-applicable` (with why), or `pending` (not run).
   */
  replay: { kind: 'pending' } | { kind: 'confirmed'; detail: string } | { kind: 'not-reproduced'; detail: string } | { kind: 'not-applicable'; detail: string };
}

/** Why a function could not be decided. A closed list: the validator never fails silently. */
export type UnknownReason =
  | { kind: 'decode'; detail: string }
  | { kind: 'relocation'; detail: string }
  | { kind: 'certificate'; detail: string }
  | { kind: 'wasm-unsupported'; detail: string }
  | { kind: 'arm-unsupported'; detail: string }
  | { kind: 'no-cut-in-loop'; side: 'wasm' | 'arm'; detail: string }
  | { kind: 'path-limit'; detail: string }
  | { kind: 'solver'; obligation: string; detail: string }
  | { kind: 'spec-error'; detail: string };

export type Verdict =
  | { kind: 'proved'; func: number; symbol: string; obligations: ObligationResult[]; lemmas: string[] }
  | { kind: 'refuted'; func: number; symbol: string; obligation: ObligationResult; counterexample: Counterexample; obligations: ObligationResult[] }
  | { kind: 'unknown'; func: number; symbol: string; reason: UnknownReason; address?: number; obligations: ObligationResult[] };

/** The module-level answer: the assumptions every proof rests on, and one verdict per function. */
export interface ValidationReport {
  assumptions: string[];
  /** Problems that concern the whole object (no certificate, ...); functions are then `unknown`. */
  verdicts: Verdict[];
}

/**
 * Thrown inside the validator to abandon a function with an `unknown`
 * verdict; caught once, in validate.ts, and turned into the verdict.
 */
export class Refusal extends Error {
  constructor(
    readonly reason: UnknownReason,
    readonly address?: number,
  ) {
    super(`${reason.kind}: ${'detail' in reason ? reason.detail : ''}${address !== undefined ? ` at 0x${address.toString(16)}` : ''}`);
    this.name = 'Refusal';
  }
}

export function refuse(reason: UnknownReason, address?: number): never {
  throw new Refusal(reason, address);
}

export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
