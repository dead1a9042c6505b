/**
 * `warden recheck report.json --solver cvc5|z3`: every SMT-LIB2 obligation
 * the report lists, run through an independent solver binary (Debian's
 * `cvc5` or `z3`, not the z3-solver build that produced the verdicts),
 * compared with the answer the report recorded. One line per obligation,
 * then `N passed, N failed`. A disagreement, a solver error or timeout, a
 * missing file or a file whose SHA-256 differs from the report's fails.
 * Obligations Z3 itself answered `unknown` have no answer to agree with:
 * they are listed and counted apart.
 */
import { spawnSync } from 'node:child_process';
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
  smtDir?: string;
}

/**
 * Command lines for SMT-LIB2 input. The per-query limit is wall time, enforced by killing the process:
 * Debian's cvc5 1.0.3 aborts inside CaDiCaL when its own --tlimit-per fires during bit-blasting.
 */
function solverArgs(solver: Solver, file: string, ms: number): string[] {
  return solver === 'cvc5' ? ['--lang=smt2', file] : ['-smt2', `-t:${ms}`, file];
}

/** The solver's answer (`unknown` when the time limit ran out), or an error naming what it printed. */
function runSolver(solver: Solver, file: string, ms: number): { answer: 'sat' | 'unsat' | 'unknown'; note?: string } | { error: string } {
  const r = spawnSync(solver, solverArgs(solver, file, ms), { encoding: 'utf8', timeout: ms, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? { answer: 'unknown', note: `no answer within ${ms / 1000} s` } : { error: r.error.message };
  const first = r.stdout.trim().split('\n')[0]?.trim() ?? '';
  if (first === 'sat' || first === 'unsat' || first === 'unknown') return { answer: first };
  if (first === 'timeout') return { answer: 'unknown', note: `no answer within ${ms / 1000} s` };
  const msg = `${r.stdout}\n${r.stderr}`.replace(/\s+/g, ' ').trim().slice(0, 300);
  return { error: `exit ${r.status}: ${msg || 'no output'}` };
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
  const version = solverVersion(solver);
  out(`recheck ${reportPath} (object sha256 ${report.identity?.object?.sha256}) with ${version}, ${seconds} s per query, files in ${dir}`);

  let passed = 0;
  let failed = 0;
  let notCompared = 0;
  const t0 = performance.now();
  for (const f of report.functions) {
    for (const o of f.obligations ?? []) {
      if (!o.smt2) continue;
      const label = `function ${f.index} ${f.symbol} #${o.index} ${o.name}`;
      const file = join(dir, o.smt2.file);
      if (!existsSync(file)) {
        failed++;
        out(`FAIL ${label}: ${o.smt2.file} is missing`);
        continue;
      }
      const changed = sha256(new Uint8Array(readFileSync(file))) !== o.smt2.sha256;
      const got = runSolver(solver, file, ms);
      const answer = 'answer' in got ? `${got.answer}${got.note ? ` (${got.note})` : ''}` : `error (${got.error})`;
      if (o.smt2.expected === 'unknown' && !changed && !('error' in got)) {
        notCompared++;
        out(`---- ${label}: not compared (Z3 answered unknown; ${solver} answered ${answer})`);
        continue;
      }
      const agree = !changed && 'answer' in got && got.answer === o.smt2.expected;
      if (agree) {
        passed++;
        out(`ok   ${label}: ${answer}`);
      } else {
        failed++;
        const why = [changed ? `${o.smt2.file} changed since the report (sha256 differs)` : '', `expected ${o.smt2.expected}, ${solver} answered ${answer}`].filter(Boolean).join('; ');
        out(`FAIL ${label}: ${why}`);
      }
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
