/**
 * `npm run suite -- [FILE.wast...] [--files a.wast,b.wast] [--filter RE] [--jobs N] [--rlimit N] [--report-dir DIR] [--verbose]`
 *
 * The spec-suite proving run: every module of ../shared/wasm-testsuite/*.wast
 * (or the files given) compiled as `warden wast` compiles it, and every
 * defined function validated. Prints per file the functions proved / refuted
 * / unknown, then the unknown reasons grouped with counts, every refuted
 * function with its obligation, the total validation time and the 5 slowest
 * functions, and closes with `N proved, N refuted, N unknown`.
 *
 * Validation runs in child processes (at most 2): one Z3 crash loses one
 * function, reported as unknown, not the run. --filter keeps the modules
 * whose `file.wast:line` matches the regular expression; --verbose lists every unknown function.
 * Exit status: 0 when every compiled function is proved, 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wabtTextToBinary } from '../../compiler/frontend/index.ts';
import { moduleKey, notCompiledGroup, proveModule, scriptModules, type FunctionRecord, type ModuleRecord, type ModuleRef } from './modules.ts';
import { buildReport } from '../../proofs/report/build.ts';
import { reportFiles, smtDirAsRecorded, toolVersions } from '../../proofs/report/files.ts';
import { writeFilesAtomic } from '../../cli/common.ts';
import { flags } from '../flags.ts';
import type { ValidationReport } from '../../validator/verdict.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SUITE = resolve(HERE, '../../../shared/wasm-testsuite');
const MAX_JOBS = 2;

const { fail, text: option } = flags('suite');

const VALUED = ['files', 'filter', 'jobs', 'rlimit', 'file', 'from', 'report-dir'];
function positional(): string[] {
  const out: string[] = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.startsWith('--')) {
      if (VALUED.includes(args[i]!.slice(2))) i++;
      continue;
    }
    out.push(args[i]!);
  }
  return out;
}

const filterText = option('filter');
let filter: RegExp | undefined;
try {
  filter = filterText === undefined ? undefined : new RegExp(filterText);
} catch (e) {
  fail(`--filter: ${(e as Error).message}`);
}
const rlimitText = option('rlimit');
const rlimit = rlimitText === undefined ? undefined : Number(rlimitText);
if (rlimit !== undefined && !(Number.isInteger(rlimit) && rlimit > 0)) fail(`--rlimit '${rlimitText}' is not a positive integer`);

const reportDir = option('report-dir');

/** --report-dir: one proof report per validated module, `<script>-<line>.json` with its SMT files beside it. */
async function writeModuleReport(dir: string, ref: ModuleRef, wasm: Uint8Array, object: Uint8Array, validation: ValidationReport): Promise<void> {
  const stem = join(dir, `${basename(ref.file, '.wast')}-${ref.line}`);
  const paths = { json: `${stem}.json`, smtDir: `${stem}.smt` };
  mkdirSync(paths.smtDir, { recursive: true });
  const report = buildReport({
    command: 'npm run suite',
    date: new Date().toISOString(),
    versions: await toolVersions(),
    input: { path: `${ref.file}:${ref.line}`, file: wasm, wasm },
    object: { path: '(in memory)', bytes: object, status: 'not-written', note: 'compiled in memory by the spec-suite run, as warden wast compiles it' },
    target: 'cortex-m4',
    options: { rlimit: rlimit ?? null },
    validation,
    smtDir: smtDirAsRecorded(paths),
  });
  writeFilesAtomic(reportFiles(report, validation, paths));
}

// --- worker: one script from the module ordinal --from, one line per record, written synchronously so
// that what was finished survives a crash of Z3 on the next function ---
if (process.argv.includes('--worker')) {
  const file = option('file') ?? fail('worker: no --file');
  const from = Number(option('from') ?? '0');
  const textToBinary = await wabtTextToBinary();
  const emit = (tag: string, x: unknown) => writeSync(1, `${tag} ${JSON.stringify(x)}\n`);
  for (const ref of scriptModules(file)) {
    if (ref.ordinal < from || (filter && !filter.test(moduleKey(ref)))) continue;
    await proveModule(ref, {
      textToBinary,
      validate: { ...(rlimit === undefined ? {} : { rlimit }), smt2: reportDir !== undefined },
      onModule: (m) => emit('MODULE', m),
      onFunction: (f) => emit('FUNCTION', f),
      ...(reportDir === undefined ? {} : { onReport: (m, wasm, object, report) => writeModuleReport(reportDir, m, wasm, object, report) }),
    });
  }
  emit('DONE', {});
  process.exit(0);
}

// --- parent ---
const named = [...positional(), ...(option('files')?.split(',').filter((f) => f.length > 0) ?? [])];
const files = named.length > 0 ? named : readdirSync(SUITE).filter((f) => f.endsWith('.wast')).sort().map((f) => join(SUITE, f));
const jobs = Number(option('jobs') ?? '1');
if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) fail(`--jobs must be 1 or ${MAX_JOBS} (the machine is shared)`);
for (const f of files) {
  try {
    scriptModules(f);
  } catch (e) {
    fail(`${f}: ${(e as Error).message}`);
  }
}

const modules: ModuleRecord[] = [];
const functions: FunctionRecord[] = [];
const t0 = Date.now();
const lineOf = (m: ModuleRecord) => (m.kind === 'compiled' ? `${m.functions} functions` : `not compiled: ${m.reason}`);

/** One worker on `file` from module `from`; resolves when it exits, with why it died if it did. */
function worker(file: string, from: number): Promise<string | undefined> {
  const args = ['--import', 'tsx', process.argv[1]!, '--worker', '--file', file, '--from', String(from), ...(filterText ? ['--filter', filterText] : []), ...(rlimit ? ['--rlimit', String(rlimit)] : []), ...(reportDir ? ['--report-dir', resolve(reportDir)] : [])];
  return new Promise((resolveRun, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let done = false;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const sp = l.indexOf(' ');
        const tag = l.slice(0, sp);
        if (tag === 'MODULE') {
          const m = JSON.parse(l.slice(sp + 1)) as ModuleRecord;
          modules.push(m);
          console.error(`  ${moduleKey(m)}: ${lineOf(m)}`);
        } else if (tag === 'FUNCTION') functions.push(JSON.parse(l.slice(sp + 1)) as FunctionRecord);
        else if (tag === 'DONE') done = true;
      }
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      const why = err.split('\n').find((l) => /Error|Abort|abort|out of bounds/.test(l)) ?? `exit ${code ?? signal}`;
      resolveRun(done && code === 0 ? undefined : why.trim().slice(0, 200));
    });
  });
}

/** Run a whole script; a worker that dies costs the function (or module) it was on, then a new one resumes. */
async function runFile(file: string): Promise<void> {
  const refs = scriptModules(file).filter((r) => !filter || filter.test(moduleKey(r)));
  let from = 0;
  for (;;) {
    const died = await worker(file, from);
    if (died === undefined) {
      // Every function of a compiled module has a verdict; one that went unreported is counted unknown.
      for (const m of modules) {
        if (m.file !== file || m.kind !== 'compiled') continue;
        const seen = functions.filter((f) => f.file === file && f.line === m.line).length;
        for (let k = seen; k < m.functions; k++) functions.push({ file, line: m.line, func: -1, verdict: 'unknown', text: 'a function without a reported verdict', group: 'no verdict reported', ms: 0, obligations: 0 });
      }
      return;
    }
    // The module it died on: the first from `from` not reported in full.
    const on = refs.find((r) => {
      if (r.ordinal < from) return false;
      const m = modules.find((x) => x.file === file && x.ordinal === r.ordinal);
      return !m || (m.kind === 'compiled' && functions.filter((f) => f.file === file && f.line === m.line).length < m.functions);
    });
    if (!on) return void modules.push({ file, line: 0, ordinal: from, kind: 'not-compiled', reason: `worker died after its last module: ${died}` });
    const m = modules.find((x) => x.file === file && x.ordinal === on.ordinal);
    if (!m) modules.push({ file, line: on.line, ordinal: on.ordinal, kind: 'not-compiled', reason: `worker died: ${died}` });
    else if (m.kind === 'compiled') {
      const seen = functions.filter((f) => f.file === file && f.line === m.line).length;
      const text = `the function after the ${seen} reported: unknown (worker died: ${died})${m.functions - seen > 1 ? `; the module's ${m.functions - seen - 1} later functions not validated` : ''}`;
      functions.push({ file, line: m.line, func: -1, verdict: 'unknown', text, group: `worker died: ${died}`, ms: 0, obligations: 0 });
    }
    from = on.ordinal + 1;
  }
}

let next = 0;
await Promise.all(
  Array.from({ length: Math.min(jobs, files.length) }, async () => {
    while (next < files.length) await runFile(files[next++]!);
  }),
);
const wall = (Date.now() - t0) / 1000;

// --- the summary ---
const count = (fs: FunctionRecord[], k: FunctionRecord['verdict']) => fs.filter((f) => f.verdict === k).length;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log('per file (modules compiled / not compiled; functions proved / refuted / unknown):');
for (const file of files) {
  const ms = modules.filter((m) => m.file === file);
  const fs = functions.filter((f) => f.file === file);
  const compiled = ms.filter((m) => m.kind === 'compiled').length;
  console.log(`  ${basename(file)}: ${compiled} / ${ms.length - compiled} modules; ${count(fs, 'proved')} proved, ${count(fs, 'refuted')} refuted, ${count(fs, 'unknown')} unknown (${secs(fs.reduce((a, f) => a + f.ms, 0))})`);
}
const notCompiled = new Map<string, number>();
for (const m of modules) if (m.kind === 'not-compiled') notCompiled.set(notCompiledGroup(m.reason), (notCompiled.get(notCompiledGroup(m.reason)) ?? 0) + 1);
if (notCompiled.size > 0) {
  console.log('modules not compiled (not validated), by reason:');
  for (const [r, n] of [...notCompiled].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${n} x ${r}`);
}
const groups = new Map<string, number>();
for (const f of functions) if (f.verdict === 'unknown') groups.set(f.group ?? '?', (groups.get(f.group ?? '?') ?? 0) + 1);
if (groups.size > 0) {
  console.log('unknown, by reason:');
  for (const [r, n] of [...groups].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${n} x ${r}`);
}
if (process.argv.includes('--verbose')) {
  console.log('unknown functions:');
  for (const f of functions) if (f.verdict === 'unknown') console.log(`  ${moduleKey(f)} ${f.text}`);
}
const refuted = functions.filter((f) => f.verdict === 'refuted');
if (refuted.length > 0) {
  console.log('refuted:');
  for (const f of refuted) console.log(`  ${moduleKey(f)} function ${f.func}: ${f.obligation}\n    ${f.text}`);
}
const total = functions.reduce((a, f) => a + f.ms, 0);
console.log(`validation time: ${secs(total)} over ${functions.length} functions (${jobs} job${jobs > 1 ? 's' : ''}, ${wall.toFixed(1)} s wall)`);
const slowest = [...functions].sort((a, b) => b.ms - a.ms).slice(0, 5);
if (slowest.length > 0) {
  console.log('slowest:');
  for (const f of slowest) console.log(`  ${secs(f.ms)} ${moduleKey(f)} ${f.text}`);
}
const proved = count(functions, 'proved');
console.log(`${proved} proved, ${refuted.length} refuted, ${count(functions, 'unknown')} unknown`);
process.exit(proved === functions.length ? 0 : 1);
