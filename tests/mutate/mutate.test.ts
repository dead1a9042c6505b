import { describe, expect, it } from 'vitest';
import { loadExamples, makeMutants, Rng, runMutant, type MutantResult } from './mutate.ts';

describe('mutation campaign (small)', () => {
  it('20 object mutants: none proved-but-different, at least one refuted', async () => {
    const rlimit = 2_000_000;
    const rng = new Rng(7);
    const examples = await loadExamples(rng, { rlimit, files: ['examples/fib.wat', 'examples/pressure/i64-stack-params.wat', 'examples/pressure/params7.wat'] });
    const mutants = makeMutants(examples, 20, rng);
    expect(mutants.length).toBe(20);
    const results: MutantResult[] = [];
    for (const m of mutants) results.push(await runMutant(m, { rlimit }));
    const unsound = results.filter((r) => r.cls === 'UNSOUND').map((r) => `#${r.mutant.id} [${r.mutant.op}] ${r.mutant.example.file} ${r.mutant.fn}: ${r.mutant.what}: ${r.diff}`);
    expect(unsound).toEqual([]);
    expect(results.filter((r) => r.verdict === 'refuted').length).toBeGreaterThan(0);
  }, 180_000);
});
