/**
 * The symbolic algebra: bit-vectors, booleans and byte memories as z3-solver
 * terms. The validator runs the very same semantic rules as the reference
 * interpreters, under this implementation.
 */
import { init, type Context } from 'z3-solver';
import { createApi } from 'z3-solver/build/high-level/index.js';
import type { Algebra } from './algebra.ts';

export type Z3Context = Context<'main'>;
type Ctx = Z3Context;
export type ZBV = ReturnType<Ctx['BitVec']['const']>;
export type ZBool = ReturnType<Ctx['Bool']['const']>;
export type ZMem = ReturnType<Ctx['Array']['const']>;

export type Z3Api = Awaited<ReturnType<typeof init>>;
type LowLevel = Z3Api['Z3'];

let api: Promise<Z3Api> | undefined;

/**
 * The process-wide Z3 instance (z3-solver's init costs ~150 ms and each init is a separate wasm heap
 * of its own, so everyone shares this one).
 */
export function z3Api(): Promise<Z3Api> {
  api ??= init();
  return api;
}

/*
 * Z3 contexts with explicit lifetimes: the only contexts warden makes (validator, lemma library, tests).
 *
 * z3-solver releases each term, solver and model, and deletes each context, from JS finalizers. That breaks
 * in two ways. (1) A finalizer runs whenever the event loop is idle, which is exactly while `await
 * solver.check()` runs Z3 on a pthread over the same wasm heap; Z3 is built single-threaded (no locks), so a
 * `dec_ref` freeing terms on the main thread while the solver thread makes terms in the same context corrupts
 * Z3's heap. Seen under load: "memory access out of bounds", "Sort mismatch ... sort is null", an abort growing
 * the 2 GiB heap from ast_manager::compact_memory, then every later check in the process failing (CI lost the
 * lemma library's Z3 this way; tests/proofs/gc-stress.ts reproduces it in about a minute by forcing GC).
 * (2) Finalizers run late and in no set order: contexts pile up in the fixed 2 GiB heap (a 300-function run
 * reached it), and a term's `dec_ref` after its context's `del_context` writes to freed memory.
 *
 * So these contexts come from z3-solver's own `createApi` given an inert FinalizationRegistry: nothing is ever
 * released behind the program's back. Terms are never released one by one (a context lives for one unit of
 * work: a function validated, a lemma proved, a test file); explicit `release()` calls (solvers, models) still
 * free at once; everything else dies with the context, deleted by `close()` once no solver call on it is still
 * running (deleting it under a running check is the other way to get "memory access out of bounds"). A solver
 * call on a closed context throws instead of touching freed memory.
 *
 * A context per unit of work also keeps verdicts reproducible: Z3's term ids, on which its simplifications
 * depend, never carry over from one function to another (with one shared context the rlimit spent on the same
 * obligation varied up to 3x with what was validated before).
 */

/** A Z3 context and the means to delete it (with every term made in it). */
export interface ScopedZ3Context {
  readonly ctx: Z3Context;
  /** Waits for the context's running solver calls, then deletes it. Idempotent. */
  close(): Promise<void>;
}

class NoFinalizers {
  register(): void {}
  unregister(): boolean {
    return false;
  }
}

interface Scoped {
  Context: new (name: string) => Z3Context;
  Z3: LowLevel;
  /** Per live context: its solver calls still running (they run on a pthread). */
  running: Map<number, Set<Promise<unknown>>>;
  closed: Set<number>;
}

let scoped: Promise<Scoped> | undefined;

function scopedApi(): Promise<Scoped> {
  scoped ??= z3Api().then(({ Z3, em }) => {
    const running = new Map<number, Set<Promise<unknown>>>();
    const closed = new Set<number>();
    // The low-level calls that run off the main thread are the ones going through emscripten's async_call
    // (solver_check, simplify, ...): each is tracked per context, and refused on a closed one.
    const tracked = Object.create(Z3) as Record<string, unknown>;
    for (const [key, f] of Object.entries(Z3)) {
      if (typeof f !== 'function' || !String(f).includes('async_call')) continue;
      tracked[key] = (c: number, ...rest: unknown[]): Promise<unknown> => {
        if (closed.has(c)) return Promise.reject(new Error(`Z3 ${key}: its context was closed (a solver call outlived its withZ3Context)`));
        const p = (f as (...a: unknown[]) => Promise<unknown>).call(Z3, c, ...rest);
        const set = running.get(c);
        if (set) {
          set.add(p);
          const done = () => void set.delete(p);
          p.then(done, done);
        }
        return p;
      };
    }
    // createApi makes its one FinalizationRegistry when called: hand it one that never runs anything.
    const real = globalThis.FinalizationRegistry;
    globalThis.FinalizationRegistry = NoFinalizers as unknown as FinalizationRegistryConstructor;
    try {
      const high = createApi(tracked as unknown as LowLevel, em);
      return { Context: high.Context as unknown as Scoped['Context'], Z3, running, closed };
    } finally {
      globalThis.FinalizationRegistry = real;
    }
  });
  return scoped;
}

let made = 0;

/** A fresh Z3 context that lives until `close()` (for a test file's beforeAll/afterAll; else use withZ3Context). */
export async function openZ3Context(): Promise<ScopedZ3Context> {
  const { Context, Z3, running, closed } = await scopedApi();
  const ctx = new Context(`warden-${made++}`);
  const ptr = ctx.ptr as unknown as number;
  closed.delete(ptr); // the allocator may hand a closed context's address to a new one
  running.set(ptr, new Set());
  let closing: Promise<void> | undefined;
  const close = async () => {
    for (let calls = running.get(ptr); calls && calls.size > 0; ) await Promise.allSettled([...calls]);
    running.delete(ptr);
    closed.add(ptr);
    Z3.del_context(ctx.ptr);
  };
  return { ctx, close: () => (closing ??= close()) };
}

/** Run `f` with a fresh Z3 context, deleted (with every term made in it) when `f` settles. */
export async function withZ3Context<T>(f: (ctx: Z3Context) => Promise<T>): Promise<T> {
  const scope = await openZ3Context();
  try {
    return await f(scope.ctx);
  } finally {
    await scope.close();
  }
}

/**
 * Z3's `rlimit count` of a solver: a context-wide counter, so callers take the difference around a check.
 * The statistics object is released at once, as solvers and models are (no finalizer frees anything here).
 */
export function rlimitCount(solver: { statistics(): { get(key: string): number; release(): void } }): number {
  const stats = solver.statistics();
  try {
    return stats.get('rlimit count');
  } catch {
    return 0;
  } finally {
    stats.release();
  }
}

/** Bytes Z3 has allocated and not freed in this process (its own allocator's count; for measurements). */
export async function z3AllocatedBytes(): Promise<number> {
  return Number((await z3Api()).Z3.get_estimated_alloc_size());
}

/** The Z3 build inside z3-solver, e.g. `Z3 5.1.0.0` (for the proof report's identity). */
export async function z3FullVersion(): Promise<string> {
  return (await z3Api()).Z3.get_full_version();
}

/** The Z3 algebra plus the means to make fresh symbols. */
export interface Z3Algebra extends Algebra<ZBV, ZBool, ZMem> {
  readonly ctx: Z3Context;
  bvVar(name: string, width: number): ZBV;
  boolVar(name: string): ZBool;
  /** A fresh memory: 32-bit addresses to bytes. */
  memVar(name: string): ZMem;
}

export function z3Algebra(ctx: Z3Context): Z3Algebra {
  const { BitVec, Bool, Array: Arr, Concat, Extract, If, And, Or, Not, Xor, Select, Store } = ctx;
  const addrSort = BitVec.sort(32);
  const byteSort = BitVec.sort(8);
  return {
    kind: 'z3',
    ctx,
    bvVar: (name, width) => BitVec.const(name, width),
    boolVar: (name) => Bool.const(name),
    memVar: (name) => Arr.const(name, addrSort, byteSort) as unknown as ZMem,

    bv: (value, width) => BitVec.val(BigInt.asUintN(width, BigInt(value)), width),
    widthOf: (x) => x.size(),

    add: (a, b) => a.add(b),
    sub: (a, b) => a.sub(b),
    mul: (a, b) => a.mul(b),
    neg: (a) => a.neg(),
    udiv: (a, b) => a.udiv(b),
    urem: (a, b) => a.urem(b),
    sdiv: (a, b) => a.sdiv(b),
    srem: (a, b) => a.srem(b),

    and: (a, b) => a.and(b),
    or: (a, b) => a.or(b),
    xor: (a, b) => a.xor(b),
    not: (a) => a.not(),

    shl: (a, k) => a.shl(k),
    lshr: (a, k) => a.lshr(k),
    ashr: (a, k) => a.shr(k),

    extract: (x, hi, lo) => Extract(hi, lo, x),
    concat: (hi, lo) => Concat(hi, lo),
    zext: (x, w) => (w === x.size() ? x : x.zeroExt(w - x.size())),
    sext: (x, w) => (w === x.size() ? x : x.signExt(w - x.size())),

    eq: (a, b) => a.eq(b),
    ult: (a, b) => a.ult(b),
    ule: (a, b) => a.ule(b),
    slt: (a, b) => a.slt(b),
    sle: (a, b) => a.sle(b),

    ite: (c, t, e) => If(c, t, e) as ZBV,

    bool: (v) => Bool.val(v),
    boolNot: (p) => Not(p),
    boolAnd: (...ps) => (ps.length === 0 ? Bool.val(true) : ps.length === 1 ? ps[0]! : And(...ps)),
    boolOr: (...ps) => (ps.length === 0 ? Bool.val(false) : ps.length === 1 ? ps[0]! : Or(...ps)),
    boolXor: (a, b) => Xor(a, b),
    boolIte: (c, t, e) => If(c, t, e) as ZBool,
    boolEq: (a, b) => a.eq(b),

    load8: (m, addr) => Select(m, addr) as unknown as ZBV,
    store8: (m, addr, value) => Store(m, addr, value) as unknown as ZMem,
  };
}
