/**
 * The ARM side of a region: symbolic execution of the function's machine
 * code from one address, over every path (forking on the successor guards
 * of spec/arm/semantics.ts), to the next cut point, a return, a call, a
 * `udf` trap or a fault.
 *
 * Two things are resolved here rather than in the spec, both from the
 * object's relocations: a relocated MOVW/MOVT loads half of a symbolic
 * state-symbol address (the architectural effect of MOVW/MOVT with that
 * immediate), and a relocated BL names its callee. Any other relocation on
 * an executed instruction, any read of code memory (literal loads, ADR,
 * TBB/TBH) and any jump out of the function is refused: `unknown`.
 */
import type { ZBool, ZBV } from '../spec/bv/z3.ts';
import { addFacts, uniqueTerms, type RegionFacts, type SymMem, type VAlgebra } from './symmem.ts';
import { decodeThumb } from '../spec/arm/decode.ts';
import { formatInstr } from '../spec/arm/format.ts';
import { itAfter, inITBlock } from '../spec/arm/it.ts';
import { step, type ArmState } from '../spec/arm/semantics.ts';
import type { ElfRelocation, ElfSymbol } from './elf.ts';
import { hex, refuse } from './verdict.ts';
import { udivmod64Step, type RuntimeTrust } from './runtime.ts';

export type AState = ArmState<ZBV, ZBool, SymMem>;

export const R_ARM_ABS32 = 2;
export const R_ARM_THM_CALL = 10;
export const R_ARM_THM_MOVW_ABS_NC = 47;
export const R_ARM_THM_MOVT_ABS = 48;

export type AEnd =
  /** An address with one or more cut points (the WASM side's program point says which one is meant). */
  | { kind: 'cut'; indices: number[] }
  /** An indirect branch (BX, POP {pc}, LDR pc): the function's return; `target` has bit 0 cleared. */
  | { kind: 'return'; target: ZBV; at: number }
  | { kind: 'trap'; code: number; at: number }
  | { kind: 'fault'; reason: string; at: number }
  | { kind: 'call'; func: number; returnAddress: number; at: number }
  /** BLX to a register: the callee is whatever function `target` (bit 0 cleared) is the address of. */
  | { kind: 'indirectCall'; target: ZBV; returnAddress: number; at: number };

export interface APath {
  cond: ZBool[];
  state: AState;
  end: AEnd;
  /** Function-relative addresses executed. */
  trace: number[];
  /** Every byte the path stores, with SP after the storing instruction (for the stack discipline obligation). */
  stores: Store[];
  /** Preconditions of runtime calls on the path (runtime.ts): each must hold under the path condition. */
  pre: { name: string; p: ZBool }[];
  /** The region facts proved along the path (symmem.ts): terms of the path's state may rely on them. */
  facts: RegionFacts;
}

/**
 * Proves that the byte addresses `addrs`, accessed by the instruction at `at`, lie in one declared region
 * whenever the path conditions `cond` hold (with the region's premises): the region's name, or undefined
 * when it cannot (the accesses then stay region-less; nothing else depends on the answer).
 */
export type PlaceAccess = (cond: readonly ZBool[], addrs: readonly ZBV[], at: number, kind: 'load' | 'store') => Promise<string | undefined>;

export interface Store {
  addr: ZBV;
  sp: ZBV;
  at: number;
}

/** The byte stores `st` adds to `s` (memories only grow by appending writes). */
function newStores(s: AState, st: AState, at: number): Store[] {
  return st.mem.writes.slice(s.mem.writes.length).map((w) => {
    if (w.fill) return refuse({ kind: 'spec-error', detail: 'internal: an ARM instruction produced a zero fill' }, at);
    return { addr: w.addr, sp: st.r[13]!, at };
  });
}

export interface ArmEnv {
  A: VAlgebra;
  /** The `.text` section's bytes; addresses below are offsets in it. */
  text: Uint8Array;
  start: number;
  end: number;
  /** Relocations against `.text`, by offset. */
  relocs: Map<number, ElfRelocation>;
  /** The symbolic address of a state symbol (memory, globals, ...), or undefined if the symbol is not one. */
  stateSymbol(name: string): ZBV | undefined;
  /** The WASM function index a call to this symbol (relocated BL) or address (resolved BL) reaches. */
  calleeBySymbol(name: string): number | undefined;
  calleeByAddress(offset: number): number | undefined;
  /** Where data starting at section offset `at` ends: the next mapping symbol ($t/$d/$a) or the function's end. */
  dataEnd(at: number): number;
  /** Function-relative address -> the indices of the non-entry cut points there. */
  cutAt: Map<number, number[]>;
  /** For a BL to the runtime routine (by its symbol): whether its bytes are the proved ones; undefined for any other symbol. */
  runtimeBySymbol(sym: ElfSymbol): RuntimeTrust | undefined;
  /** Likewise for a resolved BL, by section offset. */
  runtimeByAddress(offset: number): RuntimeTrust | undefined;
  /** Set when a path takes a runtime call under its contract (the verdict names the lemma). */
  runtimeUsed: Set<string>;
}

const MAX_PATHS = 4096;
const MAX_STEPS = 200_000;

function relocatedIn(env: ArmEnv, at: number, size: number): boolean {
  for (let o = at - 3; o < at + size; o++) if (env.relocs.has(o)) return true;
  return false;
}

/** A literal-pool load: concrete bytes of the function, or an R_ARM_ABS32 word against a state symbol. */
function literal(env: ArmEnv, la: number, bytes: 1 | 2 | 4, signed: boolean, addr: number): ZBV {
  const { A } = env;
  if (la < env.start || la + bytes > env.end) refuse({ kind: 'arm-unsupported', detail: `literal at ${hex(la)} lies outside the function` }, addr);
  const word = (at: number) => env.text[at]! | (env.text[at + 1]! << 8) | (env.text[at + 2]! << 16) | (env.text[at + 3]! << 24);
  const r = env.relocs.get(la);
  if (r) {
    if (r.type !== R_ARM_ABS32 || bytes !== 4) refuse({ kind: 'relocation', detail: `literal relocated with type ${r.type}` }, addr);
    const base = env.stateSymbol(r.symbol.name);
    if (!base) refuse({ kind: 'relocation', detail: `literal relocated against ${r.symbol.name}, which is not a state symbol` }, addr);
    return A.add(base, A.bv(r.addend ?? word(la), 32));
  }
  if (relocatedIn(env, la, bytes)) refuse({ kind: 'relocation', detail: `literal at ${hex(la)} overlaps a relocation` }, addr);
  let v = 0n;
  for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(env.text[la + i]!);
  const w = A.bv(v, bytes * 8);
  return bytes === 4 ? w : signed ? A.sext(w, 32) : A.zext(w, 32);
}

/**
 * Run every path from function-relative address `from` with state `init` (ITSTATE 0). Memory accesses
 * whose region is not evident from the address are placed with `place` (a proof under the path so far),
 * so that later reads on the path pass over writes in other regions.
 */
export async function runArm(env: ArmEnv, from: number, init: AState, place: PlaceAccess): Promise<APath[]> {
  const { A } = env;
  const done: APath[] = [];
  const work: { addr: number; s: AState; it: number; cond: ZBool[]; trace: number[]; stores: Store[]; pre: APath['pre']; facts: RegionFacts }[] = [
    { addr: from, s: init, it: 0, cond: [], trace: [], stores: [], pre: [], facts: new Map() },
  ];
  let steps = 0;
  let runtimeCalls = 0;
  while (work.length > 0) {
    const w = work.pop()!;
    const { addr, s, it, cond, trace, stores, pre } = w;
    let facts = w.facts;
    const finish = (end: AEnd, c: ZBool[], st: AState, f: RegionFacts = facts) => {
      if (done.length >= MAX_PATHS) refuse({ kind: 'path-limit', detail: `more than ${MAX_PATHS} ARM paths in one region` });
      done.push({ cond: c, state: st, end, trace, stores: [...stores, ...newStores(s, st, addr)], pre, facts: f });
    };
    if (++steps > MAX_STEPS) refuse({ kind: 'path-limit', detail: `more than ${MAX_STEPS} ARM steps in one region` });
    if (trace.length > 0 && env.cutAt.has(addr)) {
      if (inITBlock(it)) refuse({ kind: 'certificate', detail: `cut point at ${hex(addr)} lies inside an IT block` }, addr);
      finish({ kind: 'cut', indices: env.cutAt.get(addr)! }, cond, s);
      continue;
    }
    if (trace.includes(addr)) refuse({ kind: 'no-cut-in-loop', side: 'arm', detail: `ARM path returns to ${hex(addr)} without passing a cut point` }, addr);
    const off = env.start + addr;
    if (addr < 0 || off >= env.end) refuse({ kind: 'arm-unsupported', detail: `control leaves the function's code (to ${hex(addr)})` }, addr);
    const d = decodeThumb(env.text.subarray(0, env.end), off, off);
    if (d.kind === 'unknown') refuse({ kind: 'decode', detail: d.reason }, addr);
    const instr = d.instr;
    const nextTrace = [...trace, addr];
    const push = (to: number, st: AState, c: ZBool[], f: RegionFacts = facts) =>
      work.push({ addr: to, s: st, it: itAfter(instr, it), cond: c, trace: nextTrace, stores: [...stores, ...newStores(s, st, addr)], pre, facts: f });
    /** A call to the runtime routine: one step under its contract (runtime.ts), then on at the return address. */
    const runtimeCall = (trust: RuntimeTrust, returnAddress: number, c: ZBool[]) => {
      const name = trust.name;
      if (!trust.ok) refuse({ kind: 'arm-unsupported', detail: `BL to ${name}: ${trust.reason}` }, addr);
      if (inITBlock(it)) refuse({ kind: 'arm-unsupported', detail: `BL to ${name} inside an IT block` }, addr);
      const r = udivmod64Step(A, s, `udivmod64@${hex(addr)}#${runtimeCalls++}`);
      env.runtimeUsed.add('udivmod64');
      // The routine's own frame writes are its contract's, not stores of this function: not in `stores`.
      work.push({ addr: returnAddress, s: r.state, it: 0, cond: c, trace: nextTrace, stores, pre: [...pre, { name: `${name}@${hex(addr)}: divisor r3:r2 != 0`, p: r.pre }], facts });
    };

    // Relocations on this instruction.
    let reloc: ElfRelocation | undefined;
    for (let o = off; o < off + d.size; o++) {
      const r = env.relocs.get(o);
      if (r && o !== off) refuse({ kind: 'relocation', detail: `relocation type ${r.type} against ${r.symbol.name} inside an instruction` }, addr);
      if (r) reloc = r;
    }
    if (instr.op === 'adr') refuse({ kind: 'arm-unsupported', detail: 'adr (addresses code memory)' }, addr);

    // Code memory is the object's bytes: literal loads and table branches read them concretely.
    if (instr.op === 'ldr' && instr.addr.kind === 'lit') {
      if (inITBlock(it)) refuse({ kind: 'arm-unsupported', detail: 'literal load inside an IT block' }, addr);
      if (instr.rt === 13 || instr.rt === 15) refuse({ kind: 'arm-unsupported', detail: `literal load into ${instr.rt === 13 ? 'sp' : 'pc'}` }, addr);
      const value = literal(env, instr.addr.address, instr.bytes, instr.signed, addr);
      const r = s.r.slice();
      r[instr.rt] = value;
      push(addr + d.size, { ...s, r }, cond);
      continue;
    }
    if (instr.op === 'tbb' || instr.op === 'tbh') {
      if (instr.rn !== 15) refuse({ kind: 'arm-unsupported', detail: `${instr.op} with a table not at pc` }, addr);
      if (inITBlock(it)) refuse({ kind: 'arm-unsupported', detail: `${instr.op} inside an IT block` }, addr);
      const size = instr.op === 'tbb' ? 1 : 2;
      const table = off + 4;
      const limit = env.dataEnd(table);
      const n = Math.floor((limit - table) / size);
      const index = s.r[instr.rm]!;
      for (let i = 0; i < n; i++) {
        const at = table + i * size;
        if (relocatedIn(env, at, size)) refuse({ kind: 'relocation', detail: `relocation inside the ${instr.op} table` }, addr);
        const entry = size === 1 ? env.text[at]! : env.text[at]! | (env.text[at + 1]! << 8);
        push(off + 4 + 2 * entry - env.start, s, [...cond, A.eq(index, A.bv(i, 32))]);
      }
      // An index past the table reads bytes the validator does not model: it must be impossible.
      finish({ kind: 'fault', reason: `${instr.op} index past its ${n}-entry table`, at: addr }, [...cond, A.boolNot(A.ult(index, A.bv(n, 32)))], s);
      continue;
    }

    if (reloc) {
      if ((instr.op === 'movw' && reloc.type === R_ARM_THM_MOVW_ABS_NC) || (instr.op === 'movt' && reloc.type === R_ARM_THM_MOVT_ABS)) {
        if (inITBlock(it)) refuse({ kind: 'relocation', detail: `relocated ${instr.op} inside an IT block` }, addr);
        if (instr.rd === 13 || instr.rd === 15) refuse({ kind: 'relocation', detail: `relocated ${instr.op} writes ${instr.rd === 13 ? 'sp' : 'pc'}` }, addr);
        const base = env.stateSymbol(reloc.symbol.name);
        if (!base) refuse({ kind: 'relocation', detail: `${instr.op} relocated against ${reloc.symbol.name}, which is not a state symbol` }, addr);
        const addend = reloc.addend ?? (instr.imm16 << 16) >> 16;
        const value = A.add(base, A.bv(addend, 32));
        const r = s.r.slice();
        r[instr.rd] = instr.op === 'movw' ? A.zext(A.extract(value, 15, 0), 32) : A.concat(A.extract(value, 31, 16), A.extract(s.r[instr.rd]!, 15, 0));
        push(addr + d.size, { ...s, r }, cond);
        continue;
      }
      if (instr.op === 'bl' && reloc.type === R_ARM_THM_CALL) {
        if (inITBlock(it)) refuse({ kind: 'relocation', detail: 'relocated BL inside an IT block' }, addr);
        // REL: the in-place addend is the BL offset; only the standard -4 (target = S) is a call to S itself.
        if (instr.target - (off + 4) !== -4) refuse({ kind: 'relocation', detail: `BL to ${reloc.symbol.name} with addend ${instr.target - (off + 4)} (only -4, a call to the symbol itself, is modelled)` }, addr);
        const trust = env.runtimeBySymbol(reloc.symbol);
        if (trust) {
          runtimeCall(trust, addr + d.size, cond);
          continue;
        }
        const func = env.calleeBySymbol(reloc.symbol.name);
        if (func === undefined) refuse({ kind: 'relocation', detail: `BL to ${reloc.symbol.name}, which is no known function` }, addr);
        const succ = step(A, s, instr, off, it);
        if (succ.length !== 1) refuse({ kind: 'spec-error', detail: 'BL has more than one successor' }, addr);
        finish({ kind: 'call', func, returnAddress: addr + d.size, at: addr }, cond, succ[0]!.state);
        continue;
      }
      refuse({ kind: 'relocation', detail: `relocation type ${reloc.type} against ${reloc.symbol.name} on ${formatInstr(instr)}` }, addr);
    }

    // A load whose region a fact would give: place it and step again (the step is a pure function).
    let run = A.withRegionFacts(facts, () => step(A, s, instr, off, it));
    const reads = uniqueTerms(run.unplaced);
    if (reads.length > 0) {
      const region = await place(cond, reads, addr, 'load');
      if (region !== undefined) {
        facts = addFacts(facts, reads, region);
        run = A.withRegionFacts(facts, () => step(A, s, instr, off, it));
      }
    }
    for (const x of run.value) {
      const c = [...cond, x.guard];
      // A store whose region is not evident: place it under this successor's guard, for the reads after it.
      let f = facts;
      const written = uniqueTerms(x.state.mem.writes.slice(s.mem.writes.length).flatMap((wr) => (wr.fill || A.regionOf(wr.addr, facts) !== undefined ? [] : [wr.addr])));
      if (written.length > 0) {
        const region = await place(c, written, addr, 'store');
        if (region !== undefined) f = addFacts(facts, written, region);
      }
      switch (x.next.kind) {
        case 'pc':
          push(x.next.address - env.start, x.state, c, f);
          break;
        case 'indirect':
          finish({ kind: 'return', target: x.next.target, at: addr }, c, x.state, f);
          break;
        case 'call': {
          const trust = env.runtimeByAddress(x.next.target);
          if (trust) {
            runtimeCall(trust, x.next.returnAddress - env.start, c);
            break;
          }
          const func = env.calleeByAddress(x.next.target);
          if (func === undefined) refuse({ kind: 'arm-unsupported', detail: `BL to ${hex(x.next.target)}, which is no function` }, addr);
          finish({ kind: 'call', func, returnAddress: x.next.returnAddress - env.start, at: addr }, c, x.state, f);
          break;
        }
        case 'indirectCall':
          finish({ kind: 'indirectCall', target: x.next.target, returnAddress: x.next.returnAddress - env.start, at: addr }, c, x.state, f);
          break;
        case 'udf':
          finish({ kind: 'trap', code: x.next.imm, at: addr }, c, x.state, f);
          break;
        case 'fault':
          finish({ kind: 'fault', reason: x.next.reason, at: addr }, c, x.state, f);
          break;
        case 'unknown':
          refuse({ kind: 'arm-unsupported', detail: `${formatInstr(instr)}: ${x.next.reason}` }, addr);
      }
    }
  }
  return done;
}
