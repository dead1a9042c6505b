/**
 * runtime.udivmod64 is not a proof that cannot fail: variants of the routine
 * with a plausible bug (encoded by the compiler's encoder) are refuted by the
 * obligation that covers the bug. (The canonical bytes are proved in
 * tests/proofs/lemmas.test.ts with the whole library.)
 */
import { describe, expect, it } from 'vitest';
import { withZ3Context } from '../../spec/bv/z3.ts';
import { udivmod64Obligations } from '../../proofs/runtime/udivmod64-proof.ts';
import { proveObligation } from '../../proofs/prove.ts';
import { encodeFunction } from '../../compiler/target/encode.ts';
import { udivmod64 } from '../../compiler/runtime/divmod64.ts';
import type { MInstr, PReg } from '../../compiler/target/insn.ts';

function variant(edit: (code: MInstr<PReg>[]) => void): Uint8Array {
  const code = udivmod64();
  edit(code);
  return encodeFunction(code).bytes;
}

/** The answers of the obligations whose name contains `only` (one per path: names repeat). */
async function answers(bytes: Uint8Array, only: string): Promise<string[]> {
  return withZ3Context(async (c) => {
    const out: string[] = [];
    for (const ob of udivmod64Obligations(c, bytes).filter((o) => o.name.includes(only))) out.push((await proveObligation(c, ob, 'QF_ABV', 20_000_000)).answer);
    return out;
  });
}

describe('runtime.udivmod64 refutes wrong routines', () => {
  it('digit path taken for d < 2^25 (the 8-bit digits overflow)', async () => {
    const bytes = variant((code) => {
      const i = code.findIndex((x) => x.op === 'cmp' && x.op2.kind === 'imm' && x.op2.value === 0x1000000);
      expect(i).toBeGreaterThan(0);
      code[i] = { op: 'cmp', rn: 2, op2: { kind: 'imm', value: 0x2000000 } };
    });
    expect(await answers(bytes, 'the path has d < 2^24')).toEqual(['refuted']);
  });

  it('loop: BLS instead of BLO after the trial subtraction (skips it whenever the high word of the difference is 0)', async () => {
    const bytes = variant((code) => {
      const i = code.findIndex((x) => x.op === 'b' && x.cond === 'lo');
      expect(i).toBeGreaterThan(0);
      code[i] = { ...(code[i] as Extract<MInstr<PReg>, { op: 'b' }>), cond: 'ls' };
    });
    expect(await answers(bytes, 'loop -> loop: invariant')).toContain('refuted');
  });

  it('the n < d exit pops one register too few (PC from the saved r7, SP off by 4)', async () => {
    const bytes = variant((code) => {
      const i = code.findIndex((x) => x.op === 'pop');
      code[i] = { op: 'pop', regs: [4, 5, 6, 15] };
    });
    expect(await answers(bytes, '@0x16: returns to the entry LR')).toEqual(['refuted']);
    expect(await answers(bytes, '@0x16: SP restored')).toEqual(['refuted']);
  });
});
