/**
 * The symbolic algebra: bit-vectors, booleans and byte memories as z3-solver
 * terms. The validator runs the very same semantic rules as the reference
 * interpreters, under this implementation.
 */
import { init, type Context } from 'z3-solver';
import type { Algebra } from './algebra.ts';

export type Z3Context = Context<'main'>;
type Ctx = Z3Context;
export type ZBV = ReturnType<Ctx['BitVec']['const']>;
export type ZBool = ReturnType<Ctx['Bool']['const']>;
export type ZMem = ReturnType<Ctx['Array']['const']>;

export type Z3Api = Awaited<ReturnType<typeof init>>;

let api: Promise<Z3Api> | undefined;
let ready: Promise<Z3Context> | undefined;

/**
 * The process-wide Z3 instance (z3-solver's init costs ~150 ms and each init is a separate wasm heap
 * of its own, so everyone shares this one).
 */
export function z3Api(): Promise<Z3Api> {
  api ??= init();
  return api;
}

/** The process-wide Z3 context. */
export function z3Context(): Promise<Z3Context> {
  ready ??= z3Api().then(({ Context }) => new Context('main'));
  return ready;
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
