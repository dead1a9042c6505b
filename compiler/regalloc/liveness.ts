/**
 * Liveness over the control-flow graph of virtual code, and live ranges as
 * lists of position segments.
 *
 * Positions: instruction i reads its uses at 2i and writes its defs at
 * 2i + 1, so a value whose last use is at i and a value defined by i may
 * share a register. Two values interfere iff their segments overlap.
 */
import type { Label } from '../target/insn.ts';
import { isTracked, successors, usesDefs, type Implicit, type VInstr, type VReg } from '../isel/vcode.ts';

export interface Block {
  first: number;
  last: number;
  succs: number[];
}

export interface Segment {
  start: number;
  end: number;
}

export interface Liveness {
  blocks: Block[];
  /** Tracked registers read / written by each instruction (explicit and implicit). */
  uses: VReg[][];
  defs: VReg[][];
  liveIn: Set<VReg>[];
  liveOut: Set<VReg>[];
  /** Live range of every tracked register that occurs, segments sorted and disjoint. */
  ranges: Map<VReg, Segment[]>;
  /** Loop nesting depth of each instruction (from backward branches). */
  depth: number[];
}

export function operands(instrs: readonly VInstr[], implicit: ReadonlyMap<VInstr, Implicit>): { uses: VReg[][]; defs: VReg[][] } {
  const uses: VReg[][] = [];
  const defs: VReg[][] = [];
  for (const i of instrs) {
    const ud = usesDefs(i);
    const imp = implicit.get(i);
    uses.push(dedupe([...ud.uses, ...(imp?.uses ?? [])].filter(isTracked)));
    defs.push(dedupe([...ud.defs, ...(imp?.defs ?? [])].filter(isTracked)));
  }
  return { uses, defs };
}

function dedupe(xs: VReg[]): VReg[] {
  return [...new Set(xs)];
}

export function buildBlocks(instrs: readonly VInstr[]): Block[] {
  const labelAt = new Map<Label, number>();
  instrs.forEach((i, k) => {
    if (i.op === 'label') labelAt.set(i.label, k);
  });
  const starts = new Set<number>([0]);
  instrs.forEach((i, k) => {
    if (i.op === 'label') starts.add(k);
    const s = successors(i);
    if (s.targets.length > 0 || !s.fallsThrough) starts.add(k + 1);
  });
  const sorted = [...starts].filter((k) => k < instrs.length).sort((a, b) => a - b);
  const blockOf = new Map<number, number>();
  const blocks: Block[] = sorted.map((first, bi) => {
    blockOf.set(first, bi);
    return { first, last: (sorted[bi + 1] ?? instrs.length) - 1, succs: [] };
  });
  for (const [bi, blk] of blocks.entries()) {
    const term = instrs[blk.last]!;
    const s = successors(term);
    const succ = new Set<number>();
    for (const t of s.targets) {
      const at = labelAt.get(t);
      if (at === undefined) throw new Error(`internal: branch to undefined label ${t}`);
      succ.add(blockOf.get(at)!);
    }
    if (s.fallsThrough && bi + 1 < blocks.length) succ.add(bi + 1);
    blk.succs = [...succ];
  }
  return blocks;
}

export function liveness(instrs: readonly VInstr[], implicit: ReadonlyMap<VInstr, Implicit>): Liveness {
  const { uses, defs } = operands(instrs, implicit);
  const blocks = buildBlocks(instrs);
  // Per block: upward-exposed uses and defs.
  const gen: Set<VReg>[] = [];
  const kill: Set<VReg>[] = [];
  for (const blk of blocks) {
    const g = new Set<VReg>();
    const k = new Set<VReg>();
    for (let i = blk.first; i <= blk.last; i++) {
      for (const u of uses[i]!) if (!k.has(u)) g.add(u);
      for (const d of defs[i]!) k.add(d);
    }
    gen.push(g);
    kill.push(k);
  }
  const liveIn = blocks.map(() => new Set<VReg>());
  const liveOut = blocks.map(() => new Set<VReg>());
  let changed = true;
  while (changed) {
    changed = false;
    for (let bi = blocks.length - 1; bi >= 0; bi--) {
      const out = liveOut[bi]!;
      for (const s of blocks[bi]!.succs) for (const v of liveIn[s]!) if (!out.has(v)) {
        out.add(v);
        changed = true;
      }
      const inn = liveIn[bi]!;
      for (const v of gen[bi]!) if (!inn.has(v)) {
        inn.add(v);
        changed = true;
      }
      for (const v of out) if (!kill[bi]!.has(v) && !inn.has(v)) {
        inn.add(v);
        changed = true;
      }
    }
  }

  // Live ranges, block by block, walking backwards.
  const segs = new Map<VReg, Segment[]>();
  const add = (v: VReg, start: number, end: number) => {
    let l = segs.get(v);
    if (!l) segs.set(v, (l = []));
    l.push({ start, end });
  };
  for (const [bi, blk] of blocks.entries()) {
    const end = new Map<VReg, number>();
    for (const v of liveOut[bi]!) end.set(v, 2 * blk.last + 1);
    for (let i = blk.last; i >= blk.first; i--) {
      for (const d of defs[i]!) {
        const e = end.get(d);
        if (e === undefined) add(d, 2 * i + 1, 2 * i + 1);
        else {
          add(d, 2 * i + 1, e);
          end.delete(d);
        }
      }
      for (const u of uses[i]!) if (!end.has(u)) end.set(u, 2 * i);
    }
    for (const [v, e] of end) add(v, 2 * blk.first, e);
  }
  const ranges = new Map<VReg, Segment[]>();
  for (const [v, l] of segs) ranges.set(v, normalise(l));

  // Loop depth: every backward branch spans a loop body.
  const labelAt = new Map<Label, number>();
  instrs.forEach((i, k) => {
    if (i.op === 'label') labelAt.set(i.label, k);
  });
  const delta = new Array<number>(instrs.length + 1).fill(0);
  instrs.forEach((i, k) => {
    for (const t of successors(i).targets) {
      const at = labelAt.get(t)!;
      if (at <= k) {
        delta[at]!++;
        delta[k + 1]!--;
      }
    }
  });
  const depth: number[] = [];
  let d = 0;
  for (let k = 0; k < instrs.length; k++) {
    d += delta[k]!;
    depth.push(d);
  }
  return { blocks, uses, defs, liveIn, liveOut, ranges, depth };
}

/** Sort and merge touching/overlapping segments. */
function normalise(l: Segment[]): Segment[] {
  l.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Segment[] = [];
  for (const s of l) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + 1) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

export function overlaps(a: readonly Segment[], b: readonly Segment[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.end < y.start) i++;
    else if (y.end < x.start) j++;
    else return true;
  }
  return false;
}

/** Registers live right after instruction `k` (which must be in a block). */
export function liveAfter(lv: Liveness, k: number): Set<VReg> {
  const bi = lv.blocks.findIndex((b) => b.first <= k && k <= b.last);
  const blk = lv.blocks[bi]!;
  const live = new Set(lv.liveOut[bi]!);
  for (let i = blk.last; i > k; i--) {
    for (const d of lv.defs[i]!) live.delete(d);
    for (const u of lv.uses[i]!) live.add(u);
  }
  return live;
}
