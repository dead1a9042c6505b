/**
 * The WASM side of a region: symbolic execution of the flattened function
 * from one program point, over every path, to the next cut point, a return,
 * a trap or a call. Every instruction's meaning comes from
 * spec/wasm/semantics.ts, run under the Z3 algebra; this file only drives
 * control flow, the operand stack and the state layout.
 *
 * State layout (spec/abi/layout.ts), shared with the ARM side: one byte
 * array holds linear memory at `memBase + ea`, the globals block at
 * `globBase` (8 bytes per global) and the page count word at `pagesAddr`.
 */
import type { TrapKind } from '../spec/abi/traps.ts';
import type { ZBool, ZBV } from '../spec/bv/z3.ts';
import { addFacts, uniqueTerms, type RegionFacts, type SymMem, type VAlgebra } from './symmem.ts';
import { loadLE, storeLE } from '../spec/bv/derived.ts';
import type { Instr, Module } from '../spec/wasm/ast.ts';
import * as sem from '../spec/wasm/semantics.ts';
import { isNumericOp, opInfo } from '../spec/wasm/opcodes.ts';
import type { FlatFunction, IntType } from './wasm-flat.ts';
import { refuse } from './verdict.ts';
import { addSub64ByHalves, divRem64ByCases, mul64ByHalves, popcntSwar, remFromDiv, shift64ByHalves, SHIFT64, type LemmaName } from './lemmas.ts';

export interface WState {
  locals: ZBV[];
  stack: ZBV[];
  mem: SymMem;
}

export type WEnd =
  | { kind: 'cut'; index: number }
  | { kind: 'return'; results: ZBV[] }
  | { kind: 'trap'; trap: TrapKind; at: number }
  | { kind: 'call'; func: number; args: ZBV[]; after: number; at: number };

export interface WPath {
  cond: ZBool[];
  state: WState;
  end: WEnd;
  /** Region facts the path's terms rely on (symmem.ts): each is one of `placements`, to be proved. */
  facts: RegionFacts;
  placements: readonly Placement[];
  /** Flat indices visited, for messages. */
  trace: number[];
}

/**
 * A linear-memory access that did not trap: its byte addresses lie in linear memory whenever `cond` holds
 * (the bounds check passed, and the size is within the reservation). Terms after it are built on that
 * fact; the caller must prove it (validate.ts) before anything built on it counts.
 */
export interface Placement {
  cond: readonly ZBool[];
  /** The part of `cond` that is the access's own bounds check (it alone should imply the placement). */
  own: readonly ZBool[];
  addrs: readonly ZBV[];
  /** WASM byte offset of the access. */
  at: number;
}

export interface StateSymbols {
  memBase: ZBV;
  globBase: ZBV;
  pagesAddr: ZBV;
}

export interface GlobalInfo {
  type: IntType;
  /** Where the value lives (little-endian): a slot of the globals block, or an imported global's symbol. */
  addr: ZBV;
  constant?: bigint;
  /** The symbol of an imported global. */
  symbol?: string;
}

export interface WasmEnv {
  A: VAlgebra;
  module: Module;
  flat: FlatFunction;
  sym: StateSymbols;
  /** Globals in index space order: type, address of their bytes, known constant value if immutable with a constant init. */
  globals: GlobalInfo[];
  /** Page limit for memory.grow (the reserved pages, at most the declared maximum). */
  maxPages: number;
  /** Flat index -> cut point index, for every non-entry cut point. */
  cutAt: Map<number, number>;
  /** Rewrite lemmas applied (lemmas.ts), for the verdict. */
  lemmasUsed: Set<LemmaName>;
  /** Each table's entries after instantiation (function index or null), by table index; tables never change. */
  tables: (number | null)[][];
}

/** The region name of linear memory for zero fills (symmem.ts): [memBase, memBase + reservedPages x 64 KiB). */
export const LINEAR_MEMORY = 'linear memory';

const MAX_PATHS = 4096;
const MAX_STEPS = 100_000;

/**
 * Run every path from flat index `start` with state `init`. Cut points in `skip` are passed through:
 * they share the region's start machine address, so the ARM side, which never stops at its own start
 * address, is already past them. At `start` itself a path stops at once only at a cut point elsewhere
 * in the machine code (e.g. the entry and a loop header at the first WASM instruction, the header
 * after the prologue): the ARM side runs to it.
 */
export function runWasm(env: WasmEnv, start: number, init: WState, skip: ReadonlySet<number> = new Set(), startCuts: ReadonlySet<number> = new Set()): WPath[] {
  const { A } = env;
  const done: WPath[] = [];
  type Item = { i: number; s: WState; cond: ZBool[]; trace: number[]; facts: RegionFacts; placements: readonly Placement[] };
  const work: Item[] = [{ i: start, s: init, cond: [], trace: [], facts: new Map(), placements: [] }];
  let steps = 0;
  const code = env.flat.code;
  // Linear memory accesses go to memBase + ea in the shared byte array.
  // Each access's byte addresses are collected to be placed in linear memory (a Placement): a load reads
  // as one of linear memory, which it is on the path where it does not trap.
  let accessed: ZBV[] = [];
  const linear = (a: ZBV): ZBV => {
    const x = A.add(env.sym.memBase, a);
    accessed.push(x);
    return x;
  };
  const Aw = { ...A, load8: (m: SymMem, a: ZBV) => A.load8In(m, linear(a), LINEAR_MEMORY), store8: (m: SymMem, a: ZBV, v: ZBV) => A.store8(m, linear(a), v) };
  const pagesOf = (m: SymMem) => loadLE(A, m, env.sym.pagesAddr, 4);

  while (work.length > 0) {
    const p = work.pop()!;
    let { i, s, cond, facts, placements } = p;
    const trace = [...p.trace];
    const finish = (end: WEnd, c: ZBool[] = cond, st: WState = s) => {
      if (done.length >= MAX_PATHS) refuse({ kind: 'path-limit', detail: `more than ${MAX_PATHS} WASM paths in one region` });
      done.push({ cond: c, state: st, end, trace, facts, placements });
    };
    const fork = (c: ZBool, target: number, st: WState) => work.push({ i: target, s: st, cond: [...cond, c], trace: [...trace], facts, placements });
    for (;;) {
      if (++steps > MAX_STEPS) refuse({ kind: 'path-limit', detail: `more than ${MAX_STEPS} WASM steps in one region` });
      if (env.cutAt.has(i) && !skip.has(i) && (trace.length > 0 || !startCuts.has(env.cutAt.get(i)!))) {
        finish({ kind: 'cut', index: env.cutAt.get(i)! });
        break;
      }
      if (trace.includes(i)) {
        refuse({ kind: 'no-cut-in-loop', side: 'wasm', detail: `WASM path returns to offset ${code[i]?.offset} without passing a cut point` });
      }
      trace.push(i);
      const ins = code[i];
      if (!ins) {
        // Past the function's final `end`: return the results on top of the stack.
        const n = env.flat.results.length;
        finish({ kind: 'return', results: s.stack.slice(s.stack.length - n) });
        break;
      }
      if (ins.k === 'mark') {
        i++;
        continue;
      }
      if (ins.k === 'return') {
        // A branch to the function's final `end` with the results: it reaches the exit cut point if there is one.
        const n = env.flat.results.length;
        s = { ...s, stack: s.stack.slice(s.stack.length - n) };
        i = code.length;
        continue;
      }
      if (ins.k === 'br') {
        s = branch(s, ins.label);
        i = ins.label.target;
        continue;
      }
      if (ins.k === 'br_if') {
        const c = s.stack[s.stack.length - 1]!;
        const rest = { ...s, stack: s.stack.slice(0, -1) };
        fork(sem.truthy(A, c), ins.label.target, branch(rest, ins.label));
        cond = [...cond, A.boolNot(sem.truthy(A, c))];
        s = rest;
        i++;
        continue;
      }
      if (ins.k === 'brz') {
        const c = s.stack[s.stack.length - 1]!;
        const rest = { ...s, stack: s.stack.slice(0, -1) };
        fork(A.boolNot(sem.truthy(A, c)), ins.target, rest);
        cond = [...cond, sem.truthy(A, c)];
        s = rest;
        i++;
        continue;
      }
      if (ins.k === 'br_table') {
        const c = s.stack[s.stack.length - 1]!;
        const rest = { ...s, stack: s.stack.slice(0, -1) };
        ins.labels.forEach((l, j) => fork(A.eq(c, A.bv(j, 32)), l.target, branch(rest, l)));
        cond = [...cond, A.boolNot(A.ult(c, A.bv(ins.labels.length, 32)))];
        s = branch(rest, ins.dflt);
        i = ins.dflt.target;
        continue;
      }
      if (ins.instr.op === 'call_indirect') {
        // WASM's checks in order: index in the table, a non-null entry, the same signature; then the call.
        const { typeIndex, table } = ins.instr;
        const entries = env.tables[table] ?? refuse({ kind: 'wasm-unsupported', detail: `call_indirect through table ${table}, which the module does not define (wasm offset ${ins.offset})` });
        const st = [...s.stack];
        const idx = st.pop()!;
        const n = env.module.types[typeIndex]!.params.length;
        const args = st.splice(st.length - n, n);
        const after = { ...s, stack: st };
        const sig = (t: number) => JSON.stringify([env.module.types[t]!.params, env.module.types[t]!.results]);
        const want = sig(typeIndex);
        const at = ins.offset;
        finish({ kind: 'trap', trap: 'undefined element', at }, [...cond, A.boolNot(A.ult(idx, A.bv(entries.length, 32)))]);
        entries.forEach((f, k) => {
          const c = [...cond, A.eq(idx, A.bv(k, 32))];
          if (f === null) finish({ kind: 'trap', trap: 'uninitialized element', at }, c);
          else if (sig(env.module.funcTypeIndices[f]!) !== want) finish({ kind: 'trap', trap: 'indirect call type mismatch', at }, c);
          else finish({ kind: 'call', func: f, args, after: i + 1, at }, c, after);
        });
        break;
      }
      // A straight-line instruction.
      accessed = [];
      const r = A.withRegionFacts(facts, () => exec(env, Aw, pagesOf, ins.instr, s)).value;
      if (r.kind === 'call') {
        finish({ kind: 'call', func: r.func, args: r.args, after: i + 1, at: ins.offset }, cond, r.state);
        break;
      }
      // Traps in priority order: trap k when t_k and no earlier one.
      const none: ZBool[] = [];
      for (const t of r.traps) {
        finish({ kind: 'trap', trap: t.trap, at: ins.offset }, [...cond, ...none, t.when]);
        none.push(A.boolNot(t.when));
      }
      if (r.kind === 'trap') break;
      cond = [...cond, ...none];
      if (accessed.length > 0) {
        const placed: Placement = { cond, own: none, addrs: uniqueTerms(accessed), at: ins.offset };
        placements = [...placements, placed];
        facts = addFacts(facts, placed.addrs, LINEAR_MEMORY);
      }
      s = r.state;
      i++;
    }
  }
  return done;
}

function branch(s: WState, l: { arity: number; height: number }): WState {
  const top = s.stack.slice(s.stack.length - l.arity);
  return { ...s, stack: [...s.stack.slice(0, l.height), ...top] };
}

type StepResult =
  | { kind: 'next'; state: WState; traps: sem.TrapCase<ZBool>[] }
  | { kind: 'trap'; traps: sem.TrapCase<ZBool>[] }
  | { kind: 'call'; func: number; args: ZBV[]; state: WState };

function exec(env: WasmEnv, Aw: VAlgebra, pagesOf: (m: SymMem) => ZBV, ins: Instr, s: WState): StepResult {
  const { A } = env;
  const st = [...s.stack];
  const pop = (): ZBV => {
    const v = st.pop();
    if (v === undefined) return refuse({ kind: 'wasm-unsupported', detail: `operand stack underflow at wasm offset ${ins.offset}` });
    return v;
  };
  const next = (patch: Partial<WState> = {}, traps: sem.TrapCase<ZBool>[] = []): StepResult => ({ kind: 'next', state: { ...s, stack: st, ...patch }, traps });
  switch (ins.op) {
    case 'unreachable':
      return { kind: 'trap', traps: [{ when: A.bool(true), trap: 'unreachable' }] };
    case 'nop':
      return next();
    case 'drop':
      pop();
      return next();
    case 'select': {
      const c = pop();
      const b = pop();
      const a = pop();
      st.push(sem.select(A, a, b, c));
      return next();
    }
    case 'local.get':
      st.push(s.locals[ins.index]!);
      return next();
    case 'local.set':
    case 'local.tee': {
      const v = pop();
      const locals = [...s.locals];
      locals[ins.index] = v;
      if (ins.op === 'local.tee') st.push(v);
      return next({ locals });
    }
    case 'global.get': {
      const g = env.globals[ins.index]!;
      const w = g.type === 'i32' ? 4 : 8;
      st.push(g.constant !== undefined ? A.bv(g.constant, w * 8) : loadLE(A, s.mem, g.addr, w));
      return next();
    }
    case 'global.set': {
      const g = env.globals[ins.index]!;
      const v = pop();
      return next({ mem: storeLE(A, s.mem, g.addr, v, g.type === 'i32' ? 4 : 8) });
    }
    case 'i32.const':
      st.push(sem.constant(A, 'i32', ins.value));
      return next();
    case 'i64.const':
      st.push(sem.constant(A, 'i64', ins.value));
      return next();
    case 'memory.size':
      st.push(sem.memorySize(A, pagesOf(s.mem)));
      return next();
    case 'memory.grow': {
      const old = pagesOf(s.mem);
      const g = sem.memoryGrow(A, old, pop(), env.maxPages);
      // The new pages read as zero: linear memory offsets [old, new) x 64 KiB (empty when the grow fails).
      const bytes = (pages: ZBV) => A.shl(pages, A.bv(16, 32));
      const filled = A.zeroFill(s.mem, { region: LINEAR_MEMORY, root: env.sym.memBase, from: bytes(old), to: bytes(g.pages) });
      st.push(g.result);
      return next({ mem: storeLE(A, filled, env.sym.pagesAddr, g.pages, 4) });
    }
    case 'call': {
      const n = env.module.types[env.module.funcTypeIndices[ins.func]!]!.params.length;
      const args = st.splice(st.length - n, n);
      return { kind: 'call', func: ins.func, args, state: { ...s, stack: st } };
    }
    case 'call_indirect':
      return refuse({ kind: 'spec-error', detail: `call_indirect at wasm offset ${ins.offset} reached the straight-line executor` });
    case 'block':
    case 'loop':
    case 'if':
    case 'br':
    case 'br_if':
    case 'br_table':
    case 'return':
    case 'unsupported':
      return refuse({ kind: 'wasm-unsupported', detail: `${ins.op} at wasm offset ${ins.offset} reached the straight-line executor` });
    default: {
      const op = ins.op;
      const memBytes = sem.pagesToBytes(A, pagesOf(s.mem));
      if (op === 'i64.mul') {
        // Lemma i64.mul-by-halves (lemmas.ts): the product in the shape UMULL + MLA compute it.
        const [x, y] = st.splice(st.length - 2, 2);
        env.lemmasUsed.add('i64.mul-by-halves');
        st.push(mul64ByHalves(A, x!, y!));
        return next();
      }
      if (op === 'i32.popcnt' || op === 'i64.popcnt') {
        // Lemma popcnt-swar (lemmas.ts): the count in the shape the compiler's SWAR sequence computes it.
        env.lemmasUsed.add('popcnt-swar');
        st.push(popcntSwar(A, st.pop()!));
        return next();
      }
      if (op === 'i64.add' || op === 'i64.sub') {
        // Lemmas i64.add-by-halves / i64.sub-by-halves (lemmas.ts): the shape a carry chain computes.
        const [x, y] = st.splice(st.length - 2, 2);
        const which = op === 'i64.add' ? 'add' : 'sub';
        env.lemmasUsed.add(`i64.${which}-by-halves`);
        st.push(addSub64ByHalves(A, which, x!, y!));
        return next();
      }
      const shift = SHIFT64.find((x) => op === `i64.${x}`);
      if (shift && !A.ctx.isBitVecVal(st[st.length - 1]!)) {
        // Lemmas i64.{shl,shr_u,rotl,rotr}-by-halves (lemmas.ts): a shift by a register amount over halves.
        const [x, y] = st.splice(st.length - 2, 2);
        env.lemmasUsed.add(`i64.${shift}-by-halves`);
        st.push(shift64ByHalves(A, shift, x!, y!));
        return next();
      }
      if (op === 'i64.div_u' || op === 'i64.rem_u' || op === 'i64.div_s' || op === 'i64.rem_s' || op === 'i32.rem_u' || op === 'i32.rem_s') {
        // The traps from the spec; the value (used only when the divisor is not 0) in the shape the
        // compiler computes, by lemma i64.divrem-by-cases / rem-from-div (lemmas.ts).
        const [x, y] = st.splice(st.length - 2, 2);
        const o = sem.numeric(A, op, [x!, y!]);
        if (op.startsWith('i64')) env.lemmasUsed.add('i64.divrem-by-cases');
        if (op.startsWith('i32') || op.startsWith('i64.rem')) env.lemmasUsed.add('rem-from-div');
        st.push(op.startsWith('i64') ? divRem64ByCases(A, op as Parameters<typeof divRem64ByCases>[1], x!, y!) : remFromDiv(A, op === 'i32.rem_s', x!, y!));
        return next({}, o.traps);
      }
      if (isNumericOp(op)) {
        const arity = opInfo(op)?.sig?.params.length ?? refuse({ kind: 'wasm-unsupported', detail: `${op} has no signature` });
        const args = st.splice(st.length - arity, arity);
        const o = sem.numeric(A, op, args);
        st.push(...o.results);
        return next({}, o.traps);
      }
      if ('memarg' in ins) {
        if (op.includes('.store')) {
          const v = pop();
          const a = pop();
          const w = sem.store(Aw, memBytes, op as Parameters<typeof sem.store>[2], ins.memarg, a, v);
          return next({ mem: w.write(s.mem) }, w.traps);
        }
        const a = pop();
        const o = sem.load(Aw, s.mem, memBytes, op as Parameters<typeof sem.load>[3], ins.memarg, a);
        st.push(...o.results);
        return next({}, o.traps);
      }
      return refuse({ kind: 'wasm-unsupported', detail: `${op} at wasm offset ${ins.offset}` });
    }
  }
}
