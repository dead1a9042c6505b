/** Spawn the CLI as a user would (through tsx), in a scratch directory. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'cli/main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** As a separate process (real exit status). */
export function wardenProcess(args: string[], cwd: string): CliResult {
  const r = spawnSync(TSX, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** In-process (fast): the same `main` the binary runs, output captured, in `cwd`. */
export async function warden(args: string[], cwd: string): Promise<CliResult> {
  const { main } = await import('../../cli/main.ts');
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  const here = process.cwd();
  const saved = process.exitCode;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  const cl = console.log;
  const ce = console.error;
  console.log = (...a: unknown[]) => void out.push(`${a.map(String).join(' ')}\n`);
  console.error = (...a: unknown[]) => void err.push(`${a.map(String).join(' ')}\n`);
  process.chdir(cwd);
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.chdir(here);
    console.log = cl;
    console.error = ce;
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = saved;
  }
}

/** `warden args` in `cwd` fails as bad input: exit 1 and one line on stderr, `message` itself or matching it. */
export async function expectUserError(args: string[], cwd: string, message: string | RegExp): Promise<void> {
  const r = await warden(args, cwd);
  expect(r.code).toBe(1);
  expect(r.stderr.endsWith('\n') && !r.stderr.slice(0, -1).includes('\n')).toBe(true);
  if (typeof message === 'string') expect(r.stderr).toBe(`${message}\n`);
  else expect(r.stderr).toMatch(message);
}

export function scratch(files: Record<string, string | Uint8Array> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-test-'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return dir;
}

/** Exports of every kind the CLI tests use. */
export const SAMPLE_WAT = `(module
  (memory 1)
  (global $g (mut i32) (i32.const 7))
  (func $fib (export "fib") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "mul64") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "pick") (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
    (i32.const 30))
  (export "g" (global $g)))
`;
