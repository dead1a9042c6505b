/**
 * The concrete algebra: bit-vectors as (width, unsigned bigint), booleans as
 * booleans, memory as a mutable byte store. Used by the reference
 * interpreters and to replay counterexamples.
 */
import type { Algebra } from './algebra.ts';

/** A concrete bit-vector: `v` is always normalised to [0, 2^w). */
export class CBV {
  constructor(
    readonly w: number,
    readonly v: bigint,
  ) {}
  /** Signed value. */
  get s(): bigint {
    return BigInt.asIntN(this.w, this.v);
  }
  /** The value as a JS number (only for widths <= 32 or small values). */
  get n(): number {
    return Number(this.v);
  }
  toString(): string {
    return `0x${this.v.toString(16)}:${this.w}`;
  }
}

/** Byte-addressed concrete memory over 32-bit addresses. */
export interface ByteStore {
  read(addr: number): number;
  write(addr: number, byte: number): void;
}

/** A sparse store: unwritten bytes read as `fill`. */
export class SparseMemory implements ByteStore {
  readonly bytes = new Map<number, number>();
  constructor(readonly fill = 0) {}
  read(addr: number): number {
    return this.bytes.get(addr >>> 0) ?? this.fill;
  }
  write(addr: number, byte: number): void {
    this.bytes.set(addr >>> 0, byte & 0xff);
  }
}

/** A dense store over one contiguous buffer starting at address `base`; reads outside it return 0. */
export class FlatMemory implements ByteStore {
  constructor(
    public data: Uint8Array,
    readonly base = 0,
  ) {}
  read(addr: number): number {
    const i = (addr >>> 0) - this.base;
    return i >= 0 && i < this.data.length ? this.data[i]! : 0;
  }
  write(addr: number, byte: number): void {
    const i = (addr >>> 0) - this.base;
    if (i < 0 || i >= this.data.length) throw new RangeError(`concrete memory: write outside [${this.base}, +${this.data.length}) at ${addr >>> 0}`);
    this.data[i] = byte & 0xff;
  }
}

const masks = new Map<number, bigint>();
function mask(w: number): bigint {
  let m = masks.get(w);
  if (m === undefined) {
    m = (1n << BigInt(w)) - 1n;
    masks.set(w, m);
  }
  return m;
}

function mk(w: number, v: bigint): CBV {
  return new CBV(w, v & mask(w));
}

function same(a: CBV, b: CBV, op: string): number {
  if (a.w !== b.w) throw new TypeError(`bv.${op}: width mismatch ${a.w} vs ${b.w}`);
  return a.w;
}

export const concrete: Algebra<CBV, boolean, ByteStore> = {
  kind: 'concrete',
  bv: (value, width) => mk(width, BigInt(value)),
  widthOf: (x) => x.w,

  add: (a, b) => mk(same(a, b, 'add'), a.v + b.v),
  sub: (a, b) => mk(same(a, b, 'sub'), a.v - b.v),
  mul: (a, b) => mk(same(a, b, 'mul'), a.v * b.v),
  neg: (a) => mk(a.w, -a.v),
  udiv: (a, b) => (same(a, b, 'udiv'), b.v === 0n ? mk(a.w, -1n) : mk(a.w, a.v / b.v)),
  urem: (a, b) => (same(a, b, 'urem'), b.v === 0n ? a : mk(a.w, a.v % b.v)),
  // SMT-LIB: bvsdiv by zero is 1 for negative a and ~0 otherwise; bvsrem by zero is a.
  sdiv: (a, b) => (same(a, b, 'sdiv'), b.v === 0n ? mk(a.w, a.s < 0n ? 1n : -1n) : mk(a.w, a.s / b.s)),
  srem: (a, b) => (same(a, b, 'srem'), b.v === 0n ? a : mk(a.w, a.s % b.s)),

  and: (a, b) => mk(same(a, b, 'and'), a.v & b.v),
  or: (a, b) => mk(same(a, b, 'or'), a.v | b.v),
  xor: (a, b) => mk(same(a, b, 'xor'), a.v ^ b.v),
  not: (a) => mk(a.w, ~a.v),

  shl: (a, k) => (same(a, k, 'shl'), k.v >= BigInt(a.w) ? mk(a.w, 0n) : mk(a.w, a.v << k.v)),
  lshr: (a, k) => (same(a, k, 'lshr'), k.v >= BigInt(a.w) ? mk(a.w, 0n) : mk(a.w, a.v >> k.v)),
  ashr: (a, k) => (same(a, k, 'ashr'), mk(a.w, a.s >> (k.v >= BigInt(a.w) ? BigInt(a.w) : k.v))),

  extract: (x, hi, lo) => {
    if (hi < lo || hi >= x.w || lo < 0) throw new RangeError(`bv.extract(${hi}, ${lo}) of width ${x.w}`);
    return mk(hi - lo + 1, x.v >> BigInt(lo));
  },
  concat: (hi, lo) => mk(hi.w + lo.w, (hi.v << BigInt(lo.w)) | lo.v),
  zext: (x, w) => mk(w, x.v),
  sext: (x, w) => mk(w, x.s),

  eq: (a, b) => (same(a, b, 'eq'), a.v === b.v),
  ult: (a, b) => (same(a, b, 'ult'), a.v < b.v),
  ule: (a, b) => (same(a, b, 'ule'), a.v <= b.v),
  slt: (a, b) => (same(a, b, 'slt'), a.s < b.s),
  sle: (a, b) => (same(a, b, 'sle'), a.s <= b.s),

  ite: (c, t, e) => (c ? t : e),

  bool: (v) => v,
  boolNot: (p) => !p,
  boolAnd: (...ps) => ps.every((p) => p),
  boolOr: (...ps) => ps.some((p) => p),
  boolXor: (a, b) => a !== b,
  boolIte: (c, t, e) => (c ? t : e),
  boolEq: (a, b) => a === b,

  load8: (m, addr) => mk(8, BigInt(m.read(Number(addr.v)))),
  store8: (m, addr, value) => {
    m.write(Number(addr.v), Number(value.v));
    return m;
  },
};
