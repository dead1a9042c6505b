/**
 * What a `proved` verdict trusts, stated once for the report: the code whose
 * correctness the proof assumes, and the boundary of what the semantics
 * model. The README's "Supported subset" and "Honest limits" say the same
 * for users; keep them in step.
 */
import { CERT_VERSION } from '../../spec/abi/certificate.ts';
import type { TrustedBase } from './format.ts';

export function trustedBase(wardenVersion: string): TrustedBase {
  return {
    spec: `warden ${wardenVersion} spec/: WebAssembly 2.0 integer subset; ARMv7-M Thumb-2 (the instructions the compiler emits); AAPCS`,
    certificateVersion: CERT_VERSION,
    components: [
      { path: 'spec/bv', role: 'the bit-vector algebra: one semantics, run concretely (bigint) and symbolically (Z3)' },
      { path: 'spec/wasm', role: 'WASM binary decoder and semantics (tested against V8)' },
      { path: 'spec/arm', role: 'Thumb-2 decoder and semantics (tested against qemu-system-arm)' },
      { path: 'spec/abi', role: 'AAPCS, memory layout, trap codes, certificate format' },
      { path: 'validator', role: 'ELF reader, symbolic execution of both sides, obligations' },
      { path: 'validator/lemmas.ts', role: 'rewrite lemmas, each proved once for all inputs' },
      { path: 'validator/sweep.ts', role: 'proof by equal subterms: a claim asked with the constants its premises define replaced by their definitions and with subterms replaced by equals, each equality and the simplification an obligation of its own; the steps from them to the claim (elimination of defined constants, substitution of equals) are this code' },
      { path: 'z3-solver', role: 'the SMT solver that answers every obligation (re-checkable with cvc5 from the SMT-LIB2 export)' },
    ],
    modelled: [
      'i32/i64 numeric instructions (i64 division through __warden_udivmod64, an assumption of the lemma library)',
      'locals, the operand stack, globals, select',
      'one linear memory: loads, stores, bounds traps, the page count',
      'structured control flow (block, loop, if, br, br_if, br_table, return); loops closed by their header map, no unrolling bound',
      'direct calls and imported functions, under the AAPCS contract',
      'traps (UDF #code) with the WASM trap kind',
      'the frame: saved registers, spill slots, stack arguments; r4-r11, SP and the return address at exit',
    ],
    notModelled: [
      'floats, SIMD, reference types, bulk memory, several memories, threads, exceptions, tail calls (rejected by the frontend)',
      'call_indirect, memory.grow, functions with several results, imported globals, tables other than table 0 (unknown verdicts)',
      'timing, interrupts and anything below the Thumb-2 instruction semantics (caches, bus faults)',
      'the linker and the C code the object is linked with',
    ],
  };
}
