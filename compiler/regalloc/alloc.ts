/**
 * Register allocation: greedy assignment of live ranges (with holes) to the
 * physical pool in order of first definition, honouring the precoloured
 * ranges of r0-r3/LR (AAPCS arguments, results and call clobbers). When no
 * register is free, either the value or the cheapest set of values blocking
 * one register is spilled (spill-everywhere: a reload before each use, a
 * store after each def, into a frame slot; both halves of an i64 share one
 * 8-byte slot), and allocation runs again on the rewritten code.
 *
 * Every value has one location for its whole life (a register or its slot),
 * which is what makes the cut-point certificate a plain map.
 */
import { LR, type PReg } from '../target/insn.ts';
import { isVirtual, mapRegs, SPILL_BASE, usesDefs, type Implicit, type VFunction, type VInstr, type VReg } from '../isel/vcode.ts';
import { liveness, overlaps, type Liveness, type Segment } from './liveness.ts';

/** Allocation order: caller-saved first (free in leaves), then LR (saved anyway once anything is), then callee-saved. Never r12 (encoder scratch), SP, PC. */
export const POOL: readonly PReg[] = [0, 1, 2, 3, LR, 4, 5, 6, 7, 8, 9, 10, 11];

export type RungName = 'default' | 'spill' | 'spill+param-backing';

export interface AllocOptions {
  spill: boolean;
  paramBacking: boolean;
}

export type AllocFailure =
  | { kind: 'pressure'; vreg: VReg; at: number; live: number; message: string }
  | { kind: 'no-progress'; message: string };

export interface Allocation {
  instrs: VInstr[];
  implicit: Map<VInstr, Implicit>;
  assignment: Map<VReg, PReg>;
  /** Spilled vreg -> byte offset within the spill area. */
  slots: Map<VReg, number>;
  spillBytes: number;
  /** How many spill/reload rounds ran. */
  rounds: number;
}

export type AllocResult = { ok: true; alloc: Allocation } | { ok: false; failure: AllocFailure };

interface Occupant {
  seg: Segment;
  vreg: VReg;
}

export function allocate(fn: VFunction, opts: AllocOptions): AllocResult {
  let instrs = fn.instrs;
  let implicit = new Map(fn.implicit);
  let next = fn.nextVReg;
  const unspillable = new Set<VReg>();
  const slots = new Map<VReg, number>();
  const hiOf = fn.pairs;
  const loOf = new Map<VReg, VReg>([...fn.pairs].map(([lo, hi]) => [hi, lo]));
  let spillBytes = 0;
  const slotFor = (v: VReg): number => {
    const known = slots.get(v);
    if (known !== undefined) return known;
    const lo = hiOf.has(v) ? v : loOf.get(v);
    if (lo !== undefined) {
      // An i64: one 8-byte slot for the pair, low word first.
      spillBytes = align(spillBytes, 8);
      slots.set(lo, spillBytes);
      slots.set(hiOf.get(lo)!, spillBytes + 4);
      spillBytes += 8;
    } else {
      slots.set(v, spillBytes);
      spillBytes += 4;
    }
    return slots.get(v)!;
  };

  let toSpill: VReg[] = opts.paramBacking ? [...fn.paramVRegs] : [];
  for (let round = 0; round < 10_000; round++) {
    if (toSpill.length > 0) {
      for (const v of toSpill) slotFor(v);
      const spilled = new Set(toSpill);
      ({ instrs, implicit, next } = rewrite(instrs, implicit, spilled, slots, next, unspillable));
      toSpill = [];
    }
    const lv = liveness(instrs, implicit);
    const r = assign(instrs, lv, unspillable, opts.spill);
    if (!r.ok) return r;
    if (r.spill.length === 0) return { ok: true, alloc: { instrs, implicit, assignment: r.assignment, slots, spillBytes: align(spillBytes, 8), rounds: round } };
    toSpill = r.spill;
  }
  return { ok: false, failure: { kind: 'no-progress', message: 'spilling did not converge after 10000 rounds' } };
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Moves between a value and a register or another value: allocation hints. */
function moveHints(instrs: readonly VInstr[]): Map<VReg, VReg[]> {
  const hints = new Map<VReg, VReg[]>();
  const link = (a: VReg, b: VReg) => {
    if (!hints.has(a)) hints.set(a, []);
    hints.get(a)!.push(b);
  };
  for (const i of instrs) {
    if (i.op === 'mov' && !i.setFlags && i.op2.kind === 'reg' && !i.op2.shift) {
      link(i.rd, i.op2.rm);
      link(i.op2.rm, i.rd);
    }
  }
  return hints;
}

type AssignResult = { ok: true; assignment: Map<VReg, PReg>; spill: VReg[] } | { ok: false; failure: AllocFailure };

function assign(instrs: readonly VInstr[], lv: Liveness, unspillable: ReadonlySet<VReg>, canSpill: boolean): AssignResult {
  const occ = new Map<PReg, Occupant[]>(POOL.map((r) => [r, []]));
  for (const [v, segs] of lv.ranges) {
    if (isVirtual(v)) continue;
    for (const seg of segs) occ.get(v)?.push({ seg, vreg: v });
  }
  // Spill weight: uses and defs, 10x per loop level, over the span.
  const weight = new Map<VReg, number>();
  lv.uses.forEach((us, i) => {
    for (const v of [...us, ...lv.defs[i]!]) if (isVirtual(v)) weight.set(v, (weight.get(v) ?? 0) + 10 ** Math.min(lv.depth[i]!, 6));
  });
  const spanOf = (v: VReg) => {
    const s = lv.ranges.get(v)!;
    return s[s.length - 1]!.end - s[0]!.start + 1;
  };
  const cost = (v: VReg) => (unspillable.has(v) ? Infinity : (weight.get(v) ?? 0) / spanOf(v));

  const order = [...lv.ranges.keys()].filter(isVirtual).sort((a, b) => lv.ranges.get(a)![0]!.start - lv.ranges.get(b)![0]!.start || a - b);
  const hints = moveHints(instrs);
  const assignment = new Map<VReg, PReg>();
  const spill: VReg[] = [];
  const conflicts = (r: PReg, segs: readonly Segment[]): Occupant[] => occ.get(r)!.filter((o) => overlaps([o.seg], segs));

  for (const v of order) {
    const segs = lv.ranges.get(v)!;
    const preferred: PReg[] = [];
    for (const h of hints.get(v) ?? []) {
      const r = isVirtual(h) ? assignment.get(h) : POOL.includes(h) ? h : undefined;
      if (r !== undefined && !preferred.includes(r)) preferred.push(r);
    }
    const candidates = [...preferred, ...POOL.filter((r) => !preferred.includes(r))];
    const free = candidates.find((r) => conflicts(r, segs).length === 0);
    if (free !== undefined) {
      assignment.set(v, free);
      for (const seg of segs) occ.get(free)!.push({ seg, vreg: v });
      continue;
    }
    const at = segs[0]!.start >> 1;
    if (!canSpill) {
      return {
        ok: false,
        failure: { kind: 'pressure', vreg: v, at, live: POOL.length, message: `register pressure: v${v} (defined at instruction ${at}) finds none of the ${POOL.length} pool registers free` },
      };
    }
    // The cheapest register to free: all its conflicting occupants must be spillable values.
    let best: { r: PReg; cost: number; victims: VReg[] } | undefined;
    for (const r of POOL) {
      const cs = conflicts(r, segs);
      if (cs.some((o) => !isVirtual(o.vreg))) continue;
      const victims = [...new Set(cs.map((o) => o.vreg))];
      const c = victims.reduce((s, x) => s + cost(x), 0);
      if (c !== Infinity && (!best || c < best.cost)) best = { r, cost: c, victims };
    }
    if (!unspillable.has(v) && (!best || cost(v) <= best.cost)) {
      spill.push(v);
      continue;
    }
    if (!best) {
      return {
        ok: false,
        failure: { kind: 'pressure', vreg: v, at, live: POOL.length, message: `instruction ${at} needs more registers than the pool holds (v${v} cannot be placed even after spilling)` },
      };
    }
    for (const x of best.victims) {
      assignment.delete(x);
      spill.push(x);
      for (const r of POOL) occ.set(r, occ.get(r)!.filter((o) => o.vreg !== x));
    }
    assignment.set(v, best.r);
    for (const seg of segs) occ.get(best.r)!.push({ seg, vreg: v });
  }
  return { ok: true, assignment, spill };
}

/** Spill-everywhere rewrite: reload before each use, store after each def, through fresh unspillable temporaries. */
function rewrite(
  instrs: readonly VInstr[],
  implicit: ReadonlyMap<VInstr, Implicit>,
  spilled: ReadonlySet<VReg>,
  slots: ReadonlyMap<VReg, number>,
  nextVReg: number,
  unspillable: Set<VReg>,
): { instrs: VInstr[]; implicit: Map<VInstr, Implicit>; next: number } {
  let next = nextVReg;
  const out: VInstr[] = [];
  const imp = new Map<VInstr, Implicit>();
  for (const i of instrs) {
    const im = implicit.get(i);
    if (i.op === 'label') {
      // A cut point's implicit uses of a spilled value are satisfied by its slot.
      out.push(i);
      if (im) imp.set(i, { uses: im.uses.filter((v) => !spilled.has(v)), defs: im.defs });
      continue;
    }
    const ud = usesDefs(i);
    const touched = [...new Set([...ud.uses, ...ud.defs])].filter((v) => spilled.has(v));
    if (touched.length === 0) {
      out.push(i);
      if (im) imp.set(i, im);
      continue;
    }
    const temp = new Map<VReg, VReg>();
    for (const v of touched) {
      const t = next++;
      unspillable.add(t);
      temp.set(v, t);
    }
    for (const v of touched) if (ud.uses.includes(v)) out.push({ op: 'ldr', size: 4, signed: false, rt: temp.get(v)!, addr: { kind: 'imm', base: SPILL_BASE, offset: slots.get(v)! } });
    const ni = mapRegs(i, (r) => temp.get(r) ?? r);
    out.push(ni);
    if (im) imp.set(ni, im);
    for (const v of touched) if (ud.defs.includes(v)) out.push({ op: 'str', size: 4, rt: temp.get(v)!, addr: { kind: 'imm', base: SPILL_BASE, offset: slots.get(v)! } });
  }
  return { instrs: out, implicit: imp, next };
}
