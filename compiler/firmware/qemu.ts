/**
 * Run an ELF image on QEMU's mps2-an386 (Cortex-M4), semihosting output on
 * stdout. Always bounded by `timeout` (and Node's own kill timer).
 * `runOnQemu` blocks; `runOnQemuAsync` lets the caller run several at once.
 */
import { spawn, spawnSync } from 'node:child_process';
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

/** The image in a fresh temporary directory and the `timeout ... qemu-system-arm` arguments that run it. */
function prepare(image: Uint8Array, opts: QemuOptions): { dir: string; args: string[]; killMs: number } {
  const timeoutSec = opts.timeoutSec ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'warden-qemu-'));
  const file = join(dir, 'image.elf');
  writeFileSync(file, image);
  const args = [
    '-k', '1', String(timeoutSec), opts.qemu ?? 'qemu-system-arm',
    '-M', 'mps2-an386', '-cpu', 'cortex-m4',
    '-display', 'none', '-serial', 'none', '-monitor', 'none',
    '-chardev', 'stdio,id=c0', '-semihosting-config', 'enable=on,target=native,chardev=c0',
    '-kernel', file,
  ];
  return { dir, args, killMs: (timeoutSec + 5) * 1000 };
}

const result = (status: number | null, stdout: string, stderr: string): QemuResult => ({ exitCode: status, stdout, stderr, timedOut: status === 124 });

export function runOnQemu(image: Uint8Array, opts: QemuOptions = {}): QemuResult {
  const { dir, args, killMs } = prepare(image, opts);
  try {
    const r = spawnSync('timeout', args, { encoding: 'utf8', timeout: killMs, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw new Error(`cannot run qemu-system-arm: ${r.error.message}`);
    return result(r.status, r.stdout, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runOnQemuAsync(image: Uint8Array, opts: QemuOptions = {}): Promise<QemuResult> {
  const { dir, args, killMs } = prepare(image, opts);
  return new Promise<QemuResult>((resolve, reject) => {
    const p = spawn('timeout', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => p.kill('SIGKILL'), killMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run qemu-system-arm: ${e.message}`));
    });
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve(result(status, Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8')));
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
