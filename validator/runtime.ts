/**
 * Calls to the object's runtime routine `__warden_udivmod64`, taken as one
 * step under its contract (proofs/runtime/udivmod64.ts, lemma
 * `runtime.udivmod64`):
 *
 *   for d = r3:r2 != 0 (an obligation at every call): r1:r0 := n udiv d and
 *   r3:r2 := n urem d for n = r1:r0; r4-r11 and SP unchanged; r12, LR and
 *   the flags clobbered (fresh); memory unchanged except the routine's own
 *   frame, the UDIVMOD64_FRAME_BYTES below SP (fresh bytes).
 *
 * The contract is about the canonical bytes UDIVMOD64_CODE only, so a call
 * is trusted only when the callee symbol's bytes in the object are exactly
 * those bytes (no relocation inside, Thumb function symbol, executable
 * section); anything else is `unknown`, naming the mismatch.
 */
import type { ZBool } from '../spec/bv/z3.ts';
import { UDIVMOD64_CODE, UDIVMOD64_FRAME_BYTES, UDIVMOD64_LEMMA, UDIVMOD64_SYMBOL } from '../proofs/runtime/udivmod64.ts';
import { ASSUMPTIONS as PROOF_ASSUMPTIONS } from '../proofs/assumptions.ts';
import type { ElfFile, ElfSymbol } from './elf.ts';
import type { AState } from './arm-exec.ts';
import type { VAlgebra } from './symmem.ts';
import { hex } from './verdict.ts';
import { udiv64Uf, urem64Uf } from './lemmas.ts';


const SHF_EXECINSTR = 0x4;

/** Whether a call to `sym` may be taken under the contract, or why not. */
export type RuntimeTrust = { name: string } & ({ ok: true } | { ok: false; reason: string });

export function isRuntimeSymbol(name: string): boolean {
  return name === UDIVMOD64_SYMBOL;
}

/** Check the object's copy of the routine named by `sym` against the canonical proved bytes. */
export function trustRoutine(elf: ElfFile, sym: ElfSymbol): RuntimeTrust {
  const name = sym.name;
  if (sym.shndx === 0) return { name, ok: false, reason: `${name} is not defined in the object (an external routine is not the proved one)` };
  const sec = elf.sections[sym.shndx];
  if (!sec || (sec.flags & SHF_EXECINSTR) === 0) return { name, ok: false, reason: `${name} is not in an executable section` };
  if (sym.type !== 'func' || (sym.value & 1) !== 1) return { name, ok: false, reason: `${name} is not a Thumb function symbol` };
  const start = sym.value & ~1;
  if (sym.size !== UDIVMOD64_CODE.length) return { name, ok: false, reason: `${name} has ${sym.size} bytes, the proved routine ${UDIVMOD64_CODE.length}` };
  if (start + sym.size > sec.data.length) return { name, ok: false, reason: `${name} extends past its section` };
  for (let i = 0; i < UDIVMOD64_CODE.length; i++) {
    const b = sec.data[start + i]!;
    if (b !== UDIVMOD64_CODE[i]) return { name, ok: false, reason: `${name} differs from the proved routine at byte ${hex(i)} (${hex(b)}, proved ${hex(UDIVMOD64_CODE[i]!)})` };
  }
  const reloc = elf.relocations.find((r) => r.target === sym.shndx && r.offset >= start - 3 && r.offset < start + sym.size);
  if (reloc) return { name, ok: false, reason: `${name} has a relocation (type ${reloc.type} against ${reloc.symbol.name}) at ${sec.name}+${hex(reloc.offset)}` };
  return { name, ok: true };
}

/** The state after a trusted call (the contract above), and its precondition. */
export function udivmod64Step(A: VAlgebra, s: AState, tag: string): { state: AState; pre: ZBool } {
  const n = A.concat(s.r[1]!, s.r[0]!);
  const d = A.concat(s.r[3]!, s.r[2]!);
  // 64-bit udiv / urem stay uninterpreted, as on the WASM side (lemma i64.divrem-by-cases).
  const q = udiv64Uf(A, n, d);
  const rem = urem64Uf(A, n, d);
  const r = s.r.slice();
  r[0] = A.extract(q, 31, 0);
  r[1] = A.extract(q, 63, 32);
  r[2] = A.extract(rem, 31, 0);
  r[3] = A.extract(rem, 63, 32);
  r[12] = A.bvVar(`${tag}.r12`, 32);
  r[14] = A.bvVar(`${tag}.lr`, 32);
  let mem = s.mem;
  const sp = s.r[13]!;
  for (let k = 1; k <= UDIVMOD64_FRAME_BYTES; k++) mem = A.store8(mem, A.sub(sp, A.bv(k, 32)), A.bvVar(`${tag}.frame-${k}`, 8));
  const state: AState = { r, n: A.boolVar(`${tag}.n`), z: A.boolVar(`${tag}.z`), c: A.boolVar(`${tag}.c`), v: A.boolVar(`${tag}.v`), mem };
  return { state, pre: A.boolNot(A.eq(d, A.bv(0, 64))) };
}

/** The lemma a verdict names when it used the contract, with its status in the lemma library. */
export function udivmod64LemmaText(): string {
  const assumed = PROOF_ASSUMPTIONS.find((a) => a.id === 'udivmod64-contract');
  const status = assumed ? `not yet proved: assumption ${assumed.id} (proofs/assumptions.ts)` : 'proved by warden proofs';
  return `${UDIVMOD64_LEMMA}: the ${UDIVMOD64_CODE.length} bytes of ${UDIVMOD64_SYMBOL} (proofs/runtime/udivmod64.ts), for r3:r2 != 0, return r1:r0 = r1:r0 udiv r3:r2 and r3:r2 = r1:r0 urem r3:r2, preserve r4-r11, SP and memory outside the ${UDIVMOD64_FRAME_BYTES} bytes below SP [${status}]`;
}

