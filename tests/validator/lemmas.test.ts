/** Rewrite lemmas are proved for all inputs, and i64.mul from halves validates through them. */
import { describe, expect, it } from 'vitest';
import { withZ3Context } from '../../spec/bv/z3.ts';
import { LEMMAS, proveLemma, type LemmaName } from '../../validator/lemmas.ts';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';

describe('lemmas', () => {
  for (const name of Object.keys(LEMMAS) as LemmaName[]) {
    it(`proves ${name} over the integers`, async () => {
      expect(await withZ3Context((ctx) => proveLemma(ctx, name))).toBe('unsat');
    });
  }
});

const MUL = `(module (func (param i64 i64) (result i64) local.get 0 local.get 1 i64.mul))`;
const run = async (body: string) => validate(MUL, fn('f', body), cert([funcCert(0, 'f', { saved: [], size: 0 })]));
describe.runIf(hasToolchain())('i64.mul from 32-bit halves (skipped without arm-none-eabi-as)', () => {
  const good = 'mul r3, r0, r3\n mla r3, r1, r2, r3\n umull r0, r12, r0, r2\n add r1, r12, r3\n bx lr';
  it('proves UMULL + MUL + MLA, naming the lemma', async () => {
    const r = await run(good);
    const v = r.verdicts[0]!;
    expect(summary(r)[0]).toMatch(/^proved/);
    if (v.kind === 'proved') expect(v.lemmas.join()).toContain('i64.mul-by-halves');
  });
  it('refutes a missing cross term', async () => {
    expect(summary(await run('mul r3, r0, r3\n umull r0, r12, r0, r2\n add r1, r12, r3\n bx lr'))[0]).toMatch(/^refuted: .*result hi in r1/);
  });
});
