/**
 * Operations derived from the algebra's primitives, written once so that
 * WASM and ARM rules share them (and so that both implementations agree by
 * construction).
 */
import type { Algebra } from './algebra.ts';

/** Rotate left by `amount` modulo the width. */
export function rotl<B, P, M>(A: Algebra<B, P, M>, x: B, amount: B): B {
  const w = A.widthOf(x);
  const k = A.urem(amount, A.bv(w, w));
  return A.or(A.shl(x, k), A.lshr(x, A.sub(A.bv(w, w), k)));
}

/** Rotate right by `amount` modulo the width. */
export function rotr<B, P, M>(A: Algebra<B, P, M>, x: B, amount: B): B {
  const w = A.widthOf(x);
  const k = A.urem(amount, A.bv(w, w));
  return A.or(A.lshr(x, k), A.shl(x, A.sub(A.bv(w, w), k)));
}

/** 1 or 0 of the given width. */
export function boolToBv<B, P, M>(A: Algebra<B, P, M>, p: P, width: number): B {
  return A.ite(p, A.bv(1, width), A.bv(0, width));
}

/** Bit `i` of x as a condition. */
export function bit<B, P, M>(A: Algebra<B, P, M>, x: B, i: number): P {
  return A.eq(A.extract(x, i, i), A.bv(1, 1));
}

/** Count leading zeros (width for x = 0): a priority chain from the top bit. */
export function clz<B, P, M>(A: Algebra<B, P, M>, x: B): B {
  const w = A.widthOf(x);
  let result = A.bv(w, w);
  for (let i = 0; i < w; i++) result = A.ite(bit(A, x, i), A.bv(w - 1 - i, w), result);
  return result;
}

/** Count trailing zeros (width for x = 0). */
export function ctz<B, P, M>(A: Algebra<B, P, M>, x: B): B {
  const w = A.widthOf(x);
  let result = A.bv(w, w);
  for (let i = w - 1; i >= 0; i--) result = A.ite(bit(A, x, i), A.bv(i, w), result);
  return result;
}

/** Population count. */
export function popcnt<B, P, M>(A: Algebra<B, P, M>, x: B): B {
  const w = A.widthOf(x);
  let sum = A.bv(0, w);
  for (let i = 0; i < w; i++) sum = A.add(sum, A.zext(A.extract(x, i, i), w));
  return sum;
}

/** Reverse the bit order. */
export function bitReverse<B, P, M>(A: Algebra<B, P, M>, x: B): B {
  const w = A.widthOf(x);
  let r = A.extract(x, 0, 0);
  for (let i = 1; i < w; i++) r = A.concat(r, A.extract(x, i, i));
  return r;
}

/** Reverse the byte order (width a multiple of 8). */
export function byteReverse<B, P, M>(A: Algebra<B, P, M>, x: B): B {
  const n = A.widthOf(x) / 8;
  let r = A.extract(x, 7, 0);
  for (let i = 1; i < n; i++) r = A.concat(r, A.extract(x, 8 * i + 7, 8 * i));
  return r;
}

/** Little-endian load of `bytes` bytes at 32-bit address `addr`; result width 8 * bytes. */
export function loadLE<B, P, M>(A: Algebra<B, P, M>, m: M, addr: B, bytes: number): B {
  let r = A.load8(m, addr);
  for (let i = 1; i < bytes; i++) r = A.concat(A.load8(m, A.add(addr, A.bv(i, 32))), r);
  return r;
}

/** Little-endian store of the low `bytes` bytes of `value` at 32-bit address `addr`. */
export function storeLE<B, P, M>(A: Algebra<B, P, M>, m: M, addr: B, value: B, bytes: number): M {
  let mem = m;
  for (let i = 0; i < bytes; i++) {
    mem = A.store8(mem, A.add(addr, A.bv(i, 32)), A.extract(value, 8 * i + 7, 8 * i));
  }
  return mem;
}
