/**
 * Run an ELF image on QEMU's mps2-an386 (Cortex-M4), semihosting output on
 * stdout. Always bounded by `timeout` (and Node's own kill timer).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface QemuOptions {
  /** Wall-clock limit in seconds (default 10). */
  timeoutSec?: number;
  qemu?: string;
}

export interface QemuResult {
  /** QEMU's exit status (the SYS_EXIT_EXTENDED code), 124 on timeout, null if killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function runOnQemu(image: Uint8Array, opts: QemuOptions = {}): QemuResult {
  const timeoutSec = opts.timeoutSec ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'warden-qemu-'));
  try {
    const file = join(dir, 'image.elf');
    writeFileSync(file, image);
    const args = [
      '-k', '1', String(timeoutSec), opts.qemu ?? 'qemu-system-arm',
      '-M', 'mps2-an386', '-cpu', 'cortex-m4',
      '-display', 'none', '-serial', 'none', '-monitor', 'none',
      '-chardev', 'stdio,id=c0', '-semihosting-config', 'enable=on,target=native,chardev=c0',
      '-kernel', file,
    ];
    const r = spawnSync('timeout', args, { encoding: 'utf8', timeout: (timeoutSec + 5) * 1000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw new Error(`cannot run qemu-system-arm: ${r.error.message}`);
    return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.status === 124 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
