/**
 * `npm run fuzz -- --runs N --seed S [--no-validate] [--shapes full|proved-subset] [--rlimit R]
 *                 [--shrink-ms MS] [--shrink-per-kind K] [--only I] [--decoder D] [--cli C]`
 *
 * N generated modules through compile, validation (in a child process,
 * verdicts.ts) and QEMU vs V8. A module fails on a compile error, a run
 * mismatch or error, or any function not `proved`; refuted functions of
 * modules that ran identically are counted apart as validator false alarms,
 * unknown ones are grouped by reason. The first K failures of each kind are
 * shrunk and printed as a .wat reproducer with its calls; the others name
 * their module index (`--only I` re-runs module I of the seed). Then D
 * decoder inputs and C CLI invocations. Closes with "P passed, F failed" on
 * its own line; exit status 1 if anything failed.
 */
import fc from 'fast-check';
import { caseArb, SHAPES, type Shapes } from './gen.ts';
import { checkCase, reproducer, shrink, type CaseResult } from './run.ts';
import { ValidatorPool } from './verdicts.ts';

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
const validate = !process.argv.includes('--no-validate');
const decoder = option('decoder', 0);
const cli = option('cli', 0);
const rlimit = option('rlimit', 2_000_000);
const shrinkMs = option('shrink-ms', 60_000);
const shrinkPerKind = option('shrink-per-kind', 1);
const only = process.argv.includes('--only') ? option('only', 0) : undefined;
const si = process.argv.indexOf('--shapes');
const shapes = (si >= 0 ? process.argv[si + 1] : 'full') as Shapes;
if (!SHAPES.includes(shapes)) {
  console.error(`fuzz: --shapes is one of ${SHAPES.join(', ')}`);
  process.exit(2);
}

console.log(`fuzz: ${runs} modules, seed ${seed}, shapes ${shapes}, ${validate ? `validating (rlimit ${rlimit}, child process)` : 'NOT validating'}, ${decoder} decoder inputs, ${cli} CLI inputs`);
const pool = validate ? new ValidatorPool(rlimit) : undefined;
const opts = { shapes, ...(pool ? { validator: pool } : {}) };
let passed = 0;
let failed = 0;
const fnCount = { proved: 0, caught: 0, falseAlarm: 0, unknown: 0 };
const unknownBy = new Map<string, number>();
const failuresBy = new Map<string, number[]>();
const t0 = Date.now();
const cases = runs > 0 ? fc.sample(caseArb, { seed, numRuns: runs }) : [];
for (const [i, c] of cases.entries()) {
  if (only !== undefined && i !== only) continue;
  const r: CaseResult = await checkCase(c, opts);
  const misbehaved = !r.ok && (r.stage === 'mismatch' || r.stage === 'run');
  for (const f of r.functions ?? []) {
    if (f.kind === 'proved') fnCount.proved++;
    else if (f.kind === 'refuted') fnCount[misbehaved ? 'caught' : 'falseAlarm']++;
    else {
      fnCount.unknown++;
      unknownBy.set(f.group!, (unknownBy.get(f.group!) ?? 0) + 1);
    }
  }
  if (r.ok) passed++;
  else {
    failed++;
    const seen = failuresBy.get(r.key) ?? [];
    failuresBy.set(r.key, [...seen, i]);
    if (seen.length < shrinkPerKind) {
      console.log(`module ${i}: ${r.key}; shrinking (up to ${shrinkMs / 1000} s)...`);
      const s = await shrink(c, r, shrinkMs, opts);
      console.log(`${reproducer(s.case, s.result, shapes)}\n;; (${s.shrinks} shrink steps; unshrunk: npm run fuzz -- --seed ${seed} --runs ${runs} --shapes ${shapes} --only ${i})`);
    } else console.log(`module ${i}: ${r.key}${seen.length ? ` (as module ${seen[0]})` : ''}; --only ${i} reproduces\n;; ${r.detail.split('\n').slice(0, 4).join('\n;; ')}`);
  }
  if ((i + 1) % 50 === 0) console.log(`  modules: ${i + 1} (${failed} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
pool?.close();
const tModules = (Date.now() - t0) / 1000;
console.log(`\nmodules: ${passed + failed} in ${tModules.toFixed(1)} s (${((1000 * tModules) / Math.max(1, passed + failed)).toFixed(0)} ms each, shrinking included)`);
if (validate) {
  console.log(`functions: ${fnCount.proved} proved, ${fnCount.caught} refuted in modules that misbehaved (compiler bugs the validator caught), ${fnCount.falseAlarm} refuted in modules that ran identically (validator false alarms), ${fnCount.unknown} unknown`);
  for (const [g, n] of [...unknownBy].sort((a, b) => b[1] - a[1])) console.log(`  unknown ${String(n).padStart(5)}  ${g}`);
}
if (failuresBy.size) console.log('failed modules by kind:');
for (const [k, is] of [...failuresBy].sort((a, b) => b[1].length - a[1].length)) console.log(`  ${String(is.length).padStart(5)}  ${k}  (modules ${is.slice(0, 12).join(', ')}${is.length > 12 ? ', ...' : ''})`);

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
