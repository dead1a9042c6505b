/**
 * The concrete Thumb-2 interpreter: `step` (semantics.ts) run under the
 * concrete algebra. Used by tests, by the QEMU conformance campaign and to
 * replay counterexamples.
 *
 * Memory inside one step is a persistent overlay over the caller's
 * `ByteStore`, so that the successors of a step (e.g. an IT-skipped store,
 * or a faulting STRD) do not see each other's writes; only the successor
 * whose guard is true is committed. Loads from addresses inside `code` read
 * the code bytes (code is mapped memory, as flash is on the device); all
 * other loads and every store go to `mem`.
 */
import type { Algebra } from '../bv/algebra.ts';
import { CBV, concrete, type ByteStore } from '../bv/concrete.ts';
import type { ArmInstr } from './ast.ts';
import { decodeThumb } from './decode.ts';
import { itAfter } from './it.ts';
import { step, type ArmState, type Next, type Successor } from './semantics.ts';

export interface ConcreteArmState {
  /** r0..r14 as uint32. */
  r: number[];
  n: boolean;
  z: boolean;
  c: boolean;
  v: boolean;
  mem: ByteStore;
}

export interface CodeImage {
  bytes: Uint8Array;
  base: number;
}

export type RunOutcome =
  | { kind: 'stopped'; pc: number; steps: number }
  | { kind: 'udf'; imm: number; pc: number; steps: number }
  | { kind: 'fault'; pc: number; reason: string; steps: number }
  | { kind: 'unknown'; pc: number; reason: string; steps: number }
  | { kind: 'step-limit'; pc: number; steps: number };

export type StepOutcome =
  /** Execution continues at `pc` (fall-through, branch, call or return) with ITSTATE `itState`. */
  | { kind: 'continue'; pc: number; itState: number; instr: ArmInstr }
  | { kind: 'udf'; imm: number; instr: ArmInstr }
  | { kind: 'fault'; reason: string; instr: ArmInstr | null }
  | { kind: 'unknown'; reason: string; instr: ArmInstr | null };

/** A persistent memory: the base store plus a chain of byte writes (newest first). */
type Overlay = { kind: 'root'; read: (addr: number) => number } | { kind: 'write'; parent: Overlay; addr: number; byte: number };

function overlayRead(m: Overlay, addr: number): number {
  let cur = m;
  while (cur.kind === 'write') {
    if (cur.addr === addr) return cur.byte;
    cur = cur.parent;
  }
  return cur.read(addr);
}

function commit(m: Overlay, store: ByteStore): void {
  const writes: { addr: number; byte: number }[] = [];
  for (let cur = m; cur.kind === 'write'; cur = cur.parent) writes.push(cur);
  for (let i = writes.length - 1; i >= 0; i--) store.write(writes[i]!.addr, writes[i]!.byte);
}

const { load8: _l, store8: _s, ...pure } = concrete;
/** The concrete algebra over overlay memories. */
const overlayAlgebra: Algebra<CBV, boolean, Overlay> = {
  ...pure,
  load8: (m, addr) => new CBV(8, BigInt(overlayRead(m, Number(addr.v)))),
  store8: (m, addr, value) => ({ kind: 'write', parent: m, addr: Number(addr.v), byte: Number(value.v) & 0xff }),
};

function inCode(code: CodeImage, addr: number): boolean {
  const i = addr - code.base;
  return i >= 0 && i < code.bytes.length;
}

/** Decode and execute the instruction at `pc` with ITSTATE `itState`, updating `state` in place. */
export function stepOnce(state: ConcreteArmState, code: CodeImage, pc: number, itState = 0): StepOutcome {
  pc = pc >>> 0;
  if (!inCode(code, pc)) return { kind: 'unknown', reason: `pc 0x${pc.toString(16)} outside the code image`, instr: null };
  const d = decodeThumb(code.bytes, pc - code.base, pc);
  if (d.kind !== 'ok') return { kind: 'unknown', reason: d.reason, instr: null };
  const instr = d.instr;
  if (state.r.length !== 15) throw new RangeError(`ConcreteArmState.r must have 15 entries (r0..r14), got ${state.r.length}`);
  const root: Overlay = { kind: 'root', read: (a) => (inCode(code, a) ? code.bytes[a - code.base]! : state.mem.read(a)) };
  const s: ArmState<CBV, boolean, Overlay> = {
    r: state.r.map((x) => new CBV(32, BigInt(x >>> 0))),
    n: state.n,
    z: state.z,
    c: state.c,
    v: state.v,
    mem: root,
  };
  const succs = step(overlayAlgebra, s, instr, pc, itState);
  const taken = succs.filter((x) => x.guard);
  if (taken.length !== 1) throw new Error(`spec/arm: ${taken.length} successors true for ${instr.op} at 0x${pc.toString(16)} (guards must partition)`);
  const chosen: Successor<CBV, boolean, Overlay> = taken[0]!;
  const next: Next<CBV> = chosen.next;
  switch (next.kind) {
    case 'udf':
      return { kind: 'udf', imm: next.imm, instr };
    case 'fault':
      return { kind: 'fault', reason: next.reason, instr };
    case 'unknown':
      return { kind: 'unknown', reason: next.reason, instr };
    default:
      break;
  }
  const t = chosen.state;
  try {
    // Memory first: a store the caller's ByteStore rejects (e.g. outside a FlatMemory) leaves the registers untouched.
    commit(t.mem, state.mem);
  } catch (e) {
    return { kind: 'fault', reason: `memory store rejected: ${e instanceof Error ? e.message : String(e)}`, instr };
  }
  for (let i = 0; i < 15; i++) state.r[i] = Number(t.r[i]!.v);
  state.n = t.n;
  state.z = t.z;
  state.c = t.c;
  state.v = t.v;
  const newPc =
    next.kind === 'pc' ? next.address : next.kind === 'call' ? next.target : Number(next.target.v);
  // Leaving the fall-through path ends an IT block (branches are last in one).
  const it = itAfter(instr, itState);
  return { kind: 'continue', pc: newPc >>> 0, itState: it, instr };
}

/** Run from `opts.start` until `stopAt(pc)` holds before an instruction, a UDF/fault/unknown, or `maxSteps` instructions. */
export function runThumb(state: ConcreteArmState, code: CodeImage, opts: { start: number; stopAt: (pc: number) => boolean; maxSteps: number }): RunOutcome {
  let pc = opts.start >>> 0;
  let it = 0;
  for (let steps = 0; ; steps++) {
    if (opts.stopAt(pc)) return { kind: 'stopped', pc, steps };
    if (steps >= opts.maxSteps) return { kind: 'step-limit', pc, steps };
    const o = stepOnce(state, code, pc, it);
    switch (o.kind) {
      case 'continue':
        pc = o.pc;
        it = o.itState;
        break;
      case 'udf':
        return { kind: 'udf', imm: o.imm, pc, steps };
      case 'fault':
        return { kind: 'fault', reason: o.reason, pc, steps };
      case 'unknown':
        return { kind: 'unknown', reason: o.reason, pc, steps };
    }
  }
}
