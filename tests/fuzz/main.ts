/**
 * `npm run fuzz -- --runs N --seed S [--jobs J] [--no-validate] [--shapes full|proved-subset] [--rlimit R] [--escalate E]
 *                 [--shrink-ms MS] [--shrink-per-kind K] [--only I] [--decoder D] [--cli C]`
 *
 * N generated modules through compile, validation (in a child process,
 * verdicts.ts; at rlimit R, and a module with a function `unknown` there
 * again at E, by default warden's own 50,000,000, whose verdicts count) and QEMU vs V8, J modules at once (J validator processes,
 * default 1; the output is the same for any J). A module fails on a compile
 * error, a run mismatch or error, or any function not `proved`; refuted
 * functions of modules that ran identically are counted apart as validator
 * false alarms, unknown ones are grouped by reason. The first K failures of
 * each kind are shrunk after the campaign, one at a time, and printed as a
 * .wat reproducer with its calls; the others name their module index
 * (`--only I` re-runs module I of the seed). Then D decoder inputs and C
 * CLI invocations. Closes with "P passed, F failed" on its own line; exit
 * status 1 if anything failed.
 */
import fc from 'fast-check';
import { flags } from '../flags.ts';
import { caseArb, SHAPES, type FuzzCase } from './gen.ts';
import { inOrder } from './ordered.ts';
import { checkCase, reproducer, shrink, type CaseResult } from './run.ts';
import { ValidatorPool } from './verdicts.ts';
import { DEFAULT_PROVE } from '../../validator/prove.ts';

const flag = flags('fuzz');
const runs = flag.int('runs', 100);
const seed = flag.int('seed', Date.now() % 1_000_000);
const jobs = Math.max(1, flag.int('jobs', 1));
const validate = !flag.has('no-validate');
const decoder = flag.int('decoder', 0);
const cli = flag.int('cli', 0);
const rlimit = flag.int('rlimit', 2_000_000);
// The verdicts that count are the product's (warden compile's default rlimit): a module with a function
// unknown at the fast `rlimit` is validated again at `escalate` (0: never).
const escalate = flag.int('escalate', DEFAULT_PROVE.rlimit);
const shrinkMs = flag.int('shrink-ms', 60_000);
const shrinkPerKind = flag.int('shrink-per-kind', 1);
const only = flag.has('only') ? flag.int('only', 0) : undefined;
const shapes = flag.choice('shapes', SHAPES);

console.log(`fuzz: ${runs} modules, seed ${seed}, shapes ${shapes}, ${validate ? `validating (rlimit ${rlimit}${escalate > rlimit ? `, then ${escalate} for a module with an unknown function` : ''}, child process)` : 'NOT validating'}, ${decoder} decoder inputs, ${cli} CLI inputs`);
const pool = validate ? new ValidatorPool(rlimit, jobs) : undefined;
const opts = { shapes, ...(pool ? { validator: pool, ...(escalate > rlimit ? { escalate } : {}) } : {}) };
/** Modules validated again at `escalate`, and how many of them then passed. */
const second = { modules: 0, functions: 0, passed: 0 };
let passed = 0;
let failed = 0;
const fnCount = { proved: 0, caught: 0, falseAlarm: 0, unknown: 0 };
const unknownBy = new Map<string, number>();
const failuresBy = new Map<string, number[]>();
/** The first `shrinkPerKind` failures of each kind, shrunk after the campaign. */
const toShrink: { i: number; c: FuzzCase; r: CaseResult & { ok: false } }[] = [];
const t0 = Date.now();
const cases = runs > 0 ? fc.sample(caseArb, { seed, numRuns: runs }) : [];
const indices = [...cases.keys()].filter((i) => only === undefined || i === only);
// Modules run `jobs` at a time; results are tallied and printed in module order, so the output is the same for any `jobs`.
await inOrder(indices, jobs, (i) => checkCase(cases[i]!, opts), (i, r) => {
  const misbehaved = !r.ok && (r.stage === 'mismatch' || r.stage === 'run');
  for (const f of r.functions ?? []) {
    if (f.kind === 'proved') fnCount.proved++;
    else if (f.kind === 'refuted') fnCount[misbehaved ? 'caught' : 'falseAlarm']++;
    else {
      fnCount.unknown++;
      unknownBy.set(f.group!, (unknownBy.get(f.group!) ?? 0) + 1);
    }
  }
  if (r.escalated !== undefined) {
    second.modules++;
    second.functions += r.escalated;
    if (r.ok) second.passed++;
  }
  if (r.ok) passed++;
  else {
    failed++;
    const seen = failuresBy.get(r.key) ?? [];
    failuresBy.set(r.key, [...seen, i]);
    if (seen.length < shrinkPerKind) {
      toShrink.push({ i, c: cases[i]!, r });
      console.log(`module ${i}: ${r.key}; shrunk after the campaign`);
    } else console.log(`module ${i}: ${r.key}${seen.length ? ` (as module ${seen[0]})` : ''}; --only ${i} reproduces\n;; ${r.detail.split('\n').slice(0, 4).join('\n;; ')}`);
  }
  if ((i + 1) % 50 === 0) console.log(`  modules: ${i + 1} (${failed} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});
const tCampaign = (Date.now() - t0) / 1000;
for (const { i, c, r } of toShrink) {
  console.log(`module ${i}: ${r.key}; shrinking (up to ${shrinkMs / 1000} s)...`);
  const s = await shrink(c, r, shrinkMs, opts);
  console.log(`${reproducer(s.case, s.result, shapes)}\n;; (${s.shrinks} shrink steps; unshrunk: npm run fuzz -- --seed ${seed} --runs ${runs} --shapes ${shapes} --only ${i})`);
}
pool?.close();
const tModules = (Date.now() - t0) / 1000;
console.log(`\nmodules: ${passed + failed} in ${tCampaign.toFixed(1)} s with ${jobs} job${jobs > 1 ? 's' : ''} (${((1000 * tCampaign) / Math.max(1, passed + failed)).toFixed(0)} ms each), ${(tModules - tCampaign).toFixed(1)} s shrinking`);
if (validate) {
  console.log(`functions: ${fnCount.proved} proved, ${fnCount.caught} refuted in modules that misbehaved (compiler bugs the validator caught), ${fnCount.falseAlarm} refuted in modules that ran identically (validator false alarms), ${fnCount.unknown} unknown`);
  for (const [g, n] of [...unknownBy].sort((a, b) => b[1] - a[1])) console.log(`  unknown ${String(n).padStart(5)}  ${g}`);
  if (escalate > rlimit) console.log(`validated again at rlimit ${escalate}: ${second.modules} modules (${second.functions} functions unknown at ${rlimit}), ${second.passed} of them then passed`);
}
if (failuresBy.size) console.log('failed modules by kind:');
for (const [k, is] of [...failuresBy].sort((a, b) => b[1].length - a[1].length)) console.log(`  ${String(is.length).padStart(5)}  ${k}  (modules ${is.slice(0, 12).join(', ')}${is.length > 12 ? ', ...' : ''})`);

if (decoder + cli > 0) {
  const { robustCampaign } = await import('./robust.ts');
  const r = await robustCampaign(seed, decoder, cli, (s) => console.log(s));
  const exits = [...r.cliExits].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
  console.log(`robustness: ${r.decoderInputs} decoder inputs in ${(r.decoderMs / 1000).toFixed(1)} s, ${r.cliInputs} CLI inputs in ${(r.cliMs / 1000).toFixed(1)} s${exits ? ` (${exits})` : ''}, ${r.failures.length} failures`);
  for (const f of r.failures) console.log(`robustness failure: ${f.what}\n  input: ${JSON.stringify(f.input.slice(0, 2000))}`);
  passed += r.decoderInputs + r.cliInputs - r.failures.length;
  failed += r.failures.length;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
