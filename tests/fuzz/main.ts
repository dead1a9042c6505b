/**
 * `npm run fuzz -- --runs N --seed S [--validate] [--decoder D] [--cli C] [--rlimit R] [--shrink-ms MS]`
 *
 * N generated modules through compile and QEMU vs V8 (each failure shrunk
 * and printed as a .wat reproducer with its calls), then D decoder inputs
 * and C CLI invocations. Closes with "P passed, F failed" on its own line;
 * exit status 1 if anything failed.
 */
import fc from 'fast-check';
import { caseArb } from './gen.ts';
import { checkCase, reproducer, shrink, type VerdictCounts } from './run.ts';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`fuzz: --${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
}

const runs = option('runs', 100);
const seed = option('seed', Date.now() % 1_000_000);
const validate = process.argv.includes('--validate');
const decoder = option('decoder', 0);
const cli = option('cli', 0);
const rlimit = option('rlimit', 2_000_000);
const shrinkMs = option('shrink-ms', 60_000);

console.log(`fuzz: ${runs} modules, seed ${seed}${validate ? `, validating (rlimit ${rlimit})` : ''}, ${decoder} decoder inputs, ${cli} CLI inputs`);
let passed = 0;
let failed = 0;
const verdicts: VerdictCounts = { proved: 0, refuted: 0, unknown: 0, falseAlarms: 0 };
const t0 = Date.now();
const cases = runs > 0 ? fc.sample(caseArb, { seed, numRuns: runs }) : [];
for (const [i, c] of cases.entries()) {
  const r = await checkCase(c, { validate, rlimit });
  if (r.verdicts) for (const k of Object.keys(verdicts) as (keyof VerdictCounts)[]) verdicts[k] += r.verdicts[k];
  if (r.ok) passed++;
  else {
    failed++;
    console.log(`module ${i}: ${r.stage} failure; shrinking...`);
    const s = await shrink(c, shrinkMs);
    console.log(`${reproducer(s.case, s.result)}\n;; (${s.shrinks} shrink steps)`);
  }
  if ((i + 1) % 100 === 0) console.log(`  modules: ${i + 1} (${failed} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
const tModules = (Date.now() - t0) / 1000;
console.log(`modules: ${passed + failed} in ${tModules.toFixed(1)} s`);
if (validate) console.log(`verdicts: ${verdicts.proved} proved, ${verdicts.refuted} refuted, ${verdicts.unknown} unknown; ${verdicts.falseAlarms} refuted on functions of modules that ran identically (validator false alarms)`);

if (decoder + cli > 0) {
  // cli/main.ts runs itself when process.argv[1] ends in "main.ts" -- as this script's path does.
  process.argv[1] = `${process.argv[1]} (fuzz)`;
  const { robustCampaign } = await import('./robust.ts');
  const t1 = Date.now();
  const r = await robustCampaign(seed, decoder, cli, (s) => console.log(s));
  console.log(`robustness: ${r.decoderInputs} decoder inputs, ${r.cliInputs} CLI inputs in ${((Date.now() - t1) / 1000).toFixed(1)} s, ${r.failures.length} failures`);
  for (const f of r.failures) console.log(`robustness failure: ${f.what}\n  input: ${JSON.stringify(f.input.slice(0, 2000))}`);
  passed += r.decoderInputs + r.cliInputs - r.failures.length;
  failed += r.failures.length;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
