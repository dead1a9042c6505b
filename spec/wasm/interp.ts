/**
 * The concrete reference interpreter for warden's WebAssembly subset, built
 * from the rules in spec/wasm/semantics.ts run with the `concrete` algebra.
 *
 * Usage:
 *   const inst = instantiate(decodeModule(bytes), { env: { f: (args) => [...] } });
 *   inst.invoke('name', [1n, 2n])
 *     -> { kind: 'values', values: CBV[] } | { kind: 'trap', trap } | { kind: 'exhausted' }
 *
 * Values: arguments may be bigint, number or `CBV`; they are taken modulo
 * 2^width of the parameter type (so -1n and 0xffffffffn are the same i32).
 * Results are `CBV`s (`.v` unsigned, `.s` signed, `.w` 32 or 64).
 *
 * Each function is type-checked and flattened on first call into a linear
 * code array with resolved branch targets (pc, operand-stack height, arity);
 * execution is one loop with an explicit frame stack, so neither deep
 * nesting nor deep recursion can overflow the JS stack. A call-depth limit
 * traps 'call stack exhausted' and a fuel limit (instructions executed per
 * invoke) ends a run with `{ kind: 'exhausted' }`.
 *
 * Errors: a function using an instruction outside the subset, or failing
 * type-checking, throws `WasmInterpError` naming the function and byte
 * offset; linking / instantiation failures throw `WasmInstantiateError`.
 */
import { concrete, CBV, FlatMemory } from '../bv/concrete.ts';
import type { TrapKind } from '../abi/traps.ts';
import type { BlockType, ConstExpr, FuncType, Instr, LoadOp, MemArg, Module, NumericOp, StoreOp, ValType } from './ast.ts';
import { opInfo } from './opcodes.ts';
import { load, memoryGrow, numeric, pagesToBytes, store, truthy, PAGE_BYTES, MAX_PAGES } from './semantics.ts';

const A = concrete;

export type ArgValue = bigint | number | CBV;

export type InvokeResult = { kind: 'values'; values: CBV[] } | { kind: 'trap'; trap: TrapKind } | { kind: 'exhausted'; steps: number };

export interface InterpOptions {
  /** Maximum executed instructions per `invoke` (default 100 million). */
  fuel?: number;
  /** Maximum nested calls before trapping 'call stack exhausted' (default 10,000). */
  maxCallDepth?: number;
}

/** A host function: receives the arguments as CBVs, returns the results (CBV/bigint/number). */
export type HostFunc = (args: CBV[]) => ArgValue[] | ArgValue | void;

export type ImportValue = HostFunc | ArgValue | InterpGlobal | InterpMemory | InterpTable;
export type Imports = Record<string, Record<string, ImportValue>>;

export class WasmInterpError extends Error {
  override name = 'WasmInterpError';
  constructor(
    readonly kind: 'unsupported' | 'invalid',
    readonly funcIndex: number,
    readonly funcName: string | undefined,
    readonly offset: number,
    readonly detail: string,
    readonly feature?: string,
  ) {
    super(`wasm interp: function ${funcIndex}${funcName ? ` (${funcName})` : ''} at offset ${offset} (0x${offset.toString(16)}): ${detail}`);
  }
}

export class WasmInstantiateError extends Error {
  override name = 'WasmInstantiateError';
  constructor(
    readonly detail: string,
    /** Set when instantiation failed because initialisation or the start function trapped. */
    readonly trap?: TrapKind,
  ) {
    super(`wasm instantiate: ${detail}`);
  }
}

export class InterpGlobal {
  constructor(
    readonly type: 'i32' | 'i64',
    readonly mutable: boolean,
    public value: CBV,
  ) {}
}

export class InterpMemory {
  readonly store: FlatMemory;
  constructor(
    public pages: number,
    readonly max: number | undefined,
  ) {
    this.store = new FlatMemory(new Uint8Array(pages * PAGE_BYTES));
  }
  get bytes(): Uint8Array {
    return this.store.data;
  }
  /** Grow by `delta` pages with the semantics rule; returns the old size or -1 (as in memory.grow). */
  grow(delta: CBV): CBV {
    const g = memoryGrow(A, A.bv(this.pages, 32), delta, this.max);
    if (g.grew) {
      const next = new Uint8Array(g.pages.n * PAGE_BYTES);
      next.set(this.store.data);
      this.store.data = next;
      this.pages = g.pages.n;
    }
    return g.result;
  }
}

/** A function reference held in a table: the function `index` of `instance`. */
export interface FuncRef {
  instance: Instance;
  index: number;
}

export class InterpTable {
  readonly elements: (FuncRef | null)[];
  constructor(
    size: number,
    readonly max: number | undefined,
  ) {
    this.elements = new Array<FuncRef | null>(size).fill(null);
  }
}

// ---------------------------------------------------------------------------
// Flattened code

/** A branch target: jump to `pc`, keeping `arity` values on top of the operand stack at `height` (relative to the frame). */
interface Target {
  pc: number;
  height: number;
  arity: number;
}

type FOp =
  | { k: 'num'; op: NumericOp; n: number }
  | { k: 'const'; v: CBV }
  | { k: 'local.get' | 'local.set' | 'local.tee' | 'global.get' | 'global.set'; i: number }
  | { k: 'load'; op: LoadOp; memarg: MemArg }
  | { k: 'store'; op: StoreOp; memarg: MemArg }
  | { k: 'memory.size' | 'memory.grow' | 'drop' | 'select' | 'unreachable' | 'nop' }
  | { k: 'br' | 'br_if'; t: Target }
  | { k: 'br_table'; ts: Target[]; d: Target }
  /** `if`: jump to `pc` (the else branch or the end) when the condition is zero. */
  | { k: 'brz'; pc: number }
  | { k: 'call'; f: number }
  | { k: 'call_indirect'; type: FuncType; table: number }
  | { k: 'ret' };

interface Compiled {
  index: number;
  type: FuncType;
  nLocals: number;
  localTypes: ('i32' | 'i64')[];
  code: FOp[];
}

type VT = ValType | 'unknown';

interface Ctrl {
  /** Branches to a loop carry its params (and jump back); to anything else, its results. */
  loop: boolean;
  params: ValType[];
  results: ValType[];
  height: number;
  unreachable: boolean;
  target: Target;
}

const ZERO32 = A.bv(0, 32);
const ZERO64 = A.bv(0, 64);
const MAX_NESTING = 5000;

function featureOfType(t: ValType): string {
  return t === 'f32' || t === 'f64' ? 'floating point' : t === 'v128' ? 'SIMD' : 'reference types';
}

/** Type-check and flatten one defined function. */
function compileFunction(m: Module, funcIndex: number): Compiled {
  const f = m.funcs[funcIndex - (m.funcTypeIndices.length - m.funcs.length)];
  if (!f) throw new WasmInterpError('invalid', funcIndex, undefined, 0, 'no such defined function');
  const fail = (kind: 'unsupported' | 'invalid', offset: number, detail: string, feature?: string): never => {
    throw new WasmInterpError(kind, funcIndex, f.name, offset, detail, feature);
  };
  const type = m.types[f.typeIndex] ?? fail('invalid', f.byteOffset, `type index ${f.typeIndex} out of range`);
  const localTypes: ('i32' | 'i64')[] = [];
  for (const t of [...type.params, ...f.locals, ...type.results]) {
    if (t !== 'i32' && t !== 'i64') fail('unsupported', f.byteOffset, `${t} locals/params/results`, featureOfType(t));
  }
  for (const t of [...type.params, ...f.locals]) localTypes.push(t as 'i32' | 'i64');

  const code: FOp[] = [];
  const vs: VT[] = [];
  const ctrls: Ctrl[] = [];

  const blockSig = (bt: BlockType, at: number): FuncType => {
    if (bt.kind === 'empty') return { params: [], results: [] };
    if (bt.kind === 'value') return { params: [], results: [bt.type] };
    return m.types[bt.index] ?? fail('invalid', at, `block type index ${bt.index} out of range`);
  };
  const push = (t: VT): void => {
    vs.push(t);
  };
  const pop = (at: number, expect?: ValType): VT => {
    const c = ctrls[ctrls.length - 1]!;
    if (vs.length === c.height) {
      if (c.unreachable) return expect ?? 'unknown';
      fail('invalid', at, `type mismatch: operand stack underflow${expect ? ` (expected ${expect})` : ''}`);
    }
    const t = vs.pop()!;
    if (expect && t !== 'unknown' && t !== expect) fail('invalid', at, `type mismatch: expected ${expect}, got ${t}`);
    return t;
  };
  const popAll = (at: number, ts: readonly ValType[]): void => {
    for (let i = ts.length - 1; i >= 0; i--) pop(at, ts[i]);
  };
  const pushAll = (ts: readonly ValType[]): void => ts.forEach(push);
  const label = (depth: number, at: number): Ctrl => ctrls[ctrls.length - 1 - depth] ?? fail('invalid', at, `unknown label ${depth}`);
  const branchTypes = (c: Ctrl): ValType[] => (c.loop ? c.params : c.results);
  const setUnreachable = (): void => {
    const c = ctrls[ctrls.length - 1]!;
    vs.length = c.height;
    c.unreachable = true;
  };
  /** Pop a frame at `end`: check its results are exactly on the stack. */
  const endFrame = (at: number): Ctrl => {
    const c = ctrls[ctrls.length - 1]!;
    popAll(at, c.results);
    if (vs.length !== c.height) fail('invalid', at, 'type mismatch: values remaining on the stack at end of block');
    ctrls.pop();
    return c;
  };
  const local = (i: number, at: number): 'i32' | 'i64' => localTypes[i] ?? fail('invalid', at, `unknown local ${i}`);
  const global = (i: number, at: number): { type: ValType; mutable: boolean } => {
    const imported = m.imports.filter((x) => x.desc.kind === 'global');
    if (i < imported.length) {
      const d = imported[i]!.desc as { type: ValType; mutable: boolean };
      return d;
    }
    return m.globals[i - imported.length] ?? fail('invalid', at, `unknown global ${i}`);
  };
  const needMemory = (at: number): void => {
    if (m.memories.length === 0) fail('invalid', at, 'unknown memory 0');
  };

  const seq = (body: readonly Instr[], depth: number): void => {
    if (depth > MAX_NESTING) fail('unsupported', body[0]?.offset ?? f.byteOffset, `block nesting deeper than ${MAX_NESTING}`, 'deep nesting');
    for (const ins of body) one(ins, depth);
  };

  // Loop targets know their pc at creation; forward targets get it patched at `end`.
  const one = (ins: Instr, depth: number): void => {
    const at = ins.offset;
    switch (ins.op) {
      case 'unsupported':
        return fail('unsupported', at, `instruction ${ins.name} (feature: ${ins.feature}) is not supported`, ins.feature);
      case 'nop':
        return;
      case 'unreachable':
        code.push({ k: 'unreachable' });
        return setUnreachable();
      case 'block':
      case 'loop': {
        const sig = blockSig(ins.type, at);
        popAll(at, sig.params);
        const height = vs.length;
        pushAll(sig.params);
        const isLoop = ins.op === 'loop';
        const target: Target = isLoop ? { pc: code.length, height, arity: sig.params.length } : { pc: -1, height, arity: sig.results.length };
        ctrls.push({ loop: isLoop, params: sig.params, results: sig.results, height, unreachable: false, target });
        seq(ins.body, depth + 1);
        endFrame(at);
        if (!isLoop) target.pc = code.length;
        return pushAll(sig.results);
      }
      case 'if': {
        const sig = blockSig(ins.type, at);
        pop(at, 'i32');
        popAll(at, sig.params);
        const height = vs.length;
        const brz: FOp & { k: 'brz' } = { k: 'brz', pc: -1 };
        code.push(brz);
        const target: Target = { pc: -1, height, arity: sig.results.length };
        ctrls.push({ loop: false, params: sig.params, results: sig.results, height, unreachable: false, target });
        pushAll(sig.params);
        seq(ins.then, depth + 1);
        endFrame(at);
        // An if without else must leave its params as its results.
        if (ins.else.length === 0 && sig.params.join() !== sig.results.join()) fail('invalid', at, 'type mismatch: if without else must have matching params and results');
        const jumpOverElse: FOp & { k: 'br' } = { k: 'br', t: target };
        code.push(jumpOverElse);
        brz.pc = code.length;
        ctrls.push({ loop: false, params: sig.params, results: sig.results, height, unreachable: false, target });
        pushAll(sig.params);
        seq(ins.else, depth + 1);
        endFrame(at);
        target.pc = code.length;
        return pushAll(sig.results);
      }
      case 'br': {
        const ctrl = label(ins.depth, at);
        popAll(at, branchTypes(ctrl));
        code.push({ k: 'br', t: ctrl.target });
        return setUnreachable();
      }
      case 'br_if': {
        const ctrl = label(ins.depth, at);
        pop(at, 'i32');
        const ts = branchTypes(ctrl);
        popAll(at, ts);
        pushAll(ts);
        code.push({ k: 'br_if', t: ctrl.target });
        return;
      }
      case 'br_table': {
        pop(at, 'i32');
        const def = label(ins.default, at);
        const arity = branchTypes(def).length;
        const ts = ins.depths.map((d) => {
          const c = label(d, at);
          const types = branchTypes(c);
          if (types.length !== arity) fail('invalid', at, 'type mismatch: br_table targets of different arity');
          // Check each target's types against the operands without consuming them.
          const saved = vs.slice();
          popAll(at, types);
          vs.length = 0;
          vs.push(...saved);
          return c.target;
        });
        popAll(at, branchTypes(def));
        code.push({ k: 'br_table', ts, d: def.target });
        return setUnreachable();
      }
      case 'return': {
        popAll(at, type.results);
        code.push({ k: 'br', t: ctrls[0]!.target });
        return setUnreachable();
      }
      case 'call': {
        const ft = m.types[m.funcTypeIndices[ins.func] ?? -1] ?? fail('invalid', at, `unknown function ${ins.func}`);
        popAll(at, ft.params);
        pushAll(ft.results);
        code.push({ k: 'call', f: ins.func });
        return;
      }
      case 'call_indirect': {
        const ft = m.types[ins.typeIndex] ?? fail('invalid', at, `unknown type ${ins.typeIndex}`);
        const tab = m.tables[ins.table] ?? fail('invalid', at, `unknown table ${ins.table}`);
        if (tab.elemType !== 'funcref') fail('invalid', at, 'call_indirect on a non-funcref table');
        pop(at, 'i32');
        popAll(at, ft.params);
        pushAll(ft.results);
        code.push({ k: 'call_indirect', type: ft, table: ins.table });
        return;
      }
      case 'drop':
        pop(at);
        code.push({ k: 'drop' });
        return;
      case 'select': {
        pop(at, 'i32');
        const t1 = pop(at);
        const t2 = pop(at);
        if (t1 !== 'unknown' && t2 !== 'unknown' && t1 !== t2) fail('invalid', at, `type mismatch: select operands ${t2} and ${t1}`);
        const t = t1 === 'unknown' ? t2 : t1;
        if (t !== 'unknown' && t !== 'i32' && t !== 'i64') fail('unsupported', at, `select on ${t}`, featureOfType(t));
        push(t);
        code.push({ k: 'select' });
        return;
      }
      case 'local.get':
        push(local(ins.index, at));
        code.push({ k: 'local.get', i: ins.index });
        return;
      case 'local.set':
        pop(at, local(ins.index, at));
        code.push({ k: 'local.set', i: ins.index });
        return;
      case 'local.tee': {
        const t = local(ins.index, at);
        pop(at, t);
        push(t);
        code.push({ k: 'local.tee', i: ins.index });
        return;
      }
      case 'global.get': {
        const g = global(ins.index, at);
        if (g.type !== 'i32' && g.type !== 'i64') fail('unsupported', at, `${g.type} global`, featureOfType(g.type));
        push(g.type);
        code.push({ k: 'global.get', i: ins.index });
        return;
      }
      case 'global.set': {
        const g = global(ins.index, at);
        if (!g.mutable) fail('invalid', at, `global ${ins.index} is immutable`);
        pop(at, g.type);
        code.push({ k: 'global.set', i: ins.index });
        return;
      }
      case 'i32.const':
        push('i32');
        code.push({ k: 'const', v: A.bv(ins.value, 32) });
        return;
      case 'i64.const':
        push('i64');
        code.push({ k: 'const', v: A.bv(ins.value, 64) });
        return;
      case 'memory.size':
        needMemory(at);
        push('i32');
        code.push({ k: 'memory.size' });
        return;
      case 'memory.grow':
        needMemory(at);
        pop(at, 'i32');
        push('i32');
        code.push({ k: 'memory.grow' });
        return;
      default: {
        const info = opInfo(ins.op);
        if (!info?.sig) return fail('unsupported', at, `instruction ${ins.op} has no interpreter rule`);
        if ('memarg' in ins) {
          needMemory(at);
          if (2 ** ins.memarg.align > info.accessBytes!) fail('invalid', at, `alignment must not be larger than natural (${ins.op})`);
        }
        popAll(at, info.sig.params);
        pushAll(info.sig.results);
        if ('memarg' in ins) {
          code.push(info.sig.results.length ? { k: 'load', op: ins.op as LoadOp, memarg: ins.memarg } : { k: 'store', op: ins.op as StoreOp, memarg: ins.memarg });
        } else code.push({ k: 'num', op: ins.op as NumericOp, n: info.sig.params.length });
        return;
      }
    }
  };
  const funcTarget: Target = { pc: -1, height: 0, arity: type.results.length };
  ctrls.push({ loop: false, params: [], results: type.results, height: 0, unreachable: false, target: funcTarget });
  seq(f.body, 0);
  endFrame(f.byteOffset);
  funcTarget.pc = code.length;
  code.push({ k: 'ret' });
  return { index: funcIndex, type, nLocals: localTypes.length, localTypes, code };
}

// ---------------------------------------------------------------------------
// Instances

function sameType(a: FuncType, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length && a.params.every((t, i) => t === b.params[i]) && a.results.every((t, i) => t === b.results[i]);
}

function toCBV(v: ArgValue, t: 'i32' | 'i64'): CBV {
  const w = t === 'i32' ? 32 : 64;
  if (v instanceof CBV) return A.bv(v.v, w);
  return A.bv(typeof v === 'number' ? BigInt(Math.trunc(v)) : v, w);
}

interface Frame {
  fn: Compiled;
  pc: number;
  locals: CBV[];
  base: number;
}

type FuncSlot = { kind: 'host'; type: FuncType; fn: HostFunc; name: string } | { kind: 'wasm'; type: FuncType; compiled?: Compiled };

export class Instance {
  readonly globals: InterpGlobal[] = [];
  readonly memory: InterpMemory | undefined;
  readonly tables: InterpTable[] = [];
  private readonly funcs: FuncSlot[] = [];
  private readonly fuel: number;
  private readonly maxCallDepth: number;

  constructor(
    readonly module: Module,
    imports: Imports = {},
    options: InterpOptions = {},
  ) {
    this.fuel = options.fuel ?? 100_000_000;
    this.maxCallDepth = options.maxCallDepth ?? 10_000;
    const m = module;
    if (m.memories.length > 1) throw new WasmInstantiateError('more than one memory (feature: multi-memory) is not supported');
    let memory: InterpMemory | undefined;

    for (const imp of m.imports) {
      const v = imports[imp.module]?.[imp.field];
      const where = `import ${imp.module}.${imp.field}`;
      if (v === undefined) throw new WasmInstantiateError(`${where}: not provided`);
      const d = imp.desc;
      if (d.kind === 'func') {
        const type = m.types[d.typeIndex];
        if (!type) throw new WasmInstantiateError(`${where}: unknown type ${d.typeIndex}`);
        if (typeof v !== 'function') throw new WasmInstantiateError(`${where}: expected a function`);
        this.funcs.push({ kind: 'host', type, fn: v, name: where });
      } else if (d.kind === 'global') {
        if (d.type !== 'i32' && d.type !== 'i64') throw new WasmInstantiateError(`${where}: ${d.type} global (feature: ${featureOfType(d.type)}) is not supported`);
        if (v instanceof InterpGlobal) {
          if (v.type !== d.type || v.mutable !== d.mutable) throw new WasmInstantiateError(`${where}: incompatible global type`);
          this.globals.push(v);
        } else if (typeof v === 'bigint' || typeof v === 'number' || v instanceof CBV) {
          if (d.mutable) throw new WasmInstantiateError(`${where}: a mutable global import needs an InterpGlobal`);
          this.globals.push(new InterpGlobal(d.type, false, toCBV(v, d.type)));
        } else throw new WasmInstantiateError(`${where}: expected a global value`);
      } else if (d.kind === 'memory') {
        if (!(v instanceof InterpMemory)) throw new WasmInstantiateError(`${where}: expected an InterpMemory`);
        if (v.pages < d.limits.min || (d.limits.max !== undefined && (v.max === undefined || v.max > d.limits.max))) throw new WasmInstantiateError(`${where}: incompatible memory limits`);
        memory = v;
      } else {
        if (!(v instanceof InterpTable)) throw new WasmInstantiateError(`${where}: expected an InterpTable`);
        if (v.elements.length < d.limits.min || (d.limits.max !== undefined && (v.max === undefined || v.max > d.limits.max))) throw new WasmInstantiateError(`${where}: incompatible table limits`);
        this.tables.push(v);
      }
    }
    for (const f of m.funcs) {
      const type = m.types[f.typeIndex];
      if (!type) throw new WasmInstantiateError(`function ${f.index}: unknown type ${f.typeIndex}`);
      this.funcs.push({ kind: 'wasm', type });
    }
    for (const g of m.globals) {
      if (g.type !== 'i32' && g.type !== 'i64') throw new WasmInstantiateError(`${g.type} global (feature: ${featureOfType(g.type)}) is not supported`);
      const v = this.constValue(g.init);
      if (v.w !== (g.type === 'i32' ? 32 : 64)) throw new WasmInstantiateError('global initialiser type mismatch');
      this.globals.push(new InterpGlobal(g.type, g.mutable, v));
    }
    const nImportedTables = this.tables.length;
    for (const t of m.tables.slice(nImportedTables)) {
      if (t.elemType !== 'funcref') throw new WasmInstantiateError(`${t.elemType} table (feature: reference types) is not supported`);
      this.tables.push(new InterpTable(t.limits.min, t.limits.max));
    }
    if (!memory && m.memories[0]) {
      const lim = m.memories[0];
      if (lim.min > MAX_PAGES || (lim.max !== undefined && lim.max > MAX_PAGES)) throw new WasmInstantiateError('memory size must be at most 65536 pages (4GiB)');
      if (lim.max !== undefined && lim.max < lim.min) throw new WasmInstantiateError('memory size minimum must not be greater than maximum');
      memory = new InterpMemory(lim.min, lim.max);
    }
    this.memory = memory;
    if (m.start !== undefined && !this.funcs[m.start]) throw new WasmInstantiateError(`unknown start function ${m.start}`);

    for (const [i, seg] of m.elems.entries()) {
      if (seg.mode !== 'active') continue;
      const table = this.tables[seg.tableIndex];
      if (!table) throw new WasmInstantiateError(`element segment ${i}: unknown table ${seg.tableIndex}`);
      const off = this.constValue(seg.offset!);
      if (off.w !== 32) throw new WasmInstantiateError(`element segment ${i}: offset must be i32`);
      if (off.v + BigInt(seg.funcs.length) > BigInt(table.elements.length)) throw new WasmInstantiateError(`element segment ${i}: out of bounds table access`);
      seg.funcs.forEach((fi, j) => {
        if (fi !== null && !this.funcs[fi]) throw new WasmInstantiateError(`element segment ${i}: unknown function ${fi}`);
        table.elements[off.n + j] = fi === null ? null : { instance: this, index: fi };
      });
    }
    for (const [i, seg] of m.datas.entries()) {
      if (seg.mode !== 'active') continue;
      if (seg.memoryIndex !== 0 || !memory) throw new WasmInstantiateError(`data segment ${i}: unknown memory ${seg.memoryIndex}`);
      const off = this.constValue(seg.offset!);
      if (off.w !== 32) throw new WasmInstantiateError(`data segment ${i}: offset must be i32`);
      if (off.v + BigInt(seg.bytes.length) > BigInt(memory.bytes.length)) throw new WasmInstantiateError(`data segment ${i}: out of bounds memory access`, 'out of bounds memory access');
      memory.bytes.set(seg.bytes, off.n);
    }
    if (m.start !== undefined) {
      const r = this.callFunction(m.start, []);
      if (r.kind === 'trap') throw new WasmInstantiateError(`start function trapped: ${r.trap}`, r.trap);
      if (r.kind === 'exhausted') throw new WasmInstantiateError('start function ran out of fuel');
    }
  }

  private constValue(e: ConstExpr): CBV {
    switch (e.kind) {
      case 'i32.const':
        return A.bv(e.value, 32);
      case 'i64.const':
        return A.bv(e.value, 64);
      case 'global.get': {
        const g = this.globals[e.index];
        if (!g) throw new WasmInstantiateError(`constant expression: unknown global ${e.index}`);
        return g.value;
      }
      case 'other':
        throw new WasmInstantiateError(`constant expression (feature: ${e.feature}) is not supported`);
    }
  }

  /** Invoke an exported function by name. */
  invoke(name: string, args: readonly ArgValue[] = []): InvokeResult {
    const e = this.module.exports.find((x) => x.name === name && x.kind === 'func');
    if (!e) throw new WasmInstantiateError(`no exported function ${JSON.stringify(name)}`);
    return this.callFunction(e.index, args);
  }

  /** The value of an exported global. */
  getGlobal(name: string): CBV {
    const e = this.module.exports.find((x) => x.name === name && x.kind === 'global');
    const g = e && this.globals[e.index];
    if (!g) throw new WasmInstantiateError(`no exported global ${JSON.stringify(name)}`);
    return g.value;
  }

  /** Call function `index` of the function index space. */
  callFunction(index: number, args: readonly ArgValue[]): InvokeResult {
    const slot = this.funcs[index];
    if (!slot) throw new WasmInstantiateError(`unknown function ${index}`);
    if (args.length !== slot.type.params.length) throw new WasmInstantiateError(`function ${index}: expected ${slot.type.params.length} arguments, got ${args.length}`);
    const cargs = slot.type.params.map((t, i) => {
      if (t !== 'i32' && t !== 'i64') throw new WasmInstantiateError(`function ${index}: ${t} parameter (feature: ${featureOfType(t)}) is not supported`);
      return toCBV(args[i]!, t);
    });
    return this.run(index, cargs, 0);
  }

  private compiled(index: number): Compiled {
    const slot = this.funcs[index] as FuncSlot & { kind: 'wasm' };
    return (slot.compiled ??= compileFunction(this.module, index));
  }

  private callHost(slot: FuncSlot & { kind: 'host' }, args: CBV[]): CBV[] {
    const raw = slot.fn(args);
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const { results } = slot.type;
    if (list.length !== results.length) throw new WasmInstantiateError(`${slot.name}: host function returned ${list.length} values, expected ${results.length}`);
    return results.map((t, i) => {
      if (t !== 'i32' && t !== 'i64') throw new WasmInstantiateError(`${slot.name}: ${t} result is not supported`);
      return toCBV(list[i]!, t);
    });
  }

  /** Run function `index` to completion with an explicit frame stack. `depth0` counts frames of enclosing runs. */
  private run(index: number, args: CBV[], depth0: number): InvokeResult {
    const entry = this.funcs[index]!;
    if (entry.kind === 'host') return { kind: 'values', values: this.callHost(entry, args) };
    const stack: CBV[] = [];
    let sp = 0;
    const frames: Frame[] = [];
    let steps = 0;
    const fuel = this.fuel;
    const trap = (t: TrapKind): InvokeResult => ({ kind: 'trap', trap: t });

    const enter = (fn: Compiled, a: CBV[]): Frame => {
      const locals = a.slice();
      for (let i = a.length; i < fn.nLocals; i++) locals.push(fn.localTypes[i] === 'i32' ? ZERO32 : ZERO64);
      return { fn, pc: 0, locals, base: sp };
    };
    let fr = enter(this.compiled(index), args);
    frames.push(fr);
    const memBytes = (): CBV => pagesToBytes(A, A.bv(this.memory!.pages, 32));

    for (;;) {
      if (++steps > fuel) return { kind: 'exhausted', steps: fuel };
      const ins = fr.fn.code[fr.pc++]!;
      switch (ins.k) {
        case 'num': {
          let out;
          if (ins.n === 1) out = numeric(A, ins.op, [stack[sp - 1]!]);
          else out = numeric(A, ins.op, [stack[sp - 2]!, stack[sp - 1]!]);
          for (const t of out.traps) if (t.when) return trap(t.trap);
          sp -= ins.n;
          stack[sp++] = out.results[0]!;
          break;
        }
        case 'const':
          stack[sp++] = ins.v;
          break;
        case 'local.get':
          stack[sp++] = fr.locals[ins.i]!;
          break;
        case 'local.set':
          fr.locals[ins.i] = stack[--sp]!;
          break;
        case 'local.tee':
          fr.locals[ins.i] = stack[sp - 1]!;
          break;
        case 'global.get':
          stack[sp++] = this.globals[ins.i]!.value;
          break;
        case 'global.set':
          this.globals[ins.i]!.value = stack[--sp]!;
          break;
        case 'load': {
          const out = load(A, this.memory!.store, memBytes(), ins.op, ins.memarg, stack[sp - 1]!);
          for (const t of out.traps) if (t.when) return trap(t.trap);
          stack[sp - 1] = out.results[0]!;
          break;
        }
        case 'store': {
          const s = store(A, memBytes(), ins.op, ins.memarg, stack[sp - 2]!, stack[sp - 1]!);
          for (const t of s.traps) if (t.when) return trap(t.trap);
          s.write(this.memory!.store);
          sp -= 2;
          break;
        }
        case 'memory.size':
          stack[sp++] = A.bv(this.memory!.pages, 32);
          break;
        case 'memory.grow':
          stack[sp - 1] = this.memory!.grow(stack[sp - 1]!);
          break;
        case 'drop':
          sp--;
          break;
        case 'select': {
          const c = stack[--sp]!;
          const b = stack[--sp]!;
          if (!truthy(A, c)) stack[sp - 1] = b;
          break;
        }
        case 'nop':
          break;
        case 'unreachable':
          return trap('unreachable');
        case 'brz':
          if (!truthy(A, stack[--sp]!)) fr.pc = ins.pc;
          break;
        case 'br_if':
          if (!truthy(A, stack[--sp]!)) break;
          sp = branch(stack, sp, fr, ins.t);
          break;
        case 'br':
          sp = branch(stack, sp, fr, ins.t);
          break;
        case 'br_table': {
          const i = stack[--sp]!.v;
          sp = branch(stack, sp, fr, i < BigInt(ins.ts.length) ? ins.ts[Number(i)]! : ins.d);
          break;
        }
        case 'call':
        case 'call_indirect': {
          let target: FuncRef;
          if (ins.k === 'call') target = { instance: this, index: ins.f };
          else {
            const i = stack[--sp]!.v;
            const table = this.tables[ins.table]!;
            if (i >= BigInt(table.elements.length)) return trap('undefined element');
            const ref = table.elements[Number(i)];
            if (!ref) return trap('uninitialized element');
            if (!sameType(ref.instance.funcs[ref.index]!.type, ins.type)) return trap('indirect call type mismatch');
            target = ref;
          }
          const slot = target.instance.funcs[target.index]!;
          const n = slot.type.params.length;
          const a = stack.slice(sp - n, sp);
          sp -= n;
          if (depth0 + frames.length >= this.maxCallDepth) return trap('call stack exhausted');
          if (slot.kind === 'host' || target.instance !== this) {
            // Host functions and other instances run outside this frame stack.
            const r = slot.kind === 'host' ? ({ kind: 'values', values: target.instance.callHost(slot, a) } as InvokeResult) : target.instance.run(target.index, a, depth0 + frames.length);
            if (r.kind !== 'values') return r;
            for (const v of r.values) stack[sp++] = v;
            break;
          }
          fr = enter(this.compiled(target.index), a);
          frames.push(fr);
          break;
        }
        case 'ret': {
          const n = fr.fn.type.results.length;
          const results = stack.slice(sp - n, sp);
          frames.pop();
          sp = fr.base;
          if (frames.length === 0) return { kind: 'values', values: results };
          for (const v of results) stack[sp++] = v;
          fr = frames[frames.length - 1]!;
          break;
        }
      }
    }
  }
}

/** Move the branch's `arity` top values down to the target height and jump. Returns the new sp. */
function branch(stack: CBV[], sp: number, fr: Frame, t: Target): number {
  const dst = fr.base + t.height;
  if (dst + t.arity !== sp) for (let i = 0; i < t.arity; i++) stack[dst + i] = stack[sp - t.arity + i]!;
  fr.pc = t.pc;
  return dst + t.arity;
}

/** Instantiate a decoded module (throws `WasmInstantiateError` on link errors and init traps). */
export function instantiate(module: Module, imports: Imports = {}, options: InterpOptions = {}): Instance {
  return new Instance(module, imports, options);
}
