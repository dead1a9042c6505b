import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUITE_FILE = join(ROOT, '../shared/wasm-testsuite/memory_size.wast');

// Two functions the validator proves (straight-line i32), then one module the compiler refuses (floats).
const SMALL = `(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "sub1") (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(module (func (export "f") (param f32) (result f32) (local.get 0)))
`;

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/suite/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 880_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const num = (re: RegExp, s: string) => Number(re.exec(s)?.[1] ?? NaN);

describe.runIf(existsSync(SUITE_FILE))('npm run suite (skipped without ../shared/wasm-testsuite)', () => {
  it('prints per-file counts that add up to the closing line; a known-provable module is proved; --report-dir writes a report per module', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-suite-'));
    const small = join(dir, 'small.wast');
    writeFileSync(small, SMALL);
    // Two of memory_size.wast's four modules keep the run short.
    const reports = join(dir, 'reports');
    const r = run([small, '--files', SUITE_FILE, '--jobs', '2', '--verbose', '--report-dir', reports, '--filter', '^small\\.wast|^memory_size\\.wast:(1|15)$']);
    const closing = /^(\d+) proved, (\d+) refuted, (\d+) unknown$/m.exec(r.out);
    expect(closing, r.out + r.err).not.toBeNull();
    const [proved, refuted, unknown] = [closing![1], closing![2], closing![3]].map(Number) as [number, number, number];

    const perFile = [...r.out.matchAll(/^ {2}(\S+\.wast): (\d+) \/ (\d+) modules; (\d+) proved, (\d+) refuted, (\d+) unknown/gm)];
    expect(perFile.map((m) => m[1])).toEqual(['small.wast', 'memory_size.wast']);
    const sum = (k: number) => perFile.reduce((a, m) => a + Number(m[k]), 0);
    expect([sum(4), sum(5), sum(6)]).toEqual([proved, refuted, unknown]);
    // small.wast: one module compiled and proved in full, one not compiled (floats).
    expect(perFile[0]!.slice(2, 7).map(Number)).toEqual([1, 1, 2, 0, 0]);
    expect(r.out).toMatch(/modules not compiled \(not validated\), by reason:\n {2}1 x unsupported: .*float/);
    // memory_size.wast: the two modules --filter keeps compile; 4 functions in all.
    expect(perFile[1]!.slice(2, 4).map(Number)).toEqual([2, 0]);
    expect(sum(4) + sum(5) + sum(6)).toBe(2 + 4);

    // Every unknown is in a reason group, every refuted function is listed.
    const groups = r.out.split('unknown, by reason:\n')[1]?.split('\n').filter((l) => /^ {2}\d+ x /.test(l)) ?? [];
    expect(groups.reduce((a, l) => a + num(/^ {2}(\d+) x/, l), 0)).toBe(unknown);
    // --verbose: each unknown function on its own line, with its reason.
    const listed = r.out.split('unknown functions:\n')[1]?.split('\n').filter((l) => /^ {2}\S+\.wast:\d+ function \d+.*: unknown \(/.test(l)) ?? [];
    expect(listed).toHaveLength(unknown);
    const refutedBlock = r.out.split('refuted:\n')[1]?.split('\n').filter((l) => /^ {2}\S+\.wast:\d+ function/.test(l)) ?? [];
    expect(refutedBlock).toHaveLength(refuted);

    expect(r.out).toMatch(/^validation time: \d+\.\d s over 6 functions \(2 jobs, /m);
    expect(r.out.split('slowest:\n')[1]?.split('\n').filter((l) => /^ {2}\d+\.\d s /.test(l))).toHaveLength(5);
    expect(r.code).toBe(proved === 6 ? 0 : 1);
    // --report-dir: one proof report per compiled module, each listing its functions and SMT files.
    expect(readdirSync(reports).filter((f) => f.endsWith('.json')).sort()).toEqual(['memory_size-1.json', 'memory_size-15.json', 'small-1.json']);
    const rep = JSON.parse(readFileSync(join(reports, 'small-1.json'), 'utf8')) as { format: string; functions: { verdict: string; obligations: { smt2: { file: string } | null }[] }[] };
    expect(rep.format).toBe('warden-proof-report/1');
    expect(rep.functions.map((f) => f.verdict)).toEqual(['proved', 'proved']);
    for (const o of rep.functions.flatMap((f) => f.obligations)) expect(existsSync(join(reports, 'small-1.smt', o.smt2!.file))).toBe(true);
  }, 900_000);

  it('refuses a bad --jobs', () => {
    const r = run(['--files', SUITE_FILE, '--jobs', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--jobs must be 1 or 2');
  });
});
