/**
 * The deterministic retry ladder: each rung is tried only when the previous
 * one failed for a named reason, and each rung is a pure function of the
 * virtual code, so a function that compiles on an earlier rung is
 * byte-identical whatever later rungs do.
 */
import type { VFunction } from '../isel/vcode.ts';
import { allocate, type AllocOptions, type Allocation, type RungName } from './alloc.ts';

export const RUNGS: readonly { name: RungName; options: AllocOptions }[] = [
  { name: 'default', options: { spill: false, paramBacking: false } },
  { name: 'spill', options: { spill: true, paramBacking: false } },
  { name: 'spill+param-backing', options: { spill: true, paramBacking: true } },
];

export interface LadderEntry {
  rung: RungName;
  failure: string;
}

export type LadderResult = { ok: true; rung: RungName; ladderLog: LadderEntry[]; alloc: Allocation } | { ok: false; ladderLog: LadderEntry[] };

export function allocateWithLadder(fn: VFunction, rungs: readonly { name: RungName; options: AllocOptions }[] = RUNGS): LadderResult {
  const ladderLog: LadderEntry[] = [];
  for (const r of rungs) {
    const res = allocate(fn, r.options);
    if (res.ok) return { ok: true, rung: r.name, ladderLog, alloc: res.alloc };
    ladderLog.push({ rung: r.name, failure: res.failure.message });
  }
  return { ok: false, ladderLog };
}
