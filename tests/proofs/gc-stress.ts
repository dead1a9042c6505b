/**
 * Stress test of Z3 lifetimes (not part of `npm test`): `warden proofs`, the whole lemma library, while the JS
 * garbage collector is forced every few milliseconds, so that any z3-solver finalizer gets to run while Z3 checks
 * on its pthread. With z3-solver's finalizer-released terms this corrupted Z3's heap within the first round
 * (abort growing the 2 GiB heap in ast_manager::compact_memory; see spec/bv/z3.ts).
 *
 *   timeout 900 node --expose-gc --import tsx tests/proofs/gc-stress.ts [rounds]
 *
 * Exit 0 iff every round proved every lemma and nothing was thrown (a dead Z3 never answers: hence `timeout`).
 */
import { proofsCommand } from '../../cli/commands/proofs.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('gc-stress: run node with --expose-gc');
process.on('uncaughtException', (e) => {
  console.log(`gc-stress: uncaught ${String(e).slice(0, 300)}`);
  process.exit(1);
});
let garbage: unknown[] = [];
const churn = setInterval(() => {
  garbage = Array.from({ length: 2000 }, (_, i) => ({ i }));
  gc();
}, 5);
const rounds = Number(process.argv[2] ?? 1);
let failed = 0;
for (let round = 1; round <= rounds; round++) {
  const t0 = performance.now();
  const code = await proofsCommand({}, (line) => void (/^\d+ passed, \d+ failed$|(refuted|unknown) /.test(line) && console.log(`round ${round}: ${line}`)));
  console.log(`round ${round}: exit ${code} in ${Math.round((performance.now() - t0) / 1000)} s (${garbage.length} objects churned per 5 ms)`);
  if (code !== 0) failed++;
}
clearInterval(churn);
console.log(`gc-stress: ${rounds - failed} rounds passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
