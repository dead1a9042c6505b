/**
 * vitest global setup: every temporary file a test (or the QEMU/assembler
 * helpers it calls) makes goes under one fresh directory, removed when the
 * run ends, so test runs leave nothing in the system's /tmp. Works through
 * TMPDIR, which `os.tmpdir()` reads and the test workers inherit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'warden-test-run-'));
  const saved = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  };
}
