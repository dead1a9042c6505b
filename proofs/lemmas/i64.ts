/**
 * Selection-rule lemmas for i64 numerics on (lo, hi) halves.
 * Operands: x = r1:r0, y = r3:r2; temporaries are virtual registers from V.
 */
import type { NumericOp } from '../../spec/wasm/ast.ts';
import type { ZBV } from '../../spec/bv/z3.ts';
import { popcnt } from '../../spec/bv/derived.ts';
import { initialState, run, cmp, cmpi, dp, dpi, dps, konst, movs, shiftReg, specCond, udf, V, type CallContract, type Item, type State } from '../arm-run.ts';
import { divRem64ByCases, udiv64Uf, urem64Uf, type DivRem64 } from '../../validator/lemmas.ts';
import { UDIVMOD64_LEMMA, UDIVMOD64_SYMBOL } from '../runtime/udivmod64.ts';
import { alg, condCase, i64Of, range, valueCase, valueCasePaths, type Case } from './common.ts';
import { popcntItems } from './i32.ts';
import type { Lemma, Obligation } from './types.ts';

const X = (s: State): ZBV[] => [];
void X;
type DpOpc = Parameters<typeof dp>[0];
const xy = (A: ReturnType<typeof alg>) => (s: State) => [i64Of(A, s, 0, 1), i64Of(A, s, 2, 3)];
const xOnly = (A: ReturnType<typeof alg>) => (s: State) => [i64Of(A, s, 0, 1)];

function lemma(name: string, covers: string[], statement: string, build: Lemma['build'], extra: Partial<Lemma> = {}): Lemma {
  return { name: `isel/${name}`, statement, theory: 'QF_BV', method: 'symbolic execution of spec/arm step; Z3 unsat of the negation', covers, build, ...extra };
}

/** ADDS/ADC and SUBS/SBC; `carry = false` is the deliberately wrong ADDS/ADD (red tests). */
export function addSubItems(op: 'add' | 'sub', carry = true): Item[] {
  return op === 'add' ? [dp('add', V, 0, 2, true), dp(carry ? 'adc' : 'add', V + 1, 1, 3)] : [dp('sub', V, 0, 2, true), dp(carry ? 'sbc' : 'sub', V + 1, 1, 3)];
}

const addSub = (op: 'add' | 'sub'): Lemma =>
  lemma(`i64.${op}`, [`i64.${op}`], `i64.${op} x y = ${op === 'add' ? 'ADDS lo, xlo, ylo; ADC hi, xhi, yhi' : 'SUBS lo, xlo, ylo; SBC hi, xhi, yhi'} (immediate halves for a constant y).`, (ctx) => {
    const A = alg(ctx);
    return [valueCase(ctx, `i64.${op}`, { name: 'halves', args: xy(A), items: addSubItems(op), result: { lo: V, hi: V + 1 } })];
  }, { assumes: ['imm-operand-as-register'] });

/** UMULL + 2 MLA, as the i64.mul rule emits it. */
export const MUL64_ITEMS: Item[] = [
  { op: 'umull', rdLo: V, rdHi: V + 1, rn: 0, rm: 2 },
  { op: 'mla', rd: V + 2, rn: 0, rm: 3, ra: V + 1 },
  { op: 'mla', rd: V + 3, rn: 1, rm: 2, ra: V + 2 },
];

const mul64 = lemma(
  'i64.mul',
  ['i64.mul'],
  'i64.mul x y = UMULL lo, h0, xlo, ylo; MLA h1, xlo, yhi, h0; MLA hi, xhi, ylo, h1: the registers hold the halves form concat(extract(63,32)(p) + xlo*yhi + xhi*ylo, extract(31,0)(p)), p = zext(xlo)*zext(ylo), which is bvmul(x, y) by rewrite/mul64-halves (QF_BV does not finish on the direct statement).',
  (ctx) => {
    const A = alg(ctx);
    return [
      valueCase(ctx, 'i64.mul', {
        name: 'halves form',
        args: xy(A),
        items: MUL64_ITEMS,
        result: { lo: V, hi: V + 3 },
        rewrite: (s) => {
          const [al, ah, bl, bh] = [s.r[0]!, s.r[1]!, s.r[2]!, s.r[3]!];
          const p = A.mul(A.zext(al, 64), A.zext(bl, 64));
          return [A.concat(A.add(A.add(A.extract(p, 63, 32), A.mul(al, bh)), A.mul(ah, bl)), A.extract(p, 31, 0))];
        },
      }),
    ];
  },
  { assumes: ['bv-int-correspondence'] },
);

const bitwise = (op: NumericOp, opc: DpOpc): Lemma =>
  lemma(op, [op], `${op} x y = ${opc.toUpperCase()} on each half (a constant on the left commutes; immediate halves for a constant).`, (ctx) => {
    const A = alg(ctx);
    const items = [dp(opc, V, 0, 2), dp(opc, V + 1, 1, 3)];
    return [
      valueCase(ctx, op, { name: 'halves', args: xy(A), items, result: { lo: V, hi: V + 1 } }),
      valueCase(ctx, op, { name: 'const-left', args: (s) => [i64Of(A, s, 2, 3), i64Of(A, s, 0, 1)], items, result: { lo: V, hi: V + 1 } }),
    ];
  }, { assumes: ['imm-operand-as-register'] });

const eqz64 = lemma('i64.eqz', ['i64.eqz'], 'i64.eqz x is EQ after ORRS t, xlo, xhi, and exactly t == 0.', (ctx) => {
  const A = alg(ctx);
  return [condCase(ctx, 'i64.eqz', { name: 'orrs', args: xOnly(A), items: [dp('orr', V, 0, 1, true)], cond: 'eq', zero: { reg: V, ifZero: true } })];
});

const eq64 = (op: 'i64.eq' | 'i64.ne'): Lemma =>
  lemma(op, [op], `${op} x y is ${op === 'i64.eq' ? 'EQ' : 'NE'} after EOR t1, xlo, ylo; EOR t2, xhi, yhi; ORRS t, t1, t2 (and exactly t ${op === 'i64.eq' ? '==' : '!='} 0); against the constant 0: ORRS t, xlo, xhi.`, (ctx) => {
    const A = alg(ctx);
    const cond = op === 'i64.eq' ? 'eq' : 'ne';
    return [
      condCase(ctx, op, { name: 'eor/eor/orrs', args: xy(A), items: [dp('eor', V, 0, 2), dp('eor', V + 1, 1, 3), dp('orr', V + 2, V, V + 1, true)], cond, zero: { reg: V + 2, ifZero: op === 'i64.eq' } }),
      condCase(ctx, op, { name: 'y = 0: orrs', args: (s) => [i64Of(A, s, 0, 1), A.bv(0, 64)], items: [dp('orr', V, 0, 1, true)], cond, zero: { reg: V, ifZero: op === 'i64.eq' } }),
    ];
  });

const ORDER: [NumericOp, boolean, string][] = [
  ['i64.lt_s', false, 'lt'], ['i64.lt_u', false, 'lo'], ['i64.ge_s', false, 'ge'], ['i64.ge_u', false, 'hs'],
  ['i64.gt_s', true, 'lt'], ['i64.gt_u', true, 'lo'], ['i64.le_s', true, 'ge'], ['i64.le_u', true, 'hs'],
];

/** CMP lo; SBCS hi (operands swapped for gt/le). */
export function order64Items(swap: boolean, sbc = true): Item[] {
  const [a, b] = swap ? [2, 0] : [0, 2];
  return [cmp('cmp', a, b), dp(sbc ? 'sbc' : 'sub', V, a + 1, b + 1, true)];
}

const order64 = ([op, swap, cond]: (typeof ORDER)[number]): Lemma =>
  lemma(op, [op], `${op} x y is ${cond.toUpperCase()} after CMP ${swap ? 'ylo, xlo; SBCS t, yhi, xhi' : 'xlo, ylo; SBCS t, xhi, yhi'}.`, (ctx) => {
    const A = alg(ctx);
    return [condCase(ctx, op, { name: 'cmp/sbcs', args: xy(A), items: order64Items(swap), cond: specCond(cond) })];
  });

// ---------- shifts by a constant n in 0..63 (the residue of y mod 64; y otherwise arbitrary) ----------

type Pair = { items: Item[]; lo: number; hi: number };
function shl64c(n: number): Pair {
  if (n === 0) return { items: [], lo: 0, hi: 1 };
  if (n >= 32) return { items: [...konst(V, 0), ...(n > 32 ? [movs(V + 1, 0, 'lsl', n - 32)] : [])], lo: V, hi: n > 32 ? V + 1 : 0 };
  return { items: [movs(V + 2, 1, 'lsl', n), dps('orr', V + 1, V + 2, 0, 'lsr', 32 - n), movs(V, 0, 'lsl', n)], lo: V, hi: V + 1 };
}
function shru64c(n: number): Pair {
  if (n === 0) return { items: [], lo: 0, hi: 1 };
  if (n >= 32) return { items: [...(n > 32 ? [movs(V, 1, 'lsr', n - 32)] : []), ...konst(V + 1, 0)], lo: n > 32 ? V : 1, hi: V + 1 };
  return { items: [movs(V + 2, 0, 'lsr', n), dps('orr', V, V + 2, 1, 'lsl', 32 - n), movs(V + 1, 1, 'lsr', n)], lo: V, hi: V + 1 };
}
function shrs64c(n: number): Pair {
  if (n === 0) return { items: [], lo: 0, hi: 1 };
  if (n >= 32) return { items: [...(n > 32 ? [movs(V, 1, 'asr', n - 32)] : []), movs(V + 1, 1, 'asr', 31)], lo: n > 32 ? V : 1, hi: V + 1 };
  return { items: [movs(V + 2, 0, 'lsr', n), dps('orr', V, V + 2, 1, 'lsl', 32 - n), movs(V + 1, 1, 'asr', n)], lo: V, hi: V + 1 };
}
function rotl64c(n: number): Pair {
  if (n === 0) return { items: [], lo: 0, hi: 1 };
  if (n === 32) return { items: [], lo: 1, hi: 0 };
  const [a, c] = n < 32 ? [0, 1] : [1, 0];
  const m = n % 32;
  return {
    items: [movs(V + 2, c, 'lsl', m), dps('orr', V + 1, V + 2, a, 'lsr', 32 - m), movs(V + 3, a, 'lsl', m), dps('orr', V, V + 3, c, 'lsr', 32 - m)],
    lo: V,
    hi: V + 1,
  };
}

const SHIFT_CONST: [NumericOp, (n: number) => Pair, string][] = [
  ['i64.shl', shl64c, 'n < 32: hi = (xhi LSL n) ORR (xlo LSR 32-n), lo = xlo LSL n; n >= 32: lo = 0, hi = xlo LSL n-32'],
  ['i64.shr_u', shru64c, 'n < 32: lo = (xlo LSR n) ORR (xhi LSL 32-n), hi = xhi LSR n; n >= 32: lo = xhi LSR n-32, hi = 0'],
  ['i64.shr_s', shrs64c, 'n < 32: lo = (xlo LSR n) ORR (xhi LSL 32-n), hi = xhi ASR n; n >= 32: lo = xhi ASR n-32, hi = xhi ASR 31'],
  ['i64.rotl', rotl64c, 'halves swapped for n >= 32, then each half = (a LSL m) ORR (b LSR 32-m), m = n mod 32'],
  ['i64.rotr', (n) => rotl64c((64 - n) & 63), 'as rotl by (64 - n) mod 64'],
];

const shiftConst = ([op, f, how]: (typeof SHIFT_CONST)[number]): Lemma =>
  lemma(`${op}/const`, [`${op}/const`], `${op} x c, for each residue n = c mod 64 (c otherwise arbitrary): ${how}.`, (ctx) => {
    const A = alg(ctx);
    return range(64).map((n) => {
      const p = f(n);
      return valueCase(ctx, op, { name: `n=${n}`, args: xy(A), hyp: (s) => A.eq(A.extract(s.r[2]!, 5, 0), A.bv(n, 6)), items: p.items, result: { lo: p.lo, hi: p.hi } });
    });
  });

// ---------- shifts by a register amount ----------

/** shl64v on (xlo, xhi) by n; temporaries from t; returns result registers. */
function shl64v(xlo: number, xhi: number, n: number, t: number): Pair {
  return {
    items: [shiftReg('lsl', t, xhi, n), dpi('sub', t + 1, n, 32), shiftReg('lsl', t + 2, xlo, t + 1), dpi('rsb', t + 3, n, 32), shiftReg('lsr', t + 4, xlo, t + 3), dp('orr', t + 5, t, t + 2), dp('orr', t + 6, t + 5, t + 4), shiftReg('lsl', t + 7, xlo, n)],
    lo: t + 7,
    hi: t + 6,
  };
}
function shru64v(xlo: number, xhi: number, n: number, t: number): Pair {
  return {
    items: [shiftReg('lsr', t, xlo, n), dpi('sub', t + 1, n, 32), shiftReg('lsr', t + 2, xhi, t + 1), dpi('rsb', t + 3, n, 32), shiftReg('lsl', t + 4, xhi, t + 3), dp('orr', t + 5, t, t + 2), dp('orr', t + 6, t + 5, t + 4), shiftReg('lsr', t + 7, xhi, n)],
    lo: t + 6,
    hi: t + 7,
  };
}
const N = V + 40; // the masked amount
const amount: Item = dpi('and', N, 2, 63);

function shrs64vItems(): Pair {
  const [lo, hi, t, u, l1, l2] = [V, V + 1, V + 2, V + 3, V + 4, V + 5];
  return {
    items: [
      amount,
      dpi('sub', t, N, 32, true),
      { br: 'mi', to: 'small' },
      shiftReg('asr', lo, 1, t),
      movs(hi, 1, 'asr', 31),
      { br: 'al', to: 'done' },
      { label: 'small' },
      dpi('rsb', u, N, 32),
      shiftReg('lsr', l1, 0, N),
      shiftReg('lsl', l2, 1, u),
      dp('orr', lo, l1, l2),
      shiftReg('asr', hi, 1, N),
      { label: 'done' },
    ],
    lo,
    hi,
  };
}

function rot64v(left: boolean): Pair {
  const M = V + 41;
  const neg: Item[] = [dpi('rsb', V + 42, N, 0), dpi('and', M, V + 42, 63)];
  const a = left ? shl64v(0, 1, N, V) : shru64v(0, 1, N, V);
  const b = left ? shru64v(0, 1, M, V + 10) : shl64v(0, 1, M, V + 10);
  return { items: [amount, ...a.items, ...neg, ...b.items, dp('orr', V + 20, a.lo, b.lo), dp('orr', V + 21, a.hi, b.hi)], lo: V + 20, hi: V + 21 };
}

const SHIFT_VAR: [NumericOp, () => Pair, string][] = [
  ['i64.shl', () => { const p = shl64v(0, 1, N, V); return { ...p, items: [amount, ...p.items] }; }, 'n = ylo AND 63; hi = (xhi LSL n) ORR (xlo LSL (n-32)) ORR (xlo LSR (32-n)), lo = xlo LSL n (register shifts by 32..255 give 0)'],
  ['i64.shr_u', () => { const p = shru64v(0, 1, N, V); return { ...p, items: [amount, ...p.items] }; }, 'n = ylo AND 63; lo = (xlo LSR n) ORR (xhi LSR (n-32)) ORR (xhi LSL (32-n)), hi = xhi LSR n'],
  ['i64.shr_s', shrs64vItems, 'n = ylo AND 63; SUBS t, n, #32; BMI small; lo = xhi ASR t, hi = xhi ASR #31; small: lo = (xlo LSR n) ORR (xhi LSL 32-n), hi = xhi ASR n'],
  ['i64.rotl', () => rot64v(true), 'shl64 by n ORR shr_u64 by (-n AND 63), n = ylo AND 63'],
  ['i64.rotr', () => rot64v(false), 'shr_u64 by n ORR shl64 by (-n AND 63), n = ylo AND 63'],
];

const shiftVar = ([op, f, how]: (typeof SHIFT_VAR)[number]): Lemma =>
  lemma(op, [op], `${op} x y for every y: ${how}.`, (ctx) => {
    const A = alg(ctx);
    const p = f();
    return [valueCase(ctx, op, { name: 'register amount', args: xy(A), items: p.items, result: { lo: p.lo, hi: p.hi } })];
  });

// ---------- counts ----------

/** combineCount: first if first != 32, else 32 + second. */
function combine(first: number, second: number, t: number, out: number): Item[] {
  return [movs(t, first, 'lsr', 5), dpi('rsb', t + 1, t, 0), dp('and', t + 2, second, t + 1), dp('add', out, first, t + 2)];
}

const COUNTS: { op: NumericOp; statement: string; items: Item[] }[] = [
  { op: 'i64.clz', statement: 'i64.clz x: f = CLZ xhi, s = CLZ xlo; lo = f + (s AND -(f LSR 5)), hi = 0', items: [{ op: 'clz', rd: V, rm: 1 }, { op: 'clz', rd: V + 1, rm: 0 }, ...combine(V, V + 1, V + 2, V + 10), ...konst(V + 11, 0)] },
  {
    op: 'i64.ctz',
    statement: 'i64.ctz x: f = CLZ(RBIT xlo), s = CLZ(RBIT xhi); lo = f + (s AND -(f LSR 5)), hi = 0',
    items: [{ op: 'rbit', rd: V + 5, rm: 0 }, { op: 'clz', rd: V, rm: V + 5 }, { op: 'rbit', rd: V + 6, rm: 1 }, { op: 'clz', rd: V + 1, rm: V + 6 }, ...combine(V, V + 1, V + 2, V + 10), ...konst(V + 11, 0)],
  },
  { op: 'i64.popcnt', statement: 'i64.popcnt x: lo = popcnt32(xlo) + popcnt32(xhi) (the i32 SWAR sequence twice), hi = 0', items: [...popcntItems(0, V, V + 20), ...popcntItems(1, V + 1, V + 40), dp('add', V + 10, V, V + 1), ...konst(V + 11, 0)] },
];

const count = (c: (typeof COUNTS)[number]): Lemma =>
  lemma(c.op, [c.op], `${c.statement}.${c.op === 'i64.popcnt' ? ' In steps: the sequence computes zext64(SWAR(xlo) + SWAR(xhi)), SWAR = popcnt on 32 bits (isel/i32.popcnt), and popcnt over 64 bits is zext64(popcnt(xlo) + popcnt(xhi)).' : ''}`, (ctx) => {
    const A = alg(ctx);
    if (c.op !== 'i64.popcnt') return [valueCase(ctx, c.op, { name: 'halves', args: xOnly(A), items: c.items, result: { lo: V + 10, hi: V + 11 } })];
    const split = (x: ZBV): ZBV => A.zext(A.add(popcnt(A, A.extract(x, 31, 0)), popcnt(A, A.extract(x, 63, 32))), 64);
    // The i32 SWAR sequence as a function (isel/i32.popcnt proves it equals popcnt on 32 bits).
    const swar = (v: ZBV): ZBV => {
      const s0 = initialState(A, 'swar.');
      const p = run(A, popcntItems(0, 2, V), { ...s0, r: s0.r.map((r, i) => (i === 0 ? v : r)) }).paths;
      return p[0]!.state.r[2]!;
    };
    const x = A.bvVar('x', 64);
    return [
      valueCase(ctx, c.op, { name: 'sequence = SWAR(lo) + SWAR(hi)', args: xOnly(A), items: c.items, result: { lo: V + 10, hi: V + 11 }, rewrite: (_s, [a]) => [A.zext(A.add(swar(A.extract(a!, 31, 0)), swar(A.extract(a!, 63, 32))), 64)] }),
      { name: 'popcnt64 = popcnt(lo) + popcnt(hi)', goal: A.eq(popcnt(A, x), split(x)) },
    ];
  });

// ---------- division: guards, 32-bit UDIV fast path, the runtime routine ----------

/**
 * The contract of __warden_udivmod64 (lemma runtime.udivmod64) at a BL: for
 * d = r3:r2 != 0, r1:r0 := n udiv d and r3:r2 := n urem d (n = r1:r0), with
 * 64-bit udiv / urem as the validator's uninterpreted functions; r12, LR and
 * the flags clobbered; everything else (r4-r11, SP, the virtual registers,
 * which allocation puts in callee-saved registers or frame slots) kept.
 */
export const UDIVMOD64_CALL: CallContract = (A, s, fresh) => {
  const n = A.concat(s.r[1]!, s.r[0]!);
  const d = A.concat(s.r[3]!, s.r[2]!);
  const q = udiv64Uf(A, n, d);
  const m = urem64Uf(A, n, d);
  const r = s.r.slice();
  [r[0], r[1], r[2], r[3]] = [A.extract(q, 31, 0), A.extract(q, 63, 32), A.extract(m, 31, 0), A.extract(m, 63, 32)];
  r[12] = fresh('r12');
  r[14] = fresh('lr');
  return { state: { ...s, r, n: A.boolVar(`${UDIVMOD64_SYMBOL}.n`), z: A.boolVar(`${UDIVMOD64_SYMBOL}.z`), c: A.boolVar(`${UDIVMOD64_SYMBOL}.c`), v: A.boolVar(`${UDIVMOD64_SYMBOL}.v`) }, requires: A.boolNot(A.eq(d, A.bv(0, 64))) };
};

/** (x ^ s) - s on the pair (lo, hi) into (t+2, t+3): x negated when s = -1. */
function condNeg64Items(lo: number, hi: number, sign: number, t: number): Item[] {
  return [dp('eor', t, lo, sign), dp('eor', t + 1, hi, sign), dp('sub', t + 2, t, sign, true), dp('sbc', t + 3, t + 1, sign)];
}

/** compiler/isel/rules.ts divmod64 on x = r1:r0, y = r3:r2; the result in (V+30, V+31). */
export function divmod64Items(op: DivRem64, guarded: boolean): Item[] {
  const signed = op.endsWith('_s');
  const rem = op.startsWith('i64.rem');
  const [RL, RH] = [V + 30, V + 31];
  const items: Item[] = [];
  if (guarded) {
    items.push(dp('orr', V, 2, 3, true), { br: 'eq', to: 'T2' });
    if (signed && !rem) items.push(dp('and', V + 1, 2, 3), cmpi('cmn', V + 1, 1), { br: 'ne', to: 'ok' }, dpi('eor', V + 2, 1, 0x80000000), dp('orr', V + 3, V + 2, 0, true), { br: 'eq', to: 'T3' }, { label: 'ok' });
  }
  items.push(dp('orr', V + 4, 1, 3, true), { br: 'ne', to: 'slow' }, { op: 'udiv', rd: V + 5, rn: 0, rm: 2 });
  items.push(rem ? { op: 'mls', rd: V + 6, rn: V + 5, rm: 2, ra: 0 } : movs(V + 6, V + 5, 'lsl', 0));
  items.push(...konst(V + 7, 0), movs(RL, V + 6, 'lsl', 0), movs(RH, V + 7, 'lsl', 0), { br: 'al', to: 'done' }, { label: 'slow' });
  let [nl, nh, dl, dh] = [0, 1, 2, 3];
  if (signed) {
    items.push(movs(V + 8, 1, 'asr', 31), movs(V + 9, 3, 'asr', 31), ...condNeg64Items(0, 1, V + 8, V + 10), ...condNeg64Items(2, 3, V + 9, V + 14));
    [nl, nh, dl, dh] = [V + 12, V + 13, V + 16, V + 17];
  }
  items.push(movs(0, nl, 'lsl', 0), movs(1, nh, 'lsl', 0), movs(2, dl, 'lsl', 0), movs(3, dh, 'lsl', 0), { call: UDIVMOD64_SYMBOL });
  const [ol, oh] = rem ? [2, 3] : [0, 1];
  if (signed) {
    let sign = V + 8;
    if (!rem) {
      items.push(dp('eor', V + 20, V + 8, V + 9));
      sign = V + 20;
    }
    items.push(...condNeg64Items(ol, oh, sign, V + 21), movs(RL, V + 23, 'lsl', 0), movs(RH, V + 24, 'lsl', 0));
  } else items.push(movs(RL, ol, 'lsl', 0), movs(RH, oh, 'lsl', 0));
  items.push({ br: 'al', to: 'done' });
  if (guarded) items.push({ label: 'T2' }, udf(2), { label: 'T3' }, udf(3));
  items.push({ label: 'done' });
  return items;
}

const divrem64 = (op: DivRem64): Lemma =>
  lemma(
    op,
    [op, `${op}/const-safe`],
    `${op} x y: ORRS t, ylo, yhi; BEQ -> UDF #2${op === 'i64.div_s' ? '; y = -1 and x = INT64_MIN -> UDF #3' : ''}; then, when xhi | yhi = 0, UDIV (+ MLS) on the low words, else BL ${UDIVMOD64_SYMBOL} (contract: lemma ${UDIVMOD64_LEMMA}) on ${op.endsWith('_s') ? 'the magnitudes, the quotient negated iff the signs differ, the remainder with the dividend\'s sign' : 'x, y'}; traps exactly when WASM traps, with its code. A constant divisor other than 0 and -1: the same without the guards. The WASM result is stated by the validator rewrite i64.divrem-by-cases (lemmas rewrite/i64.divrem-by-cases/fast and /signed), with 64-bit udiv / urem uninterpreted on both sides.`,
    (ctx) => {
      const A = alg(ctx);
      const rewrite = (_s: State, [x, y]: ZBV[]) => [divRem64ByCases(A, op, x!, y!)];
      const common = { args: xy(A), result: { lo: V + 30, hi: V + 31 }, calls: { [UDIVMOD64_SYMBOL]: UDIVMOD64_CALL }, rewrite };
      const y = (s: State) => i64Of(A, s, 2, 3);
      return [
        ...valueCasePaths(ctx, op, { name: 'guarded', items: divmod64Items(op, true), ...common }),
        ...valueCasePaths(ctx, op, { name: 'const-safe (y != 0, y != -1)', items: divmod64Items(op, false), hyp: (s) => A.boolAnd(A.boolNot(A.eq(y(s), A.bv(0, 64))), A.boolNot(A.eq(y(s), A.bv(-1, 64)))), ...common }),
      ];
    },
    { theory: 'QF_UFBV', method: 'symbolic execution over all paths (one obligation per path), the call by its contract; Z3 unsat of the negation with 64-bit udiv / urem uninterpreted', assumes: ['imm-operand-as-register', 'movconst-materialises'] },
  );

// ---------- conversions ----------

const conversions: Lemma[] = [
  lemma('i32.wrap_i64', ['i32.wrap_i64'], 'i32.wrap_i64 x = xlo (no instruction).', (ctx) => {
    const A = alg(ctx);
    return [valueCase(ctx, 'i32.wrap_i64', { name: 'lo', args: xOnly(A), items: [], result: 0 })];
  }),
  lemma('i64.extend_i32_s', ['i64.extend_i32_s'], 'i64.extend_i32_s x = (x, x ASR #31).', (ctx) => [valueCase(ctx, 'i64.extend_i32_s', { name: 'asr', args: (s) => [s.r[0]!], items: [movs(V, 0, 'asr', 31)], result: { lo: 0, hi: V } })]),
  lemma('i64.extend_i32_u', ['i64.extend_i32_u'], 'i64.extend_i32_u x = (x, 0).', (ctx) => [valueCase(ctx, 'i64.extend_i32_u', { name: 'zero', args: (s) => [s.r[0]!], items: konst(V, 0), result: { lo: 0, hi: V } })]),
  ...(
    [
      ['i64.extend8_s', 'sxtb'],
      ['i64.extend16_s', 'sxth'],
    ] as const
  ).map(([op, ext]) =>
    lemma(op, [op], `${op} x = (${ext.toUpperCase()} t, xlo; t, t ASR #31).`, (ctx) => {
      const A = alg(ctx);
      return [valueCase(ctx, op, { name: ext, args: xOnly(A), items: [{ op: ext, rd: V, rm: 0, rotation: 0 }, movs(V + 1, V, 'asr', 31)], result: { lo: V, hi: V + 1 } })];
    }),
  ),
  lemma('i64.extend32_s', ['i64.extend32_s'], 'i64.extend32_s x = (xlo, xlo ASR #31).', (ctx) => {
    const A = alg(ctx);
    return [valueCase(ctx, 'i64.extend32_s', { name: 'asr', args: xOnly(A), items: [movs(V, 0, 'asr', 31)], result: { lo: 0, hi: V } })];
  }),
];

export const I64_LEMMAS: Lemma[] = [
  addSub('add'),
  addSub('sub'),
  mul64,
  bitwise('i64.and', 'and'),
  bitwise('i64.or', 'orr'),
  bitwise('i64.xor', 'eor'),
  eqz64,
  eq64('i64.eq'),
  eq64('i64.ne'),
  ...ORDER.map(order64),
  ...SHIFT_CONST.map(shiftConst),
  ...SHIFT_VAR.map(shiftVar),
  ...COUNTS.map(count),
  ...conversions,
  ...(['i64.div_u', 'i64.div_s', 'i64.rem_u', 'i64.rem_s'] as const).map(divrem64),
];
export type { Case, Obligation };
