/**
 * Decoder and CLI robustness: random bytes, mutated valid binaries, mutated
 * WAT text and mutated objects. The decoder may only answer with a value or
 * a WasmDecodeError; the frontend and compiler with a result, never an
 * exception; `warden compile` / `warden verify` (in-process `main`) with a
 * clean exit code (0 written, 1 bad input with a one-line message, 2/3 a
 * verdict; never 70, an internal error), in bounded time, and no partial
 * output files.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModule, WasmDecodeError } from '../../spec/wasm/decode.ts';
import { loadWasm, loadWat } from '../../compiler/frontend/index.ts';
import { compileModule } from '../../compiler/compile.ts';
import { Rng } from '../conform/wasm.ts';
import { scratch, warden, type CliResult } from '../cli/helpers.ts';
import { EXIT } from '../../cli/common.ts';
import { buildModule } from './gen.ts';

export interface RobustFailure {
  what: string;
  input: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const SLOW_MS = 5000;
/**
 * Z3's budget per obligation for `warden verify` of a mutated object: a mutant
 * that is still a valid object gets a verdict (likely `unknown`, exit 3) in
 * about a second instead of minutes of proofs at the default rlimit; the
 * check is that the CLI answers cleanly, not what it proves.
 */
const VERIFY_RLIMIT = 200_000;
/** A clean answer: written, bad input (one line), or a verdict (refuted / unknown). */
const CLEAN_EXITS = new Set<number>([EXIT.ok, EXIT.usage, EXIT.refuted, EXIT.unknown]);

/** Valid binaries and their text, from the module generator (deterministic in `rng`). */
export async function seeds(rng: Rng, n: number): Promise<{ wat: string; bytes: Uint8Array }[]> {
  const out: { wat: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const stream = Array.from({ length: 200 + rng.int(1500) }, () => rng.int(0x10000));
    const { wat } = buildModule(stream);
    const l = await loadWat(wat);
    if (!l.ok) throw new Error(`generator produced an invalid module: ${JSON.stringify(l.errors)}`);
    out.push({ wat, bytes: l.bytes });
  }
  return out;
}

const LEB_NOISE = [0x00, 0x7f, 0x80, 0xff, 0x01, 0x41, 0x0b, 0x60];

/** One mutation of `b`: byte flips, LEB-ish bytes, insertions, deletions, truncation, splicing. */
export function mutateBytes(rng: Rng, b: Uint8Array, donor: Uint8Array): Uint8Array {
  const a = Array.from(b);
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(Math.max(1, a.length));
    switch (rng.int(6)) {
      case 0: a[at] = (a[at] ?? 0) ^ (1 << rng.int(8)); break;
      case 1: a[at] = LEB_NOISE[rng.int(LEB_NOISE.length)]!; break;
      case 2: a.splice(at, 0, ...Array.from({ length: 1 + rng.int(8) }, () => rng.int(256))); break;
      case 3: a.splice(at, 1 + rng.int(8)); break;
      case 4: a.length = at; break;
      default: { const from = rng.int(Math.max(1, donor.length)); a.splice(at, rng.int(16), ...donor.slice(from, from + 1 + rng.int(32))); }
    }
  }
  return Uint8Array.from(a);
}

const TEXT_NOISE = ['(', ')', ' ', '$', '"', 'i64', 'i32.add', '0x', '-', '9999999999999999999999', ';;', '(;', 'offset=', 'align=3', '\\', '\u00e9', '\0'];

export function mutateText(rng: Rng, t: string): string {
  let s = t;
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(Math.max(1, s.length));
    switch (rng.int(4)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + rng.int(12)); break;
      case 1: s = s.slice(0, at) + TEXT_NOISE[rng.int(TEXT_NOISE.length)]! + s.slice(at); break;
      case 2: s = s.slice(0, at); break;
      default: { const from = rng.int(Math.max(1, s.length)); s = s.slice(0, at) + s.slice(from, from + rng.int(40)) + s.slice(at); }
    }
  }
  return s;
}

export function randomBytes(rng: Rng): Uint8Array {
  const n = rng.int(64);
  const body = Array.from({ length: n }, () => rng.int(256));
  // Half keep the magic and version so the decoder gets past the header.
  return Uint8Array.from(rng.int(2) ? [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...body] : body);
}

/** The decoder, frontend and compiler on one input (in-process, no files). */
export async function checkDecoderInput(bytes: Uint8Array): Promise<RobustFailure | undefined> {
  const t0 = Date.now();
  try {
    decodeModule(bytes);
  } catch (e) {
    if (!(e instanceof WasmDecodeError)) return { what: `decodeModule threw ${e instanceof Error ? e.name : typeof e}: ${String(e instanceof Error ? e.message : e)}`, input: hex(bytes) };
  }
  let stage = 'loadWasm';
  try {
    const l = await loadWasm(bytes);
    if (l.ok) {
      stage = 'compileModule';
      compileModule(l.module);
    }
  } catch (e) {
    return { what: `${stage} threw: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`, input: hex(bytes) };
  }
  if (Date.now() - t0 > SLOW_MS) return { what: `took ${Date.now() - t0} ms`, input: hex(bytes) };
  return undefined;
}

/** `warden <args>` in `dir`: a clean exit code, one-line message on bad input, no partial outputs, bounded time. */
export async function checkCli(dir: string, args: string[], outputs: string[], input: string): Promise<{ code: number | null; failure?: RobustFailure }> {
  for (const o of outputs) rmSync(join(dir, o), { force: true });
  const t0 = Date.now();
  const r = await warden(args, dir);
  const failure = cliFailure(dir, args, outputs, input, r, Date.now() - t0);
  return { code: r.code, ...(failure ? { failure } : {}) };
}

function cliFailure(dir: string, args: string[], outputs: string[], input: string, r: CliResult, ms: number): RobustFailure | undefined {
  const lines = r.stderr.trim().split('\n').filter((l) => !l.includes('UNVERIFIED'));
  const tmp = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  const fail = (what: string): RobustFailure => ({ what: `warden ${args.join(' ')}: ${what}`, input });
  if (r.code === 70) return fail(`internal error: ${r.stderr.split('\n').slice(0, 3).join(' | ')}`);
  if (r.code === null || !CLEAN_EXITS.has(r.code)) return fail(`exit ${r.code}: ${lines.slice(0, 3).join(' | ')}`);
  if (tmp.length) return fail(`left temporary files ${tmp.join(', ')}`);
  if (ms > SLOW_MS * 4) return fail(`took ${ms} ms`);
  // Exit 1 is bad input (one line on stderr); 2 and 3 are verdicts (refuted / unknown), reported per function.
  if (r.code === 1) {
    if (lines.length !== 1 || lines[0] === '') return fail(`exit ${r.code} with ${lines.length} stderr lines: ${lines.slice(0, 3).join(' | ')}`);
  }
  const partial = outputs.filter((o) => existsSync(join(dir, o)));
  if (r.code !== 0 && partial.length) return fail(`exit ${r.code} but wrote ${partial.join(', ')}`);
  return undefined;
}

export interface RobustStats {
  decoderInputs: number;
  decoderMs: number;
  cliInputs: number;
  cliMs: number;
  /** How many CLI invocations ended how: "compile exit 1", "verify exit 3", ... */
  cliExits: Map<string, number>;
  failures: RobustFailure[];
}

/**
 * `decoder` in-process decoder/compiler inputs and `cli` CLI invocations
 * (compile of mutated .wasm and .wat; verify of mutated objects).
 */
export async function robustCampaign(seed: number, decoder: number, cli: number, log: (s: string) => void = () => {}): Promise<RobustStats> {
  const rng = new Rng(seed);
  const base = await seeds(rng, 8);
  const failures: RobustFailure[] = [];
  const t0 = Date.now();
  for (let i = 0; i < decoder; i++) {
    const s = base[rng.int(base.length)]!;
    const bytes = rng.int(5) === 0 ? randomBytes(rng) : mutateBytes(rng, s.bytes, base[rng.int(base.length)]!.bytes);
    const f = await checkDecoderInput(bytes);
    if (f) failures.push(f);
    if (i > 0 && i % 20000 === 0) log(`  decoder inputs: ${i} (${failures.length} failures)`);
  }
  const decoderMs = Date.now() - t0;
  const cliExits = new Map<string, number>();
  const dir = scratch();
  try {
    // A real object for `verify` to mutate.
    writeFileSync(join(dir, 'm.wat'), base[0]!.wat);
    const made = await warden(['compile', 'm.wat', '-o', 'm.o', '--no-verify'], dir);
    if (made.code !== 0) throw new Error(`cannot compile the verify seed: ${made.stderr}`);
    const object = new Uint8Array(readFileSync(join(dir, 'm.o')));
    for (let i = 0; i < cli; i++) {
      const s = base[rng.int(base.length)]!;
      let f: { code: number | null; failure?: RobustFailure };
      switch (i % 3) {
        case 0: {
          const b = mutateBytes(rng, s.bytes, s.bytes);
          writeFileSync(join(dir, 'x.wasm'), b);
          f = await checkCli(dir, ['compile', 'x.wasm', '-o', 'x.o', '--no-verify'], ['x.o', 'x.h'], hex(b));
          break;
        }
        case 1: {
          const t = mutateText(rng, s.wat);
          writeFileSync(join(dir, 'x.wat'), t);
          f = await checkCli(dir, ['compile', 'x.wat', '-o', 'x.o', '--no-verify'], ['x.o', 'x.h'], t);
          break;
        }
        default: {
          // The ELF header and section tables are mutated: most mutants are bad input; one still valid gets proofs at VERIFY_RLIMIT.
          const o = object.slice();
          const shoff = new DataView(o.buffer).getUint32(32, true);
          for (let e = 0, n = 1 + rng.int(3); e < n; e++) {
            const at = rng.int(2) ? rng.int(52) : shoff + rng.int(Math.max(1, o.length - shoff));
            if (at < o.length) o[at] = rng.int(256);
          }
          const cut = rng.int(4) === 0 ? o.slice(0, rng.int(o.length)) : o;
          writeFileSync(join(dir, 'y.o'), cut);
          f = await checkCli(dir, ['verify', 'm.wat', 'y.o', '--rlimit', String(VERIFY_RLIMIT)], [], hex(cut).slice(0, 400));
        }
      }
      if (f.failure) failures.push(f.failure);
      const how = `${i % 3 === 2 ? 'verify' : 'compile'} exit ${f.code}`;
      cliExits.set(how, (cliExits.get(how) ?? 0) + 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { decoderInputs: decoder, decoderMs, cliInputs: cli, cliMs: Date.now() - t0 - decoderMs, cliExits, failures };
}
