/**
 * Helpers shared by the commands: reading an input module (`.wat` or
 * `.wasm`) into one-line user errors, compiling, atomic output, and the
 * exit codes every command documents.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadWasm, loadWat, formatFrontendError } from '../compiler/frontend/index.ts';
import { compileModule, formatCompileError, type CompiledModule, type CompileOptions } from '../compiler/compile.ts';
import type { Module } from '../spec/wasm/ast.ts';
import { UserError } from './errors.ts';

/** Exit codes (documented in `warden --help`). */
export const EXIT = {
  ok: 0,
  /** Bad input: missing file, malformed or invalid module, unsupported feature, bad arguments. */
  usage: 1,
  /** The validator refuted at least one function (a counterexample exists). */
  refuted: 2,
  /** The validator could not decide at least one function (and none was refuted). */
  unknown: 3,
  /** `warden run`: the call trapped. */
  trap: 4,
  /** `warden run`: the emulated program faulted or did not finish. */
  fault: 5,
  /** A bug in warden. */
  internal: 70,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0   success (compile/verify: every function proved; wast: no failure)
  1   bad input or usage (missing file, malformed/invalid module, unsupported
      feature, unknown export, wrong arguments); wast: some assertion failed
  2   validation refuted at least one function (nothing written)
  3   validation could not decide at least one function (nothing written)
  4   run: the call trapped
  5   run: the program faulted or timed out on QEMU
  70  internal error (a bug in warden)`;

export function readInput(path: string): Uint8Array {
  if (!existsSync(path)) throw new UserError(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new UserError(`${path}: is a directory, expected a .wat or .wasm file`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UserError(`${path}: cannot read: ${(e as Error).message}`);
  }
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

/** A `.wasm` starts with `\0asm`; anything else is WebAssembly text. */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

export interface LoadedInput {
  path: string;
  /** The binary module (wabt's output for `.wat`). */
  bytes: Uint8Array;
  module: Module;
}

/** Load a `.wat`/`.wasm` file; every problem is a one-line UserError naming the file. */
export async function loadInput(path: string): Promise<LoadedInput> {
  const raw = readInput(path);
  const binary = isBinary(raw) || (path.endsWith('.wasm') && raw.length > 0 && !/^\s*\(/.test(Buffer.from(raw.subarray(0, 64)).toString('latin1')));
  const l = binary ? await loadWasm(raw, path) : await loadWat(Buffer.from(raw).toString('utf8'), path);
  if (!l.ok) {
    const first = l.errors[0]!;
    const more = l.errors.length > 1 ? ` (and ${l.errors.length - 1} more)` : '';
    const text = formatFrontendError(first);
    // wabt: "validate failed: file:line:col: error: what\n  source\n  ^^^" -> the located line only.
    const located = /(\S+:\d+:\d+: error: [^\n]*)/.exec(text)?.[1];
    const msg = located ?? oneLine(text);
    const named = msg.startsWith(path) ? msg : `${path}: ${msg}`;
    throw new UserError(`${named}${more}`);
  }
  return { path, bytes: l.bytes, module: l.module };
}

export function compileInput(input: LoadedInput, options: CompileOptions): CompiledModule {
  let r;
  try {
    r = compileModule(input.module, options);
  } catch (e) {
    // Module-level limits the compiler reports by throwing (e.g. a data segment beyond the reserved pages).
    if (e instanceof Error && /exceeds|beyond/.test(e.message)) throw new UserError(`${input.path}: ${oneLine(e.message)}`);
    throw e;
  }
  if (!r.ok) {
    const first = r.errors[0]!;
    const more = r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : '';
    throw new UserError(`${input.path}: ${oneLine(formatCompileError(first))}${more}`);
  }
  return r.output;
}

/**
 * Write several files all-or-nothing: each goes to a temporary file in its
 * own directory, then all are renamed. On any failure the temporaries are
 * removed and nothing half-written is left.
 */
export function writeFilesAtomic(files: { path: string; data: Uint8Array | string }[]): void {
  const temps: { tmp: string; path: string }[] = [];
  try {
    for (const f of files) {
      const dir = dirname(f.path);
      if (!existsSync(dir)) throw new UserError(`${f.path}: directory ${dir} does not exist`);
      const tmp = join(dir, `.${basename(f.path)}.${process.pid}.tmp`);
      temps.push({ tmp, path: f.path });
      writeFileSync(tmp, f.data);
    }
    for (const t of temps) renameSync(t.tmp, t.path);
  } catch (e) {
    for (const t of temps) rmSync(t.tmp, { force: true });
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot write output: ${(e as Error).message}`);
  }
}

/** `out.o` -> `out.h`; `out` -> `out.h`. */
export function headerPathFor(out: string): string {
  return out.endsWith('.o') ? `${out.slice(0, -2)}.h` : `${out}.h`;
}

export type IntType = 'i32' | 'i64';

/** Parse a command-line value for a parameter of type `type`: decimal or 0x hex, negative allowed, range-checked. */
export function parseIntArg(text: string, type: IntType, what: string): bigint {
  const m = /^([+-]?)(0x[0-9a-f]+(?:_?[0-9a-f]+)*|[0-9]+(?:_?[0-9]+)*)$/i.exec(text.trim());
  if (!m) throw new UserError(`${what}: '${text}' is not an ${type} (decimal or 0x hex integer expected)`);
  const mag = BigInt(m[2]!.replace(/_/g, ''));
  const v = m[1] === '-' ? -mag : mag;
  const bits = type === 'i32' ? 32n : 64n;
  if (v < -(1n << (bits - 1n)) || v >= 1n << bits) throw new UserError(`${what}: ${text} is out of range for ${type}`);
  return BigInt.asUintN(Number(bits), v);
}

/** A value as a WebAssembly runtime prints it: signed decimal. */
export function showValue(type: IntType, bits: bigint): string {
  return `${BigInt.asIntN(type === 'i32' ? 32 : 64, bits)}`;
}

/** The parameter and result types of an exported function, or a one-line error. */
export function exportSignature(input: LoadedInput, name: string): { index: number; params: IntType[]; results: IntType[] } {
  const m = input.module;
  const e = m.exports.find((x) => x.name === name);
  if (!e) {
    const funcs = m.exports.filter((x) => x.kind === 'func').map((x) => x.name);
    throw new UserError(`${input.path}: no exported function '${name}' (exports: ${funcs.length ? funcs.join(', ') : 'none'})`);
  }
  if (e.kind !== 'func') throw new UserError(`${input.path}: export '${name}' is a ${e.kind}, not a function`);
  const t = m.types[m.funcTypeIndices[e.index]!]!;
  for (const v of [...t.params, ...t.results]) if (v !== 'i32' && v !== 'i64') throw new UserError(`${input.path}: export '${name}' uses type ${v} (only i32 and i64 are supported)`);
  return { index: e.index, params: t.params as IntType[], results: t.results as IntType[] };
}
