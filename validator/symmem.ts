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
 * One more exact rewrite: `x & ~3` is `x` when x is a root known to be
 * 4-aligned plus a multiple of 4 (the M-profile SP write mask).
 */
import type { Algebra } from '../spec/bv/algebra.ts';
import { z3Algebra, type Z3Context, type ZBool, type ZBV, type ZMem } from '../spec/bv/z3.ts';

/** Byte memory: a base array and the writes on top of it, oldest first. */
export interface SymMem {
  base: ZMem;
  writes: readonly { addr: ZBV; value: ZBV }[];
}

export interface VAlgebra extends Algebra<ZBV, ZBool, SymMem> {
  readonly ctx: Z3Context;
  bvVar(name: string, width: number): ZBV;
  boolVar(name: string): ZBool;
  memVar(name: string): SymMem;
  /** A 32-bit root whose value is a multiple of `align` (e.g. the entry SP). */
  alignedRoot(term: ZBV, align: number): void;
  /** The exact Z3 array term of a memory (for reporting). */
  toArray(m: SymMem): ZMem;
}

interface Affine {
  /** Z3 AST id of the root, or -1 for a constant. */
  root: number;
  off: number;
}

export function validatorAlgebra(ctx: Z3Context): VAlgebra {
  const Z = z3Algebra(ctx);
  const aff = new Map<number, Affine>();
  const aligned = new Map<number, number>();
  // Every term whose AST id enters a map stays referenced, so that Z3 never reuses its id.
  const keep: ZBV[] = [];
  const affineOf = (x: ZBV): Affine | undefined => {
    if (x.size() !== 32) return undefined;
    keep.push(x);
    const known = aff.get(x.id());
    if (known) return known;
    if (ctx.isBitVecVal(x)) return { root: -1, off: Number(x.value() & 0xffffffffn) };
    return { root: x.id(), off: 0 };
  };
  const record = (r: ZBV, a: Affine | undefined): ZBV => {
    if (a && r.size() === 32 && !aff.has(r.id())) aff.set(r.id(), { root: a.root, off: a.off >>> 0 });
    return r;
  };
  /** true: surely equal; false: surely different; undefined: ask Z3. */
  const sameAddress = (a: ZBV, b: ZBV): boolean | undefined => {
    if (a.id() === b.id()) return true;
    const x = affineOf(a);
    const y = affineOf(b);
    if (!x || !y || x.root !== y.root) return undefined;
    return x.off === y.off;
  };
  const load8 = (m: SymMem, addr: ZBV): ZBV => {
    let result: ZBV | undefined;
    const pending: { eq: ZBool; value: ZBV }[] = [];
    for (let i = m.writes.length - 1; i >= 0; i--) {
      const w = m.writes[i]!;
      const s = sameAddress(addr, w.addr);
      if (s === false) continue;
      if (s === true) {
        result = w.value;
        break;
      }
      pending.push({ eq: Z.eq(addr, w.addr), value: w.value });
    }
    let r = result ?? Z.load8(m.base, addr);
    for (let i = pending.length - 1; i >= 0; i--) r = Z.ite(pending[i]!.eq, pending[i]!.value, r);
    return r;
  };
  const A: VAlgebra = {
    ...Z,
    ctx,
    bvVar: Z.bvVar,
    boolVar: Z.boolVar,
    memVar: (name) => ({ base: Z.memVar(name), writes: [] }),
    alignedRoot: (term, align) => {
      keep.push(term);
      aligned.set(term.id(), align);
    },
    toArray: (m) => m.writes.reduce((arr, w) => Z.store8(arr, w.addr, w.value), m.base),
    add: (a, b) => {
      const r = Z.add(a, b);
      const x = affineOf(a);
      const y = affineOf(b);
      if (x && y && (x.root === -1 || y.root === -1)) record(r, { root: x.root === -1 ? y.root : x.root, off: x.off + y.off });
      return r;
    },
    sub: (a, b) => {
      const r = Z.sub(a, b);
      const x = affineOf(a);
      const y = affineOf(b);
      if (x && y && y.root === -1) record(r, { root: x.root, off: x.off - y.off });
      return r;
    },
    and: (a, b) => {
      const x = affineOf(a);
      const y = affineOf(b);
      if (x && y && y.root === -1 && y.off === 0xfffffffc && x.root !== -1 && (aligned.get(x.root) ?? 1) % 4 === 0 && x.off % 4 === 0) return a;
      return Z.and(a, b);
    },
    load8,
    store8: (m, addr, value) => ({ base: m.base, writes: [...m.writes, { addr, value }] }),
  };
  return A;
}
