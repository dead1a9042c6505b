/**
 * `warden recheck report.json --solver cvc5|z3`: every SMT-LIB2 obligation
 * the report lists, run through an independent solver binary (Debian's
 * `cvc5` or `z3`, not the z3-solver build that produced the verdicts),
 * compared with the answer the report recorded. One line per obligation,
 * then `N passed, N failed`. A disagreement, a solver error or timeout, a
 * missing file or a file whose SHA-256 differs from the report's fails.
 * Obligations Z3 itself answered `unknown` have no answer to agree with:
 * they are listed and counted apart. `--jobs N` runs N solver processes at
 * once; the lines still come in the report's order.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sha256 } from '../../proofs/report/build.ts';
import { REPORT_FORMAT, type ProofReport } from '../../proofs/report/format.ts';
import { EXIT, readInput } from '../common.ts';
import { UserError } from '../errors.ts';

export const SOLVERS = ['cvc5', 'z3'] as const;
type Solver = (typeof SOLVERS)[number];

export interface RecheckOptions {
  solver: string;
  timeout: string;
  jobs?: string;
  smtDir?: string;
}

/**
 * Options passed to the solver, printed in the recheck header so an auditor sees them. Debian's cvc5 1.0.3
 * with its defaults left obligations undecided that Z3 answers in a second:
 * - --ext-rew-prep=agg: the extended rewriter puts both sides of an i64 carry chain (ADDS/ADC against the
 *   wasm i64.add: the same 32-bit sums associated differently) into one normal form; without it CaDiCaL has
 *   to prove the associativity of bit-blasted adders (params7.wat `nine`: no answer in 600 s, 3 s with it).
 * - --decision=internal: the default justification heuristic follows the premises first; with the longer
 *   memory terms the validator exported before its memory-model rewrite it left 9 call obligations of load.wast (linear memory and the
 *   stack frame kept apart by 64-bit sums and comparisons) undecided past 60 s, the SAT solver's own
 *   decisions took 1-3 s; with both options deep50's `stack 0 in r0` takes 56 s, with none over 120 s.
 * Both change the search and the rewriting, not the theory: an answer means what it means by default.
 */
export const SOLVER_OPTIONS: Record<Solver, readonly string[]> = {
  cvc5: ['--decision=internal', '--ext-rew-prep=agg'],
  z3: [],
};

/**
 * Command lines for SMT-LIB2 input. The per-query limit is wall time, enforced by killing the process:
 * Debian's cvc5 1.0.3 aborts inside CaDiCaL when its own --tlimit-per fires during bit-blasting.
 */
function solverArgs(solver: Solver, file: string, ms: number): string[] {
  return solver === 'cvc5' ? ['--lang=smt2', ...SOLVER_OPTIONS.cvc5, file] : ['-smt2', ...SOLVER_OPTIONS.z3, `-t:${ms}`, file];
}

type Answer = { answer: 'sat' | 'unsat' | 'unknown'; note?: string } | { error: string };

/** The solver's answer (`unknown` when the time limit ran out), or an error naming what it printed. */
function runSolver(solver: Solver, file: string, ms: number): Promise<Answer> {
  return new Promise((done) => {
    const child = spawn(solver, solverArgs(solver, file, ms), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Only the first lines matter; the cap keeps a chatty solver from growing without bound.
    child.stdout.on('data', (d: Buffer) => void (stdout.length < 1 << 16 && (stdout += d.toString('utf8'))));
    child.stderr.on('data', (d: Buffer) => void (stderr.length < 1 << 16 && (stderr += d.toString('utf8'))));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    const timeout = { answer: 'unknown', note: `no answer within ${ms / 1000} s` } as const;
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ error: e.message });
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      if (timedOut) return done(timeout);
      const first = stdout.trim().split('\n')[0]?.trim() ?? '';
      if (first === 'sat' || first === 'unsat' || first === 'unknown') return done({ answer: first });
      if (first === 'timeout') return done(timeout);
      const msg = `${stdout}\n${stderr}`.replace(/\s+/g, ' ').trim().slice(0, 300);
      done({ error: `exit ${status}: ${msg || 'no output'}` });
    });
  });
}

/**
 * Run `tasks` with at most `n` at once, each started as soon as a slot frees, in order. The promises come back in
 * the tasks' order, so a caller awaiting them one by one prints in that order whatever finishes first.
 */
export function inPool<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T>[] {
  // Promise.withResolvers is not in Node 20.
  const slots = tasks.map(() => {
    const s = {} as { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
    s.promise = new Promise<T>((resolve, reject) => Object.assign(s, { resolve, reject }));
    return s;
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tasks.length; i = next++) {
      try {
        slots[i]!.resolve(await tasks[i]!());
      } catch (e) {
        slots[i]!.reject(e);
      }
    }
  };
  for (let w = 0; w < Math.min(n, tasks.length); w++) void worker();
  return slots.map((s) => s.promise);
}

function solverVersion(solver: Solver): string {
  const r = spawnSync(solver, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) throw new UserError(`recheck: cannot run ${solver} (on Debian: apt-get install ${solver}): ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout.split('\n')[0]!.trim().replace(/^This is /, '');
}

function readReport(path: string): ProofReport {
  const text = Buffer.from(readInput(path)).toString('utf8');
  let r: ProofReport;
  try {
    r = JSON.parse(text) as ProofReport;
  } catch (e) {
    throw new UserError(`${path}: not JSON: ${(e as Error).message}`);
  }
  if (r?.format !== REPORT_FORMAT) throw new UserError(`${path}: not a ${REPORT_FORMAT} report (format: ${JSON.stringify(r?.format)})`);
  if (!Array.isArray(r.functions)) throw new UserError(`${path}: no function list`);
  return r;
}

export async function recheckCommand(reportPath: string, opts: RecheckOptions, out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  if (!(SOLVERS as readonly string[]).includes(opts.solver)) throw new UserError(`recheck: unknown solver '${opts.solver}' (expected one of ${SOLVERS.join(', ')})`);
  const solver = opts.solver as Solver;
  const seconds = Number(opts.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`recheck: --timeout ${opts.timeout} is not a positive number of seconds`);
  const ms = Math.round(seconds * 1000);
  const report = readReport(reportPath);
  if (!report.smt && opts.smtDir === undefined) throw new UserError(`${reportPath}: the report lists no SMT-LIB2 files (it was written without --smt-dir)`);
  const dir = opts.smtDir ?? resolve(dirname(reportPath), report.smt!.dir);
  if (!existsSync(dir)) throw new UserError(`recheck: SMT directory ${dir} does not exist`);
  const jobs = Number(opts.jobs ?? '1');
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`recheck: --jobs ${opts.jobs} is not a positive integer`);
  const version = solverVersion(solver);
  const flags = SOLVER_OPTIONS[solver].length > 0 ? ` ${SOLVER_OPTIONS[solver].join(' ')}` : ' (default options)';
  out(`recheck ${reportPath} (object sha256 ${report.identity?.object?.sha256}) with ${version}${flags}, ${seconds} s per query, ${jobs} at once, files in ${dir}`);

  const queries = report.functions.flatMap((f) =>
    (f.obligations ?? []).flatMap((o) => (o.smt2 ? [{ label: `function ${f.index} ${f.symbol} #${o.index} ${o.name}`, smt2: o.smt2 }] : [])),
  );
  const t0 = performance.now();
  // A missing file is not run; a changed one is, so the line says what the solver makes of it.
  const answers = inPool(
    jobs,
    queries.map(({ smt2 }) => async () => {
      const file = join(dir, smt2.file);
      if (!existsSync(file)) return undefined;
      const changed = sha256(new Uint8Array(readFileSync(file))) !== smt2.sha256;
      return { changed, got: await runSolver(solver, file, ms) };
    }),
  );
  let passed = 0;
  let failed = 0;
  let notCompared = 0;
  for (const [i, { label, smt2 }] of queries.entries()) {
    const r = await answers[i]!;
    if (!r) {
      failed++;
      out(`FAIL ${label}: ${smt2.file} is missing`);
      continue;
    }
    const { changed, got } = r;
    const answer = 'answer' in got ? `${got.answer}${got.note ? ` (${got.note})` : ''}` : `error (${got.error})`;
    if (smt2.expected === 'unknown' && !changed && !('error' in got)) {
      notCompared++;
      out(`---- ${label}: not compared (Z3 answered unknown; ${solver} answered ${answer})`);
      continue;
    }
    if (!changed && 'answer' in got && got.answer === smt2.expected) {
      passed++;
      out(`ok   ${label}: ${answer}`);
    } else {
      failed++;
      const why = [changed ? `${smt2.file} changed since the report (sha256 differs)` : '', `expected ${smt2.expected}, ${solver} answered ${answer}`].filter(Boolean).join('; ');
      out(`FAIL ${label}: ${why}`);
    }
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (notCompared > 0) out(`${notCompared} not compared (Z3 answered unknown, so there is no answer to agree with)`);
  out(`${solver}: ${passed + failed + notCompared} obligations in ${secs} s`);
  out(`${passed} passed, ${failed} failed`);
  if (passed + failed + notCompared === 0) {
    console.error(`warden: ${reportPath}: the report lists no obligation to re-check`);
    return EXIT.usage;
  }
  return failed === 0 ? EXIT.ok : EXIT.usage;
}
