/**
 * `warden proofs`: prove the whole lemma library (proofs/lemmas) and print
 * the inventory: lemma, theory, result, time, rlimit used, then the
 * assumptions, then `N passed, N failed` on its own line. Exit 0 iff every
 * lemma is proved (a refuted or unknown lemma is a failure).
 */
import type { Command } from 'commander';
import { withZ3Context } from '../../spec/bv/z3.ts';
import { LEMMAS, type Lemma } from '../../proofs/lemmas/index.ts';
import { proveLemma, type LemmaResult } from '../../proofs/prove.ts';
import { ASSUMPTIONS } from '../../proofs/assumptions.ts';

export interface ProofsOptions {
  filter?: string;
  verbose?: boolean;
}

export async function proofsCommand(opts: ProofsOptions, out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const lemmas: Lemma[] = LEMMAS.filter((l) => !opts.filter || l.name.includes(opts.filter));
  const w = Math.max(5, ...lemmas.map((l) => l.name.length));
  out(`${'lemma'.padEnd(w)}  ${'theory'.padEnd(6)}  ${'result'.padEnd(8)}  ${'time'.padStart(9)}  ${'rlimit'.padStart(11)}  obligations`);
  let passed = 0;
  let failed = 0;
  const results: LemmaResult[] = [];
  for (const l of lemmas) {
    // A context per lemma: its terms are freed as soon as the lemma is done (spec/bv/z3.ts).
    const r = await withZ3Context((ctx) => proveLemma(ctx, l));
    results.push(r);
    if (r.answer === 'proved') passed++;
    else failed++;
    out(`${l.name.padEnd(w)}  ${l.theory.padEnd(6)}  ${r.answer.padEnd(8)}  ${`${r.ms} ms`.padStart(9)}  ${String(r.rlimit).padStart(11)}  ${r.obligations.length}${l.assumes?.length ? `  assumes: ${l.assumes.join(', ')}` : ''}`);
    for (const o of r.obligations) {
      if (o.answer === 'proved' && !opts.verbose) continue;
      const detail = o.answer === 'refuted' ? ` counterexample: ${Object.entries(o.counterexample ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}` : o.reason ? ` (${o.reason})` : '';
      out(`    ${o.name}: ${o.answer} ${o.ms} ms rlimit ${o.rlimit}${detail}`);
    }
    if (opts.verbose) out(`    statement: ${l.statement}\n    method: ${l.method}\n    covers: ${l.covers.join(', ')}`);
  }
  out('');
  out(`assumptions (${ASSUMPTIONS.length}, not proved):`);
  for (const a of ASSUMPTIONS) out(`  ${a.id}: ${a.statement}${opts.verbose ? `\n    why not proved: ${a.reason}` : ''}`);
  out(`total: ${results.reduce((a, r) => a + r.ms, 0)} ms, ${results.reduce((a, r) => a + r.obligations.length, 0)} obligations`);
  out(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

export function registerProofsCommand(program: Command, setCode: (code: number) => void): void {
  program
    .command('proofs')
    .description('prove the lemma library (selection rules and validator rewrites) and print the inventory; ends with "N passed, N failed"')
    .option('-f, --filter <text>', 'only the lemmas whose name contains <text>')
    .option('-v, --verbose', 'every obligation, statement, method and what each lemma covers')
    .addHelpText('after', `\nExit codes: 0 every lemma proved; 1 some lemma refuted or unknown.`)
    .action(async (opts: ProofsOptions) => setCode(await proofsCommand(opts)));
}
