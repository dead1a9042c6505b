/**
 * The WASM conformance campaign: random instructions, operands and small
 * programs run through the spec interpreter (spec/wasm: decoder + semantics
 * + interp) and through Node's own WebAssembly (V8); results, traps, globals
 * and memory are compared.
 *
 * Modules are built as binaries by the tiny encoder below (so the spec
 * decoder is exercised on exactly the bytes V8 runs). Every case is
 * reproducible from (seed, batch, case): each batch draws from its own PRNG
 * seeded with hash(seed, batch).
 */
import { decodeModule } from '../../spec/wasm/decode.ts';
import { instantiate, InterpMemory, type Instance, type InvokeResult } from '../../spec/wasm/interp.ts';
import { NUMERIC_OPS, LOAD_OPS, STORE_OPS, opcodeBytes, type ValueKind } from '../../spec/wasm/opcodes.ts';
import type { TrapKind } from '../../spec/abi/traps.ts';
import { Sfc32 } from '../rng.ts';

// ---------------------------------------------------------------------------
// PRNG (sfc32) and operand generation

export class Rng extends Sfc32 {
  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    for (const s of seeds) h = Math.imul(h ^ (s >>> 0), 0x85ebca6b) ^ (h >>> 13);
    super(h, h ^ 0xdeadbeef, Math.imul(h, 0x27d4eb2d), 1);
  }
  int(n: number): number {
    return this.u32() % n;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

const EDGE32 = [0n, 1n, 2n, 0xffffffffn, 0x80000000n, 0x7fffffffn, 0x80000001n, 31n, 32n, 33n, 63n, 64n, 0xfffffffen, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn];
const EDGE64 = [...EDGE32, 0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 0x8000000000000001n, 0x100000000n, 0xffffffff00000000n, 0xfffffffffffffffen];

/** An operand of width w (unsigned), biased to edge cases. */
export function operand(r: Rng, t: ValueKind): bigint {
  const w = t === 'i32' ? 32 : 64;
  const mask = (1n << BigInt(w)) - 1n;
  switch (r.int(6)) {
    case 0:
      return r.pick(t === 'i32' ? EDGE32 : EDGE64) & mask;
    case 1:
      return (1n << BigInt(r.int(w))) & mask;
    case 2:
      return ((1n << BigInt(r.int(w))) - 1n + BigInt(r.int(3)) - 1n) & mask;
    case 3:
      return BigInt(r.int(17) - 8) & mask;
    case 4:
      return BigInt.asUintN(w, BigInt(r.u32() | 0)); // sign-extended 32-bit random
    default:
      return t === 'i32' ? BigInt(r.u32()) : r.u64();
  }
}

// ---------------------------------------------------------------------------
// A tiny module encoder (tests only)

export function uleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

export function sleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const VT: Record<ValueKind, number> = { i32: 0x7f, i64: 0x7e };
const str = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** Instruction bytes: an opcode name followed by immediates already encoded. */
export function ins(name: string, ...imm: number[][]): number[] {
  return [...opcodeBytes(name), ...imm.flat()];
}
export const i32c = (v: bigint | number): number[] => ins('i32.const', sleb(BigInt.asIntN(32, BigInt(v))));
export const i64c = (v: bigint | number): number[] => ins('i64.const', sleb(BigInt.asIntN(64, BigInt(v))));
export const constOf = (t: ValueKind, v: bigint): number[] => (t === 'i32' ? i32c(v) : i64c(v));

export interface FuncDef {
  params: ValueKind[];
  results: ValueKind[];
  locals?: ValueKind[];
  body: number[];
  export?: string;
}

export class ModuleBuilder {
  private types: string[] = [];
  private typeDefs: { params: ValueKind[]; results: ValueKind[] }[] = [];
  funcs: FuncDef[] = [];
  memory?: { min: number; max?: number; export?: string };
  /** Import the memory as env.mem instead of defining it (campaigns share one memory: V8 reserves address space per memory). */
  importMemory = false;
  table?: { size: number; elems: (number | null)[] };
  globals: { type: ValueKind; mutable: boolean; init: bigint; export?: string }[] = [];
  datas: { offset: number; bytes: number[] }[] = [];

  type(params: ValueKind[], results: ValueKind[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    let i = this.types.indexOf(key);
    if (i < 0) {
      i = this.types.push(key) - 1;
      this.typeDefs.push({ params, results });
    }
    return i;
  }
  func(f: FuncDef): number {
    return this.funcs.push(f) - 1;
  }
  encode(): Uint8Array {
    for (const f of this.funcs) this.type(f.params, f.results);
    const sections: number[] = [];
    const section = (id: number, content: number[]): void => {
      sections.push(id, ...uleb(content.length), ...content);
    };
    section(1, vec(this.typeDefs.map((t) => [0x60, ...vec(t.params.map((p) => [VT[p]])), ...vec(t.results.map((p) => [VT[p]]))])));
    const limits = (m: { min: number; max?: number }): number[] => (m.max === undefined ? [0x00, ...uleb(m.min)] : [0x01, ...uleb(m.min), ...uleb(m.max)]);
    if (this.memory && this.importMemory) section(2, vec([[...str('env'), ...str('mem'), 0x02, ...limits(this.memory)]]));
    section(3, vec(this.funcs.map((f) => uleb(this.type(f.params, f.results)))));
    if (this.table) section(4, vec([[0x70, 0x00, ...uleb(this.table.size)]]));
    if (this.memory && !this.importMemory) section(5, vec([limits(this.memory)]));
    if (this.globals.length) section(6, vec(this.globals.map((g) => [VT[g.type], g.mutable ? 1 : 0, ...constOf(g.type, g.init), 0x0b])));
    const exports: number[][] = [];
    this.funcs.forEach((f, i) => f.export !== undefined && exports.push([...str(f.export), 0x00, ...uleb(i)]));
    if (this.memory?.export !== undefined) exports.push([...str(this.memory.export), 0x02, 0x00]);
    this.globals.forEach((g, i) => g.export !== undefined && exports.push([...str(g.export), 0x03, ...uleb(i)]));
    section(7, vec(exports));
    if (this.table) {
      // Encoding 4 (expressions) so that null entries can be written as ref.null.
      const items = this.table.elems.map((e) => (e === null ? [0xd0, 0x70, 0x0b] : [0xd2, ...uleb(e), 0x0b]));
      section(9, vec([[0x04, ...i32c(0), 0x0b, ...vec(items)]]));
    }
    section(10, vec(this.funcs.map((f) => {
      const locals = vec((f.locals ?? []).map((t) => [1, VT[t]]));
      const body = [...locals, ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    })));
    if (this.datas.length) section(11, vec(this.datas.map((d) => [0x00, ...i32c(d.offset), 0x0b, ...vec(d.bytes.map((b) => [b]))])));
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections]);
  }
}

// ---------------------------------------------------------------------------
// Running both engines and comparing

/** The slice of Node's WebAssembly API used here (tsconfig's libs do not declare it). */
interface V8Instance {
  exports: Record<string, unknown>;
}
interface V8Api {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => V8Instance;
  RuntimeError: new (...args: unknown[]) => Error;
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}
export const V8 = (globalThis as unknown as { WebAssembly: V8Api }).WebAssembly;
const memoryBytes = (m: unknown): Uint8Array => new Uint8Array((m as { buffer: ArrayBuffer }).buffer);
const globalValue = (g: unknown): number | bigint => (g as { value: number | bigint }).value;

export type Outcome = { kind: 'values'; values: bigint[] } | { kind: 'trap'; traps: TrapKind[] } | { kind: 'error'; message: string };

/** V8 RuntimeError messages -> the trap kinds they may stand for. */
const V8_TRAPS: [RegExp, TrapKind[]][] = [
  [/^unreachable/, ['unreachable']],
  [/divide by zero|remainder by zero/, ['integer divide by zero']],
  [/divide result unrepresentable|integer overflow/, ['integer overflow']],
  [/memory access out of bounds/, ['out of bounds memory access']],
  [/table index is out of bounds/, ['undefined element']],
  // V8 does not distinguish a null entry from a signature mismatch.
  [/null function or function signature mismatch/, ['uninitialized element', 'indirect call type mismatch']],
  [/function signature mismatch/, ['indirect call type mismatch']],
  [/Maximum call stack size exceeded/, ['call stack exhausted']],
];

export function v8Outcome(fn: () => unknown, results: ValueKind[]): Outcome {
  try {
    const r = fn();
    const list = results.length === 0 ? [] : results.length === 1 ? [r] : (r as unknown[]);
    return { kind: 'values', values: list.map((v, i) => BigInt.asUintN(results[i] === 'i32' ? 32 : 64, typeof v === 'bigint' ? v : BigInt(v as number))) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof V8.RuntimeError || e instanceof RangeError) {
      for (const [re, traps] of V8_TRAPS) if (re.test(msg)) return { kind: 'trap', traps };
    }
    return { kind: 'error', message: `${e instanceof Error ? e.name : 'throw'}: ${msg}` };
  }
}

export function specOutcome(fn: () => InvokeResult): Outcome {
  try {
    const r = fn();
    if (r.kind === 'values') return { kind: 'values', values: r.values.map((v) => v.v) };
    if (r.kind === 'trap') return { kind: 'trap', traps: [r.trap] };
    return { kind: 'error', message: `fuel exhausted after ${r.steps} steps` };
  } catch (e) {
    return { kind: 'error', message: `${e instanceof Error ? e.name : 'throw'}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function sameOutcome(spec: Outcome, v8: Outcome): boolean {
  if (spec.kind === 'values' && v8.kind === 'values') return spec.values.length === v8.values.length && spec.values.every((v, i) => v === v8.values[i]);
  if (spec.kind === 'trap' && v8.kind === 'trap') return v8.traps.includes(spec.traps[0]!);
  return false;
}

export function showOutcome(o: Outcome): string {
  if (o.kind === 'values') return `values [${o.values.map((v) => `0x${v.toString(16)}`).join(', ')}]`;
  if (o.kind === 'trap') return `trap ${o.traps.join(' | ')}`;
  return `error ${o.message}`;
}

const toJs = (t: ValueKind, v: bigint): number | bigint => (t === 'i32' ? Number(BigInt.asIntN(32, v)) : BigInt.asIntN(64, v));

interface Pair {
  spec: Instance;
  v8: V8Instance;
  bytes: Uint8Array;
}

/** One memory shared by both engines across batches. */
interface SharedMemory {
  v8: unknown;
  spec: InterpMemory;
}

function sharedMemory(pages: number, max: number): SharedMemory {
  return { v8: new V8.Memory({ initial: pages, maximum: max }), spec: new InterpMemory(pages, max) };
}

function build(b: ModuleBuilder, mem?: SharedMemory): Pair {
  const bytes = b.encode();
  const v8 = new V8.Instance(new V8.Module(bytes), mem ? { env: { mem: mem.v8 } } : {});
  const spec = instantiate(decodeModule(bytes), mem ? { env: { mem: mem.spec } } : {}, { fuel: 1_000_000 });
  return { spec, v8, bytes };
}

interface Ctx {
  memCampaign?: SharedMemory;
  programMem?: SharedMemory;
  seed: number;
  log: (line: string) => void;
  passed: number;
  failed: number;
  /** Printed failures are capped so a systematic bug does not flood the log. */
  printed: number;
}

function check(ctx: Ctx, where: string, what: string, spec: Outcome, v8: Outcome): boolean {
  if (sameOutcome(spec, v8)) {
    ctx.passed++;
    return true;
  }
  ctx.failed++;
  if (ctx.printed++ < 50) ctx.log(`FAIL seed=${ctx.seed} ${where} ${what}: spec ${showOutcome(spec)}; v8 ${showOutcome(v8)}`);
  return false;
}

function call(p: Pair, name: string, params: ValueKind[], results: ValueKind[], args: bigint[]): [Outcome, Outcome] {
  const f = p.v8.exports[name] as (...a: unknown[]) => unknown;
  const spec = specOutcome(() => p.spec.invoke(name, args));
  const v8 = v8Outcome(() => f(...args.map((a, i) => toJs(params[i]!, a))), results);
  return [spec, v8];
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

// ---------------------------------------------------------------------------
// Campaign 1: every numeric instruction on operands from locals, and on constants

function numericCampaign(ctx: Ctx, batch: number, cases: number): number {
  const r = new Rng(ctx.seed, batch, 1);
  let done = 0;
  const b = new ModuleBuilder();
  // One function per op with operands from params, plus `constCases` functions with constant operands.
  NUMERIC_OPS.forEach((op, i) => b.func({ params: op.sig.params, results: op.sig.results, body: [...op.sig.params.flatMap((_, j) => ins('local.get', uleb(j))), ...ins(op.name)], export: `p${i}` }));
  const constCases = Math.min(64, Math.max(1, Math.floor(cases / 8)));
  const consts: { op: (typeof NUMERIC_OPS)[number]; args: bigint[] }[] = [];
  for (let i = 0; i < constCases; i++) {
    const op = r.pick(NUMERIC_OPS);
    const args = op.sig.params.map((t) => operand(r, t));
    consts.push({ op, args });
    b.func({ params: [], results: op.sig.results, body: [...args.flatMap((a, j) => constOf(op.sig.params[j]!, a)), ...ins(op.name)], export: `c${i}` });
  }
  const p = build(b);
  consts.forEach(({ op, args }, i) => {
    if (done >= cases) return;
    const [s, v] = call(p, `c${i}`, [], op.sig.results, []);
    check(ctx, `batch=${batch} case=${done}`, `${op.name} (constant operands ${args.map(hex).join(' ')})`, s, v);
    done++;
  });
  for (let k = 0; done < cases; k++, done++) {
    const idx = (batch * 7 + k) % NUMERIC_OPS.length; // round-robin: every op in every batch
    const op = NUMERIC_OPS[idx]!;
    const args = op.sig.params.map((t) => operand(r, t));
    const [s, v] = call(p, `p${idx}`, op.sig.params, op.sig.results, args);
    check(ctx, `batch=${batch} case=${done}`, `${op.name} ${args.map(hex).join(' ')}`, s, v);
  }
  return done;
}

// ---------------------------------------------------------------------------
// Campaign 2: loads and stores of every width near the end of memory

const OFFSETS = [0, 1, 2, 3, 4, 7, 8, 16, 65528, 65532, 65535, 65536, 65537, 131064, 0x7fffffff, 0xfffffff8, 0xffffffff];

function memoryCampaign(ctx: Ctx, batch: number, cases: number): number {
  const r = new Rng(ctx.seed, batch, 2);
  const pages = 2;
  const b = new ModuleBuilder();
  b.memory = { min: pages, max: pages, export: 'mem' };
  b.importMemory = true;
  const dataOff = r.int(pages * 65536 - 64);
  b.datas.push({ offset: dataOff, bytes: Array.from({ length: 1 + r.int(48) }, () => r.int(256)) });
  const accesses: { name: string; store: boolean; t: ValueKind; size: number; offset: number }[] = [];
  const nf = Math.min(24, Math.max(1, Math.ceil(cases / 4)));
  for (let i = 0; i < nf; i++) {
    const st = r.chance(0.5);
    const op = st ? r.pick(STORE_OPS) : r.pick(LOAD_OPS);
    const t: ValueKind = op.name.startsWith('i64') ? 'i64' : 'i32';
    const offset = r.chance(0.5) ? r.pick(OFFSETS) : r.int(64);
    const align = r.int(Math.log2(op.accessBytes) + 1);
    accesses.push({ name: op.name, store: st, t, size: op.accessBytes, offset });
    const memarg = [...uleb(align), ...uleb(offset)];
    b.func(st
      ? { params: ['i32', t], results: [], body: [...ins('local.get', [0]), ...ins('local.get', [1]), ...ins(op.name, memarg)], export: `f${i}` }
      : { params: ['i32'], results: [t], body: [...ins('local.get', [0]), ...ins(op.name, memarg)], export: `f${i}` });
  }
  const p = build(b, (ctx.memCampaign ??= sharedMemory(pages, pages)));
  const v8mem = memoryBytes(p.v8.exports.mem);
  const specMem = p.spec.memory!.bytes;
  // Random contents in a few windows (the ends of memory included), identically on both sides.
  for (const start of [0, pages * 65536 - 256, r.int(pages * 65536 - 256)]) {
    for (let i = 0; i < 256; i++) {
      const v = r.int(256);
      v8mem[start + i] = v;
      specMem[start + i] = v;
    }
  }
  const size = pages * 65536;
  let done = 0;
  for (let k = 0; done < cases; k++) {
    const a = accesses[k % accesses.length]!;
    const addr = BigInt.asUintN(32, BigInt(r.pick([size - a.size - a.offset + r.int(9) - 4, r.int(size), 0, -1 - r.int(8), size - r.int(16), r.int(64)])));
    const args = a.store ? [addr, operand(r, a.t)] : [addr];
    const [s, v] = call(p, `f${k % accesses.length}`, a.store ? ['i32', a.t] : ['i32'], a.store ? [] : [a.t], args);
    const where = `batch=${batch} case=${done}`;
    if (check(ctx, where, `${a.name} offset=${a.offset} ${args.map(hex).join(' ')}`, s, v) && a.store) {
      // Compare the bytes around the effective address.
      const ea = Number(addr) + a.offset;
      for (let i = Math.max(0, ea - 8); i < Math.min(size, ea + 16); i++) {
        if (v8mem[i] !== specMem[i]) {
          check(ctx, where, `${a.name} offset=${a.offset} ${args.map(hex).join(' ')} memory byte ${i}`, { kind: 'values', values: [BigInt(specMem[i]!)] }, { kind: 'values', values: [BigInt(v8mem[i]!)] });
          ctx.passed--;
          break;
        }
      }
    }
    done++;
  }
  let diff = -1;
  for (let i = 0; i < size && diff < 0; i++) if (v8mem[i] !== specMem[i]) diff = i;
  if (diff >= 0) {
    ctx.failed++;
    ctx.log(`FAIL seed=${ctx.seed} batch=${batch} memory differs at end of batch, first at byte ${diff}`);
  }
  return done;
}

// ---------------------------------------------------------------------------
// Campaign 3: memory.size / memory.grow

function growCampaign(ctx: Ctx, batch: number, cases: number): number {
  const r = new Rng(ctx.seed, batch, 3);
  const b = new ModuleBuilder();
  const min = r.int(3);
  const max = r.chance(0.7) ? min + r.int(4) : undefined;
  b.memory = max === undefined ? { min } : { min, max };
  b.func({ params: ['i32'], results: ['i32'], body: [...ins('local.get', [0]), ...ins('memory.grow', [0])], export: 'grow' });
  b.func({ params: [], results: ['i32'], body: ins('memory.size', [0]), export: 'size' });
  b.func({ params: ['i32'], results: ['i32'], body: [...ins('local.get', [0]), ...ins('i32.load8_u', [0, 0])], export: 'peek' });
  const p = build(b);
  let done = 0;
  let pages = min;
  while (done < cases) {
    const where = `batch=${batch} case=${done}`;
    const which = r.int(3);
    if (which === 0) {
      // Without a declared max only deltas that surely fail or stay tiny: growing to 4 GiB is slow and may legitimately fail.
      const delta = r.pick(max === undefined ? [0, 1, 2, 65537, 0xffffffff, 0x80000000] : [0, 1, 2, 3, 4, 5, 65535, 65536, 0xffffffff, 0x80000000]);
      const [s, v] = call(p, 'grow', ['i32'], ['i32'], [BigInt(delta)]);
      check(ctx, where, `memory.grow ${delta} (min ${min}, max ${max ?? 'none'}, pages ${pages})`, s, v);
      if (s.kind === 'values' && s.values[0] !== 0xffffffffn) pages += delta;
    } else if (which === 1) {
      const [s, v] = call(p, 'size', [], ['i32'], []);
      check(ctx, where, `memory.size (pages ${pages})`, s, v);
    } else {
      const addr = BigInt.asUintN(32, BigInt(pages * 65536 - 2 + r.int(4)));
      const [s, v] = call(p, 'peek', ['i32'], ['i32'], [addr]);
      check(ctx, where, `i32.load8_u ${hex(addr)} after growth (pages ${pages})`, s, v);
    }
    done++;
  }
  return done;
}

// ---------------------------------------------------------------------------
// Campaign 4: random programs (locals, globals, select, blocks with results,
// multi-value blocks, loops, br_if, br_table, calls, call_indirect)

class ProgramGen {
  locals: ValueKind[] = [];
  nParams = 0;
  helpers: { index: number; params: ValueKind[]; result: ValueKind }[] = [];
  tableSize = 0;
  constructor(
    readonly r: Rng,
    readonly b: ModuleBuilder,
    readonly globals: ValueKind[],
  ) {}

  /** Loop counters: never handed out by `local`, so nothing else can reset them. */
  counters = new Set<number>();

  local(t: ValueKind): number {
    const have = this.locals.map((x, i) => [x, i] as const).filter(([x, i]) => x === t && !this.counters.has(i));
    if (have.length && this.r.chance(0.8)) return this.r.pick(have)[1];
    return this.locals.push(t) - 1;
  }

  expr(t: ValueKind, depth: number): number[] {
    const r = this.r;
    if (depth <= 0 || r.chance(0.15)) {
      const k = r.int(3);
      if (k === 0) return constOf(t, operand(r, t));
      if (k === 1) return ins('local.get', uleb(this.local(t)));
      const gs = this.globals.map((g, i) => [g, i] as const).filter(([g]) => g === t);
      return gs.length ? ins('global.get', uleb(r.pick(gs)[1])) : constOf(t, operand(r, t));
    }
    const d = depth - 1;
    switch (r.int(14)) {
      case 0:
      case 1:
      case 2: {
        const ops = NUMERIC_OPS.filter((o) => o.sig.results[0] === t);
        const op = r.pick(ops);
        return [...op.sig.params.flatMap((p) => this.expr(p, d)), ...ins(op.name)];
      }
      case 3:
        return [...this.expr(t, d), ...this.expr(t, d), ...this.expr('i32', d), ...ins('select')];
      case 4:
        return [...this.expr(t, d), ...ins('local.tee', uleb(this.local(t)))];
      case 5: {
        // if/else with a result
        return [...this.expr('i32', d), ...ins('if', [VT[t]]), ...this.stmt(d), ...this.expr(t, d), ...ins('else'), ...this.expr(t, d), ...ins('end')];
      }
      case 6: {
        // block with an early exit
        return [...ins('block', [VT[t]]), ...this.stmt(d), ...this.expr(t, d), ...this.expr('i32', d), ...ins('br_if', [0]), ...ins('drop'), ...this.expr(t, d), ...ins('end')];
      }
      case 7: {
        // br_table out of three nested blocks with results
        const comb = r.pick(NUMERIC_OPS.filter((o) => o.sig.params.length === 2 && o.sig.params[0] === t && o.sig.results[0] === t)).name;
        const targets = Array.from({ length: r.int(5) }, () => uleb(r.int(3)));
        return [
          ...ins('block', [VT[t]]), ...ins('block', [VT[t]]), ...ins('block', [VT[t]]),
          ...this.expr(t, d), ...this.expr('i32', d), ...ins('br_table', vec(targets), uleb(r.int(3))),
          ...ins('end'), ...this.expr(t, d), ...ins(comb), ...ins('end'), ...this.expr(t, d), ...ins(comb), ...ins('end'),
        ];
      }
      case 8: {
        // a counted loop carrying a value as its parameter (multi-value block type)
        const c = this.locals.push('i32') - 1;
        this.counters.add(c);
        const comb = r.pick(NUMERIC_OPS.filter((o) => o.sig.params.length === 2 && o.sig.params[0] === t && o.sig.results[0] === t)).name;
        const ty = this.b.type([t], [t]);
        return [
          ...i32c(1 + r.int(4)), ...ins('local.set', uleb(c)), ...this.expr(t, d),
          ...ins('loop', sleb(ty)), ...this.expr(t, d), ...ins(comb), ...ins('local.get', uleb(c)), ...i32c(1), ...ins('i32.sub'), ...ins('local.tee', uleb(c)), ...ins('br_if', [0]), ...ins('end'),
        ];
      }
      case 9: {
        // a block with a parameter and two results, combined afterwards
        const comb = r.pick(NUMERIC_OPS.filter((o) => o.sig.params.length === 2 && o.sig.params[0] === t && o.sig.results[0] === t)).name;
        const ty = this.b.type([t], [t, t]);
        return [...this.expr(t, d), ...ins('block', sleb(ty)), ...this.expr(t, d), ...this.expr('i32', d), ...ins('br_if', [0]), ...ins(comb), ...this.expr(t, d), ...ins('end'), ...ins(comb)];
      }
      case 10: {
        const hs = this.helpers.filter((h) => h.result === t);
        if (!hs.length) return this.expr(t, d);
        const h = r.pick(hs);
        return [...h.params.flatMap((p) => this.expr(p, d)), ...ins('call', uleb(h.index))];
      }
      case 11: {
        // call_indirect through a table of helpers of mixed types (and null slots)
        const hs = this.helpers.filter((h) => h.result === t);
        if (!hs.length || this.tableSize === 0) return this.expr(t, d);
        const h = r.pick(hs);
        const idx = r.chance(0.7) ? i32c(r.int(this.tableSize + 2)) : [...this.expr('i32', d), ...i32c(7), ...ins('i32.and')];
        return [...h.params.flatMap((p) => this.expr(p, d)), ...idx, ...ins('call_indirect', uleb(this.b.type(h.params, [h.result])), [0])];
      }
      case 12: {
        const op = r.pick(LOAD_OPS.filter((o) => o.sig!.results[0] === t));
        const addr = r.chance(0.5) ? [...this.expr('i32', d), ...i32c(0xffff), ...ins('i32.and')] : this.expr('i32', d);
        return [...addr, ...ins(op.name, [0], uleb(r.pick([0, 1, 8, 65530])))];
      }
      default:
        return [...this.stmt(d), ...this.expr(t, d)];
    }
  }

  stmt(depth: number): number[] {
    const r = this.r;
    const t: ValueKind = r.chance(0.5) ? 'i32' : 'i64';
    switch (r.int(depth <= 0 ? 2 : 7)) {
      case 0:
        return ins('nop');
      case 1:
        return [...this.expr(t, 0), ...ins('local.set', uleb(this.local(t)))];
      case 2: {
        const gs = this.globals.map((g, i) => [g, i] as const).filter(([g]) => g === t);
        return gs.length ? [...this.expr(t, depth - 1), ...ins('global.set', uleb(r.pick(gs)[1]))] : [];
      }
      case 3: {
        const op = r.pick(STORE_OPS.filter((o) => o.sig!.params[1] === t));
        return [...this.expr('i32', depth - 1), ...i32c(0xffff), ...ins('i32.and'), ...this.expr(t, depth - 1), ...ins(op.name, [0], uleb(r.pick([0, 3, 65530])))];
      }
      case 4:
        return [...this.expr('i32', depth - 1), ...ins('if', [0x40]), ...this.stmt(depth - 1), ...(r.chance(0.1) ? ins('unreachable') : []), ...ins('end')];
      case 5:
        return [...this.expr(t, depth - 1), ...ins('drop')];
      default:
        return [...i32c(r.int(2)), ...ins('memory.grow', [0]), ...ins('drop')];
    }
  }
}

const PROGRAM_PARAMS: ValueKind[] = ['i32', 'i64', 'i32'];

function programCampaign(ctx: Ctx, batch: number, cases: number): number {
  const r = new Rng(ctx.seed, batch, 4);
  const b = new ModuleBuilder();
  b.memory = { min: 1, max: 2, export: 'mem' };
  b.importMemory = true;
  b.datas.push({ offset: r.int(65000), bytes: Array.from({ length: 32 }, () => r.int(256)) });
  const gtypes: ValueKind[] = ['i32', 'i64', r.chance(0.5) ? 'i32' : 'i64'];
  gtypes.forEach((t, i) => b.globals.push({ type: t, mutable: true, init: operand(r, t), export: `g${i}` }));
  const gen = new ProgramGen(r, b, gtypes);
  // Helpers call only earlier helpers, so programs cannot recurse (V8's stack depth is not the spec's).
  const nHelpers = 1 + r.int(4);
  for (let i = 0; i < nHelpers; i++) {
    const params = Array.from({ length: r.int(3) }, () => (r.chance(0.5) ? 'i32' : 'i64') as ValueKind);
    const result: ValueKind = r.chance(0.5) ? 'i32' : 'i64';
    gen.locals = [...params];
    const body = gen.expr(result, 2);
    const index = b.func({ params, results: [result], locals: gen.locals.slice(params.length), body });
    gen.helpers.push({ index, params, result });
  }
  gen.tableSize = 1 + r.int(4);
  b.table = { size: gen.tableSize, elems: Array.from({ length: gen.tableSize }, () => (r.chance(0.2) ? null : r.pick(gen.helpers).index)) };
  const result: ValueKind = r.chance(0.5) ? 'i32' : 'i64';
  gen.locals = [...PROGRAM_PARAMS];
  const body = [...gen.stmt(3), ...gen.expr(result, 4)];
  b.func({ params: PROGRAM_PARAMS, results: [result], locals: gen.locals.slice(PROGRAM_PARAMS.length), body, export: 'main' });
  let p: Pair;
  try {
    p = build(b, (ctx.programMem ??= sharedMemory(1, 2)));
  } catch (e) {
    ctx.failed++;
    ctx.log(`FAIL seed=${ctx.seed} batch=${batch} program did not build: ${e instanceof Error ? e.message : String(e)}`);
    return cases;
  }
  let done = 0;
  while (done < cases) {
    const args = PROGRAM_PARAMS.map((t) => operand(r, t));
    const [s, v] = call(p, 'main', PROGRAM_PARAMS, [result], args);
    let ok = check(ctx, `batch=${batch} case=${done}`, `program (module ${p.bytes.length} bytes) main(${args.map(hex).join(', ')})`, s, v);
    for (let g = 0; ok && g < gtypes.length; g++) {
      const sv = p.spec.getGlobal(`g${g}`).v;
      const vv = BigInt.asUintN(gtypes[g] === 'i32' ? 32 : 64, BigInt(globalValue(p.v8.exports[`g${g}`])));
      if (sv !== vv) {
        ok = false;
        ctx.passed--;
        check(ctx, `batch=${batch} case=${done}`, `program global g${g} after main(${args.map(hex).join(', ')})`, { kind: 'values', values: [sv] }, { kind: 'values', values: [vv] });
      }
    }
    done++;
  }
  const v8mem = memoryBytes(p.v8.exports.mem);
  const sm = p.spec.memory!.bytes;
  if (v8mem.length !== sm.length || v8mem.some((x, i) => x !== sm[i])) {
    ctx.failed++;
    ctx.log(`FAIL seed=${ctx.seed} batch=${batch} program memory differs at end of batch`);
  }
  return done;
}

// ---------------------------------------------------------------------------

export type WasmCampaign = 'numeric' | 'memory' | 'grow' | 'program';

export async function runWasmConformance(opts: { cases: number; seed: number; log: (line: string) => void; only?: WasmCampaign[] }): Promise<{ passed: number; failed: number }> {
  const ctx: Ctx = { seed: opts.seed, log: opts.log, passed: 0, failed: 0, printed: 0 };
  // Case mix per round of 1,000: numerics 550, memory 200, grow 50, programs 200.
  const plan = ([
    ['numeric', 550, numericCampaign],
    ['memory', 200, memoryCampaign],
    ['grow', 50, growCampaign],
    ['program', 200, programCampaign],
  ] as const).filter(([name]) => !opts.only || opts.only.includes(name));
  const totalShare = plan.reduce((a, [, share]) => a + share, 0);
  if (plan.length === 0) throw new Error('runWasmConformance: no campaign selected');
  // V8 reserves address space per memory and frees it only on a full GC: keep the number of memories low.
  const perBatch: Record<string, number> = { numeric: 275, memory: 50, grow: 250, program: 20 };
  // Each campaign gets its share of the cases up front and runs in large batches.
  let remaining = opts.cases;
  let batch = 0;
  plan.forEach(([name, share, run], i) => {
    let quota = i === plan.length - 1 ? remaining : Math.min(remaining, Math.round((opts.cases * share) / totalShare));
    remaining -= quota;
    const t0 = performance.now();
    const cases0 = quota;
    while (quota > 0) {
      const n = Math.min(quota, perBatch[name]!);
      try {
        quota -= run(ctx, batch++, n);
      } catch (e) {
        // A harness failure (e.g. a module the spec could not decode) is a failure, never a skip.
        ctx.failed += n;
        quota -= n;
        ctx.log(`FAIL seed=${ctx.seed} batch=${batch - 1} ${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
    if (cases0 > 0) ctx.log(`wasm ${name}: ${cases0} cases in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  });
  opts.log(`${ctx.passed} passed, ${ctx.failed} failed`);
  return { passed: ctx.passed, failed: ctx.failed };
}
