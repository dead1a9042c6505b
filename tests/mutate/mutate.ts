/**
 * Mutation campaign against the validator: compile the proved examples once,
 * mutate the .text bytes of the compiled OBJECT the way compiler bugs would,
 * and check every mutant with `validateObject` and (when it is proved) on QEMU
 * against V8. A mutant that is proved but behaves differently is UNSOUND.
 *
 * Mutations are made on the object's .text by bit manipulation of the known
 * Thumb-2 fields; each candidate encoding is re-decoded with `decodeThumb` and
 * kept only when it decodes to what the operator intended (same size).
 * Instructions with relocations (BL, MOVW/MOVT of symbols) are left alone:
 * the linker rewrites them, so the firmware would not run the mutated bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWat } from '../../compiler/frontend/index.ts';
import { compileModule, formatCompileError, type CompiledModule } from '../../compiler/compile.ts';
import { runFirmware, type FirmwareCall } from '../../compiler/firmware/firmware.ts';
import type { ObjFunction } from '../../compiler/target/object.ts';
import { decodeThumb, formatInstr } from '../../spec/arm/decode.ts';
import type { ArmInstr } from '../../spec/arm/ast.ts';
import { readElf } from '../../validator/elf.ts';
import { validateObject } from '../../validator/validate.ts';
import type { Module } from '../../spec/wasm/ast.ts';
import { runV8, show, type Call, type Compiled, type Outcome } from '../compiler/pipeline-harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

// ------------------------------------------------------------------ random

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  u32(): bigint {
    return BigInt(this.next());
  }
  u64(): bigint {
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }
}

// ------------------------------------------------------------------ examples

/** The examples the validator proves, with inputs that terminate quickly. */
export const EXAMPLES: { file: string; /** Needs the validator's default rlimit (50M) and 10-20 s per validation. */ heavy?: boolean; args: (rng: Rng, name: string, params: ('i32' | 'i64')[]) => bigint[][] }[] = [
  { file: 'examples/fib.wat', args: (rng, name, params) => (name === 'fib' ? [0n, 1n, 2n, 3n, 10n, 47n, BigInt(rng.int(60))].map((n) => [n]) : generic(rng, params)) },
  {
    file: 'examples/crc32.wat',
    args: (rng, name, params) =>
      name === 'crc32'
        ? [[0n, 0n], [0n, 9n], [3n, 4n], [65535n, 1n], [65535n, 2n], [0xffffffffn, 1n], [BigInt(rng.int(65536 - 16)), BigInt(rng.int(16))], [BigInt(rng.int(10)), BigInt(rng.int(10))]]
        : generic(rng, params),
  },
  { file: 'examples/pressure/call-i64.wat', heavy: true, args: (rng, _n, params) => generic(rng, params) },
  { file: 'examples/pressure/i64-stack-params.wat', args: (rng, _n, params) => generic(rng, params) },
  { file: 'examples/pressure/live12.wat', heavy: true, args: (rng, _n, params) => generic(rng, params) },
  { file: 'examples/pressure/params7.wat', args: (rng, _n, params) => generic(rng, params) },
];

const EDGE32 = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xffffffffn];
const EDGE64 = [0n, 1n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];

function generic(rng: Rng, params: ('i32' | 'i64')[]): bigint[][] {
  if (params.length === 0) return [[]];
  const out: bigint[][] = [];
  for (let i = 0; i < 8; i++) out.push(params.map((t) => (i < 3 ? rng.pick(t === 'i64' ? EDGE64 : EDGE32) : t === 'i64' ? rng.u64() : rng.u32())));
  return out;
}

function signature(m: Module, name: string): { params: ('i32' | 'i64')[]; results: ('i32' | 'i64')[] } {
  const e = m.exports.find((x) => x.kind === 'func' && x.name === name)!;
  const t = m.types[m.funcTypeIndices[e.index]!]!;
  return { params: t.params as ('i32' | 'i64')[], results: t.results as ('i32' | 'i64')[] };
}

/** One function's place in the object's .text. */
interface FnInfo {
  obj: ObjFunction;
  /** Offset of the function in .text. */
  base: number;
  size: number;
  /** Decoded instructions (offsets in .text). */
  insns: Insn[];
  /** Registers of the entry PUSH. */
  pushed: number[];
}

export interface Insn {
  fn: FnInfo;
  off: number;
  size: 2 | 4;
  instr: ArmInstr;
}

export interface Example {
  file: string;
  compiled: Compiled;
  out: CompiledModule;
  /** The object's bytes and where .text starts in them. */
  object: Uint8Array;
  textOffset: number;
  text: Uint8Array;
  fns: FnInfo[];
  /** .text offsets of 32-bit words in literal pools. */
  poolWords: number[];
  calls: Call[];
  fcalls: FirmwareCall[];
  reference: Outcome[];
  /** The rlimit it and its mutants are validated with (set by `loadExamples`). */
  rlimit?: number;
}

export async function loadExample(file: string, argsOf: (typeof EXAMPLES)[number]['args'], rng: Rng): Promise<Example> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const l = await loadWat(text, file);
  if (!l.ok) throw new Error(`${file}: frontend: ${JSON.stringify(l.errors)}`);
  const r = compileModule(l.module);
  if (!r.ok) throw new Error(`${file}: compile: ${r.errors.map(formatCompileError).join('\n')}`);
  const out = r.output;
  const compiled: Compiled = { bytes: l.bytes, module: l.module, out };
  const elf = readElf(out.object);
  const textSec = elf.sections.find((s) => s.name === '.text')!;
  const fns: FnInfo[] = [];
  const poolWords: number[] = [];
  for (const obj of out.objFunctions) {
    const sym = elf.symbols.find((s) => s.name === obj.name && s.shndx === textSec.index);
    if (!sym) throw new Error(`${file}: no symbol ${obj.name}`);
    const base = sym.value & ~1;
    const code = obj.code;
    const fn: FnInfo = { obj, base, size: code.bytes.length, insns: [], pushed: [] };
    const relocated = new Set<number>();
    for (const rel of code.relocations) for (let k = 0; k < 4; k++) relocated.add(rel.offset + k);
    let at = 0;
    while (at < code.bytes.length) {
      const dr = code.dataRanges.find((d) => d.start <= at && at < d.end);
      if (dr) {
        // Pool words are 4-aligned (in .text); bytes before the first are alignment padding.
        for (let w = dr.start + ((4 - ((base + dr.start) % 4)) % 4); w + 4 <= dr.end; w += 4) if (!relocated.has(w)) poolWords.push(base + w);
        at = dr.end;
        continue;
      }
      const d = decodeThumb(textSec.data, base + at, base + at);
      if (d.kind === 'ok' && !relocated.has(at)) fn.insns.push({ fn, off: base + at, size: d.size, instr: d.instr });
      at += d.size;
    }
    const push = fn.insns.find((i) => i.instr.op === 'stm' && i.instr.alias === 'push');
    if (push && push.instr.op === 'stm') fn.pushed = push.instr.regs;
    fns.push(fn);
  }
  const calls: Call[] = [];
  for (const e of l.module.exports) {
    if (e.kind !== 'func') continue;
    const sig = signature(l.module, e.name);
    for (const args of argsOf(rng, e.name, sig.params)) calls.push({ name: e.name, args });
  }
  const fcalls: FirmwareCall[] = calls.map((call) => {
    const sig = signature(l.module, call.name);
    return { symbol: call.name, args: call.args.map((value, i) => ({ type: sig.params[i]!, value: BigInt.asUintN(sig.params[i] === 'i64' ? 64 : 32, value) })), results: sig.results };
  });
  const reference = await runV8(compiled, calls);
  return { file, compiled, out, object: out.object, textOffset: textSec.offset, text: textSec.data.slice(), fns, poolWords, calls, fcalls, reference };
}

// ------------------------------------------------------------------ encodings

const hw = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const word = (b: Uint8Array, o: number): number => (hw(b, o) | (hw(b, o + 2) << 16)) >>> 0;

function encode(hw1: number, hw2?: number): Uint8Array {
  const out = new Uint8Array(hw2 === undefined ? 2 : 4);
  out[0] = hw1 & 0xff;
  out[1] = (hw1 >>> 8) & 0xff;
  if (hw2 !== undefined) {
    out[2] = hw2 & 0xff;
    out[3] = (hw2 >>> 8) & 0xff;
  }
  return out;
}

function halves(ex: Example, i: Insn): [number, number | undefined] {
  return [hw(ex.text, i.off), i.size === 4 ? hw(ex.text, i.off + 2) : undefined];
}

/** Decode candidate bytes as if placed at the instruction's address. */
function dec(bytes: Uint8Array, address: number): ArmInstr | undefined {
  const d = decodeThumb(bytes, 0, address);
  return d.kind === 'ok' && d.size === bytes.length ? d.instr : undefined;
}

const REG_KEYS = new Set(['rd', 'rn', 'rm', 'rt', 'rt2', 'rdLo', 'rdHi', 'ra', 'regs']);
const maskRegs = (i: ArmInstr): string => JSON.stringify(i, (k, v) => (REG_KEYS.has(k) ? 'R' : v));

/** All single-bit-flip encodings of `i` that decode to the same instruction with only register fields changed. */
function regVariants(ex: Example, i: Insn): { bytes: Uint8Array; instr: ArmInstr }[] {
  const [h1, h2] = halves(ex, i);
  const out: { bytes: Uint8Array; instr: ArmInstr }[] = [];
  const base = maskRegs(i.instr);
  const orig = JSON.stringify(i.instr);
  for (let bitNo = 0; bitNo < i.size * 8; bitNo++) {
    const bytes = bitNo < 16 ? encode(h1 ^ (1 << bitNo), h2) : encode(h1, h2! ^ (1 << (bitNo - 16)));
    const d = dec(bytes, i.off);
    if (d && maskRegs(d) === base && JSON.stringify(d) !== orig) out.push({ bytes, instr: d });
  }
  return out;
}

type Field = [half: 1 | 2, lo: number, width: number];
const IMM_FIELDS: Field[] = [[1, 0, 8], [1, 6, 5], [1, 0, 11], [2, 0, 12], [2, 0, 8], [2, 0, 11]];

function withField(h1: number, h2: number | undefined, f: Field, fn: (v: number) => number): Uint8Array | undefined {
  const [half, lo, w] = f;
  if (half === 2 && h2 === undefined) return undefined;
  const word = half === 1 ? h1 : h2!;
  const mask = ((1 << w) - 1) << lo;
  const v = fn((word & mask) >>> lo);
  if (v < 0 || v >= 1 << w) return undefined;
  const nw = (word & ~mask) | (v << lo);
  return half === 1 ? encode(nw, h2) : encode(h1, nw);
}

/** Re-encode an immediate so that `measure(decoded)` becomes `target`, everything else the same. */
function retarget(ex: Example, i: Insn, measure: (x: ArmInstr) => number | undefined, target: number): Uint8Array | undefined {
  const [h1, h2] = halves(ex, i);
  const cur = measure(i.instr);
  if (cur === undefined) return undefined;
  const rest = (x: ArmInstr) => JSON.stringify(x, (k, v) => (k === 'offset' || k === 'target' || k === 'address' ? 0 : v));
  for (const f of IMM_FIELDS) {
    for (const scale of [1, 2, 4]) {
      const delta = (target - cur) / scale;
      if (!Number.isInteger(delta)) continue;
      const bytes = withField(h1, h2, f, (v) => v + delta);
      if (!bytes) continue;
      const d = dec(bytes, i.off);
      if (d && measure(d) === target && rest(d) === rest(i.instr)) return bytes;
    }
  }
  return undefined;
}

const spOffset = (x: ArmInstr): number | undefined => {
  if ((x.op === 'ldr' || x.op === 'str') && x.addr.kind === 'imm' && x.addr.rn === 13) return x.addr.offset;
  if ((x.op === 'ldrd' || x.op === 'strd') && x.rn === 13) return x.offset;
  return undefined;
};
const branchTarget = (x: ArmInstr): number | undefined => (x.op === 'b' || x.op === 'cbz' || x.op === 'cbnz' ? x.target : undefined);

function nop(size: 2 | 4, address: number): Uint8Array {
  if (size === 2) return encode(0xbf00);
  const w = encode(0xf3af, 0x8000);
  return dec(w, address)?.op === 'nop' ? w : new Uint8Array([0x00, 0xbf, 0x00, 0xbf]);
}

// ------------------------------------------------------------------ operators

export interface Patch {
  off: number;
  bytes: Uint8Array;
}

export interface Mutant {
  id: number;
  example: Example;
  op: string;
  fn: string;
  patches: Patch[];
  /** Human-readable: original -> mutated. */
  what: string;
}

type Operator = (ex: Example, rng: Rng) => Omit<Mutant, 'id' | 'example' | 'op'> | undefined;

const all = (ex: Example): Insn[] => ex.fns.flatMap((f) => f.insns);
const fmt = (x: ArmInstr | undefined): string => (x ? formatInstr(x) : '<undecodable>');
const fmtBytes = (b: Uint8Array, address: number): string => {
  if (b.length === 4 && dec(b.subarray(0, 2), address)?.op === 'nop' && dec(b.subarray(2), address + 2)?.op === 'nop') return 'nop; nop';
  return fmt(dec(b, address));
};
const single = (i: Insn, bytes: Uint8Array, tag = ''): Omit<Mutant, 'id' | 'example' | 'op'> => ({
  fn: i.fn.obj.name,
  patches: [{ off: i.off, bytes }],
  what: `@${(i.off - i.fn.base).toString(16)} ${fmt(i.instr)} -> ${fmtBytes(bytes, i.off)}${tag}`,
});

const isWriter = (x: ArmInstr): boolean => 'rd' in x;

export const OPERATORS: Record<string, Operator> = {
  'wrong-register': (ex, rng) => {
    const cands = all(ex).filter((i) => i.instr.op !== 'stm' && i.instr.op !== 'ldm');
    for (let t = 0; t < 20 && cands.length; t++) {
      const i = rng.pick(cands);
      const vs = regVariants(ex, i);
      if (vs.length) return single(i, rng.pick(vs).bytes);
    }
    return undefined;
  },
  'swap-i64-halves': (ex, rng) => {
    const pairs: [Insn, Insn][] = [];
    for (const f of ex.fns)
      f.insns.forEach((a, k) => {
        for (const b of f.insns.slice(k + 1, k + 6)) {
          const oa = spOffset(a.instr);
          const ob = spOffset(b.instr);
          if (oa !== undefined && ob !== undefined && a.instr.op === b.instr.op && (a.instr.op === 'ldr' || a.instr.op === 'str') && Math.abs(oa - ob) === 4) pairs.push([a, b]);
        }
      });
    const dpairs = all(ex).filter((i) => i.instr.op === 'ldrd' || i.instr.op === 'strd');
    if (dpairs.length && (pairs.length === 0 || rng.int(3) === 0)) {
      const i = rng.pick(dpairs);
      if (i.instr.op !== 'ldrd' && i.instr.op !== 'strd') return undefined;
      const [h1, h2] = halves(ex, i);
      const bytes = encode(h1, (h2! & 0xff) | (i.instr.rt2 << 12) | (i.instr.rt << 8));
      if (dec(bytes, i.off)) return single(i, bytes, ' (halves swapped)');
    }
    for (let t = 0; t < 10 && pairs.length; t++) {
      const [a, b] = rng.pick(pairs);
      const ba = retarget(ex, a, spOffset, spOffset(b.instr)!);
      const bb = retarget(ex, b, spOffset, spOffset(a.instr)!);
      if (ba && bb)
        return {
          fn: a.fn.obj.name,
          patches: [{ off: a.off, bytes: ba }, { off: b.off, bytes: bb }],
          what: `@${(a.off - a.fn.base).toString(16)} ${fmt(a.instr)} / ${fmt(b.instr)} -> ${fmtBytes(ba, a.off)} / ${fmtBytes(bb, b.off)}`,
        };
    }
    return undefined;
  },
  'slot-off-by-4': (ex, rng) => {
    const cands = all(ex).filter((i) => spOffset(i.instr) !== undefined);
    for (let t = 0; t < 10 && cands.length; t++) {
      const i = rng.pick(cands);
      const d = rng.int(2) ? 4 : -4;
      const bytes = retarget(ex, i, spOffset, spOffset(i.instr)! + d) ?? retarget(ex, i, spOffset, spOffset(i.instr)! - d);
      if (bytes) return single(i, bytes);
    }
    return undefined;
  },
  'drop-store': (ex, rng) => {
    const stores = all(ex).filter((i) => i.instr.op === 'str' || i.instr.op === 'strd');
    const spills = stores.filter((i) => spOffset(i.instr) !== undefined);
    const cands = spills.length && rng.int(4) ? spills : stores;
    if (!cands.length) return undefined;
    const i = rng.pick(cands);
    return single(i, nop(i.size, i.off));
  },
  'clobber-callee-saved': (ex, rng) => {
    const cands = all(ex).filter((i) => isWriter(i.instr));
    for (let t = 0; t < 20 && cands.length; t++) {
      const i = rng.pick(cands);
      const vs = regVariants(ex, i).filter((v) => {
        const rd = (v.instr as { rd?: number }).rd;
        return rd !== undefined && rd >= 4 && rd <= 11 && rd !== (i.instr as { rd?: number }).rd && !i.fn.pushed.includes(rd);
      });
      if (vs.length) return single(i, rng.pick(vs).bytes, ' (unsaved callee-saved)');
    }
    // Fall back: drop a callee-saved register from a POP.
    const pops = all(ex).filter((i) => i.instr.op === 'ldm' && i.instr.alias === 'pop' && i.instr.regs.some((r) => r >= 4 && r <= 11));
    if (!pops.length) return undefined;
    const i = rng.pick(pops);
    if (i.instr.op !== 'ldm') return undefined;
    const r = rng.pick(i.instr.regs.filter((x) => x >= 4 && x <= 11));
    const [h1, h2] = halves(ex, i);
    const bytes = i.size === 2 ? encode(h1 & ~(1 << r)) : encode(h1, h2! & ~(1 << r));
    return dec(bytes, i.off) ? single(i, bytes, ` (r${r} not restored)`) : undefined;
  },
  'invert-condition': (ex, rng) => {
    const cands = all(ex).filter((i) => (i.instr.op === 'b' && i.instr.cond !== 'al') || i.instr.op === 'cbz' || i.instr.op === 'cbnz' || i.instr.op === 'it');
    if (!cands.length) return undefined;
    const i = rng.pick(cands);
    const [h1, h2] = halves(ex, i);
    const flip = i.instr.op === 'cbz' || i.instr.op === 'cbnz' ? 1 << 11 : i.instr.op === 'it' ? 1 << 4 : i.size === 2 ? 1 << 8 : 1 << 6;
    const bytes = encode(h1 ^ flip, h2);
    return dec(bytes, i.off) ? single(i, bytes) : undefined;
  },
  'wrong-branch-target': (ex, rng) => {
    const cands = all(ex).filter((i) => branchTarget(i.instr) !== undefined);
    for (let t = 0; t < 20 && cands.length; t++) {
      const i = rng.pick(cands);
      const targets = i.fn.insns.map((x) => x.off).filter((o) => o !== branchTarget(i.instr) && Math.abs(o - branchTarget(i.instr)!) <= 64);
      if (!targets.length) continue;
      const bytes = retarget(ex, i, branchTarget, rng.pick(targets));
      if (bytes) return single(i, bytes);
    }
    return undefined;
  },
  'wrong-trap-code': (ex, rng) => {
    const cands = all(ex).filter((i) => i.instr.op === 'udf');
    if (!cands.length) return undefined;
    const i = rng.pick(cands);
    if (i.instr.op !== 'udf') return undefined;
    const cur = i.instr.imm;
    const codes = [1, 2, 3, 4, 5, 6, 7].filter((c) => c !== cur);
    const [h1, h2] = halves(ex, i);
    const code = rng.pick(codes);
    const bytes = i.size === 2 ? encode((h1 & ~0xff) | code) : encode(h1 & ~0xf, (h2! & ~0xfff) | code);
    return dec(bytes, i.off) ? single(i, bytes) : undefined;
  },
  'corrupt-constant': (ex, rng) => {
    if (ex.poolWords.length && rng.int(2)) {
      const w = rng.pick(ex.poolWords);
      const bytes = ex.text.slice(w, w + 4);
      bytes[rng.int(4)]! ^= 1 << rng.int(8);
      const fn = ex.fns.find((f) => f.base <= w && w < f.base + f.size)!;
      return { fn: fn.obj.name, patches: [{ off: w, bytes }], what: `literal-pool word @${(w - fn.base).toString(16)} 0x${word(ex.text, w).toString(16)} -> 0x${word(bytes, 0).toString(16)}` };
    }
    const cands = all(ex).filter((i) => i.instr.op === 'movw' || i.instr.op === 'movt' || ((i.instr.op === 'dp' || i.instr.op === 'cmp') && i.instr.op2.kind === 'imm'));
    for (let t = 0; t < 10 && cands.length; t++) {
      const i = rng.pick(cands);
      const [h1, h2] = halves(ex, i);
      const k = 1 << rng.int(8);
      const bytes = i.size === 2 ? encode(h1 ^ k) : encode(h1, h2! ^ k);
      const d = dec(bytes, i.off);
      if (d && d.op === i.instr.op) return single(i, bytes);
    }
    return undefined;
  },
  'bit-flip': (ex, rng) => {
    const i = rng.pick(all(ex));
    const [h1, h2] = halves(ex, i);
    const b = rng.int(i.size * 8);
    // A flip that changes the instruction's size would shift every later boundary; keep the size.
    const bytes = b < 16 ? encode(h1 ^ (1 << b), h2) : encode(h1, h2! ^ (1 << (b - 16)));
    const d = decodeThumb(bytes, 0, i.off);
    if (d.size !== i.size) return undefined;
    return single(i, bytes);
  },
};

// ------------------------------------------------------------------ campaign

export function makeMutants(examples: Example[], n: number, rng: Rng): Mutant[] {
  const ops = Object.keys(OPERATORS);
  const seen = new Set<string>();
  const out: Mutant[] = [];
  let attempts = 0;
  while (out.length < n && attempts < n * 50) {
    attempts++;
    const op = ops[attempts % ops.length]!;
    const ex = rng.pick(examples);
    const m = OPERATORS[op]!(ex, rng);
    if (!m) continue;
    // Skip patches that change nothing.
    if (m.patches.every((p) => p.bytes.every((b, k) => b === ex.text[p.off + k]))) continue;
    const key = `${ex.file}|${m.patches.map((p) => `${p.off}:${[...p.bytes].join(',')}`).join(';')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...m, id: out.length, example: ex, op });
  }
  return out;
}

export function applyMutant(m: Mutant): { object: Uint8Array; functions: ObjFunction[] } {
  const ex = m.example;
  const object = ex.object.slice();
  const text = ex.text.slice();
  for (const p of m.patches) {
    object.set(p.bytes, ex.textOffset + p.off);
    text.set(p.bytes, p.off);
  }
  const functions = ex.fns.map((f) => ({ ...f.obj, code: { ...f.obj.code, bytes: text.slice(f.base, f.base + f.size) } }));
  return { object, functions };
}

export type Class = 'refuted' | 'unknown' | 'equivalent' | 'UNSOUND';

export interface MutantResult {
  mutant: Mutant;
  verdict: 'proved' | 'refuted' | 'unknown';
  cls: Class;
  /** For proved mutants: first differing call, if any. */
  diff?: string;
  reason?: string;
  ms: number;
}

function outcomeOf(o: ReturnType<typeof runFirmware>['outcomes'][number]): string {
  if (o.kind === 'ok') return show(o.values.length > 1 ? { kind: 'ok', values: o.values } : o.values.length ? { kind: 'ok', value: o.values[0]! } : { kind: 'ok' });
  if (o.kind === 'trap') return `trap ${o.code}`;
  return o.kind === 'fault' ? `fault cfsr=${o.cfsr.toString(16)} pc=${o.pc.toString(16)}` : 'missing (fault earlier or timeout)';
}

/** Run the calls on QEMU with the given functions; the first call whose outcome differs from V8, or undefined. */
export function qemuDiff(ex: Example, functions: ObjFunction[], timeoutSec = 10): string | undefined {
  const run = runFirmware({ functions, data: ex.out.data, calls: ex.fcalls }, { timeoutSec });
  for (let k = 0; k < ex.calls.length; k++) {
    const arm = outcomeOf(run.outcomes[k]!);
    const v8 = show(ex.reference[k]!);
    if (arm !== v8) return `${ex.calls[k]!.name}(${ex.calls[k]!.args.join(', ')}): V8 ${v8}, QEMU ${arm}${run.timedOut ? ' (timed out)' : ''}`;
  }
  return undefined;
}

/** Why a proved, behaviourally identical mutant is equivalent (best effort, from the decoded text). */
function equivalenceReason(m: Mutant): string {
  const ex = m.example;
  const p = m.patches[0]!;
  const before = dec(ex.text.slice(p.off, p.off + p.bytes.length), p.off);
  const after = dec(p.bytes, p.off);
  if (m.op === 'corrupt-constant' && m.what.startsWith('literal-pool')) {
    const loaded = all(ex).some((i) => i.instr.op === 'ldr' && i.instr.addr.kind === 'lit' && i.instr.addr.address === p.off);
    return loaded ? 'literal word loaded, but the changed bits are not used' : 'literal word no instruction loads';
  }
  if (m.patches.length === 1 && before && after && fmt(before) === fmt(after)) return 'another encoding of the same instruction';
  if (before && after && JSON.stringify({ ...before, size: 0 }) === JSON.stringify({ ...after, size: 0 })) return 'decodes to the same operation';
  if (after?.op === 'nop' || fmtBytes(p.bytes, p.off) === 'nop; nop') return 'dropped store: the slot is not read afterwards (dead store)';
  if (m.op === 'wrong-trap-code') return 'trap code changed on an unreachable UDF';
  if (m.op === 'swap-i64-halves') return 'the two loaded words are used symmetrically (e.g. both subtracted), so exchanging them changes no result';
  if (before?.op === 'str' && after?.op === 'str') return `stores r${after.rt} instead of r${before.rt}: both hold the same value at that point`;
  if (before && after && before.op === 'dp' && after.op === 'dp' && before.op2.kind === 'imm' && after.op2.kind === 'imm' && after.op2.value === 0xffffffff && (after.opc === 'orr' || before.opc === 'mov')) return 'OR with all-ones: the result is all-ones whatever the other operand';
  if (before && after && 'rd' in before && 'rd' in after && before.rd !== after.rd) return `writes r${after.rd} instead of r${before.rd}: the later code still combines the same values (e.g. reassociated addition)`;
  return 'the changed bits do not affect any value the validator relates (dead or don\'t-care)';
}

export async function runMutant(m: Mutant, opts: { rlimit: number; qemuAll?: boolean }): Promise<MutantResult> {
  const t0 = Date.now();
  const { object, functions } = applyMutant(m);
  const report = await validateObject(m.example.compiled.bytes, object, { rlimit: m.example.rlimit ?? opts.rlimit });
  const kinds = report.verdicts.map((v) => v.kind);
  const verdict = kinds.includes('refuted') ? 'refuted' : kinds.includes('unknown') ? 'unknown' : 'proved';
  let diff: string | undefined;
  if (verdict === 'proved' || opts.qemuAll) diff = qemuDiff(m.example, functions, 8);
  const cls: Class = verdict === 'proved' ? (diff ? 'UNSOUND' : 'equivalent') : verdict;
  return { mutant: m, verdict, cls, ...(diff ? { diff } : {}), ...(cls === 'equivalent' ? { reason: equivalenceReason(m) } : {}), ms: Date.now() - t0 };
}

export async function loadExamples(rng: Rng, opts: { heavy?: boolean; rlimit: number; files?: string[] }): Promise<Example[]> {
  const out: Example[] = [];
  for (const e of EXAMPLES) {
    if ((e.heavy && !opts.heavy) || (opts.files && !opts.files.includes(e.file))) continue;
    const ex = await loadExample(e.file, e.args, rng);
    ex.rlimit = e.heavy ? Math.max(opts.rlimit, 50_000_000) : opts.rlimit;
    out.push(ex);
  }
  return out;
}

/** Baseline: every example must be proved and agree with V8 unmutated. */
export async function baseline(ex: Example): Promise<string | undefined> {
  const report = await validateObject(ex.compiled.bytes, ex.object, { rlimit: ex.rlimit });
  const bad = report.verdicts.filter((v) => v.kind !== 'proved');
  if (bad.length) return `${ex.file}: unmutated object not proved at rlimit ${ex.rlimit}: ${bad.map((v) => `${v.symbol} ${v.kind}`).join(', ')}`;
  const d = qemuDiff(ex, ex.fns.map((f) => f.obj));
  return d ? `${ex.file}: unmutated object differs from V8: ${d}` : undefined;
}
