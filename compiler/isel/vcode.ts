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

function op2Uses<R>(o: Operand2<R>): R[] {
  return o.kind === 'reg' ? [o.rm] : [];
}
function addrUses<R>(a: Address<R>): R[] {
  return a.kind === 'imm' ? [a.base] : [a.base, a.index];
}

/** Explicit register uses and defs of an instruction. */
export function usesDefs<R>(i: MInstr<R>): { uses: R[]; defs: R[] } {
  switch (i.op) {
    case 'alu':
      return { uses: [i.rn, ...op2Uses(i.op2)], defs: [i.rd] };
    case 'mov':
    case 'mvn':
      return { uses: op2Uses(i.op2), defs: [i.rd] };
    case 'cmp':
    case 'cmn':
    case 'tst':
    case 'teq':
      return { uses: [i.rn, ...op2Uses(i.op2)], defs: [] };
    case 'shiftReg':
      return { uses: [i.rn, i.rm], defs: [i.rd] };
    case 'movw':
    case 'movConst':
    case 'addrOf':
      return { uses: [], defs: [i.rd] };
    case 'movt':
      return { uses: [i.rd], defs: [i.rd] };
    case 'mul':
    case 'udiv':
    case 'sdiv':
      return { uses: [i.rn, i.rm], defs: [i.rd] };
    case 'mla':
    case 'mls':
      return { uses: [i.rn, i.rm, i.ra], defs: [i.rd] };
    case 'umull':
    case 'smull':
      return { uses: [i.rn, i.rm], defs: [i.rdLo, i.rdHi] };
    case 'clz':
    case 'rbit':
    case 'rev':
    case 'sxtb':
    case 'sxth':
    case 'uxtb':
    case 'uxth':
      return { uses: [i.rm], defs: [i.rd] };
    case 'ldr':
      return { uses: addrUses(i.addr), defs: [i.rt] };
    case 'str':
      return { uses: [i.rt, ...addrUses(i.addr)], defs: [] };
    case 'ldrd':
      return { uses: [i.base], defs: [i.rt, i.rt2] };
    case 'strd':
      return { uses: [i.rt, i.rt2, i.base], defs: [] };
    case 'cbz':
    case 'cbnz':
      return { uses: [i.rn], defs: [] };
    case 'tbb':
    case 'tbh':
      return { uses: [i.index], defs: [] };
    case 'bx':
    case 'blx':
      return { uses: [i.rm], defs: [] };
    case 'push':
    case 'pop':
    case 'label':
    case 'b':
    case 'bl':
    case 'udf':
    case 'nop':
      return { uses: [], defs: [] };
  }
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
  switch (i.op) {
    case 'alu':
      return { ...i, rd: f(i.rd), rn: f(i.rn), op2: mapOp2(i.op2, f) };
    case 'mov':
    case 'mvn':
      return { ...i, rd: f(i.rd), op2: mapOp2(i.op2, f) };
    case 'cmp':
    case 'cmn':
    case 'tst':
    case 'teq':
      return { ...i, rn: f(i.rn), op2: mapOp2(i.op2, f) };
    case 'shiftReg':
      return { ...i, rd: f(i.rd), rn: f(i.rn), rm: f(i.rm) };
    case 'movw':
    case 'movt':
    case 'movConst':
    case 'addrOf':
      return { ...i, rd: f(i.rd) };
    case 'mul':
    case 'udiv':
    case 'sdiv':
      return { ...i, rd: f(i.rd), rn: f(i.rn), rm: f(i.rm) };
    case 'mla':
    case 'mls':
      return { ...i, rd: f(i.rd), rn: f(i.rn), rm: f(i.rm), ra: f(i.ra) };
    case 'umull':
    case 'smull':
      return { ...i, rdLo: f(i.rdLo), rdHi: f(i.rdHi), rn: f(i.rn), rm: f(i.rm) };
    case 'clz':
    case 'rbit':
    case 'rev':
    case 'sxtb':
    case 'sxth':
    case 'uxtb':
    case 'uxth':
      return { ...i, rd: f(i.rd), rm: f(i.rm) };
    case 'ldr':
      return { ...i, rt: f(i.rt), addr: mapAddr(i.addr, f) };
    case 'str':
      return { ...i, rt: f(i.rt), addr: mapAddr(i.addr, f) };
    case 'ldrd':
    case 'strd':
      return { ...i, rt: f(i.rt), rt2: f(i.rt2), base: f(i.base) };
    case 'cbz':
    case 'cbnz':
      return { ...i, rn: f(i.rn) };
    case 'tbb':
    case 'tbh':
      return { ...i, index: f(i.index) };
    case 'bx':
    case 'blx':
      return { ...i, rm: f(i.rm) };
    case 'push':
    case 'pop':
    case 'label':
    case 'b':
    case 'bl':
    case 'udf':
    case 'nop':
      return i;
  }
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
