/**
 * Virtual code: `MInstr<VReg>` plus what the allocator needs to know that the
 * instruction type does not say (implicit register uses/defs of calls and of
 * the function exit, i64 pairing, cut points).
 *
 * VReg numbering: 0..15 are the physical registers themselves ("precoloured":
 * used for AAPCS argument/result moves and call clobbers), 16 and up are
 * virtual. Two negative sentinels name frame bases resolved after allocation,
 * when the frame size is known.
 */
import type { Label, MInstr, Operand2, Address, PReg } from '../target/insn.ts';
import type { CutKind, FactValue } from '../../spec/abi/certificate.ts';

export type VReg = number;
export const FIRST_VIRTUAL = 16;
/** Base of the incoming stack parameters (SP at function entry, before the prologue). */
export const INCOMING_BASE: VReg = -1;
/** Base of the spill area (resolved to SP + outgoing-argument area). */
export const SPILL_BASE: VReg = -2;

export type VInstr = MInstr<VReg>;

/** Registers a call or the exit marker reads and writes besides its explicit operands. */
export interface Implicit {
  uses: PReg[];
  defs: PReg[];
}

/** Where a WASM value lives at a cut point, before allocation. */
export type VWord =
  | { kind: 'vreg'; v: VReg }
  | { kind: 'const'; value: number }
  /** An incoming stack parameter: byte offset from SP at function entry. */
  | { kind: 'incoming'; offset: number };
export type VValueLoc = { type: 'i32'; loc: VWord } | { type: 'i64'; lo: VWord; hi: VWord };

export interface VCutPoint {
  kind: CutKind;
  label: Label;
  wasm: { offset: number; position: 'before' | 'after' };
  locals: { index: number; loc: VValueLoc }[];
  stack: VValueLoc[];
}

export interface VFunction {
  index: number;
  name: string;
  instrs: VInstr[];
  implicit: Map<VInstr, Implicit>;
  /** Next free virtual register number. */
  nextVReg: number;
  /** lo -> hi for i64 values: a spilled pair shares one 8-byte slot. */
  pairs: Map<VReg, VReg>;
  /** The vregs holding the WASM params after the entry moves (for param frame-backing). */
  paramVRegs: VReg[];
  /** Bytes of outgoing stack arguments the frame must reserve at its bottom. */
  outgoingBytes: number;
  cutPoints: VCutPoint[];
  /** Registers defined once after the entry that hold a constant or a state symbol's address: a certificate fact wherever live. */
  facts: Map<VReg, FactValue>;
  /** Labels are numbered from 0 up to this bound. */
  nextLabel: number;
}

export function isVirtual(r: VReg): boolean {
  return r >= FIRST_VIRTUAL;
}

/** Physical registers the allocator reasons about (SP, PC and r12 never appear as allocatable). */
export function isTracked(r: VReg): boolean {
  return r >= FIRST_VIRTUAL || (r >= 0 && r <= 11) || r === 14;
}

/** A field of an instruction that holds registers: a register itself, or `op2`/`addr` with registers inside. */
type RegField = 'rd' | 'rn' | 'rm' | 'ra' | 'rt' | 'rt2' | 'base' | 'index' | 'rdLo' | 'rdHi' | 'op2' | 'addr';

const NONE = { uses: [], defs: [] } as const;
const UN = { uses: ['rm'], defs: ['rd'] } as const;
const BIN = { uses: ['rn', 'rm'], defs: ['rd'] } as const;
const TEST = { uses: ['rn', 'op2'], defs: [] } as const;

/**
 * Each op's register fields, read (uses) and written (defs): the one place they are listed, so that
 * liveness (`usesDefs`) and renaming (`mapRegs`) cannot disagree. Keyed by every op, so a new op must be listed.
 */
const REG_FIELDS: { readonly [O in MInstr<unknown>['op']]: { readonly uses: readonly RegField[]; readonly defs: readonly RegField[] } } = {
  alu: { uses: ['rn', 'op2'], defs: ['rd'] },
  mov: { uses: ['op2'], defs: ['rd'] },
  mvn: { uses: ['op2'], defs: ['rd'] },
  cmp: TEST, cmn: TEST, tst: TEST, teq: TEST,
  shiftReg: BIN,
  movw: { uses: [], defs: ['rd'] },
  movConst: { uses: [], defs: ['rd'] },
  addrOf: { uses: [], defs: ['rd'] },
  movt: { uses: ['rd'], defs: ['rd'] }, // keeps the low half
  mul: BIN, udiv: BIN, sdiv: BIN,
  mla: { uses: ['rn', 'rm', 'ra'], defs: ['rd'] },
  mls: { uses: ['rn', 'rm', 'ra'], defs: ['rd'] },
  umull: { uses: ['rn', 'rm'], defs: ['rdLo', 'rdHi'] },
  smull: { uses: ['rn', 'rm'], defs: ['rdLo', 'rdHi'] },
  clz: UN, rbit: UN, rev: UN, sxtb: UN, sxth: UN, uxtb: UN, uxth: UN,
  ldr: { uses: ['addr'], defs: ['rt'] },
  str: { uses: ['rt', 'addr'], defs: [] },
  ldrd: { uses: ['base'], defs: ['rt', 'rt2'] },
  strd: { uses: ['rt', 'rt2', 'base'], defs: [] },
  cbz: { uses: ['rn'], defs: [] },
  cbnz: { uses: ['rn'], defs: [] },
  tbb: { uses: ['index'], defs: [] },
  tbh: { uses: ['index'], defs: [] },
  bx: { uses: ['rm'], defs: [] },
  blx: { uses: ['rm'], defs: [] },
  push: NONE, pop: NONE, label: NONE, b: NONE, bl: NONE, udf: NONE, nop: NONE,
};

// The table's field names index the instruction; TypeScript cannot tie them to each op's shape.
type Fields<R> = Record<Exclude<RegField, 'op2' | 'addr'>, R> & { op2: Operand2<R>; addr: Address<R> };

function regsIn<R>(i: MInstr<R>, fields: readonly RegField[]): R[] {
  const v = i as unknown as Fields<R>;
  return fields.flatMap((f) => {
    if (f === 'op2') return v.op2.kind === 'reg' ? [v.op2.rm] : [];
    if (f === 'addr') return v.addr.kind === 'imm' ? [v.addr.base] : [v.addr.base, v.addr.index];
    return [v[f]];
  });
}

/** Explicit register uses and defs of an instruction. */
export function usesDefs<R>(i: MInstr<R>): { uses: R[]; defs: R[] } {
  const { uses, defs } = REG_FIELDS[i.op];
  return { uses: regsIn(i, uses), defs: regsIn(i, defs) };
}

function mapOp2<R, S>(o: Operand2<R>, f: (r: R) => S): Operand2<S> {
  if (o.kind === 'imm') return o;
  return o.shift ? { kind: 'reg', rm: f(o.rm), shift: o.shift } : { kind: 'reg', rm: f(o.rm) };
}
function mapAddr<R, S>(a: Address<R>, f: (r: R) => S): Address<S> {
  return a.kind === 'imm' ? { kind: 'imm', base: f(a.base), offset: a.offset } : { kind: 'reg', base: f(a.base), index: f(a.index), shift: a.shift };
}

/** Rename every register operand (uses and defs alike) through `f`. */
export function mapRegs<R, S>(i: MInstr<R>, f: (r: R) => S): MInstr<S> {
  const { uses, defs } = REG_FIELDS[i.op];
  if (uses.length + defs.length === 0) return i as MInstr<never>;
  const v = i as unknown as Fields<R>;
  const out: Record<string, unknown> = { ...i };
  for (const k of new Set([...uses, ...defs])) out[k] = k === 'op2' ? mapOp2(v.op2, f) : k === 'addr' ? mapAddr(v.addr, f) : f(v[k]);
  return out as unknown as MInstr<S>;
}

/** Labels an instruction may transfer control to, and whether it can fall through. */
export function successors<R>(i: MInstr<R>): { targets: Label[]; fallsThrough: boolean } {
  switch (i.op) {
    case 'b':
      return { targets: [i.target], fallsThrough: i.cond !== undefined };
    case 'cbz':
    case 'cbnz':
      return { targets: [i.target], fallsThrough: true };
    case 'tbb':
    case 'tbh':
      return { targets: i.targets, fallsThrough: false };
    case 'udf':
      return { targets: [], fallsThrough: false };
    case 'bx':
      return { targets: [], fallsThrough: false };
    default:
      return { targets: [], fallsThrough: true };
  }
}
