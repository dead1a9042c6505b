/**
 * The report flags of `warden compile` / `warden verify` and `warden
 * recheck` with the Debian cvc5 and z3 binaries: agreement on real reports
 * (proved and refuted), and failure on a tampered or missing SMT file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProofReport } from '../../proofs/report/format.ts';
import { ROOT, scratch, warden } from './helpers.ts';
import { inPool, SOLVER_OPTIONS } from '../../cli/commands/recheck.ts';
import { hasTool as has } from '../tools.ts';

const SOLVERS = has('cvc5') && has('z3');

// Same exports, different code: an object compiled from one and verified against the other is refuted.
const ADD = `(module
  (func (export "f") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "g") (param i32) (result i32) (i32.xor (local.get 0) (i32.const 5))))`;
const SUB = ADD.replace('i32.add', 'i32.sub');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const readReport = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as ProofReport;
const obligationsOf = (r: ProofReport) => r.functions.flatMap((f) => f.obligations);
const lastLine = (s: string) => s.trim().split('\n').at(-1);

describe('proof report files from the CLI, and warden recheck', () => {
  const dir = scratch({ 'add.wat': ADD, 'sub.wat': SUB });
  dirs.push(dir);

  it('compile --report --html --smt-dir writes all three with the object; each listed SMT file exists', async () => {
    mkdirSync(join(dir, 'out'));
    const r = await warden(['compile', 'add.wat', '-o', 'add.o', '--report', 'out/r.json', '--html', 'out/r.html', '--smt-dir', 'smt'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['add.o', 'add.h', 'out/r.json', 'out/r.html']) expect(existsSync(join(dir, f)), f).toBe(true);
    const rep = readReport(join(dir, 'out/r.json'));
    expect(rep.format).toBe('warden-proof-report/1');
    expect(rep.identity.object).toMatchObject({ path: 'add.o', status: 'written' });
    expect(rep.identity.object.bytes).toBe(readFileSync(join(dir, 'add.o')).length);
    expect(rep.totals).toMatchObject({ functions: 2, proved: 2 });
    // The SMT directory is named relative to the report, so the two can move together.
    expect(rep.smt).toEqual({ dir: '../smt', logic: 'QF_AUFBV', files: obligationsOf(rep).length });
    expect(readdirSync(join(dir, 'smt')).sort()).toEqual(obligationsOf(rep).map((o) => o.smt2!.file).sort());
    expect(readFileSync(join(dir, 'out/r.html'), 'utf8')).toContain('All 2 functions proved');
    // Atomic writes leave no temporaries.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(readdirSync(join(dir, 'out')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  for (const solver of ['cvc5', 'z3']) {
    it.runIf(SOLVERS)(`recheck --solver ${solver}: every obligation agrees (skipped without the cvc5 and z3 binaries)`, async () => {
      const n = obligationsOf(readReport(join(dir, 'out/r.json'))).length;
      const r = await warden(['recheck', 'out/r.json', '--solver', solver, '--timeout', '30'], dir);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(lastLine(r.stdout)).toBe(`${n} passed, 0 failed`);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('ok   ') && l.endsWith(': unsat')).length).toBe(n);
    });
  }

  it.runIf(SOLVERS)('recheck --jobs 2: the same lines in the same order as --jobs 1; the header names the cvc5 options (skipped without cvc5 and z3)', async () => {
    const one = await warden(['recheck', 'out/r.json', '--solver', 'cvc5', '--jobs', '1'], dir);
    const two = await warden(['recheck', 'out/r.json', '--solver', 'cvc5', '--jobs', '2'], dir);
    expect(two.code, two.stdout + two.stderr).toBe(0);
    const header = two.stdout.split('\n')[0]!;
    expect(header).toContain(`cvc5 version 1.0.3 ${SOLVER_OPTIONS.cvc5.join(' ')}, 60 s per query, 2 at once,`);
    // Everything but the header and the elapsed time.
    const body = (s: string) => s.trim().split('\n').slice(1).filter((l) => !/ obligations in [\d.]+ s$/.test(l));
    expect(body(two.stdout)).toEqual(body(one.stdout));
    expect(body(one.stdout).length).toBe(obligationsOf(readReport(join(dir, 'out/r.json'))).length + 1);
  });

  it.runIf(SOLVERS)('recheck --solver cvc5 agrees on params7 (nine: an i64 carry chain cvc5\'s default options leave undecided for 600 s) (skipped without cvc5 and z3)', async () => {
    const wat = readFileSync(join(ROOT, 'examples/pressure/params7.wat'), 'utf8');
    writeFileSync(join(dir, 'params7.wat'), wat);
    const c = await warden(['compile', 'params7.wat', '-o', 'p7.o', '--report', 'p7.json', '--smt-dir', 'p7smt'], dir);
    expect(c.code, c.stderr).toBe(0);
    const rep = readReport(join(dir, 'p7.json'));
    expect(rep.functions.find((f) => f.symbol === 'nine')!.obligations.some((o) => o.claim === 'stack 0 hi in r1')).toBe(true);
    const r = await warden(['recheck', 'p7.json', '--solver', 'cvc5', '--timeout', '60', '--jobs', '2'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}function 1 nine #\d+ .*: stack 0 hi in r1: unsat$/m);
    expect(lastLine(r.stdout)).toBe(`${obligationsOf(rep).length} passed, 0 failed`);
  });

  it.runIf(SOLVERS)('an obligation Z3 answered unknown is listed, not compared (skipped without cvc5 and z3)', async () => {
    const rep = readReport(join(dir, 'out/r.json'));
    const o = rep.functions[1]!.obligations[0]!;
    o.answer = 'unknown';
    o.smt2!.expected = 'unknown';
    writeFileSync(join(dir, 'out/u.json'), JSON.stringify(rep));
    const r = await warden(['recheck', 'out/u.json', '--solver', 'cvc5'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`---- function 1 g #0 ${o.name}: not compared (Z3 answered unknown; cvc5 answered unsat)`);
    expect(r.stdout).toContain('1 not compared');
    expect(lastLine(r.stdout)).toBe(`${obligationsOf(rep).length - 1} passed, 0 failed`);
  });

  it.runIf(SOLVERS)('recheck fails on a tampered SMT file (a solver disagrees) and on a missing one (skipped without cvc5 and z3)', async () => {
    const rep = readReport(join(dir, 'out/r.json'));
    const obs = obligationsOf(rep);
    const [a, b] = [obs[0]!.smt2!.file, obs[1]!.smt2!.file];
    // The premises without the negated goal: satisfiable, so the "proof" no longer holds.
    const text = readFileSync(join(dir, 'smt', a), 'utf8');
    const tampered = text.slice(0, text.lastIndexOf('(assert')) + text.slice(text.lastIndexOf('(check-sat)'));
    expect(tampered.length).toBeLessThan(text.length);
    writeFileSync(join(dir, 'smt', a), tampered);
    unlinkSync(join(dir, 'smt', b));
    for (const [solver, jobs] of [['cvc5', '1'], ['z3', '1'], ['cvc5', '2']] as const) {
      const r = await warden(['recheck', 'out/r.json', '--solver', solver, '--jobs', jobs], dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FAIL function 0 f #0 ${obs[0]!.name}: ${a} changed since the report (sha256 differs); expected unsat, ${solver} answered sat`);
      expect(r.stdout).toContain(`FAIL function 0 f #1 ${obs[1]!.name}: ${b} is missing`);
      expect(lastLine(r.stdout)).toBe(`${obs.length - 2} passed, 2 failed`);
    }
  });

  it('verify --report of a wrong object: refuted, the report says so, and the refutation re-checks as sat', async () => {
    const r = await warden(['verify', 'sub.wat', 'add.o', '--report', 'v.json', '--html', 'v.html', '--smt-dir', 'vsmt'], dir);
    expect(r.code).toBe(2);
    const rep = readReport(join(dir, 'v.json'));
    expect(rep.identity.object.status).toBe('existing');
    expect(rep.functions[0]!.verdict).toBe('refuted');
    const f = rep.functions[0]!;
    expect(f.obligations[f.counterexample!.obligation]!.smt2!.expected).toBe('sat');
    expect(readFileSync(join(dir, 'v.html'), 'utf8')).toContain('1 refuted');
    if (!SOLVERS) return;
    const c = await warden(['recheck', 'v.json', '--solver', 'cvc5'], dir);
    expect(c.code, c.stdout).toBe(0);
    expect(c.stdout).toMatch(/^ok {3}function 0 f #\d+ .*: sat$/m);
    expect(lastLine(c.stdout)).toBe(`${obligationsOf(rep).length} passed, 0 failed`);
    // A solver that runs out of time agrees with nothing. Which obligations cvc5 still answers within 1 ms depends
    // on the machine's speed (seen: 1 of 30), so what must hold whatever the speed: a line per obligation, every
    // FAIL a timeout, every ok the expected answer, at least one FAIL, and totals that add up.
    const t = await warden(['recheck', 'v.json', '--solver', 'cvc5', '--timeout', '0.001'], dir);
    expect(t.code, t.stdout).toBe(1);
    const lines = t.stdout.split('\n').filter((l) => /^(ok {3}|FAIL )function /.test(l));
    const fails = lines.filter((l) => l.startsWith('FAIL'));
    expect(lines).toHaveLength(obligationsOf(rep).length);
    for (const l of fails) expect(l).toMatch(/^FAIL function \d+ \S+ #\d+ .*: expected (unsat|sat), cvc5 answered unknown \(no answer within 0\.001 s\)$/);
    for (const l of lines.filter((x) => x.startsWith('ok'))) expect(l).toMatch(/^ok {3}function \d+ \S+ #\d+ .*: (unsat|sat)$/);
    expect(fails.length).toBeGreaterThan(0);
    expect(lastLine(t.stdout)).toBe(`${lines.length - fails.length} passed, ${fails.length} failed`);
  });

  it('a compile that fails validation writes the report but not the object', async () => {
    // An rlimit of 1 leaves every obligation undecided: a real `unknown` verdict, whatever the validator models.
    const r = await warden(['compile', 'add.wat', '-o', 'ci.o', '--rlimit', '1', '--report', 's.json', '--html', 's.html'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('nothing written but the proof report');
    expect(existsSync(join(dir, 'ci.o'))).toBe(false);
    expect(existsSync(join(dir, 'ci.h'))).toBe(false);
    const rep = readReport(join(dir, 's.json'));
    expect(rep.identity.object.status).toBe('not-written');
    expect(rep.identity.object.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rep.functions.map((f) => f.verdict)).toEqual(['unknown', 'unknown']);
    expect(rep.functions.map((f) => f.unknown?.kind)).toEqual(['solver', 'solver']);
    expect(rep.identity.options).toMatchObject({ rlimit: 1 });
    expect(rep.smt).toBeNull();
    expect(readFileSync(join(dir, 's.html'), 'utf8')).toContain('2 of 2 functions not proved');
  });

  it('errors: --no-verify with a report, recheck of a report without SMT files, an unknown solver, a bad --jobs, a bad --rlimit', async () => {
    const a = await warden(['compile', 'add.wat', '-o', 'x.o', '--no-verify', '--report', 'x.json'], dir);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('need validation');
    expect(existsSync(join(dir, 'x.o'))).toBe(false);
    const b = await warden(['recheck', 's.json'], dir);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('written without --smt-dir');
    const c = await warden(['recheck', 'out/r.json', '--solver', 'yices'], dir);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("unknown solver 'yices'");
    const j = await warden(['recheck', 'out/r.json', '--jobs', '0'], dir);
    expect(j.code).toBe(1);
    expect(j.stderr).toContain('--jobs 0 is not a positive integer');
    const d = await warden(['compile', 'add.wat', '-o', 'x.o', '--rlimit', '0'], dir);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain("--rlimit '0' is not a positive integer");
    expect(existsSync(join(dir, 'x.o'))).toBe(false);
  });
});

describe('inPool (recheck --jobs)', () => {
  it('runs at most n at once, starts each as a slot frees, and returns the results in the tasks\' order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    // Earlier tasks finish later: the results come back in task order all the same.
    const tasks = [40, 30, 20, 10, 5, 1].map((ms, i) => async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      if (i === 4) throw new Error('task 4');
      return i * 10;
    });
    const ps = inPool(2, tasks);
    const results = await Promise.allSettled(ps);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 10, 20, 30, 'task 4', 50]);
    expect(most).toBe(2);
    // Task 2 takes the slot task 1 frees at 30 ms, before task 0 frees the other at 40 ms.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(inPool(3, [])).toEqual([]);
  });
});
