/**
 * `npm run mutate -- --mutants N --seed S [--rlimit R] [--jobs J] [--heavy] [--qemu-all]`
 *
 * Mutation campaign against the validator (see tests/mutate/mutate.ts):
 * N mutants of the compiled objects of the proved examples, each validated
 * (rlimit R, default 2M) and, when proved, run on QEMU against V8. Prints
 * the kill rate, the UNSOUND count (proved but behaving differently; must
 * be 0) and every surviving mutant with why it is equivalent. Closes with
 * "P passed, F failed" (F = unsound); exit status 1 if F > 0.
 *
 * `--heavy` adds examples/pressure/{call-i64,live12}.wat, which need the
 * validator's default rlimit (50M) and 10-20 s per validation.
 * `--qemu-all` also runs killed mutants on QEMU (reports how many of them
 * behaved identically on the inputs).
 *
 * Mutants are validated in J worker processes (default 2) of CHUNK mutants
 * each: the validator makes a Z3 context per function and never frees it,
 * so one process validating hundreds of mutants runs Z3's wasm heap out.
 * Workers rebuild the same mutants from the seed.
 */
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { flags } from '../flags.ts';
import { baseline, loadExamples, makeMutants, Rng, runMutant, type Example, type Mutant, type MutantResult } from './mutate.ts';

const flag = flags('mutate');
const n = flag.int('mutants', 300);
const seed = flag.int('seed', Date.now() % 1_000_000);
const rlimit = flag.int('rlimit', 2_000_000);
const jobs = Math.max(1, flag.int('jobs', 2));
const heavy = flag.has('heavy');
const qemuAll = flag.has('qemu-all');
const CHUNK = 25;

type Wire = Omit<MutantResult, 'mutant'> & { id: number };

async function setup(): Promise<{ examples: Example[]; mutants: Mutant[] }> {
  const rng = new Rng(seed);
  const examples = await loadExamples(rng, { heavy, rlimit });
  return { examples, mutants: makeMutants(examples, n, rng) };
}

if (flag.has('worker')) {
  const from = flag.int('from', 0);
  const to = flag.int('to', 0);
  const { mutants } = await setup();
  for (const m of mutants.slice(from, to)) {
    const { mutant: _, ...r } = await runMutant(m, { rlimit, qemuAll });
    // Synchronous, so a result survives a crash of Z3 on the next mutant.
    writeSync(1, `RESULT ${JSON.stringify({ ...r, id: m.id })}\n`);
  }
  process.exit(0);
}

/** A worker's results; a worker that dies (Z3's wasm heap out of memory) returns what it finished. */
function worker(from: number, to: number): Promise<{ results: Wire[]; died: string | undefined }> {
  const args = ['--import', 'tsx', process.argv[1]!, '--worker', '--from', String(from), '--to', String(to), ...process.argv.slice(2).filter((a) => a !== '--worker')];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const rs = out.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as Wire);
      const first = err.split('\n').find((l) => /Error|Abort/.test(l)) ?? `exit ${code}`;
      resolve({ results: rs, died: code !== 0 || rs.length !== to - from ? first.slice(0, 200) : undefined });
    });
  });
}

const t0 = Date.now();
const { examples, mutants } = await setup();
console.log(`mutate: ${n} mutants, seed ${seed}, ${jobs} jobs; ${examples.length} examples: ${examples.map((e) => `${e.file} (rlimit ${e.rlimit})`).join(', ')}`);
console.log('execution check: mutated functions linked into firmware (compiler/firmware runFirmware) on QEMU, compared with V8');
for (const ex of examples) {
  const b = await baseline(ex);
  if (b) {
    console.error(`mutate: baseline failed: ${b}`);
    process.exit(2);
  }
}
console.log(`baseline: every example proved unmutated and agrees with V8 on QEMU (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
if (mutants.length < n) console.log(`note: only ${mutants.length} distinct mutants could be made`);

const results: MutantResult[] = [];
/** Mutants on which the validator's process died: not proved, so killed, but listed apart. */
const crashed: { mutant: Mutant; why: string }[] = [];
const chunks: [number, number][] = [];
for (let a = 0; a < mutants.length; a += CHUNK) chunks.push([a, Math.min(mutants.length, a + CHUNK)]);
let next = 0;
async function lane(): Promise<void> {
  while (next < chunks.length) {
    const [a, b] = chunks[next++]!;
    const run = await worker(a, b);
    if (run.died !== undefined) {
      const at = a + run.results.length;
      if (at < b) {
        crashed.push({ mutant: mutants[at]!, why: run.died });
        if (at + 1 < b) chunks.push([at + 1, b]);
      }
    }
    for (const w of run.results) {
      const m = mutants[w.id]!;
      const r: MutantResult = { ...w, mutant: m };
      results.push(r);
      if (r.cls === 'UNSOUND') console.log(`\n!!!!!!!! UNSOUND: mutant ${m.id} [${m.op}] ${m.example.file} ${m.fn}: ${m.what}\n!!!!!!!! proved, but ${r.diff}\n`);
    }
    console.log(`  ${results.length + crashed.length}/${mutants.length} mutants (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}
await Promise.all(Array.from({ length: jobs }, lane));
results.sort((x, y) => x.mutant.id - y.mutant.id);

const count = (c: string) => results.filter((r) => r.cls === c).length;
const refuted = count('refuted');
const unknown = count('unknown');
const equivalent = count('equivalent');
const unsound = count('UNSOUND');
console.log(`\nper operator (mutants: refuted / unknown / proved-equivalent / UNSOUND):`);
for (const op of [...new Set(results.map((r) => r.mutant.op))]) {
  const rs = results.filter((r) => r.mutant.op === op);
  const c = (k: string) => rs.filter((r) => r.cls === k).length;
  console.log(`  ${op.padEnd(22)} ${String(rs.length).padStart(4)}: ${c('refuted')} / ${c('unknown')} / ${c('equivalent')} / ${c('UNSOUND')}`);
}
if (qemuAll) {
  const quiet = results.filter((r) => (r.cls === 'refuted' || r.cls === 'unknown') && !r.diff);
  console.log(`killed mutants that behaved identically on every QEMU input: ${quiet.length} (refuted ${quiet.filter((r) => r.cls === 'refuted').length}, unknown ${quiet.filter((r) => r.cls === 'unknown').length})`);
}
const survivors = results.filter((r) => r.cls === 'equivalent');
if (survivors.length) console.log(`\nsurviving mutants (proved, identical on all inputs):`);
for (const r of survivors) console.log(`  #${r.mutant.id} [${r.mutant.op}] ${r.mutant.example.file} ${r.mutant.fn}: ${r.mutant.what} -- ${r.reason}`);
if (crashed.length) console.log(`\nmutants on which the validator process died (counted as killed: not proved):`);
for (const c of crashed) console.log(`  #${c.mutant.id} [${c.mutant.op}] ${c.mutant.example.file} ${c.mutant.fn}: ${c.mutant.what} -- ${c.why}`);
const killed = refuted + unknown + crashed.length;
const total = results.length + crashed.length;
console.log(`\nmutants: ${total}; killed ${killed} (refuted ${refuted}, unknown ${unknown}, validator process died ${crashed.length}); proved-and-equivalent ${equivalent}; UNSOUND ${unsound}`);
console.log(`kill rate: ${((100 * killed) / Math.max(1, total)).toFixed(1)}% of all, ${((100 * killed) / Math.max(1, total - equivalent)).toFixed(1)}% of non-equivalent; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (unsound) console.log(`!!!!!!!! ${unsound} UNSOUND mutant(s): the validator proved code that behaves differently !!!!!!!!`);
console.log(`${total - unsound} passed, ${unsound} failed`);
process.exitCode = unsound > 0 ? 1 : 0;
