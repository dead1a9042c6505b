/**
 * The validator's algebra: the Z3 algebra of spec/bv/z3.ts with a memory
 * that resolves reads over writes when the two addresses are the same
 * symbolic root plus different (or equal) constant offsets.
 *
 * Frame accesses are `SP + constant` against one symbolic entry SP, so a
 * reload from a spill slot, or the restore of a saved register, becomes the
 * stored term itself instead of a Z3 array query. Everything else falls
 * back to exact Z3 terms (`ite(addr = w.addr, w.value, ...)` over the write
 * list, then `select` on the base array), so the rewrite is exact: it only
 * decides `a + c1 = a + c2` by comparing c1 and c2 modulo 2^32.
 *
 * A read also passes over every write that lies in a different declared
 * region (the stack, linear memory, the globals, ...): declared regions are
 * pairwise disjoint under premises of every query. An address lies in a region
 * syntactically (a region's root plus a constant offset inside it), or by a
 * *region fact*: a byte-address term the caller proved (Z3 unsat) to lie in a
 * region under the premises of the path that builds the read (see
 * withRegionFacts). So a spill reload no longer becomes an `ite` over every
 * linear-memory store of the path, and a linear-memory read none over the
 * spills. Each skip leaves a term equal to the full one under those premises.
 *
 * One more exact rewrite: `x & ~3` is `x` when x is a root known to be
 * 4-aligned plus a multiple of 4 (the M-profile SP write mask).
 */
import type { Algebra } from '../spec/bv/algebra.ts';
import { CBV, concrete } from '../spec/bv/concrete.ts';
import { z3Algebra, type Z3Context, type ZBool, type ZBV, type ZMem } from '../spec/bv/z3.ts';

/** Byte memory: a base array and the writes on top of it, oldest first. */
export interface SymMem {
  base: ZMem;
  writes: readonly MemWrite[];
}

/** One byte stored, or a range of bytes set to zero. */
export type MemWrite = { addr: ZBV; value: ZBV; fill?: undefined } | { fill: ZeroFill };

/**
 * The bytes at `root + d` for unsigned 32-bit offsets `from <= d < to` read as zero (memory.grow's new
 * pages). `region` names the declared region (see `region`) that contains every such byte.
 */
export interface ZeroFill {
  region: string;
  root: ZBV;
  from: ZBV;
  to: ZBV;
}

/**
 * Region facts: byte-address term id -> the term and the declared region it lies in. Proved by the caller
 * under premises that hold wherever the terms built with the facts in force are used.
 */
export type RegionFacts = ReadonlyMap<number, { term: ZBV; region: string }>;

/** `facts` and: every term of `addrs` lies in `region`. */
export function addFacts(facts: RegionFacts, addrs: readonly ZBV[], region: string): RegionFacts {
  const m = new Map(facts);
  for (const a of addrs) m.set(a.id(), { term: a, region });
  return m;
}

/** The terms of `xs`, each once (by Z3 AST id), in first-seen order. */
export function uniqueTerms(xs: readonly ZBV[]): ZBV[] {
  const seen = new Set<number>();
  return xs.filter((x) => !seen.has(x.id()) && (seen.add(x.id()), true));
}

export interface VAlgebra extends Algebra<ZBV, ZBool, SymMem> {
  readonly ctx: Z3Context;
  bvVar(name: string, width: number): ZBV;
  boolVar(name: string): ZBool;
  memVar(name: string): SymMem;
  /** A 32-bit root whose value is a multiple of `align` (e.g. the entry SP). */
  alignedRoot(term: ZBV, align: number): void;
  /** The root of stack addresses (the entry SP): base-array bytes at root + constant become byte variables. */
  stackRoot(term: ZBV): void;
  /**
   * Declare that `root + off` for constant offsets `lo <= off < hi` lies in region `name`. The caller
   * guarantees (as premises of every query) that declared regions are pairwise disjoint and do not wrap.
   */
  region(name: string, root: ZBV, lo: number, hi: number): void;
  /** `m` with a zero fill on top (see ZeroFill). */
  zeroFill(m: SymMem, fill: ZeroFill): SymMem;
  /**
   * Run `f` with `facts` in force. Returns its value and the byte addresses of region-less reads that a
   * region fact about their own address would have shortened (they passed over a write of a known region).
   */
  withRegionFacts<T>(facts: RegionFacts, f: () => T): { value: T; unplaced: ZBV[] };
  /**
   * A guess at the declared region of `addr`, for choosing what to try to prove: the region of the first
   * declared root found in its sums (e.g. memBase in memBase + index, a table base in base + index x 8).
   */
  regionHint(addr: ZBV): string | undefined;
  /** The declared region `addr` lies in, syntactically or by a fact in `facts`; undefined if not known. */
  regionOf(addr: ZBV, facts: RegionFacts): string | undefined;
  /**
   * The writes and fills of `m` that lie in `region`, oldest first, by the facts in force; undefined when
   * some write's region is not known (it might lie in `region`).
   */
  writesIn(m: SymMem, region: string): MemWrite[] | undefined;
  /** A byte read whose address the caller knows to lie in `region` wherever the term is used (e.g. under a guard saying so). */
  load8In(m: SymMem, addr: ZBV, region: string): ZBV;
}

interface Affine {
  /** Z3 AST id of the root, or -1 for a constant. */
  root: number;
  /** The root term itself (undefined for a constant). */
  term?: ZBV;
  off: number;
}

export function validatorAlgebra(ctx: Z3Context): VAlgebra {
  const Z = z3Algebra(ctx);
  const aff = new Map<number, Affine>();
  const aligned = new Map<number, number>();
  const stackRoots = new Set<number>();
  const memNames = new Map<number, string>();
  const regions = new Map<number, { name: string; lo: number; hi: number }>();
  // Every term whose AST id enters a map stays referenced, so that Z3 never reuses its id.
  const keep: ZBV[] = [];
  const keepMem: ZMem[] = [];
  /** For terms of width >= 32: their low 32 bits as `root + off` (mod 2^32), when known. */
  const affineOf = (x: ZBV): Affine | undefined => {
    if (x.size() < 32) return undefined;
    keep.push(x);
    const known = aff.get(x.id());
    if (known) return known;
    if (ctx.isBitVecVal(x)) return { root: -1, off: Number(x.value() & 0xffffffffn) };
    return x.size() === 32 ? { root: x.id(), term: x, off: 0 } : undefined;
  };
  const record = (r: ZBV, a: Affine | undefined): ZBV => {
    if (a && r.size() >= 32 && !aff.has(r.id())) aff.set(r.id(), { root: a.root, ...(a.term ? { term: a.term } : {}), off: a.off >>> 0 });
    return r;
  };
  // Constant folding with the concrete algebra (spec/bv/concrete.ts, tested to agree with this one), so
  // that e.g. AddWithCarry(sp, NOT(imm), 1) keeps a constant offset the address tracking can see.
  const cv = (x: ZBV): CBV | undefined => (ctx.isBitVecVal(x) ? new CBV(x.size(), x.value()) : undefined);
  const cb = (p: ZBool): boolean | undefined => (ctx.isTrue(p) ? true : ctx.isFalse(p) ? false : undefined);
  const fold2 = (op: (a: CBV, b: CBV) => CBV, z: (a: ZBV, b: ZBV) => ZBV) => (a: ZBV, b: ZBV): ZBV => {
    const x = cv(a);
    const y = cv(b);
    if (x && y) {
      const r = op(x, y);
      return Z.bv(r.v, r.w);
    }
    return z(a, b);
  };
  const fold1 = (op: (a: CBV) => CBV, z: (a: ZBV) => ZBV) => (a: ZBV): ZBV => {
    const x = cv(a);
    if (x) {
      const r = op(x);
      return Z.bv(r.v, r.w);
    }
    return z(a);
  };
  /** true: surely equal; false: surely different; undefined: ask Z3. */
  const sameAddress = (a: ZBV, b: ZBV): boolean | undefined => {
    if (a.id() === b.id()) return true;
    const x = affineOf(a);
    const y = affineOf(b);
    if (!x || !y || x.root !== y.root) return undefined;
    return x.off === y.off;
  };
  /** `root + offset` rebuilt in one shape, so that equal addresses of the base array are one Z3 term. */
  const canonical = (addr: ZBV): ZBV => {
    const a = affineOf(addr);
    if (!a || a.root === -1 || !a.term) return addr;
    return a.off === 0 ? a.term : Z.add(a.term, Z.bv(a.off, 32));
  };
  /**
   * A byte of a base array. Bytes at `stack root + constant` are plain byte variables, one per base array
   * and offset, instead of `select` terms: Z3 then never has to separate stack addresses pairwise. This
   * only forgets that such a byte might alias a byte read through another root (a wild read); forgetting an
   * equality adds behaviours and never removes one, so every proof still covers the real run.
   */
  const baseRead = (base: ZMem, addr: ZBV): ZBV => {
    const a = affineOf(addr);
    const name = memNames.get(base.id());
    if (a && a.root !== -1 && name !== undefined && stackRoots.has(a.root)) {
      return Z.bvVar(`${name}[sp${a.off >= 0x80000000 ? `-${0x100000000 - a.off}` : `+${a.off}`}]`, 8);
    }
    return Z.load8(base, canonical(addr));
  };
  /** The facts in force (withRegionFacts), and where reads that a fact would shorten are collected. */
  let facts: RegionFacts = new Map();
  let unplaced: ZBV[] | undefined;
  const regionIn = (addr: ZBV, known: RegionFacts): string | undefined => {
    const f = known.get(addr.id());
    if (f !== undefined) return f.region;
    const a = affineOf(addr);
    if (!a || a.root === -1) return undefined;
    const r = regions.get(a.root);
    if (r === undefined) return undefined;
    const off = r.lo < 0 ? a.off | 0 : a.off >>> 0;
    return r.lo <= off && off < r.hi ? r.name : undefined;
  };
  const inFill = (addr: ZBV, f: ZeroFill): ZBool => {
    // memBase + ea (as WASM accesses are built) has the offset ea itself.
    const pq = addArgs.get(addr.id());
    const d = pq && pq[0].id() === f.root.id() ? pq[1] : A.sub(addr, f.root);
    return Z.boolAnd(Z.ule(f.from, d), Z.ult(d, f.to));
  };
  /**
   * The byte at `addr`, which lies in region `at` (undefined: not known). A write or fill in another
   * region is passed over: declared regions are disjoint (premises of every query) and a fill lies in its
   * own region, so the term left is equal under those premises.
   */
  const load8 = (m: SymMem, addr: ZBV, at: string | undefined = regionIn(addr, facts)): ZBV => {
    let result: ZBV | undefined;
    let shortenable = false;
    const pending: { eq: ZBool; value: ZBV }[] = [];
    for (let i = m.writes.length - 1; i >= 0; i--) {
      const w = m.writes[i]!;
      if (w.fill) {
        if (at !== undefined && at !== w.fill.region) continue;
        shortenable ||= at === undefined;
        pending.push({ eq: inFill(addr, w.fill), value: Z.bv(0, 8) });
        continue;
      }
      const s = sameAddress(addr, w.addr);
      if (s === false) continue;
      if (s === true) {
        result = w.value;
        break;
      }
      const wr = regionIn(w.addr, facts);
      if (wr !== undefined && at !== undefined && wr !== at) continue;
      shortenable ||= wr !== undefined && at === undefined;
      pending.push({ eq: Z.eq(addr, w.addr), value: w.value });
    }
    if (shortenable && unplaced) unplaced.push(addr);
    let r = result ?? baseRead(m.base, addr);
    for (let i = pending.length - 1; i >= 0; i--) r = Z.ite(pending[i]!.eq, pending[i]!.value, r);
    return r;
  };
  // Word-level view of AddWithCarry (spec/arm/semantics.ts computes it in 33 bits): the low word of a
  // wide sum of zero-extended words is the 32-bit sum, and x + ~y + 1 is x - y. All exact identities.
  const low = new Map<number, ZBV>();
  const notArg = new Map<number, ZBV>();
  const addArgs = new Map<number, [ZBV, ZBV]>();
  const lowOf = (x: ZBV): ZBV | undefined => {
    if (x.size() === 32) return x;
    const c = cv(x);
    if (c) return Z.bv(c.v & 0xffffffffn, 32);
    return low.get(x.id());
  };
  const setLow = (r: ZBV, l: ZBV | undefined): ZBV => {
    if (l && r.size() > 32) {
      keep.push(r, l);
      low.set(r.id(), l);
    }
    return r;
  };
  const zextArg = new Map<number, ZBV>();
  /** Zero extensions of any width: term id -> the extended term. */
  const zextOf = new Map<number, ZBV>();
  const carryOf = (t: ZBV): ZBool | undefined => {
    const pq = addArgs.get(t.id());
    if (!pq) return undefined;
    const [p, q] = pq;
    const a = zextArg.get(p.id());
    const b = zextArg.get(q.id());
    if (a && b) return Z.ult(A.add(a, b), a);
    const one = cv(q);
    if (one && one.v === 1n) {
      const inner = addArgs.get(p.id());
      if (!inner) return undefined;
      const x = zextArg.get(inner[0].id());
      const ny = zextArg.get(inner[1].id());
      const y = ny && notArg.get(ny.id());
      if (x && y) return Z.ule(y, x);
    }
    return undefined;
  };
  /**
   * Slices: term id -> the term it was extracted from and the bits. A little-endian reload of stored bytes
   * is a concat of adjacent slices of one term; it is rebuilt as that slice (exactly the same bits), so
   * that a value spilled and reloaded is the same term as the value, and Z3's word-level simplifier still
   * sees it (it cannot always undo the byte split once the slices are pushed into sums).
   */
  const slices = new Map<number, { src: ZBV; hi: number; lo: number }>();
  /** 32-bit ite terms with constant branches (carries as words). */
  const iteConst = new Map<number, { c: ZBool; t: bigint; e: bigint }>();
  const C = concrete;
  /** Extract with the word-level views of AddWithCarry (carry out, low word) and address tracking. */
  const extractWord = (x: ZBV, hi: number, lo: number): ZBV => {
    if (hi === 32 && lo === 32 && x.size() === 33) {
      // The carry out of AddWithCarry: a + b carries iff (a + b) <u a; a + ~c + 1 carries iff c <=u a.
      const c = carryOf(x);
      if (c) return Z.ite(c, Z.bv(1, 1), Z.bv(0, 1));
    }
    if (hi === 31 && lo === 0 && x.size() > 32) {
      const l = low.get(x.id());
      if (l) return l;
    }
    const r = fold1((c) => C.extract(c, hi, lo), (z) => Z.extract(z, hi, lo))(x);
    if (!cv(r)) {
      // Only plain slices: a word-level view above is a different term for the same bits.
      keep.push(r, x);
      slices.set(r.id(), { src: x, hi, lo });
    }
    return hi === 31 && lo === 0 ? record(r, affineOf(x)) : r;
  };
  /**
   * Multiples of a term by a constant, by term id: x << k is built as x * 2^k, and x * c + x * d as
   * x * (c + d), so the compiler's x + (x << 5) and WASM's x * 33 are one term (exact identities modulo
   * 2^width, also for k >= width). Z3 proves a chain of such steps (a hash, a linear congruence) at once
   * this way, and not within 50,000,000 rlimit as shifts and adds against multiplications.
   */
  const scaled = new Map<number, { x: ZBV; c: bigint }>();
  const scaleOf = (t: ZBV): { x: ZBV; c: bigint } => scaled.get(t.id()) ?? { x: t, c: 1n };
  const times = (t: ZBV, c: bigint): ZBV => {
    const { x, c: c0 } = scaleOf(t);
    const w = x.size();
    const k = BigInt.asUintN(w, c * c0);
    if (k === 0n) return Z.bv(0, w);
    if (k === 1n) return x;
    const r = Z.mul(x, Z.bv(k, w));
    keep.push(r, x);
    scaled.set(r.id(), { x, c: k });
    return r;
  };
  /** a + sign * b as one multiple when both are multiples of the same non-constant term. */
  const sameMultiple = (a: ZBV, b: ZBV, sign: bigint): ZBV | undefined => {
    const sa = scaleOf(a);
    const sb = scaleOf(b);
    if (sa.x.id() !== sb.x.id() || cv(sa.x) || (sa.c === 1n && sb.c === 1n)) return undefined;
    return times(sa.x, sa.c + sign * sb.c);
  };
  const A: VAlgebra = {
    ...Z,
    mul: (a, b) => {
      const x = cv(a);
      const y = cv(b);
      if (x && y) return fold2(C.mul, Z.mul)(a, b);
      if (y) return times(a, y.v);
      if (x) return times(b, x.v);
      return Z.mul(a, b);
    },
    udiv: fold2(C.udiv, Z.udiv),
    urem: fold2(C.urem, Z.urem),
    sdiv: fold2(C.sdiv, Z.sdiv),
    srem: fold2(C.srem, Z.srem),
    or: fold2(C.or, Z.or),
    xor: fold2(C.xor, Z.xor),
    shl: (a, k) => {
      const n = cv(k);
      if (n && !cv(a)) return n.v >= BigInt(a.size()) ? Z.bv(0, a.size()) : times(a, 1n << n.v);
      return fold2(C.shl, Z.shl)(a, k);
    },
    lshr: fold2(C.lshr, Z.lshr),
    ashr: fold2(C.ashr, Z.ashr),
    not: (a) => {
      const r = fold1(C.not, Z.not)(a);
      if (!cv(r)) {
        keep.push(r, a);
        notArg.set(r.id(), a);
      }
      return r;
    },
    neg: fold1(C.neg, Z.neg),
    concat: (a, b) => {
      const x = slices.get(a.id());
      const y = slices.get(b.id());
      if (x && y && x.src.id() === y.src.id() && x.lo === y.hi + 1) return A.extract(x.src, x.hi, y.lo);
      return fold2(C.concat, Z.concat)(a, b);
    },
    // sext64(x) = concat(x >>s 31, x): the shape of a high word made with ASR #31.
    sext: (x, w) => (x.size() === 32 && w === 64 && !cv(x) ? A.concat(A.ashr(x, Z.bv(31, 32)), x) : fold1((c) => C.sext(c, w), (z) => Z.sext(z, w))(x)),
    zext: (x, w) => {
      const r = fold1((c) => C.zext(c, w), (z) => Z.zext(z, w))(x);
      if (!cv(r) && r.id() !== x.id()) {
        keep.push(r, x);
        zextOf.set(r.id(), x);
      }
      if (x.size() === 32 && w > 32 && !cv(r)) {
        keep.push(r, x);
        zextArg.set(r.id(), x);
      }
      return setLow(record(r, affineOf(x)), x.size() === 32 ? x : undefined);
    },
    extract: (x, hi, lo) => {
      if (lo === 0 && hi === x.size() - 1) return x;
      // Bits of a zero extension below the argument's width are the argument's (MOVW of half an address).
      const narrow = zextOf.get(x.id());
      if (narrow && hi < narrow.size()) return A.extract(narrow, hi, lo);
      const inner = slices.get(x.id());
      if (inner) return A.extract(inner.src, inner.lo + hi, inner.lo + lo);
      return extractWord(x, hi, lo);
    },
    ite: (c, t, e) => {
      const k = cb(c);
      if (k !== undefined) return k ? t : e;
      const r = Z.ite(c, t, e);
      const ct = cv(t);
      const ce = cv(e);
      if (ct && ce && r.size() === 32) {
        keep.push(r);
        iteConst.set(r.id(), { c, t: ct.v, e: ce.v });
      }
      const lt = lowOf(t);
      const le = lowOf(e);
      return t.size() > 32 && lt && le ? setLow(r, A.ite(c, lt, le)) : r;
    },
    boolNot: (p) => {
      const k = cb(p);
      return k === undefined ? Z.boolNot(p) : Z.bool(!k);
    },
    ctx,
    bvVar: Z.bvVar,
    boolVar: Z.boolVar,
    memVar: (name) => {
      const base = Z.memVar(name);
      keepMem.push(base);
      memNames.set(base.id(), name);
      return { base, writes: [] };
    },
    alignedRoot: (term, align) => {
      keep.push(term);
      aligned.set(term.id(), align);
    },
    stackRoot: (term) => {
      keep.push(term);
      stackRoots.add(term.id());
    },
    region: (name, root, lo, hi) => {
      keep.push(root);
      regions.set(root.id(), { name, lo, hi });
    },
    zeroFill: (m, fill) => {
      keep.push(fill.root, fill.from, fill.to);
      return { base: m.base, writes: [...m.writes, { fill }] };
    },
    add: (a, b) => {
      if (a.size() > 32) {
        const la = lowOf(a);
        const lb = lowOf(b);
        const cb1 = cv(b);
        if (cb1 && cb1.v === 0n) return a;
        const r = setLow(fold2(C.add, Z.add)(a, b), la && lb ? A.add(la, lb) : undefined);
        if (!cv(r)) {
          keep.push(r, a, b);
          addArgs.set(r.id(), [a, b]);
        }
        return r;
      }
      const cb0 = cv(b);
      if (cb0 && cb0.v === 0n) return a;
      // p + ~q + ite(c, k1, k0) = (p - q) - ite(c, 1 - k1, 1 - k0), and ~q + 1 = 0 - q: the words of
      // AddWithCarry(p, NOT(q), carry) (SBC, RSB) in the shape a subtraction has.
      const ib = iteConst.get(b.id());
      const pq0 = addArgs.get(a.id());
      const nq0 = pq0 && notArg.get(pq0[1].id());
      if (ib && pq0 && nq0) return A.sub(A.sub(pq0[0], nq0), A.ite(ib.c, Z.bv(BigInt.asUintN(32, 1n - ib.t), 32), Z.bv(BigInt.asUintN(32, 1n - ib.e), 32)));
      if (cb0 && cb0.v === 1n && notArg.has(a.id())) return A.sub(Z.bv(0, 32), notArg.get(a.id())!);
      if (cb0 && cb0.v === 1n) {
        const pq = addArgs.get(a.id());
        if (pq) {
          const [p, q] = pq;
          const nq = notArg.get(q.id());
          if (nq) return A.sub(p, nq);
          const np = notArg.get(p.id());
          if (np) return A.sub(q, np);
        }
      }
      const m = sameMultiple(a, b, 1n);
      if (m) return m;
      const r = fold2(C.add, Z.add)(a, b);
      if (!cv(r)) {
        keep.push(r, a, b);
        addArgs.set(r.id(), [a, b]);
      }
      const x = affineOf(a);
      const y = affineOf(b);
      if (x && y && (x.root === -1 || y.root === -1)) record(r, { ...(x.root === -1 ? y : x), off: x.off + y.off });
      return r;
    },
    sub: (a, b) => {
      const m = a.size() <= 32 ? sameMultiple(a, b, -1n) : undefined;
      if (m) return m;
      const r = fold2(C.sub, Z.sub)(a, b);
      const x = affineOf(a);
      const y = affineOf(b);
      if (x && y && y.root === -1) record(r, { ...x, off: x.off - y.off });
      return r;
    },
    and: (a, b) => {
      const x = affineOf(a);
      const y = affineOf(b);
      if (a.size() === 32 && x && y && y.root === -1 && y.off === 0xfffffffc && x.root !== -1 && (aligned.get(x.root) ?? 1) % 4 === 0 && x.off % 4 === 0) return a;
      return fold2(C.and, Z.and)(a, b);
    },
    load8: (m, addr) => load8(m, addr),
    load8In: (m, addr, region) => load8(m, addr, region),
    regionOf: regionIn,
    regionHint: (addr) => {
      const hint = (x: ZBV, depth: number): string | undefined => {
        const a = affineOf(x);
        const r = a && a.root !== -1 ? regions.get(a.root) : undefined;
        if (r) return r.name;
        const pq = depth < 4 ? addArgs.get(x.id()) : undefined;
        return pq ? (hint(pq[0], depth + 1) ?? hint(pq[1], depth + 1)) : undefined;
      };
      return hint(addr, 0);
    },
    writesIn: (m, region) => {
      const out: MemWrite[] = [];
      for (const w of m.writes) {
        const r = w.fill ? w.fill.region : regionIn(w.addr, facts);
        if (r === undefined) return undefined;
        if (r === region) out.push(w);
      }
      return out;
    },
    withRegionFacts: (known, f) => {
      const saved = { facts, unplaced };
      facts = known;
      unplaced = [];
      try {
        const value = f();
        return { value, unplaced };
      } finally {
        facts = saved.facts;
        unplaced = saved.unplaced;
      }
    },
    store8: (m, addr, value) => ({ base: m.base, writes: [...m.writes, { addr, value }] }),
  };
  return A;
}
