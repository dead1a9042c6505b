/**
 * The lemma `runtime.udivmod64`: the canonical bytes UDIVMOD64_CODE meet the
 * routine's contract (proofs/runtime/udivmod64.ts) for all inputs.
 *
 * The bytes are decoded with spec/arm/decode.ts and run with spec/arm
 * `step` over the Z3 algebra, from two cut points: the entry and the loop
 * head (the only target of a backward branch). Every path from a cut point
 * ends at a cut point or at a return (POP {.., pc}); any other end (a fault,
 * an unmodelled instruction) must be infeasible.
 *
 * Verification conditions (n = r1:r0, d = r3:r2 at entry; Pre: d != 0, SP
 * word aligned, LR odd):
 * - entry -> return, n < d: q = 0, r = n and n < d;
 * - entry -> return, d < 2^24 (UDIV digits): q*d + r = n and r < d, through
 *   the per-step facts of the digits (see DIGITS below) and the arithmetic lemma;
 * - entry -> loop head: the invariant holds, with q = 0 and P = R (so P = q*d + R);
 * - loop head -> loop head: the invariant is preserved and the linking facts
 *   hold (P' = 2P + t, q' = 2q + b, R' + b*d = 2R + t at 66 bits), with
 *   k' = k - 1 >= 1 (the termination measure k decreases and stays >= 1);
 * - loop head -> return: k' = 0, so P' = n and q' = Q': n = q'*d + R', R' < d;
 * - every return: to the entry LR, r4-r11 and SP as at entry, memory equal
 *   outside [SP-20, SP).
 * The invariant at the loop head, over Q = r1:r0, R = r5:r4, k = lr:
 *   1 <= k <= 64, R < d, Q >> (64-k) = n mod 2^k (n's unconsumed low bits at
 *   the top of Q), and (in integers) P = q*d + R, where P = n >> k and
 *   q = Q mod 2^(64-k) (the quotient bits so far).
 * The integer halves (P = q*d + R is preserved; q*d + r = n with r < d means
 * q = n div d, r = n mod d) are `runtime.udivmod64/arith`, QF_NIA, carried
 * to bit-vectors by bv-int-correspondence.
 */
import type { Z3Algebra, Z3Context, ZBool, ZBV, ZMem } from '../../spec/bv/z3.ts';
import { decodeThumb } from '../../spec/arm/decode.ts';
import type { ArmInstr } from '../../spec/arm/ast.ts';
import { step, type ArmState } from '../../spec/arm/semantics.ts';
import { alg } from '../lemmas/common.ts';
import type { Lemma, Obligation } from '../lemmas/types.ts';
import { UDIVMOD64_CODE, UDIVMOD64_FRAME_BYTES, UDIVMOD64_LEMMA } from './udivmod64.ts';

type State = ArmState<ZBV, ZBool, ZMem>;

/** Where the proof places the routine; it is position independent (only PC-relative branches, checked in `decodeRoutine`). */
const BASE = 0x1000;
const FRAME = UDIVMOD64_FRAME_BYTES;

/** The instructions the routine may contain: no literal loads, ADR or stores other than its PUSH. */
const ALLOWED = new Set(['dp', 'cmp', 'b', 'shiftReg', 'clz', 'udiv', 'mls', 'uxth', 'ldm', 'stm']);

export interface Routine {
  code: Map<number, ArmInstr>;
  loopHead: number;
  /** Addresses of the POP {.., pc} instructions, in code order. */
  returns: number[];
}

export function decodeRoutine(bytes: Uint8Array = UDIVMOD64_CODE): Routine {
  const code = new Map<number, ArmInstr>();
  const heads = new Set<number>();
  const returns: number[] = [];
  for (let off = 0; off < bytes.length; ) {
    const at = BASE + off;
    const d = decodeThumb(bytes, off, at);
    if (d.kind !== 'ok') throw new Error(`proofs/runtime/udivmod64-proof: undecodable instruction at offset ${off}: ${d.reason}`);
    const i = d.instr;
    if (!ALLOWED.has(i.op)) throw new Error(`proofs/runtime/udivmod64-proof: instruction ${i.op} at offset ${off} is outside what the proof allows`);
    // Position independence: apart from branches (PC-relative) and the POP into PC, nothing reads or writes PC.
    const regs = Object.entries(i).filter(([k]) => ['rd', 'rn', 'rm', 'ra'].includes(k)).map(([, x]) => x);
    const rm = 'op2' in i && i.op2.kind === 'reg' ? [i.op2.rm] : [];
    if ([...regs, ...rm].includes(15) || (i.op === 'stm' && i.regs.includes(15))) throw new Error(`proofs/runtime/udivmod64-proof: instruction ${i.op} at offset ${off} uses PC`);
    if (i.op === 'b' && i.target <= at) heads.add(i.target);
    if (i.op === 'ldm' && i.regs.includes(15)) returns.push(at);
    code.set(at, i);
    off += d.size;
  }
  if (heads.size !== 1) throw new Error(`proofs/runtime/udivmod64-proof: expected one loop head, found ${heads.size}`);
  return { code, loopHead: [...heads][0]!, returns };
}

type End = { kind: 'cut'; at: number } | { kind: 'return'; at: number; target: ZBV } | { kind: 'bad'; at: number; reason: string };
interface Path {
  pc: ZBool;
  state: State;
  end: End;
}

/** Every path from `start` (at least one instruction) to the loop head or a return. */
function explore(A: Z3Algebra, r: Routine, start: number, s0: State): Path[] {
  const out: Path[] = [];
  const work: { at: number; s: State; pc: ZBool; n: number }[] = [{ at: start, s: s0, pc: A.bool(true), n: 0 }];
  while (work.length > 0) {
    const w = work.pop()!;
    if (w.n > 0 && w.at === r.loopHead) {
      out.push({ pc: w.pc, state: w.s, end: { kind: 'cut', at: w.at } });
      continue;
    }
    const instr = r.code.get(w.at);
    if (!instr || w.n > 400) {
      out.push({ pc: w.pc, state: w.s, end: { kind: 'bad', at: w.at, reason: instr ? 'step limit' : 'no instruction' } });
      continue;
    }
    for (const succ of step(A, w.s, instr, w.at, 0)) {
      const pc = A.boolAnd(w.pc, succ.guard);
      const nx = succ.next;
      if (nx.kind === 'pc') work.push({ at: nx.address, s: succ.state, pc, n: w.n + 1 });
      else if (nx.kind === 'indirect' && instr.op === 'ldm') out.push({ pc, state: succ.state, end: { kind: 'return', at: w.at, target: nx.target } });
      else out.push({ pc, state: succ.state, end: { kind: 'bad', at: w.at, reason: nx.kind === 'fault' || nx.kind === 'unknown' ? nx.reason : nx.kind } });
    }
  }
  return out;
}

interface Entry {
  s0: State;
  n: ZBV;
  d: ZBV;
  pre: ZBool;
}

function entryState(A: Z3Algebra): Entry {
  const s0: State = {
    r: Array.from({ length: 15 }, (_, i) => A.bvVar(`r${i}`, 32)),
    n: A.boolVar('N'),
    z: A.boolVar('Z'),
    c: A.boolVar('C'),
    v: A.boolVar('V'),
    mem: A.memVar('mem'),
  };
  const n = A.concat(s0.r[1]!, s0.r[0]!);
  const d = A.concat(s0.r[3]!, s0.r[2]!);
  const pre = A.boolAnd(A.boolNot(A.eq(d, A.bv(0, 64))), A.eq(A.extract(s0.r[13]!, 1, 0), A.bv(0, 2)), A.eq(A.extract(s0.r[14]!, 0, 0), A.bv(1, 1)));
  return { s0, n, d, pre };
}

const pair = (A: Z3Algebra, s: State, lo: number, hi: number): ZBV => A.concat(s.r[hi]!, s.r[lo]!);
const b64 = (A: Z3Algebra, v: number | bigint): ZBV => A.bv(v, 64);
/** 2^k - 1 on 64 bits for k in 0..64 (bvshl by 64 gives 0, so k = 64 gives all ones). */
const mask = (A: Z3Algebra, k: ZBV): ZBV => A.sub(A.shl(b64(A, 1), k), b64(A, 1));

/** The bit-vector half of the loop invariant. */
function invariant(A: Z3Algebra, e: Entry, Q: ZBV, R: ZBV, k: ZBV): ZBool {
  const k64 = A.zext(k, 64);
  return A.boolAnd(
    A.ule(A.bv(1, 32), k),
    A.ule(k, A.bv(64, 32)),
    A.ult(R, e.d),
    A.eq(A.lshr(Q, A.sub(b64(A, 64), k64)), A.and(e.n, mask(A, k64))),
  );
}

/** P = n >> k and q = Q mod 2^(64-k): the quantities of the integer invariant P = q*d + R. */
function pq(A: Z3Algebra, e: Entry, Q: ZBV, k: ZBV): { P: ZBV; q: ZBV } {
  const k64 = A.zext(k, 64);
  return { P: A.lshr(e.n, k64), q: A.and(Q, mask(A, A.sub(b64(A, 64), k64))) };
}

const W = 66;
/** One loop step's linking facts at 66 bits (exact: no operand reaches 2^65). */
function linking(A: Z3Algebra, e: Entry, before: { Q: ZBV; R: ZBV; k: ZBV }, after: { Q: ZBV; R: ZBV; k: ZBV }): ZBool {
  const x = pq(A, e, before.Q, before.k);
  const y = pq(A, e, after.Q, after.k);
  const z = (v: ZBV) => A.zext(v, W);
  const t = A.and(A.lshr(e.n, A.zext(A.sub(before.k, A.bv(1, 32)), 64)), b64(A, 1));
  const b = A.and(after.Q, b64(A, 1));
  const two = (v: ZBV) => A.add(v, v);
  return A.boolAnd(
    A.eq(after.k, A.sub(before.k, A.bv(1, 32))),
    A.eq(z(y.P), A.add(two(z(x.P)), z(t))),
    A.eq(z(y.q), A.add(two(z(x.q)), z(b))),
    A.eq(A.add(z(after.R), A.ite(A.eq(b, b64(A, 1)), z(e.d), A.bv(0, W))), A.add(two(z(before.R)), z(t))),
  );
}

const ABI_NAMES = ['returns to the entry LR', ...[4, 5, 6, 7, 8, 9, 10, 11].map((i) => `r${i} restored`), 'SP restored', 'memory unchanged outside the frame'];
/** At a return: to the entry LR, callee-saved registers and SP restored, memory unchanged outside the frame. */
function abiReturn(A: Z3Algebra, e: Entry, p: Path & { end: { kind: 'return' } }): ZBool[] {
  const sp = spAfterPush(A, e);
  return abiGoals(A, e, p).map((g) => A.ctx.substitute(g, [sp.masked, sp.plain]) as ZBool);
}

function abiGoals(A: Z3Algebra, e: Entry, p: Path & { end: { kind: 'return' } }): ZBool[] {
  const s0 = e.s0;
  const s = p.state;
  const a = A.bvVar('addr', 32);
  const inFrame = A.ult(A.sub(a, A.sub(s0.r[13]!, A.bv(FRAME, 32))), A.bv(FRAME, 32));
  return [
    A.eq(p.end.target, A.and(s0.r[14]!, A.bv(~1 >>> 0, 32))),
    ...[4, 5, 6, 7, 8, 9, 10, 11, 13].map((i) => A.eq(s.r[i]!, s0.r[i]!)),
    A.ctx.Implies(A.boolNot(inFrame), A.eq(A.load8(s.mem, a), A.load8(s0.mem, a))),
  ];
}

const obligation = (A: Z3Algebra, name: string, hyp: ZBool, goal: ZBool): Obligation => ({ name, goal: A.ctx.Implies(hyp, goal) });

/**
 * The SP the PUSH leaves, as spec/arm writes it (bits [1:0] cleared), and the
 * same value without the mask: equal under Pre (obligation 'SP after PUSH').
 * ABI goals are stated with the first replaced by the second: Z3 resolves the
 * frame's loads against its stores at once then (seconds instead of a minute).
 */
function spAfterPush(A: Z3Algebra, e: Entry): { masked: ZBV; plain: ZBV } {
  const plain = A.sub(e.s0.r[13]!, A.bv(FRAME, 32));
  return { masked: A.and(plain, A.bv(~3 >>> 0, 32)), plain };
}

/** The code verification conditions for `bytes` (the canonical bytes unless a test passes a variant). */
export function udivmod64Obligations(ctx: Z3Context, bytes: Uint8Array = UDIVMOD64_CODE): Obligation[] {
  const A = alg(ctx);
  const r = decodeRoutine(bytes);
  const e = entryState(A);
  const obs: Obligation[] = [];
  const [retSmaller, retDigits, retLoop] = r.returns;
  if (r.returns.length !== 3) throw new Error(`proofs/runtime/udivmod64-proof: expected 3 returns, found ${r.returns.length}`);

  const sp = spAfterPush(A, e);
  obs.push(obligation(A, 'SP after PUSH: the mask of bits [1:0] changes nothing (used by the return obligations)', e.pre, A.eq(sp.masked, sp.plain)));

  // ---- entry region
  const entry = explore(A, r, BASE, e.s0);
  const toLoop = entry.filter((p) => p.end.kind === 'cut');
  // The loop region starts from the SP and memory terms the entry paths leave (the same on every path: checked here).
  const same = (a: { eqIdentity(b: unknown): boolean }, b: unknown) => a.eqIdentity(b);
  if (toLoop.length === 0 || !toLoop.every((p) => same(p.state.r[13]!, toLoop[0]!.state.r[13]) && same(p.state.mem, toLoop[0]!.state.mem))) {
    throw new Error('proofs/runtime/udivmod64-proof: the entry paths to the loop head must leave one SP and memory term');
  }
  for (const p of entry) {
    const hyp = A.boolAnd(e.pre, p.pc);
    const s = p.state;
    const end = p.end;
    if (end.kind === 'bad') {
      obs.push(obligation(A, `entry: no ${end.reason} at 0x${(end.at - BASE).toString(16)}`, hyp, A.bool(false)));
    } else if (end.kind === 'return') {
      // The ABI facts hold on the whole path whatever its condition: stated under Pre alone (stronger, and far cheaper).
      abiReturn(A, e, p as Path & { end: typeof end }).forEach((g, i) => obs.push(obligation(A, `entry -> return @0x${(end.at - BASE).toString(16)}: ${ABI_NAMES[i]}`, e.pre, g)));
      if (end.at === retSmaller) {
        obs.push(obligation(A, 'entry -> return (n < d): q = 0, r = n, r < d', hyp, A.boolAnd(A.eq(pair(A, s, 0, 1), b64(A, 0)), A.eq(pair(A, s, 2, 3), e.n), A.ult(e.n, e.d))));
      } else if (end.at === retDigits) {
        obs.push(...digitObligations(A, e, hyp, s));
      } else obs.push(obligation(A, `entry: unexpected return at 0x${(end.at - BASE).toString(16)}`, hyp, A.bool(false)));
    } else {
      const Q = pair(A, s, 0, 1);
      const R = pair(A, s, 4, 5);
      const k = s.r[14]!;
      const { P, q } = pq(A, e, Q, k);
      obs.push(obligation(A, 'entry -> loop: invariant (bit-vector half)', hyp, invariant(A, e, Q, R, k)));
      obs.push(obligation(A, 'entry -> loop: q = 0 and P = R (so P = q*d + R)', hyp, A.boolAnd(A.eq(q, b64(A, 0)), A.eq(P, R))));
      obs.push(obligation(A, 'entry -> loop: d, r8-r12 in place', hyp, A.boolAnd(...[2, 3, 8, 9, 10, 11, 12].map((i) => A.eq(s.r[i]!, e.s0.r[i]!)))));
    }
  }

  // ---- loop region, from a state satisfying the invariant; SP, memory and r2/r3/r8-r12 as the entry path left them.
  const atHead = toLoop[0]!.state;
  const fresh = (i: number) => A.bvVar(`L${i}`, 32);
  const L: State = {
    r: atHead.r.map((x, i) => ([0, 1, 4, 5, 6, 7, 14].includes(i) ? fresh(i) : x)),
    n: A.boolVar('LN'),
    z: A.boolVar('LZ'),
    c: A.boolVar('LC'),
    v: A.boolVar('LV'),
    mem: atHead.mem,
  };
  const before = { Q: pair(A, L, 0, 1), R: pair(A, L, 4, 5), k: L.r[14]! };
  const inv = A.boolAnd(e.pre, invariant(A, e, before.Q, before.R, before.k));
  for (const p of explore(A, r, r.loopHead, L)) {
    const hyp = A.boolAnd(inv, p.pc);
    const s = p.state;
    const end = p.end;
    if (end.kind === 'bad') {
      obs.push(obligation(A, `loop: no ${end.reason} at 0x${(end.at - BASE).toString(16)}`, hyp, A.bool(false)));
    } else if (end.kind === 'cut') {
      const after = { Q: pair(A, s, 0, 1), R: pair(A, s, 4, 5), k: s.r[14]! };
      obs.push(obligation(A, 'loop -> loop: invariant preserved (bit-vector half)', hyp, invariant(A, e, after.Q, after.R, after.k)));
      obs.push(obligation(A, 'loop -> loop: linking facts, k decreases', hyp, linking(A, e, before, after)));
      obs.push(obligation(A, 'loop -> loop: d, r8-r12, SP, memory in place', hyp, A.boolAnd(...[2, 3, 8, 9, 10, 11, 12, 13].map((i) => A.eq(s.r[i]!, L.r[i]!)), A.ctx.Eq(s.mem, L.mem) as ZBool)));
    } else if (end.at === retLoop) {
      const after = { Q: pair(A, s, 0, 1), R: pair(A, s, 2, 3), k: s.r[14]! };
      const y = pq(A, e, after.Q, after.k);
      obs.push(obligation(A, 'loop -> return: linking facts', hyp, linking(A, e, before, after)));
      obs.push(obligation(A, 'loop -> return: k = 0, so P = n, q = Q; R < d', hyp, A.boolAnd(A.eq(after.k, A.bv(0, 32)), A.eq(y.P, e.n), A.eq(y.q, after.Q), A.ult(after.R, e.d))));
      abiReturn(A, e, p as Path & { end: typeof end }).forEach((g, i) => obs.push(obligation(A, `loop -> return: ${ABI_NAMES[i]}`, e.pre, g)));
    } else obs.push(obligation(A, `loop: unexpected return at 0x${(end.at - BASE).toString(16)}`, hyp, A.bool(false)));
  }
  return obs;
}

/**
 * The d < 2^24 path (UDIV digits). DIGITS: the reference computation, with
 * the same operations as the code (so Z3 matches the terms):
 *   qh = nh / d; r0 = nh - qh*d; for i = 1..4: t_i = (r_{i-1} << 8) | ((nl << 8(i-1)) >> 24),
 *   q_i = t_i / d, r_i = t_i - q_i*d; acc_i = (acc_{i-1} << 8) | q_i;
 * result q = qh:acc_4, r = 0:r_4. The bit-vector facts L1-L3 turn the ORs
 * into sums, and `runtime.udivmod64/arith` (digit lemmas) proves q*d + r = n, r < d.
 */
function digitObligations(A: Z3Algebra, e: Entry, hyp: ZBool, s: State): Obligation[] {
  const [nl, nh, d] = [e.s0.r[0]!, e.s0.r[1]!, e.s0.r[2]!];
  const k = (v: number) => A.bv(v, 32);
  const qh = A.udiv(nh, d);
  let rem = A.sub(nh, A.mul(qh, d));
  let acc = k(0);
  for (let i = 0; i < 4; i++) {
    const t = A.or(A.shl(rem, k(8)), A.lshr(A.shl(nl, k(8 * i)), k(24)));
    const q = A.udiv(t, d);
    rem = A.sub(t, A.mul(q, d));
    acc = A.or(A.shl(acc, k(8)), q);
  }
  return [
    obligation(A, 'entry -> return (digits): the path has d < 2^24', hyp, A.boolAnd(A.eq(e.s0.r[3]!, k(0)), A.ult(d, k(1 << 24)))),
    obligation(A, 'entry -> return (digits): q = qh:acc, r = 0:rem of the reference digits', hyp, A.boolAnd(A.eq(s.r[0]!, acc), A.eq(s.r[1]!, qh), A.eq(s.r[2]!, rem), A.eq(s.r[3]!, k(0)))),
  ];
}

/** L1-L3: bit-vector facts that let the digit reference be read as sums (free variables: for all values). */
function digitBridges(A: Z3Algebra): Obligation[] {
  const k = (v: number) => A.bv(v, 32);
  const [x, y, q] = [A.bvVar('x', 32), A.bvVar('y', 32), A.bvVar('q', 32)];
  return [
    { name: 'L1: (x << 8) | (y >> 24) = (x << 8) + (y >> 24)', goal: A.eq(A.or(A.shl(x, k(8)), A.lshr(y, k(24))), A.add(A.shl(x, k(8)), A.lshr(y, k(24)))) },
    { name: 'L2: q < 256 => (x << 8) | q = (x << 8) + q', goal: A.ctx.Implies(A.ult(q, k(256)), A.eq(A.or(A.shl(x, k(8)), q), A.add(A.shl(x, k(8)), q))) },
    ...[0, 1, 2, 3].map((i) => ({ name: `L3: (y << ${8 * i}) >> 24 = byte ${3 - i} of y`, goal: A.eq(A.lshr(A.shl(y, k(8 * i)), k(24)), A.zext(A.extract(y, 31 - 8 * i, 24 - 8 * i), 32)) })),
  ];
}

/**
 * The integer facts (QF_NIA, naturals bounded as the bit-vectors they stand
 * for; `mod 2^32` wherever the code's 32-bit operation could wrap).
 */
export function udivmod64Arith(ctx: Z3Context): Obligation[] {
  const { Int, And, Or, Implies } = ctx;
  const B = Int.val(1n << 32n);
  const nat = (x: ReturnType<typeof Int.const>, below: bigint) => And(x.ge(0), x.lt(Int.val(below)));
  const v = (name: string) => Int.const(name);
  const [P, q, R, d, t, b, P1, q1, R1, n, r] = ['P', 'q', 'R', 'd', 't', 'b', "P'", "q'", "R'", 'n', 'r'].map(v) as [ReturnType<typeof v>, ...ReturnType<typeof v>[]];
  const bit = (x: ReturnType<typeof v>) => Or(x.eq(0), x.eq(1));
  const obs: Obligation[] = [
    {
      name: 'loop step: P = q*d + R, R < d, P\' = 2P + t, q\' = 2q + b, R\' + b*d = 2R + t => P\' = q\'*d + R\'',
      goal: Implies(And(d!.gt(0), R!.ge(0), R!.lt(d!), bit(t!), bit(b!), P!.eq(q!.mul(d!).add(R!)), P1!.eq(P!.mul(2).add(t!)), q1!.eq(q!.mul(2).add(b!)), R1!.add(b!.mul(d!)).eq(R!.mul(2).add(t!))), P1!.eq(q1!.mul(d!).add(R1!))),
    },
    {
      name: 'quotient and remainder are unique: n = q*d + r, 0 <= r < d => q = n div d, r = n mod d',
      goal: Implies(And(d!.gt(0), n!.ge(0), q!.ge(0), r!.ge(0), r!.lt(d!), n!.eq(q!.mul(d!).add(r!))), And(q!.eq(n!.div(d!)), r!.eq(n!.mod(d!)))),
    },
  ];
  // The digit path, d < 2^24 (see DIGITS): the first step, one digit step, the accumulator, the assembly.
  const [nh, qh, r0] = [v('nh'), v('qh'), v('r0')];
  obs.push({
    name: 'digits A1: qh = nh div d, r0 = (nh - qh*d) mod 2^32 => nh = qh*d + r0, 0 <= r0 < d',
    goal: Implies(And(nat(nh, 1n << 32n), d!.gt(0), d!.lt(B), qh.eq(nh.div(d!)), r0.eq(nh.sub(qh.mul(d!)).mod(B))), And(nh.eq(qh.mul(d!).add(r0)), r0.ge(0), r0.lt(d!))),
  });
  const [rp, by, tt, qi, ri] = [v('r'), v('byte'), v('t'), v('qi'), v('ri')];
  obs.push({
    name: 'digits A2: r < d < 2^24, byte < 256, t = ((r*256 mod 2^32) + byte) mod 2^32, qi = t div d, ri = (t - qi*d) mod 2^32 => t = 256r + byte = qi*d + ri, qi < 256, 0 <= ri < d',
    goal: Implies(
      And(d!.gt(0), d!.lt(Int.val(1n << 24n)), rp.ge(0), rp.lt(d!), nat(by, 256n), tt.eq(rp.mul(256).mod(B).add(by).mod(B)), qi.eq(tt.div(d!)), ri.eq(tt.sub(qi.mul(d!)).mod(B))),
      And(tt.eq(rp.mul(256).add(by)), tt.eq(qi.mul(d!).add(ri)), qi.ge(0), qi.lt(256), ri.ge(0), ri.lt(d!)),
    ),
  });
  const [acc, acc1] = [v('acc'), v("acc'")];
  obs.push({
    name: 'digits A3: acc < 2^24, qi < 256, acc\' = ((acc*256 mod 2^32) + qi) mod 2^32 => acc\' = 256acc + qi < 2^32',
    goal: Implies(And(nat(acc, 1n << 24n), nat(qi, 256n), acc1.eq(acc.mul(256).mod(B).add(qi).mod(B))), And(acc1.eq(acc.mul(256).add(qi)), acc1.lt(B))),
  });
  const bs = [0, 1, 2, 3].map((i) => v(`b${i}`));
  const qs = [0, 1, 2, 3].map((i) => v(`q${i}`));
  const rs = [0, 1, 2, 3].map((i) => v(`r${i + 1}`));
  const nl = v('nl');
  const prev = (i: number) => (i === 0 ? r0 : rs[i - 1]!);
  const steps = [0, 1, 2, 3].map((i) => prev(i).mul(256).add(bs[i]!).eq(qs[i]!.mul(d!).add(rs[i]!)));
  const word = (xs: ReturnType<typeof v>[]) => xs.reduce((a, x) => a.mul(256).add(x));
  obs.push({
    name: 'digits A4: nh = qh*d + r0, 256r(i-1) + b_i = q_i*d + r_i (i = 1..4), nl = b1..b4, acc = q1..q4 => nh*2^32 + nl = (qh*2^32 + acc)*d + r4',
    goal: Implies(And(nh.eq(qh.mul(d!).add(r0)), ...steps, nl.eq(word(bs))), nh.mul(B).add(nl).eq(qh.mul(B).add(word(qs)).mul(d!).add(rs[3]!))),
  });
  return obs;
}

export const UDIVMOD64_ARITH: Lemma = {
  name: `${UDIVMOD64_LEMMA}/arith`,
  statement:
    'The integer half of runtime.udivmod64: (loop step) P = q*d + R with 0 <= R < d is preserved by P\' = 2P + t, q\' = 2q + b, R\' + b*d = 2R + t (t, b in {0, 1}); (uniqueness) n = q*d + r with 0 <= r < d gives q = n div d and r = n mod d, which is bvudiv / bvurem for d != 0; (digits A1-A4) the UDIV digit path for d < 2^24 computes qh = nh div d then four base-256 digits of (r0:nl) / d with no 32-bit wrap, and nh*2^32 + nl = (qh*2^32 + acc)*d + r4.',
  theory: 'QF_NIA',
  method: 'Z3 unsat of the negation over bounded integers (QF_NIA); carried to the bit-vectors of runtime.udivmod64 by bv-int-correspondence',
  covers: ['validator-rewrite:udivmod64-contract'],
  assumes: ['bv-int-correspondence'],
  build: udivmod64Arith,
};

export const UDIVMOD64_PROOF: Lemma = {
  name: UDIVMOD64_LEMMA,
  statement:
    'The canonical bytes of __warden_udivmod64 (UDIVMOD64_CODE, proofs/runtime/udivmod64.ts), placed at any address and entered with r1:r0 = n, r3:r2 = d != 0, SP word aligned and LR odd (a BL return address), return to LR with r1:r0 = bvudiv(n, d), r3:r2 = bvurem(n, d), r4-r11 and SP as at entry, and memory unchanged outside the 20 bytes below SP; they clobber r0-r3, LR and the flags. Proved for all inputs: every path of the n < d exit, of the UDIV digit path (d < 2^24) and of the shift-subtract loop (cut at its head with the invariant 1 <= k <= 64, R < d, Q >> (64-k) = n mod 2^k, P = q*d + R for P = n >> k, q = Q mod 2^(64-k)); the loop terminates (k decreases by 1 per iteration and stays >= 1 at the head).',
  theory: 'QF_ABV',
  method:
    'decode the bytes with spec/arm/decode.ts; run spec/arm step over Z3 from the entry and from the loop head (fresh Q, R, k, scratch registers and flags) along every path to the loop head or a POP {.., pc}; Z3 unsat of each verification condition (faults infeasible, invariant at entry, preserved, linking facts at 66 bits, exit, ABI at every return); the integer halves are runtime.udivmod64/arith (QF_NIA), joined by bv-int-correspondence',
  covers: ['validator-rewrite:udivmod64-contract'],
  assumes: ['bv-int-correspondence'],
  build: (ctx) => [...udivmod64Obligations(ctx), ...digitBridges(alg(ctx))],
};

export const RUNTIME_LEMMAS: Lemma[] = [UDIVMOD64_PROOF, UDIVMOD64_ARITH];
