/**
 * The QEMU side of the ARM conformance campaign: assemble a batch of cases
 * with the harness (tests/conform/qemu/startup.s), link it for mps2-an386,
 * run it under qemu-system-arm, and read back one result record per case.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HarnessLayout } from './arm-case.ts';

const run = promisify(execFile);
const QEMU_DIR = fileURLToPath(new URL('./qemu/', import.meta.url));
export const STARTUP = join(QEMU_DIR, 'startup.s');
const LINKER_SCRIPT = join(QEMU_DIR, 'link.ld');
const AS_FLAGS = ['-mcpu=cortex-m4', '-mthumb'];

/** The harness constants, parsed from the `.equ` lines of startup.s (their one definition). */
export function readLayout(): HarnessLayout {
  const text = readFileSync(STARTUP, 'utf8');
  const equ = (name: string): number => {
    const m = new RegExp(`^\\s*\\.equ\\s+${name}\\s*,\\s*(0x[0-9a-fA-F]+|\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`startup.s: no .equ ${name}`);
    return Number(m[1]);
  };
  return { result: equ('RESULT'), scratch: equ('SCRATCH'), scratchSize: equ('SCRATCH_SIZE'), headerSize: equ('HEADER_SIZE') };
}

/** Whether QEMU and the binutils the campaign needs are on PATH. */
export function qemuAvailable(): boolean {
  const path = (process.env.PATH ?? '').split(':');
  return ['qemu-system-arm', 'arm-none-eabi-as', 'arm-none-eabi-ld', 'arm-none-eabi-nm', 'arm-none-eabi-objcopy', 'timeout'].every((tool) =>
    path.some((d) => d !== '' && existsSync(join(d, tool))),
  );
}

export interface BatchRun {
  /** The flash image (objcopy -O binary), based at address 0. */
  image: Uint8Array;
  symbols: Map<string, number>;
  /** One record per case, in case order: HEADER_SIZE header bytes then SCRATCH_SIZE scratch bytes. */
  records: Uint8Array[];
}

async function tool(cmd: string, args: string[], what: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { maxBuffer: 1 << 28 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${(err.stderr ?? err.message).split('\n').slice(0, 20).join('\n')}`);
  }
}

/**
 * Build and run one batch of cases, in table order: each its id (`I_<id>`)
 * and its assembly (text-section `code`, init-block `data`).
 */
export async function runBatch(dir: string, layout: HarnessLayout, cases: readonly { id: number; code: string[]; data: string[] }[]): Promise<BatchRun> {
  const ids = cases.map((c) => c.id);
  const resultPath = join(dir, 'results.bin');
  if (resultPath.includes('"') || resultPath.includes('\\')) throw new Error(`unusable results path ${resultPath}`);
  const src = [
    '.syntax unified',
    '.thumb',
    '.section .rodata',
    '.align 2',
    '.global open_args',
    `open_args: .word result_path, 5, ${Buffer.byteLength(resultPath)}`,
    `result_path: .asciz "${resultPath}"`,
    '.align 2',
    '.global case_table',
    `case_table: .word ${ids.map((i) => `I_${i}`).join(', ')}${ids.length ? ', ' : ''}0`,
    ...cases.flatMap((c) => c.data),
    '.text',
    ...cases.flatMap((c) => c.code),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'batch.s'), src);
  await tool('arm-none-eabi-as', [...AS_FLAGS, '-o', join(dir, 'startup.o'), STARTUP], 'assembling startup.s');
  await tool('arm-none-eabi-as', [...AS_FLAGS, '-o', join(dir, 'batch.o'), join(dir, 'batch.s')], `assembling ${join(dir, 'batch.s')}`);
  const elf = join(dir, 'fw.elf');
  await tool('arm-none-eabi-ld', ['-T', LINKER_SCRIPT, '-o', elf, join(dir, 'startup.o'), join(dir, 'batch.o')], 'linking');
  const nm = await tool('arm-none-eabi-nm', [elf], 'nm');
  const symbols = new Map<string, number>();
  for (const line of nm.split('\n')) {
    const m = /^([0-9a-f]{8}) \S (\S+)$/.exec(line);
    if (m) symbols.set(m[2]!, parseInt(m[1]!, 16));
  }
  const bin = join(dir, 'fw.bin');
  await tool('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', '-j', '.far', '-j', '.rodata', elf, bin], 'objcopy');
  const image = new Uint8Array(readFileSync(bin));

  writeFileSync(resultPath, '');
  const qemuArgs = [
    '--kill-after=5',
    '120',
    'qemu-system-arm',
    '-M',
    'mps2-an386',
    '-cpu',
    'cortex-m4',
    '-nographic',
    '-display',
    'none',
    '-serial',
    'none',
    '-monitor',
    'none',
    '-semihosting-config',
    'enable=on,target=native',
    '-kernel',
    elf,
  ];
  try {
    await run('timeout', qemuArgs, { maxBuffer: 1 << 24 });
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    const why: Record<number, string> = { 2: 'could not open the results file', 3: 'fault in handler mode (harness bug)', 4: 'SYS_WRITE failed', 124: 'timeout' };
    throw new Error(`qemu-system-arm on ${elf} exited with ${err.code}${why[err.code ?? -1] ? ` (${why[err.code!]})` : ''}: ${err.stderr ?? ''}`);
  }
  const raw = new Uint8Array(readFileSync(resultPath));
  const recordSize = layout.headerSize + layout.scratchSize;
  if (raw.length !== recordSize * ids.length) {
    throw new Error(`qemu wrote ${raw.length} result bytes for ${ids.length} cases (expected ${recordSize * ids.length})`);
  }
  const records: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i++) records.push(raw.subarray(i * recordSize, (i + 1) * recordSize));
  return { image, symbols, records };
}
