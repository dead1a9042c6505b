/**
 * Symbolic execution of a short Thumb-2 sequence, stated independently of
 * the compiler as `ArmInstr` values, with spec/arm/semantics.ts `step` over
 * the Z3 algebra: every path from the first instruction to the end of the
 * sequence, to a `udf`, or to anything else (a fault, an unknown
 * instruction: never acceptable), with its path condition.
 *
 * Sequences are written with symbolic labels; every instruction is placed as
 * a 4-byte instruction (sizes only move addresses, never meaning, for the
 * instructions used here). Calls are resolved by a caller-supplied contract.
 */
import type { Z3Algebra, ZBool, ZBV, ZMem } from '../spec/bv/z3.ts';
import type { ArmInstr, ArmInstrBody, Cond, Reg } from '../spec/arm/ast.ts';
import { step, type ArmState } from '../spec/arm/semantics.ts';

export type State = ArmState<ZBV, ZBool, ZMem>;

/** An item of a sequence: an instruction, a label, or a branch to a label. */
export type Item =
  | ArmInstrBody
  | { label: string }
  | { br: Cond; to: string }
  | { cb: 'cbz' | 'cbnz'; rn: Reg; to: string }
  | { call: string };

export type Exit =
  | { kind: 'end' }
  | { kind: 'udf'; imm: number }
  | { kind: 'bad'; reason: string };

export interface Path {
  pc: ZBool;
  state: State;
  exit: Exit;
}

/** What a called routine does (its contract): the state after return, plus what must hold at the call. */
export type CallContract = (A: Z3Algebra, s: State, fresh: (name: string) => ZBV) => { state: State; requires: ZBool };

const BASE = 0x1000;
/**
 * Registers of a state: r0-r14, then 16..63 as the selector's virtual
 * registers (before allocation: the allocator is checked by the validator).
 * `step` treats any register other than SP (13) and PC (15) alike.
 */
export const REGS = 64;
/** The first virtual register. */
export const V = 16;
const CALLEE_BASE = 0x00800000;

/** A symbolic initial state: r0..r14, flags and memory all free. */
export function initialState(A: Z3Algebra, prefix = ''): State {
  return {
    r: Array.from({ length: REGS }, (_, i) => A.bvVar(i < 15 ? `${prefix}r${i}` : `${prefix}v${i}`, 32)),
    n: A.boolVar(`${prefix}N`),
    z: A.boolVar(`${prefix}Z`),
    c: A.boolVar(`${prefix}C`),
    v: A.boolVar(`${prefix}V`),
    mem: A.memVar(`${prefix}mem`),
  };
}

/** Run `items` from `s`; returns every path with its exit. `requires` collects the call preconditions (under their path conditions). */
export function run(A: Z3Algebra, items: readonly Item[], s: State, calls: Record<string, CallContract> = {}, maxSteps = 2000): { paths: Path[]; requires: ZBool[] } {
  const labels = new Map<string, number>();
  const callees = Object.keys(calls);
  let addr = BASE;
  for (const it of items) {
    if ('label' in it) labels.set(it.label, addr);
    else addr += 4;
  }
  const end = addr;
  const at = (l: string): number => {
    const a = labels.get(l);
    if (a === undefined) throw new Error(`proofs/arm-run: unknown label ${l}`);
    return a;
  };
  const code = new Map<number, ArmInstr>();
  addr = BASE;
  for (const it of items) {
    if ('label' in it) continue;
    let body: ArmInstrBody;
    if ('br' in it) body = { op: 'b', cond: it.br, target: at(it.to) };
    else if ('cb' in it) body = { op: it.cb, rn: it.rn, target: at(it.to) };
    else if ('call' in it) {
      const k = callees.indexOf(it.call);
      if (k < 0) throw new Error(`proofs/arm-run: no contract for ${it.call}`);
      body = { op: 'bl', target: CALLEE_BASE + 16 * k };
    } else body = it;
    code.set(addr, { ...body, size: 4 } as ArmInstr);
    addr += 4;
  }
  let fresh = 0;
  const paths: Path[] = [];
  const requires: ZBool[] = [];
  const work: { address: number; state: State; pc: ZBool; steps: number }[] = [{ address: BASE, state: s, pc: A.bool(true), steps: 0 }];
  while (work.length > 0) {
    const w = work.pop()!;
    if (w.address === end) {
      paths.push({ pc: w.pc, state: w.state, exit: { kind: 'end' } });
      continue;
    }
    const instr = code.get(w.address);
    if (!instr || w.steps > maxSteps) {
      paths.push({ pc: w.pc, state: w.state, exit: { kind: 'bad', reason: instr ? 'step limit' : `no instruction at 0x${w.address.toString(16)}` } });
      continue;
    }
    for (const succ of step(A, w.state, instr, w.address, 0)) {
      const pc = A.boolAnd(w.pc, succ.guard);
      const n = succ.next;
      switch (n.kind) {
        case 'pc':
          work.push({ address: n.address, state: succ.state, pc, steps: w.steps + 1 });
          break;
        case 'udf':
          paths.push({ pc, state: succ.state, exit: { kind: 'udf', imm: n.imm } });
          break;
        case 'call': {
          const name = callees[(n.target - CALLEE_BASE) / 16];
          if (name === undefined) {
            paths.push({ pc, state: succ.state, exit: { kind: 'bad', reason: `call to unknown 0x${n.target.toString(16)}` } });
            break;
          }
          const r = calls[name]!(A, succ.state, (nm) => A.bvVar(`${name}#${fresh++}.${nm}`, 32));
          requires.push(A.ctx.Implies(pc, r.requires));
          work.push({ address: n.returnAddress, state: r.state, pc, steps: w.steps + 1 });
          break;
        }
        default:
          paths.push({ pc, state: succ.state, exit: { kind: 'bad', reason: n.kind === 'fault' || n.kind === 'unknown' ? n.reason : n.kind } });
      }
    }
  }
  return { paths, requires };
}

// ---------- instruction constructors (always the 32-bit, explicit-flag forms) ----------

const lsl0 = { type: 'lsl', amount: 0 } as const;
type DpOpc = Extract<ArmInstrBody, { op: 'dp' }>['opc'];
type CmpOpc = Extract<ArmInstrBody, { op: 'cmp' }>['opc'];

/** rd = rn <opc> rm (no flags unless `s`). */
export const dp = (opc: DpOpc, rd: Reg, rn: Reg | null, rm: Reg, s = false): ArmInstrBody => ({ op: 'dp', opc, rd, rn, op2: { kind: 'reg', rm, shift: lsl0 }, setFlags: s ? 'always' : 'never' });
/** rd = rn <opc> #imm; `imm` must be a small value whose ThumbExpandImm leaves C unchanged. */
export const dpi = (opc: DpOpc, rd: Reg, rn: Reg | null, imm: number, s = false): ArmInstrBody => ({ op: 'dp', opc, rd, rn, op2: { kind: 'imm', value: imm >>> 0, carry: null }, setFlags: s ? 'always' : 'never' });
/** rd = rn <opc> (rm <shift> #amount). */
export const dps = (opc: DpOpc, rd: Reg, rn: Reg | null, rm: Reg, type: 'lsl' | 'lsr' | 'asr' | 'ror', amount: number, s = false): ArmInstrBody => ({
  op: 'dp',
  opc,
  rd,
  rn,
  op2: { kind: 'reg', rm, shift: type === 'lsl' || amount !== 0 ? { type, amount } : lsl0 },
  setFlags: s ? 'always' : 'never',
});
/** mov rd, rm <shift> #amount (amount 0: plain mov). */
export const movs = (rd: Reg, rm: Reg, type: 'lsl' | 'lsr' | 'asr' | 'ror', amount: number): ArmInstrBody => dps('mov', rd, null, rm, type, amount);
export const cmp = (opc: CmpOpc, rn: Reg, rm: Reg): ArmInstrBody => ({ op: 'cmp', opc, rn, op2: { kind: 'reg', rm, shift: lsl0 } });
/** CMP/CMN #imm; `imm` is the encoded constant (e.g. 0x80000000 for CMP rn, #INT_MIN). */
export const cmpi = (opc: CmpOpc, rn: Reg, imm: number): ArmInstrBody => ({ op: 'cmp', opc, rn, op2: { kind: 'imm', value: imm >>> 0, carry: null } });
export const shiftReg = (type: 'lsl' | 'lsr' | 'asr' | 'ror', rd: Reg, rn: Reg, rm: Reg): ArmInstrBody => ({ op: 'shiftReg', type, rd, rn, rm, setFlags: 'never' });
export const udf = (imm: number): ArmInstrBody => ({ op: 'udf', imm });
/** A 32-bit constant into rd: MOVW + MOVT. */
export const konst = (rd: Reg, value: number): ArmInstrBody[] => [
  { op: 'movw', rd, imm16: value & 0xffff },
  { op: 'movt', rd, imm16: (value >>> 16) & 0xffff },
];
/** Compiler condition names (compiler/target) to the spec's. */
export function specCond(c: string): Cond {
  return (c === 'hs' ? 'cs' : c === 'lo' ? 'cc' : c) as Cond;
}
