/**
 * warden's translation validator: given the WASM module, the ELF object and
 * the certificate inside it, a verdict per function (`proved` with every
 * obligation, `refuted` with a counterexample, or `unknown` with a reason).
 * Never imports from compiler/: it reads the final bytes only.
 */
export { validateObject, ASSUMPTIONS, type ValidateOptions, type ValidateProgress, type ReplayHook } from './validate.ts';
export type { Verdict, UnknownReason, ObligationResult, Counterexample, ValidationReport, SolverAnswer } from './verdict.ts';
