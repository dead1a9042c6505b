/**
 * Selection-rule lemmas for i32 numerics. Operands: x in r0, y (or the
 * constant c) in r1; temporaries are virtual registers from V (16).
 */
import type { NumericOp } from '../../spec/wasm/ast.ts';
import { cmp, cmpi, dp, dpi, dps, konst, movs, shiftReg, specCond, udf, V, type Item } from '../arm-run.ts';
import { alg, condCase, range, valueCase, type Case } from './common.ts';
import type { Lemma, Obligation } from './types.ts';
import type { Z3Context, ZBV } from '../../spec/bv/z3.ts';

const X = (s: { r: unknown[] }) => s.r[0];
type DpOpc = Parameters<typeof dp>[0];

/** i32 ops that are one ALU instruction, with their immediate alternatives for a constant operand (register r3 holding the derived immediate). */
const ALU: { op: NumericOp; opc: DpOpc; commutative: boolean; alt?: { opc: DpOpc; imm: 'neg' | 'not' } }[] = [
  { op: 'i32.add', opc: 'add', commutative: true, alt: { opc: 'sub', imm: 'neg' } },
  { op: 'i32.sub', opc: 'sub', commutative: false, alt: { opc: 'add', imm: 'neg' } },
  { op: 'i32.and', opc: 'and', commutative: true, alt: { opc: 'bic', imm: 'not' } },
  { op: 'i32.or', opc: 'orr', commutative: true, alt: { opc: 'orn', imm: 'not' } },
  { op: 'i32.xor', opc: 'eor', commutative: true },
];

function aluLemma(e: (typeof ALU)[number]): Lemma {
  const covers = [e.op, e.commutative ? `${e.op}/const-left` : `${e.op}/const-left`];
  return {
    name: `isel/${e.op}`,
    statement: `${e.op.toUpperCase()} x y = ${e.opc.toUpperCase()} rd, x, y (register or immediate y)${e.alt ? `; a constant c may be encoded as ${e.alt.opc.toUpperCase()} rd, x, #${e.alt.imm === 'neg' ? '-c' : '~c'}` : ''}; ${e.commutative ? 'a constant on the left commutes' : 'a constant on the left is RSB rd, y, #c'}.`,
    theory: 'QF_BV',
    method: 'symbolic execution of spec/arm step; Z3 unsat of the negation',
    covers,
    assumes: ['imm-operand-as-register'],
    build(ctx: Z3Context): Obligation[] {
      const A = alg(ctx);
      const cases: Case[] = [{ name: 'reg', args: (s) => [s.r[0]!, s.r[1]!], items: [dp(e.opc, 2, 0, 1)], result: 2 }];
      if (e.alt) {
        const alt = e.alt;
        cases.push({
          name: `const as ${alt.opc} #${alt.imm}`,
          args: (s) => [s.r[0]!, s.r[1]!],
          over: (s) => ({ 3: alt.imm === 'neg' ? A.neg(s.r[1]!) : A.not(s.r[1]!) }),
          items: [dp(alt.opc, 2, 0, 3)],
          result: 2,
        });
      }
      cases.push(
        e.commutative
          ? { name: 'const-left', args: (s) => [s.r[1]!, s.r[0]!], items: [dp(e.opc, 2, 0, 1)], result: 2 }
          : { name: 'const-left as rsb', args: (s) => [s.r[1]!, s.r[0]!], items: [dp('rsb', 2, 0, 1)], result: 2 },
      );
      return cases.map((c) => valueCase(ctx, e.op, c));
    },
  };
}

const mulLemma: Lemma = {
  name: 'isel/i32.mul',
  statement: 'i32.mul x y = MUL rd, x, y; i32.mul by 2^k (either side) = LSL rd, x, #k, for every k in 0..31.',
  theory: 'QF_BV',
  method: 'symbolic execution; one obligation per shift amount; Z3 unsat of the negation',
  covers: ['i32.mul', 'i32.mul/pow2', 'i32.mul/pow2-left'],
  build(ctx) {
    const A = alg(ctx);
    const cases: Case[] = [{ name: 'reg', args: (s) => [s.r[0]!, s.r[1]!], items: [{ op: 'mul', rd: 2, rn: 0, rm: 1, setFlags: 'never' }], result: 2 }];
    for (const k of range(32)) {
      cases.push({ name: `pow2 k=${k}`, args: (s) => [s.r[0]!, A.bv(1n << BigInt(k), 32)], items: k ? [movs(2, 0, 'lsl', k)] : [], result: k ? 2 : 0 });
      cases.push({ name: `pow2-left k=${k}`, args: (s) => [A.bv(1n << BigInt(k), 32), s.r[0]!], items: k ? [movs(2, 0, 'lsl', k)] : [], result: k ? 2 : 0 });
    }
    return cases.map((c) => valueCase(ctx, 'i32.mul', c));
  },
};

const mulShiftAddLemma: Lemma = {
  name: 'isel/i32.mul/pow2+-1',
  statement: 'i32.mul by 2^k + 1 (either side) = ADD rd, x, x, LSL #k for k in 1..30; by 2^k - 1 = RSB rd, x, x, LSL #k for k in 2..5 (the rule stops at 31).',
  theory: 'QF_BV',
  method: 'symbolic execution; one obligation per shift amount; Z3 unsat of the negation',
  covers: ['i32.mul/pow2+1', 'i32.mul/pow2+1-left', 'i32.mul/pow2-1', 'i32.mul/pow2-1-left'],
  build(ctx) {
    const A = alg(ctx);
    const cases: Case[] = [];
    for (const k of range(32)) {
      for (const [tag, opc, c] of [['+1', 'add', (1n << BigInt(k)) + 1n], ['-1', 'rsb', (1n << BigInt(k)) - 1n]] as const) {
        // The rules take c > 2 that fits in a positive i32 (2^k - 1: at most 31).
        if (c <= 2n || c >= 1n << 31n || (tag === '-1' && c > 31n)) continue;
        const items = [dps(opc, 2, 0, 0, 'lsl', k)];
        cases.push({ name: `pow2${tag} k=${k}`, args: (s) => [s.r[0]!, A.bv(c, 32)], items, result: 2 });
        cases.push({ name: `pow2${tag}-left k=${k}`, args: (s) => [A.bv(c, 32), s.r[0]!], items, result: 2 });
      }
    }
    return cases.map((c) => valueCase(ctx, 'i32.mul', c));
  },
};

/** The guarded division sequence: traps out of line, then SDIV/UDIV (+ MLS for rem). */
export function div32Items(op: 'i32.div_s' | 'i32.div_u' | 'i32.rem_s' | 'i32.rem_u', guarded: boolean, wrongGuard = false): { items: Item[]; result: number } {
  const signed = op.endsWith('_s');
  const rem = op.includes('rem');
  const items: Item[] = [];
  if (guarded) {
    items.push(cmpi('cmp', 1, 0), { br: 'eq', to: 'T2' });
    if (signed && !rem) {
      items.push(cmpi('cmn', 1, 1), { br: 'ne', to: 'ok' }, cmpi('cmp', 0, wrongGuard ? 0x7fffffff : 0x80000000), { br: 'eq', to: 'T3' }, { label: 'ok' });
    }
  }
  items.push({ op: signed ? 'sdiv' : 'udiv', rd: 2, rn: 0, rm: 1 });
  if (rem) items.push({ op: 'mls', rd: 3, rn: 2, rm: 1, ra: 0 });
  if (guarded) items.push({ br: 'al', to: 'done' }, { label: 'T2' }, udf(2), { label: 'T3' }, udf(3), { label: 'done' });
  return { items, result: rem ? 3 : 2 };
}

function divLemma(op: 'i32.div_s' | 'i32.div_u' | 'i32.rem_s' | 'i32.rem_u'): Lemma {
  return {
    name: `isel/${op}`,
    statement: `${op} x y: CMP y, #0; BEQ -> UDF #2${op === 'i32.div_s' ? '; CMN y, #1; BNE ok; CMP x, #INT_MIN; BEQ -> UDF #3' : ''}; then ${op.endsWith('_s') ? 'SDIV' : 'UDIV'}${op.includes('rem') ? ' + MLS computes x - (x / y) * y, which is the remainder by validator-rewrite:rem-from-div' : ' computes the result'}; traps exactly when WASM traps, with its trap code. A constant divisor other than 0 and -1 needs no guard.`,
    theory: 'QF_BV',
    method: 'symbolic execution over all paths; Z3 unsat of the negation',
    covers: [op, `${op}/const-safe`],
    ...(op.includes('rem') ? { assumes: ['bv-int-correspondence'] } : {}),
    build(ctx) {
      const A = alg(ctx);
      const g = div32Items(op, true);
      const u = div32Items(op, false);
      const signed = op.endsWith('_s');
      // rem: the result is stated as x - (x / y) * y; validator-rewrite:rem-from-div (QF_NIA) equates it with WASM's rem.
      const rewrite = op.includes('rem') ? (_s: unknown, [x, y]: ZBV[]) => [A.sub(x!, A.mul(signed ? A.sdiv(x!, y!) : A.udiv(x!, y!), y!))] : undefined;
      return [
        valueCase(ctx, op, { name: 'guarded', args: (s) => [s.r[0]!, s.r[1]!], items: g.items, result: g.result, ...(rewrite ? { rewrite } : {}) }),
        valueCase(ctx, op, {
          name: 'const-safe (c != 0, c != -1)',
          args: (s) => [s.r[0]!, s.r[1]!],
          hyp: (s) => A.boolAnd(A.boolNot(A.eq(s.r[1]!, A.bv(0, 32))), A.boolNot(A.eq(s.r[1]!, A.bv(-1, 32)))),
          items: u.items,
          result: u.result,
          ...(rewrite ? { rewrite } : {}),
        }),
      ];
    },
  };
}

const divUPow2: Lemma = {
  name: 'isel/i32.div_u/pow2',
  statement: 'i32.div_u x 2^k = LSR rd, x, #k for every k in 0..31 (2^31 written as INT_MIN).',
  theory: 'QF_BV',
  method: 'symbolic execution; one obligation per k',
  covers: ['i32.div_u/pow2'],
  build(ctx) {
    const A = alg(ctx);
    return range(32).map((k) => valueCase(ctx, 'i32.div_u', { name: `k=${k}`, args: (s) => [s.r[0]!, A.bv(1n << BigInt(k), 32)], items: k ? [movs(2, 0, 'lsr', k)] : [], result: k ? 2 : 0 }));
  },
};

const SHIFTS: [NumericOp, 'lsl' | 'asr' | 'lsr'][] = [
  ['i32.shl', 'lsl'],
  ['i32.shr_s', 'asr'],
  ['i32.shr_u', 'lsr'],
];

function shiftLemma(op: NumericOp, kind: 'lsl' | 'asr' | 'lsr'): Lemma {
  return {
    name: `isel/${op}`,
    statement: `${op} x y = AND t, y, #31; ${kind.toUpperCase()} rd, x, t (register shift); by a constant c: ${kind.toUpperCase()} rd, x, #(c & 31) (for each of the 32 residues, c otherwise arbitrary).`,
    theory: 'QF_BV',
    method: 'symbolic execution; one obligation per constant residue',
    covers: [op, `${op}/const`],
    build(ctx) {
      const A = alg(ctx);
      const cases: Case[] = [{ name: 'reg', args: (s) => [s.r[0]!, s.r[1]!], items: [dpi('and', V, 1, 31), shiftReg(kind, 2, 0, V)], result: 2 }];
      for (const k of range(32)) {
        cases.push({ name: `const c&31=${k}`, args: (s) => [s.r[0]!, s.r[1]!], hyp: (s) => A.eq(A.extract(s.r[1]!, 4, 0), A.bv(k, 5)), items: k ? [movs(2, 0, kind, k)] : [], result: k ? 2 : 0 });
      }
      return cases.map((c) => valueCase(ctx, op, c));
    },
  };
}

function rotLemma(op: 'i32.rotl' | 'i32.rotr'): Lemma {
  return {
    name: `isel/${op}`,
    statement:
      op === 'i32.rotr'
        ? 'i32.rotr x y = ROR rd, x, y (register: ROR uses y mod 32); by a constant: ROR rd, x, #(c & 31).'
        : 'i32.rotl x y = RSB t, y, #0; ROR rd, x, t; by a constant: ROR rd, x, #((32 - (c & 31)) & 31).',
    theory: 'QF_BV',
    method: 'symbolic execution; one obligation per constant residue',
    covers: [op, `${op}/const`],
    build(ctx) {
      const A = alg(ctx);
      const cases: Case[] = [
        {
          name: 'reg',
          args: (s) => [s.r[0]!, s.r[1]!],
          items: op === 'i32.rotr' ? [shiftReg('ror', 2, 0, 1)] : [dpi('rsb', V, 1, 0), shiftReg('ror', 2, 0, V)],
          result: 2,
        },
      ];
      for (const k of range(32)) {
        const amt = op === 'i32.rotr' ? k : (32 - k) & 31;
        cases.push({ name: `const c&31=${k}`, args: (s) => [s.r[0]!, s.r[1]!], hyp: (s) => A.eq(A.extract(s.r[1]!, 4, 0), A.bv(k, 5)), items: amt ? [movs(2, 0, 'ror', amt)] : [], result: amt ? 2 : 0 });
      }
      return cases.map((c) => valueCase(ctx, op, c));
    },
  };
}

/** i32 comparisons: CMP x, y and the condition (ARM ARM condition codes, spec names). */
const COMPARES: [NumericOp, string, string][] = [
  // op, cond, cond with the operands swapped
  ['i32.eq', 'eq', 'eq'], ['i32.ne', 'ne', 'ne'], ['i32.lt_s', 'lt', 'gt'], ['i32.lt_u', 'lo', 'hi'], ['i32.gt_s', 'gt', 'lt'],
  ['i32.gt_u', 'hi', 'lo'], ['i32.le_s', 'le', 'ge'], ['i32.le_u', 'ls', 'hs'], ['i32.ge_s', 'ge', 'le'], ['i32.ge_u', 'hs', 'ls'],
];

function compareLemma([op, cond, swapped]: (typeof COMPARES)[number]): Lemma {
  const eq = cond === 'eq' || cond === 'ne';
  return {
    name: `isel/${op}`,
    statement: `${op} x y is the condition ${cond.toUpperCase()} after CMP x, y (${swapped.toUpperCase()} after CMP y, x, for a constant on the left)${eq ? `; also after CMN x, #-c for a constant c; for c = 0 it is exactly x ${cond === 'eq' ? '==' : '!='} 0 (CBZ/CBNZ, CLZ-materialisation)` : ''}.`,
    theory: 'QF_BV',
    method: 'symbolic execution of the flag setting; condition from spec/arm condHolds; Z3 unsat of the negation',
    covers: [op],
    assumes: ['imm-operand-as-register'],
    build(ctx) {
      const A = alg(ctx);
      const obs: Obligation[] = [
        condCase(ctx, op, { name: 'cmp x, y', args: (s) => [s.r[0]!, s.r[1]!], items: [cmp('cmp', 0, 1)], cond: specCond(cond) }),
        condCase(ctx, op, { name: 'swapped: cmp y, x', args: (s) => [s.r[0]!, s.r[1]!], items: [cmp('cmp', 1, 0)], cond: specCond(swapped) }),
      ];
      if (eq) {
        obs.push(condCase(ctx, op, { name: 'cmn x, #-c', args: (s) => [s.r[0]!, s.r[1]!], over: (s) => ({ 3: A.neg(s.r[1]!) }), items: [cmp('cmn', 0, 3)], cond: specCond(cond) }));
        obs.push(condCase(ctx, op, { name: 'c = 0: cmp x, #0 and the zero hint', args: (s) => [s.r[0]!, A.bv(0, 32)], items: [cmpi('cmp', 0, 0)], cond: specCond(cond), zero: { reg: 0, ifZero: cond === 'eq' } }));
      }
      return obs;
    },
  };
}

const eqzLemma: Lemma = {
  name: 'isel/i32.eqz',
  statement: 'i32.eqz x is EQ after CMP x, #0, and exactly x == 0 (zero hint); on a lazy condition it is the inverse condition (see cond/inverse).',
  theory: 'QF_BV',
  method: 'symbolic execution; Z3 unsat of the negation',
  covers: ['i32.eqz'],
  build(ctx) {
    return [condCase(ctx, 'i32.eqz', { name: 'cmp x, #0', args: (s) => [s.r[0]!], items: [cmpi('cmp', 0, 0)], cond: 'eq', zero: { reg: 0, ifZero: true } })];
  },
};

/** SWAR popcount as popcnt32 emits it; result in `out`. Uses virtual registers from `t`. */
export function popcntItems(x: number, out: number, t: number): Item[] {
  return [
    movs(t, x, 'lsr', 1),
    dpi('and', t + 1, t, 0x55555555),
    dp('sub', t + 2, x, t + 1),
    dpi('and', t + 3, t + 2, 0x33333333),
    movs(t + 4, t + 2, 'lsr', 2),
    dpi('and', t + 5, t + 4, 0x33333333),
    dp('add', t + 6, t + 3, t + 5),
    { op: 'dp', opc: 'add', rd: t + 7, rn: t + 6, op2: { kind: 'reg', rm: t + 6, shift: { type: 'lsr', amount: 4 } }, setFlags: 'never' },
    dpi('and', t + 8, t + 7, 0x0f0f0f0f),
    ...konst(t + 9, 0x01010101),
    { op: 'mul', rd: t + 10, rn: t + 8, rm: t + 9, setFlags: 'never' },
    movs(out, t + 10, 'lsr', 24),
  ];
}

const UNARY: { op: NumericOp; statement: string; items: Item[] }[] = [
  { op: 'i32.clz', statement: 'i32.clz x = CLZ rd, x', items: [{ op: 'clz', rd: 2, rm: 0 }] },
  { op: 'i32.ctz', statement: 'i32.ctz x = RBIT t, x; CLZ rd, t', items: [{ op: 'rbit', rd: V, rm: 0 }, { op: 'clz', rd: 2, rm: V }] },
  { op: 'i32.popcnt', statement: 'i32.popcnt x = the SWAR sequence (LSR/AND 0x55555555/SUB/AND 0x33333333/ADD/ADD LSR #4/AND 0x0f0f0f0f/MUL 0x01010101/LSR #24)', items: popcntItems(0, 2, V) },
  { op: 'i32.extend8_s', statement: 'i32.extend8_s x = SXTB rd, x', items: [{ op: 'sxtb', rd: 2, rm: 0, rotation: 0 }] },
  { op: 'i32.extend16_s', statement: 'i32.extend16_s x = SXTH rd, x', items: [{ op: 'sxth', rd: 2, rm: 0, rotation: 0 }] },
];

function unaryLemma(u: (typeof UNARY)[number]): Lemma {
  return {
    name: `isel/${u.op}`,
    statement: `${u.statement}.`,
    theory: 'QF_BV',
    method: 'symbolic execution; Z3 unsat of the negation',
    covers: [u.op],
    build: (ctx) => [valueCase(ctx, u.op, { name: 'reg', args: (s) => [s.r[0]!], items: u.items, result: 2 })],
  };
}

void X;

export const I32_LEMMAS: Lemma[] = [
  ...ALU.map(aluLemma),
  mulLemma,
  mulShiftAddLemma,
  ...(['i32.div_s', 'i32.div_u', 'i32.rem_s', 'i32.rem_u'] as const).map(divLemma),
  divUPow2,
  ...SHIFTS.map(([op, k]) => shiftLemma(op, k)),
  rotLemma('i32.rotl'),
  rotLemma('i32.rotr'),
  eqzLemma,
  ...COMPARES.map(compareLemma),
  ...UNARY.map(unaryLemma),
];
