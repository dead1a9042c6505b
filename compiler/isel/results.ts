/**
 * warden's result convention, a compiler-side extension of AAPCS for
 * functions with several results (WASM multi-value):
 *
 *   results are laid out exactly like parameters, in r0-r3 (an i64 in an
 *   even-aligned pair, low word in the even register).
 *
 * One result is therefore plain AAPCS (r0 or r0:r1). Several results fit in
 * the four argument registers, which every call already clobbers, so callers
 * need no result area; results needing more than r0-r3 are unsupported. This
 * is not callable from C (AAPCS returns a struct through a hidden pointer),
 * and spec/abi, hence the validator, only knows one result: functions with
 * several results compile but are not yet proved.
 */
import { paramLocations, type IntType } from '../../spec/abi/aapcs.ts';

export type ResultReg = { kind: 'reg'; reg: number } | { kind: 'regPair'; lo: number; hi: number };

/** Register(s) of each result, or a reason when they do not fit in r0-r3. */
export function resultRegs(results: readonly IntType[]): { ok: true; regs: ResultReg[] } | { ok: false; reason: string } {
  const regs: ResultReg[] = [];
  for (const l of paramLocations(results).params) {
    if (l.kind === 'stack') return { ok: false, reason: `${results.length} results (${results.join(', ')}) need more than r0-r3` };
    regs.push(l);
  }
  return { ok: true, regs };
}
