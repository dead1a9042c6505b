/**
 * `warden wast` on bundled spec test scripts: every module compiled, every
 * assertion run on QEMU (batched per module instance), 0 failures, and the
 * number passed does not regress. Plus the runner's own error paths.
 */
import { describe, expect, it } from 'vitest';
import { expectUserError, ROOT, scratch, warden } from '../cli/helpers.ts';
import { join } from 'node:path';

const SUITE = join(ROOT, '../shared/wasm-testsuite');

describe('warden wast', () => {
  const dir = scratch({
    'ok.wast': `(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (global (export "g") i64 (i64.const -7)))
(assert_return (invoke "add" (i32.const 1) (i32.const -2)) (i32.const -1))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_return (get "g") (i64.const -7))
(assert_invalid (module (func (result i32) (i64.const 1))) "type mismatch")
(assert_malformed (module quote "(func (i32.const nope))") "unknown operator")
(module (func (export "f") (param f32) (result f32) (local.get 0)))
(assert_return (invoke "f" (f32.const 1)) (f32.const 1))
(module (import "other" "thing" (func)))
(assert_return (invoke "h") (i32.const 1))
`,
    'bad.wast': `(module (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "one") (i32.const 2))
`,
    'syntax.wast': '(module (func)\n',
  });

  it('passes, skips with reasons, and totals', async () => {
    const r = await warden(['wast', 'ok.wast', '--verbose'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok.wast:10: skipped: f32 values (f32.const 1)');
    expect(r.stdout).toMatch(/ok\.wast:12: skipped: import other\.thing \(the QEMU firmware provides only spectest\.print\*/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('5 passed, 0 failed, 2 skipped');
  });

  it('reports a failure with file:line and expected vs got, exit 1', async () => {
    const r = await warden(['wast', 'bad.wast'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('bad.wast:2: FAILED: expected [i32:2], got [i32:1]\n0 passed, 1 failed, 0 skipped\n');
  });

  it.each([
    [['wast', 'missing.wast'], 'warden: missing.wast: no such file'],
    [['wast', 'syntax.wast'], 'warden: syntax.wast:1:1: unclosed parenthesis'],
    [['wast', 'ok.wast', '--max-pages', '100'], "warden: wast: --max-pages '100' must be an integer in [1, 48] (mps2-an386 has 4 MiB of RAM)"],
  ])('%j -> one-line error', (args, message) => expectUserError(args, dir, message));

  it.each([
    ['i32.wast', 459],
    ['i64.wast', 31],
    ['br_table.wast', 24],
    ['memory_trap.wast', 13],
    ['call_indirect.wast', 33],
  ])('%s: 0 failed, at least %i passed', async (file, minPassed) => {
    const r = await warden(['wast', join(SUITE, file)], dir);
    const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(r.stdout.split('\n').filter((l) => l.includes('FAILED'))).toEqual([]);
    expect(Number(m![2])).toBe(0);
    expect(Number(m![1])).toBeGreaterThanOrEqual(minPassed);
    expect(r.code).toBe(0);
  });
});
