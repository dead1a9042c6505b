/**
 * The proof report, version 1: what one validation of one object proved,
 * as data. proofs/report/schema.json is the published JSON Schema of this
 * shape (tests/proofs/report.test.ts checks real reports against it); a
 * change here is a change there, and a new `format` string when it is not
 * backwards compatible.
 */
import type { SolverAnswer } from '../../validator/verdict.ts';

export const REPORT_FORMAT = 'warden-proof-report/1';

/** Written when the object's certificate has no rung for a function. */
export const RUNG_NOT_RECORDED = 'not recorded';

export type Verdict = 'proved' | 'refuted' | 'unknown';

export interface ProofReport {
  format: typeof REPORT_FORMAT;
  identity: Identity;
  totals: Totals;
  functions: FunctionReport[];
  assumptions: {
    /** What every validation rests on (validator/validate.ts ASSUMPTIONS). */
    validator: string[];
    /** What the lemma library takes without proof (proofs/assumptions.ts). */
    lemmaLibrary: { id: string; statement: string; reason: string }[];
  };
  trustedBase: TrustedBase;
  /** The SMT-LIB2 export (`--smt-dir`), or null when none was written. */
  smt: { dir: string; logic: 'QF_AUFBV'; files: number } | null;
}

export interface Identity {
  /** The driver that produced the report: `warden compile`, `warden verify`, or another. */
  command: string;
  date: string;
  warden: { version: string };
  z3: { package: string; version: string };
  input: {
    path: string;
    /** SHA-256 of the file as read (.wat text or .wasm binary). */
    sha256: string;
    /** SHA-256 of the binary module that was validated (wabt's output for .wat). */
    wasmSha256: string;
  };
  object: {
    /** Where the object is, or would have been, written. */
    path: string;
    /** SHA-256 of the bytes that were validated. */
    sha256: string;
    bytes: number;
    /** `written` by this compile, `not-written` (validation failed), or an `existing` object (warden verify). */
    status: 'written' | 'not-written' | 'existing';
    note: string;
  };
  target: string;
  options: Record<string, string | number | boolean | null>;
}

export interface Totals {
  functions: number;
  proved: number;
  refuted: number;
  unknown: number;
  obligations: number;
  /** Sum of the obligations' solver times (informative; verdicts depend on rlimit, not time). */
  ms: number;
  rlimit: number;
}

export interface ObligationReport {
  /** Position in the function's list (0-based, in the order the validator asked them). */
  index: number;
  /** The validator's full name: region, then what it proves. */
  name: string;
  /** The region: start cut point -> end (and ARM path). */
  region: string;
  /** What the obligation proves. */
  claim: string;
  /** Byte offset of the region's start in the function. */
  address: number;
  answer: SolverAnswer;
  ms: number;
  rlimit: number;
  /** The exported query (file name inside the SMT directory, its SHA-256) and the answer a re-check must give. */
  smt2: { file: string; sha256: string; expected: SolverAnswer } | null;
}

export interface FunctionReport {
  index: number;
  /** The name from the module's name section, else the first export name, else null. */
  name: string | null;
  exports: string[];
  symbol: string;
  verdict: Verdict;
  /** The allocation ladder rung (from the object's certificate), or "not recorded". */
  rung: string;
  ladder: { rung: string; failure: string }[];
  obligations: ObligationReport[];
  /** Rewrite lemmas the proof used (validator/lemmas.ts); null when the validator does not record them (not proved). */
  lemmas: { name: string; statement: string }[] | null;
  /** For a refutation: the failing obligation's index, the model, and its replay on the concrete interpreters. */
  counterexample: {
    obligation: number;
    values: Record<string, string>;
    replay: { kind: string; detail: string };
  } | null;
  /** For an unknown verdict: why, and where. */
  unknown: { kind: string; detail: string; obligation: string | null; address: number | null } | null;
  totals: { obligations: number; ms: number; rlimit: number };
}

export interface TrustedBase {
  spec: string;
  certificateVersion: number;
  components: { path: string; role: string }[];
  modelled: string[];
  notModelled: string[];
}
