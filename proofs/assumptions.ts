/**
 * Everything the lemma library takes without proof. A lemma that relies on
 * one names it in `assumes`; `warden proofs` prints this list.
 */
export interface Assumption {
  id: string;
  statement: string;
  reason: string;
}

export const ASSUMPTIONS: readonly Assumption[] = [
  {
    id: 'imm-operand-as-register',
    statement:
      'In spec/arm/semantics.ts an immediate second operand contributes exactly bv(value, 32), as a register holding that value would (the shifter carry differs and matters only for flag-setting logical instructions, which no lemma models with a symbolic immediate). Lemmas whose constant ranges over all 2^32 values model the immediate as a register holding a symbolic constant.',
    reason:
      'ArmInstr immediates are concrete TypeScript numbers, so a lemma cannot quantify over them directly. The claim is by inspection of operand2() in spec/arm/semantics.ts and is checked on sample values by the test suite (tests/proofs: "imm operand = register operand").',
  },
  {
    id: 'bv-int-correspondence',
    statement:
      'SMT-LIB QF_BV meaning of bvmul / bvadd / concat / extract on n-bit vectors as arithmetic on naturals modulo 2^n (e.g. bv2nat(concat(h, l)) = 2^32 * bv2nat(h) + bv2nat(l), bv2nat(bvmul(a, b)) = (bv2nat a * bv2nat b) mod 2^n).',
    reason:
      'These are the SMT-LIB definitions of the bit-vector operators (Fixed_Size_BitVectors theory), used to carry the QF_NIA proof of the 64-bit multiply back to bit-vectors; stating them with bv2nat makes Z3 bit-blast 64-bit multipliers, which does not finish (TOOLCHAIN.md).',
  },
  {
    id: 'movconst-materialises',
    statement: 'A movConst pseudo-instruction (MOVW/MOVT, MOV/MVN immediate, or a literal load after encoding) leaves exactly its 32-bit value in the destination register and changes nothing else that the sequence reads.',
    reason: 'Constant materialisation is chosen by the encoder (compiler/target), after selection; lemmas model it as the register holding the constant. The validator checks the encoded bytes themselves.',
  },
  {
    id: 'linked-code-keeps-memory-invariant',
    statement:
      'Code linked with the object (C callers of its exports and the functions it imports) keeps the memory invariant of validator/validate.ts (memoryInvariant): it does not write the page-count word, nor linear memory at or above the current size (page-count word x 64 KiB).',
    reason:
      'That code is not in the object, so nothing can be proved about it. The rest of the invariant is proved: every defined function proves it at its exits and call sites, assuming it at entry and after calls, and the object\'s initial image is checked (page-count word = initial pages, linear memory zero above them). memory.grow relies on it: the compiled grow does not clear the new pages.',
  },
];

export function assumption(id: string): Assumption {
  const a = ASSUMPTIONS.find((x) => x.id === id);
  if (!a) throw new Error(`proofs: unknown assumption ${id}`);
  return a;
}
