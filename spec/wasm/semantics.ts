/**
 * The semantics of warden's WebAssembly integer subset, written ONCE over the
 * bit-vector algebra (`Algebra<B, P, M>`, spec/bv/algebra.ts). The concrete
 * interpreter (spec/wasm/interp.ts) runs these rules with `concrete`; the
 * validator's symbolic executor runs the very same rules with the Z3 algebra.
 *
 * Conventions
 * - i32 values are 32-bit bit-vectors, i64 values 64-bit ones.
 * - A rule never branches in TypeScript on a `P`. It returns its results
 *   together with a list of possible traps, `{ when, trap }`, in priority
 *   order. The driver decides: the concrete interpreter takes the first trap
 *   whose `when` holds; a symbolic executor forks / guards on them. Results
 *   are meaningful only when no trap condition holds.
 * - Memory is `M` from the algebra, indexed by 32-bit byte addresses; the
 *   linear memory's size in bytes is a 64-bit bit-vector `memBytes` (it may be
 *   symbolic), normally `pagesToBytes(A, pages)`.
 *
 * API
 * - `numeric(A, op, args)`: every immediate-free integer instruction.
 * - `constant(A, 'i32' | 'i64', value)`.
 * - `select(A, a, b, cond)`, `eqz`-style tests via `numeric`.
 * - `load(A, mem, memBytes, op, memarg, addr)`, `store(A, memBytes, op, memarg, addr, value)`.
 * - `memorySize(A, pages)`, `memoryGrow(A, pages, delta, maxPages)`.
 * - `truthy(A, c)`: the condition an i32 stands for (br_if, if, select).
 */
import type { Algebra } from '../bv/algebra.ts';
import { boolToBv, clz, ctz, popcnt, rotl, rotr, loadLE, storeLE } from '../bv/derived.ts';
import type { TrapKind } from '../abi/traps.ts';
import type { LoadOp, MemArg, NumericOp, StoreOp } from './ast.ts';
import { opInfo, type ValueKind } from './opcodes.ts';

/** A possible trap of a rule: it happens when `when` holds. */
export interface TrapCase<P> {
  when: P;
  trap: TrapKind;
}

/** What a value-producing rule returns. */
export interface Outcome<B, P> {
  results: B[];
  traps: TrapCase<P>[];
}

/** Bytes per WebAssembly page. */
export const PAGE_BYTES = 65536;
/** The most pages a 32-bit memory can have. */
export const MAX_PAGES = 65536;

export function widthOf(t: ValueKind): 32 | 64 {
  return t === 'i32' ? 32 : 64;
}

export function constant<B, P, M>(A: Algebra<B, P, M>, t: ValueKind, value: number | bigint): B {
  return A.bv(value, widthOf(t));
}

/** The condition an i32 operand stands for (nonzero). */
export function truthy<B, P, M>(A: Algebra<B, P, M>, c: B): P {
  return A.boolNot(A.eq(c, A.bv(0, A.widthOf(c))));
}

/** `select`: a if c is nonzero, else b. */
export function select<B, P, M>(A: Algebra<B, P, M>, a: B, b: B, c: B): B {
  return A.ite(truthy(A, c), a, b);
}

type Rule = <B, P, M>(A: Algebra<B, P, M>, x: B, y: B) => Outcome<B, P>;

const ok = <B, P>(r: B): Outcome<B, P> => ({ results: [r], traps: [] });

function intMin<B, P, M>(A: Algebra<B, P, M>, w: number): B {
  return A.bv(1n << BigInt(w - 1), w);
}

/** The shift amount modulo the width (WebAssembly semantics), as a width-wide bv. */
function shiftAmount<B, P, M>(A: Algebra<B, P, M>, k: B): B {
  const w = A.widthOf(k);
  return A.and(k, A.bv(w - 1, w));
}

function divByZero<B, P, M>(A: Algebra<B, P, M>, y: B): TrapCase<P> {
  return { when: A.eq(y, A.bv(0, A.widthOf(y))), trap: 'integer divide by zero' };
}

/** The rules by operation suffix (width-generic). Binary rules use (x, y); unary ones ignore y. */
const RULES: Record<string, Rule> = {
  eqz: (A, x) => ok(boolToBv(A, A.eq(x, A.bv(0, A.widthOf(x))), 32)),
  eq: (A, x, y) => ok(boolToBv(A, A.eq(x, y), 32)),
  ne: (A, x, y) => ok(boolToBv(A, A.boolNot(A.eq(x, y)), 32)),
  lt_s: (A, x, y) => ok(boolToBv(A, A.slt(x, y), 32)),
  lt_u: (A, x, y) => ok(boolToBv(A, A.ult(x, y), 32)),
  gt_s: (A, x, y) => ok(boolToBv(A, A.slt(y, x), 32)),
  gt_u: (A, x, y) => ok(boolToBv(A, A.ult(y, x), 32)),
  le_s: (A, x, y) => ok(boolToBv(A, A.sle(x, y), 32)),
  le_u: (A, x, y) => ok(boolToBv(A, A.ule(x, y), 32)),
  ge_s: (A, x, y) => ok(boolToBv(A, A.sle(y, x), 32)),
  ge_u: (A, x, y) => ok(boolToBv(A, A.ule(y, x), 32)),

  clz: (A, x) => ok(clz(A, x)),
  ctz: (A, x) => ok(ctz(A, x)),
  popcnt: (A, x) => ok(popcnt(A, x)),

  add: (A, x, y) => ok(A.add(x, y)),
  sub: (A, x, y) => ok(A.sub(x, y)),
  mul: (A, x, y) => ok(A.mul(x, y)),
  div_s: (A, x, y) => {
    const w = A.widthOf(x);
    return {
      results: [A.sdiv(x, y)],
      traps: [divByZero(A, y), { when: A.boolAnd(A.eq(x, intMin(A, w)), A.eq(y, A.bv(-1, w))), trap: 'integer overflow' }],
    };
  },
  div_u: (A, x, y) => ({ results: [A.udiv(x, y)], traps: [divByZero(A, y)] }),
  // INT_MIN rem_s -1 is 0 in WebAssembly, and bvsrem agrees (the remainder of an exact division).
  rem_s: (A, x, y) => ({ results: [A.srem(x, y)], traps: [divByZero(A, y)] }),
  rem_u: (A, x, y) => ({ results: [A.urem(x, y)], traps: [divByZero(A, y)] }),
  and: (A, x, y) => ok(A.and(x, y)),
  or: (A, x, y) => ok(A.or(x, y)),
  xor: (A, x, y) => ok(A.xor(x, y)),
  shl: (A, x, y) => ok(A.shl(x, shiftAmount(A, y))),
  shr_s: (A, x, y) => ok(A.ashr(x, shiftAmount(A, y))),
  shr_u: (A, x, y) => ok(A.lshr(x, shiftAmount(A, y))),
  rotl: (A, x, y) => ok(rotl(A, x, y)),
  rotr: (A, x, y) => ok(rotr(A, x, y)),

  wrap_i64: (A, x) => ok(A.extract(x, 31, 0)),
  extend_i32_s: (A, x) => ok(A.sext(x, 64)),
  extend_i32_u: (A, x) => ok(A.zext(x, 64)),
  extend8_s: (A, x) => ok(A.sext(A.extract(x, 7, 0), A.widthOf(x))),
  extend16_s: (A, x) => ok(A.sext(A.extract(x, 15, 0), A.widthOf(x))),
  extend32_s: (A, x) => ok(A.sext(A.extract(x, 31, 0), A.widthOf(x))),
};

export class SemanticsError extends Error {
  override name = 'SemanticsError';
}

/**
 * Apply an immediate-free integer instruction to its operands (in stack
 * order: `args[0]` was pushed first). Operand widths must match the
 * instruction's signature (spec/wasm/opcodes.ts).
 */
export function numeric<B, P, M>(A: Algebra<B, P, M>, op: NumericOp, args: readonly B[]): Outcome<B, P> {
  const info = opInfo(op);
  const rule = RULES[op.slice(4)];
  if (!info?.sig || !rule) throw new SemanticsError(`semantics.numeric: no rule for ${op}`);
  const { params } = info.sig;
  if (args.length !== params.length) throw new SemanticsError(`semantics.numeric: ${op} takes ${params.length} operands, got ${args.length}`);
  params.forEach((t, i) => {
    if (A.widthOf(args[i]!) !== widthOf(t)) throw new SemanticsError(`semantics.numeric: ${op} operand ${i} must be ${t}, got width ${A.widthOf(args[i]!)}`);
  });
  const x = args[0]!;
  return rule(A, x, args[1] ?? x);
}

/** 64-bit memory size in bytes from a 32-bit page count. */
export function pagesToBytes<B, P, M>(A: Algebra<B, P, M>, pages: B): B {
  return A.shl(A.zext(pages, 64), A.bv(16, 64));
}

/**
 * The bounds check of an access of `size` bytes at i32 address `addr` with a
 * static offset: the effective address is zext(addr) + offset in 64 bits (no
 * 32-bit wrap-around), in bounds iff ea + size <= memBytes. Returns the low
 * 32 bits of ea (exact whenever the access is in bounds, since memBytes <= 2^32).
 */
export function effectiveAddress<B, P, M>(A: Algebra<B, P, M>, memBytes: B, offset: number, addr: B, size: number): { ea: B; traps: TrapCase<P>[] } {
  const ea64 = A.add(A.zext(addr, 64), A.bv(offset, 64));
  const end = A.add(ea64, A.bv(size, 64));
  return { ea: A.extract(ea64, 31, 0), traps: [{ when: A.boolNot(A.ule(end, memBytes)), trap: 'out of bounds memory access' }] };
}

interface AccessShape {
  bytes: number;
  width: 32 | 64;
  signed: boolean;
}

function accessShape(op: LoadOp | StoreOp): AccessShape {
  const info = opInfo(op);
  if (!info?.accessBytes) throw new SemanticsError(`semantics: ${op} is not a supported memory access`);
  return { bytes: info.accessBytes, width: op.startsWith('i64') ? 64 : 32, signed: op.endsWith('_s') };
}

/** A load: reads `memarg.offset + addr` and extends to the result type. */
export function load<B, P, M>(A: Algebra<B, P, M>, mem: M, memBytes: B, op: LoadOp, memarg: MemArg, addr: B): Outcome<B, P> {
  const s = accessShape(op);
  const { ea, traps } = effectiveAddress(A, memBytes, memarg.offset, addr, s.bytes);
  const raw = loadLE(A, mem, ea, s.bytes);
  const v = s.bytes * 8 === s.width ? raw : s.signed ? A.sext(raw, s.width) : A.zext(raw, s.width);
  return { results: [v], traps };
}

/**
 * A store. Memory is used linearly (the concrete memory is updated in place),
 * so the write is returned as a function: the driver evaluates `traps` first
 * and calls `write` only on the no-trap path (a symbolic executor: under the
 * path condition that no trap holds).
 */
export function store<B, P, M>(A: Algebra<B, P, M>, memBytes: B, op: StoreOp, memarg: MemArg, addr: B, value: B): { traps: TrapCase<P>[]; write: (mem: M) => M } {
  const s = accessShape(op);
  if (A.widthOf(value) !== s.width) throw new SemanticsError(`semantics.store: ${op} value must be ${s.width} bits`);
  const { ea, traps } = effectiveAddress(A, memBytes, memarg.offset, addr, s.bytes);
  return { traps, write: (mem) => storeLE(A, mem, ea, value, s.bytes) };
}

/** `memory.size`: the current page count (i32). */
export function memorySize<B, P, M>(_A: Algebra<B, P, M>, pages: B): B {
  return pages;
}

/**
 * `memory.grow`: grows by `delta` pages iff old + delta <= min(maxPages, 65536)
 * (computed in 64 bits, no wrap-around); the result is the old page count,
 * or -1 on failure. New pages read as zero (the driver zero-fills them).
 */
export function memoryGrow<B, P, M>(A: Algebra<B, P, M>, pages: B, delta: B, maxPages: number | undefined): { result: B; pages: B; grew: P } {
  const limit = Math.min(maxPages ?? MAX_PAGES, MAX_PAGES);
  const sum = A.add(A.zext(pages, 64), A.zext(delta, 64));
  const grew = A.ule(sum, A.bv(limit, 64));
  return { result: A.ite(grew, pages, A.bv(-1, 32)), pages: A.ite(grew, A.extract(sum, 31, 0), pages), grew };
}
