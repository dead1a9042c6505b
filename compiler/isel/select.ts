/**
 * Instruction selection for one function: WASM AST -> MInstr<VReg>.
 *
 * Locals and operand-stack values are virtual registers (i64: a lo/hi pair).
 * `local.get` pushes the local's own register (no copy); a later
 * `local.set` of that local first copies any stack entry still naming it.
 * Constants and comparisons stay lazy on the stack so that consumers can use
 * immediates and compare-and-branch; a comparison is materialised unless its
 * very next consumer is a branch, `select` or `i32.eqz`.
 *
 * Every cut point (entry, loop header, block join, call return, exit) is
 * recorded with where each WASM local and stack slot lives; after register
 * allocation this becomes the certificate.
 */
import type { BlockType, Func, Instr, LoadOp, Module, NumericOp, StoreOp, ValType } from '../../spec/wasm/ast.ts';
import { paramLocations, resultLocations, type IntType, type ResultLocation } from '../../spec/abi/aapcs.ts';
import { TRAP_CODES } from '../../spec/abi/traps.ts';
import { stateSymbols, WASM_PAGE_BYTES } from '../../spec/abi/layout.ts';
import { opInfo } from '../../spec/wasm/opcodes.ts';
import { SP, type Address, type Label } from '../target/insn.ts';
import { FnBuilder, c32, c64, i32, i64, imm, isModImm, reg, valRegs, type Val } from './builder.ts';
import { CONSUMES_COND, selectRule } from './rules.ts';
import { INCOMING_BASE, type VCutPoint, type VFunction, type VReg, type VValueLoc, type VWord } from './vcode.ts';

/** A construct outside the supported subset, found while selecting. */
export class Unsupported extends Error {
  constructor(
    readonly offset: number,
    readonly feature: string,
  ) {
    super(feature);
  }
}

export interface IselEnv {
  module: Module;
  symbols: ReturnType<typeof stateSymbols>;
  /** The symbol a `call` to function `index` branches to. */
  callee(index: number): string;
  /** Pages of linear memory reserved: memory.grow fails beyond. */
  reservedPages: number;
  /** Each table's symbol and entry count, by table index (spec/abi/layout.ts `tableSymbol`). */
  tables: { symbol: string; size: number }[];
  /** The external symbol of each imported global, by global index (the importer defines it, see the C header). */
  importedGlobals: string[];
  /** The type id stored in table entries for a signature (equal signatures, equal ids). */
  typeId(typeIndex: number): number;
}

interface Ctl {
  kind: 'block' | 'loop' | 'if' | 'func';
  label: Label;
  /** Stack height below the construct's params. */
  height: number;
  /**
   * Registers that carry the values of a branch to `label` (loop: its params; otherwise its results). The
   * function's are the ABI result registers and its label is the exit cut point itself.
   */
  targets: Val[];
  results: IntType[];
  /** Some branch targets `label` (so it must be placed and is a join). */
  branched: boolean;
  offset: number;
}

const LOADS: Record<LoadOp, { size: 1 | 2 | 4 | 8; signed: boolean; to: IntType }> = {
  'i32.load': { size: 4, signed: false, to: 'i32' },
  'i64.load': { size: 8, signed: false, to: 'i64' },
  'i32.load8_s': { size: 1, signed: true, to: 'i32' },
  'i32.load8_u': { size: 1, signed: false, to: 'i32' },
  'i32.load16_s': { size: 2, signed: true, to: 'i32' },
  'i32.load16_u': { size: 2, signed: false, to: 'i32' },
  'i64.load8_s': { size: 1, signed: true, to: 'i64' },
  'i64.load8_u': { size: 1, signed: false, to: 'i64' },
  'i64.load16_s': { size: 2, signed: true, to: 'i64' },
  'i64.load16_u': { size: 2, signed: false, to: 'i64' },
  'i64.load32_s': { size: 4, signed: true, to: 'i64' },
  'i64.load32_u': { size: 4, signed: false, to: 'i64' },
};
/** The reuse key of the loaded pages word. */
const PAGES = 'pages';

const STORES: Record<StoreOp, { size: 1 | 2 | 4 | 8; from: IntType }> = {
  'i32.store': { size: 4, from: 'i32' },
  'i64.store': { size: 8, from: 'i64' },
  'i32.store8': { size: 1, from: 'i32' },
  'i32.store16': { size: 2, from: 'i32' },
  'i64.store8': { size: 1, from: 'i64' },
  'i64.store16': { size: 2, from: 'i64' },
  'i64.store32': { size: 4, from: 'i64' },
};

function physical(l: ResultLocation): Val {
  return l.kind === 'reg' ? i32(l.reg) : i64(l.lo, l.hi);
}

function resultValueLoc(l: ResultLocation): VValueLoc {
  return l.kind === 'reg' ? { type: 'i32', loc: { kind: 'vreg', v: l.reg } } : { type: 'i64', lo: { kind: 'vreg', v: l.lo }, hi: { kind: 'vreg', v: l.hi } };
}

export function intType(t: ValType, offset: number, what: string): IntType {
  if (t === 'i32' || t === 'i64') return t;
  const feature = t === 'f32' || t === 'f64' ? 'floating point' : t === 'v128' ? 'SIMD' : 'reference types';
  throw new Unsupported(offset, `${feature} (${t} ${what})`);
}

class Lowerer {
  readonly b = new FnBuilder();
  stack: Val[] = [];
  readonly ctls: Ctl[] = [];
  readonly locals: Val[] = [];
  readonly localTypes: IntType[] = [];
  readonly cutPoints: VCutPoint[] = [];
  paramVRegs: VReg[] = [];
  outgoing = 0;
  reachable = true;

  constructor(
    readonly env: IselEnv,
    readonly func: Func,
  ) {}

  fresh(t: IntType): Val {
    if (t === 'i32') return i32(this.b.v());
    const p = this.b.pair();
    return i64(p.lo, p.hi);
  }

  pop(): Val {
    const v = this.stack.pop();
    if (!v) throw new Error('internal: operand stack underflow (the module was validated)');
    return v;
  }
  popN(n: number): Val[] {
    return n === 0 ? [] : this.stack.splice(this.stack.length - n, n);
  }

  blockType(bt: BlockType, offset: number): { params: IntType[]; results: IntType[] } {
    switch (bt.kind) {
      case 'empty':
        return { params: [], results: [] };
      case 'value':
        return { params: [], results: [intType(bt.type, offset, 'block result')] };
      case 'typeidx': {
        const t = this.env.module.types[bt.index];
        if (!t) throw new Error(`internal: block type index ${bt.index} out of range`);
        return { params: t.params.map((p) => intType(p, offset, 'block param')), results: t.results.map((r) => intType(r, offset, 'block result')) };
      }
    }
  }

  // ---------- cut points ----------

  wordOf(v: VReg): VWord {
    return { kind: 'vreg', v };
  }
  locOf(x: Val): VValueLoc {
    switch (x.k) {
      case 'i32':
        return { type: 'i32', loc: this.wordOf(x.v) };
      case 'i64':
        return { type: 'i64', lo: this.wordOf(x.lo), hi: this.wordOf(x.hi) };
      case 'c32':
        return { type: 'i32', loc: { kind: 'const', value: x.value } };
      case 'c64':
        return { type: 'i64', lo: { kind: 'const', value: Number(x.value & 0xffffffffn) | 0 }, hi: { kind: 'const', value: Number(x.value >> 32n) | 0 } };
      case 'cond':
        throw new Error('internal: a condition reached a cut point unmaterialised');
    }
  }
  /**
   * Place a cut point here: a label whose implicit uses keep every stack
   * value alive at it (the certificate claims where they are).
   */
  cut(kind: VCutPoint['kind'], label: Label, wasm: VCutPoint['wasm'], top: VValueLoc[] = []): void {
    const stack = [...this.stack.map((x) => this.locOf(x)), ...top];
    const instr = this.b.place(label);
    const uses: VReg[] = [];
    for (const s of stack) {
      for (const w of s.type === 'i32' ? [s.loc] : [s.lo, s.hi]) if (w.kind === 'vreg') uses.push(w.v);
    }
    this.b.implicit.set(instr, { uses, defs: [] });
    const locals = this.locals.map((l, index) => ({ index, loc: this.locOf(l) }));
    this.cutPoints.push({ kind, label, wasm, locals, stack });
  }

  // ---------- values ----------

  /** Copy stack entries that still name local `index`'s registers, before the local changes. */
  detach(index: number): void {
    const regs = valRegs(this.locals[index]!);
    this.stack = this.stack.map((x) => {
      if (!valRegs(x).some((r) => regs.includes(r))) return x;
      const copy = this.fresh(x.k === 'i32' ? 'i32' : 'i64');
      this.b.assign(copy, x);
      return copy;
    });
  }

  /**
   * Before a structured block: copy stack entries that still name a local's
   * registers. A local written inside the block (on one arm only, or in a
   * loop) must not change what those entries, shared by every path through
   * the block, hold at its end.
   */
  detachAll(): void {
    this.locals.forEach((_, index) => this.detach(index));
  }

  /** Move `vals` into the branch-target registers `targets` as a parallel move. */
  moveTo(targets: Val[], vals: Val[]): void {
    const targetRegs = new Set(targets.flatMap(valRegs));
    const srcs = vals.map((v) => {
      if (!valRegs(v).some((r) => targetRegs.has(r))) return v;
      const tmp = this.fresh(v.k === 'i32' ? 'i32' : 'i64');
      this.b.assign(tmp, v);
      return tmp;
    });
    srcs.forEach((s, i) => this.b.assign(targets[i]!, s));
  }

  // ---------- the function ----------

  lowerFunction(): VFunction {
    const m = this.env.module;
    const type = m.types[this.func.typeIndex];
    if (!type) throw new Error(`internal: type index ${this.func.typeIndex} out of range`);
    const params = type.params.map((p) => intType(p, this.func.byteOffset, 'param'));
    const results = type.results.map((r) => intType(r, this.func.byteOffset, 'result'));
    const declared = this.func.locals.map((t) => intType(t, this.func.byteOffset, 'local'));
    const resultLocs = this.resultLocations(results, this.func.byteOffset);

    // Entry: the cut point sees the params where AAPCS puts them, declared locals as 0.
    const layout = paramLocations(params);
    const entryLabel = this.b.label();
    const entryLocals: VCutPoint['locals'] = [];
    layout.params.forEach((loc, index) => {
      if (loc.kind === 'reg') entryLocals.push({ index, loc: { type: 'i32', loc: { kind: 'vreg', v: loc.reg } } });
      else if (loc.kind === 'regPair') entryLocals.push({ index, loc: { type: 'i64', lo: { kind: 'vreg', v: loc.lo }, hi: { kind: 'vreg', v: loc.hi } } });
      else if (loc.size === 4) entryLocals.push({ index, loc: { type: 'i32', loc: { kind: 'incoming', offset: loc.offset } } });
      else entryLocals.push({ index, loc: { type: 'i64', lo: { kind: 'incoming', offset: loc.offset }, hi: { kind: 'incoming', offset: loc.offset + 4 } } });
    });
    declared.forEach((t, i) => {
      const index = params.length + i;
      entryLocals.push({ index, loc: t === 'i32' ? { type: 'i32', loc: { kind: 'const', value: 0 } } : { type: 'i64', lo: { kind: 'const', value: 0 }, hi: { kind: 'const', value: 0 } } });
    });
    this.b.place(entryLabel);
    this.cutPoints.push({ kind: 'entry', label: entryLabel, wasm: { offset: this.func.byteOffset, position: 'before' }, locals: entryLocals, stack: [] });

    layout.params.forEach((loc, i) => {
      const local = this.fresh(params[i]!);
      this.locals.push(local);
      this.localTypes.push(params[i]!);
      if (local.k === 'i32') this.paramVRegs.push(local.v);
      else if (local.k === 'i64') this.paramVRegs.push(local.lo, local.hi);
      const incoming = (rt: VReg, offset: number) => this.b.emit({ op: 'ldr', size: 4, signed: false, rt, addr: { kind: 'imm', base: INCOMING_BASE, offset } });
      if (loc.kind === 'reg') this.b.assign(local, i32(loc.reg));
      else if (loc.kind === 'regPair') this.b.assign(local, i64(loc.lo, loc.hi));
      else if (local.k === 'i32') incoming(local.v, loc.offset);
      else if (local.k === 'i64') {
        incoming(local.lo, loc.offset);
        incoming(local.hi, loc.offset + 4);
      }
    });
    for (const t of declared) {
      const local = this.fresh(t);
      this.locals.push(local);
      this.localTypes.push(t);
      this.b.assign(local, t === 'i32' ? c32(0) : c64(0n));
    }
    this.b.hoistAt = this.b.code.length;

    // `return` (and a branch to the body's depth) moves the results into their registers (spec/abi/aapcs.ts
    // `resultLocations`) and jumps to the exit cut point itself. Jumping to a label before the moves instead
    // could land on the address of a join cut placed just before them (`block .. end local.get n`): the
    // machine path would stop at that join while the WASM path runs to the exit, and the validator refutes.
    const fctl: Ctl = { kind: 'func', label: this.b.label(), height: 0, targets: resultLocs.map(physical), results, branched: false, offset: this.func.byteOffset };
    this.ctls.push(fctl);
    this.lowerBody(this.func.body);
    if (this.reachable) this.moveTo(fctl.targets, this.popN(results.length));
    if (this.reachable || fctl.branched) {
      this.stack = [];
      // The exit marker reads the result registers.
      this.cut('exit', fctl.label, { offset: this.func.byteOffset, position: 'after' }, resultLocs.map(resultValueLoc));
      const marker = this.b.emit({ op: 'nop' });
      this.b.implicit.set(marker, { uses: resultLocs.flatMap((l) => (l.kind === 'reg' ? [l.reg] : [l.lo, l.hi])), defs: [] });
    }
    this.b.emitTrapBlocks();
    return {
      index: this.func.index,
      name: this.env.module.funcNames.get(this.func.index) ?? `func${this.func.index}`,
      instrs: this.b.code,
      implicit: this.b.implicit,
      nextVReg: this.b.nextVReg,
      pairs: this.b.pairs,
      paramVRegs: this.paramVRegs,
      outgoingBytes: this.outgoing,
      cutPoints: this.cutPoints,
      facts: this.b.facts,
      nextLabel: this.b.nextLabel,
    };
  }

  lowerBody(body: Instr[]): void {
    for (const ins of body) {
      if (!this.reachable) return;
      this.lowerInstr(ins);
    }
  }

  /** Turn lazy conditions into registers, except the top one when `ins` consumes it directly. */
  settle(ins: Instr): void {
    const consumer = ins.op === 'br_if' || ins.op === 'if' || ins.op === 'select' || CONSUMES_COND.has(ins.op as NumericOp);
    for (let i = 0; i < this.stack.length; i++) {
      const x = this.stack[i]!;
      if (x.k === 'cond' && !(consumer && i === this.stack.length - 1)) this.stack[i] = i32(this.b.r32(x));
    }
  }

  lowerInstr(ins: Instr): void {
    this.settle(ins);
    const b = this.b;
    switch (ins.op) {
      case 'unsupported':
        throw new Unsupported(ins.offset, `${ins.feature} (${ins.name})`);
      case 'nop':
        return;
      case 'unreachable':
        b.emit({ op: 'udf', code: TRAP_CODES.unreachable });
        this.reachable = false;
        return;
      case 'drop':
        this.pop();
        return;
      case 'i32.const':
        this.stack.push(c32(ins.value));
        return;
      case 'i64.const':
        this.stack.push(c64(ins.value));
        return;
      case 'local.get': {
        this.stack.push(this.local(ins.index, ins.offset));
        return;
      }
      case 'local.set':
      case 'local.tee': {
        const x = this.pop();
        const l = this.local(ins.index, ins.offset);
        this.detach(ins.index);
        b.assign(l, x);
        if (ins.op === 'local.tee') this.stack.push(l);
        return;
      }
      case 'global.get':
      case 'global.set':
        this.global(ins.op, ins.index, ins.offset);
        return;
      case 'select': {
        const c = this.pop();
        const y = this.pop();
        const x = this.pop();
        if (c.k === 'c32') {
          this.stack.push(c.value !== 0 ? x : y);
          return;
        }
        const res = this.fresh(x.k === 'i64' || x.k === 'c64' ? 'i64' : 'i32');
        b.assign(res, x);
        const skip = b.label();
        b.branchOn(c, true, skip, true);
        b.assign(res, y);
        b.place(skip);
        this.stack.push(res);
        return;
      }
      case 'block': {
        const bt = this.blockType(ins.type, ins.offset);
        this.detachAll();
        const ctl: Ctl = { kind: 'block', label: b.label(), height: this.stack.length - bt.params.length, targets: bt.results.map((t) => this.fresh(t)), results: bt.results, branched: false, offset: ins.offset };
        this.ctls.push(ctl);
        this.lowerBody(ins.body);
        this.endBlock(ctl);
        return;
      }
      case 'loop': {
        const bt = this.blockType(ins.type, ins.offset);
        this.detachAll();
        const targets = bt.params.map((t) => this.fresh(t));
        this.moveTo(targets, this.popN(bt.params.length));
        const ctl: Ctl = { kind: 'loop', label: b.label(), height: this.stack.length, targets, results: bt.results, branched: false, offset: ins.offset };
        this.cut('loop', ctl.label, { offset: ins.offset, position: 'before' }); // the header: before the loop's body runs
        this.stack.push(...targets);
        this.ctls.push(ctl);
        b.loopDepth++;
        this.lowerBody(ins.body);
        b.loopDepth--;
        this.ctls.pop();
        return;
      }
      case 'if': {
        const bt = this.blockType(ins.type, ins.offset);
        const cond = this.pop();
        this.detachAll();
        const ctl: Ctl = { kind: 'if', label: b.label(), height: this.stack.length - bt.params.length, targets: bt.results.map((t) => this.fresh(t)), results: bt.results, branched: false, offset: ins.offset };
        this.ctls.push(ctl);
        if (ins.else.length === 0 && bt.results.length === 0 && bt.params.length === 0) {
          b.branchOn(cond, false, ctl.label, true);
          ctl.branched = true;
          this.lowerBody(ins.then);
          this.endBlock(ctl);
          return;
        }
        const elseLabel = b.label();
        b.branchOn(cond, false, elseLabel, true);
        const saved = this.stack.slice();
        this.lowerBody(ins.then);
        if (this.reachable) {
          this.moveTo(ctl.targets, this.popN(bt.results.length));
          b.emit({ op: 'b', target: ctl.label });
          ctl.branched = true;
        }
        b.place(elseLabel);
        this.stack = saved;
        this.reachable = true;
        this.lowerBody(ins.else);
        this.endBlock(ctl);
        return;
      }
      case 'br':
        this.branch(ins.depth);
        this.reachable = false;
        return;
      case 'return':
        this.branch(this.ctls.length - 1);
        this.reachable = false;
        return;
      case 'br_if': {
        const cond = this.pop();
        const ctl = this.target(ins.depth);
        const n = ctl.targets.length;
        if (n === 0) b.branchOn(cond, true, ctl.label, ctl.kind !== 'loop');
        else if (ctl.kind === 'loop' || ctl.kind === 'func') {
          // The loop's param registers still hold live stack values on the fall-through path, the result
          // registers r0-r3 params or call values: move only when taken.
          const skip = b.label();
          b.branchOn(cond, false, skip, true);
          this.moveTo(ctl.targets, this.stack.slice(this.stack.length - n));
          b.emit({ op: 'b', target: ctl.label });
          b.place(skip);
        } else {
          // A block's result registers are dead until its end: moving on both paths is harmless.
          this.moveTo(ctl.targets, this.stack.slice(this.stack.length - n));
          b.branchOn(cond, true, ctl.label, true);
        }
        if (ctl.kind !== 'loop') ctl.branched = true;
        return;
      }
      case 'br_table':
        this.brTable(ins.depths, ins.default);
        this.reachable = false;
        return;
      case 'call':
        this.call(ins.func, ins.offset);
        return;
      case 'call_indirect':
        this.callIndirect(ins.typeIndex, ins.table, ins.offset);
        return;
      case 'memory.size':
        this.stack.push(i32(this.pagesWord()));
        return;
      case 'memory.grow':
        this.memoryGrow();
        return;
      default:
        if (ins.op in LOADS) return this.load(ins.op as LoadOp, (ins as { memarg: { offset: number } }).memarg.offset, ins.offset);
        if (ins.op in STORES) return this.store(ins.op as StoreOp, (ins as { memarg: { offset: number } }).memarg.offset, ins.offset);
        return this.numeric(ins.op as NumericOp, ins.offset);
    }
  }

  local(index: number, offset: number): Val {
    const l = this.locals[index];
    if (!l) throw new Unsupported(offset, `local index ${index} out of range`);
    return l;
  }

  numeric(op: NumericOp, offset: number): void {
    const sig = opInfo(op)?.sig;
    if (!sig) throw new Error(`internal: ${op} has no signature in the opcode table`);
    const args = this.popN(sig.params.length);
    const rule = selectRule({ op, args });
    if (!rule) throw new Unsupported(offset, `instruction ${op} (no selection rule)`);
    this.stack.push(rule.lower(this.b, args));
  }

  target(depth: number): Ctl {
    const c = this.ctls[this.ctls.length - 1 - depth];
    if (!c) throw new Error(`internal: branch depth ${depth} out of range`);
    return c;
  }

  branch(depth: number): void {
    const ctl = this.target(depth);
    this.moveTo(ctl.targets, this.stack.slice(this.stack.length - ctl.targets.length));
    this.b.emit({ op: 'b', target: ctl.label });
    if (ctl.kind !== 'loop') ctl.branched = true;
  }

  endBlock(ctl: Ctl): void {
    this.ctls.pop();
    if (!ctl.branched) {
      // Only the fall-through reaches the end: the values are already on the stack.
      if (!this.reachable) this.stack.length = ctl.height;
      return;
    }
    if (this.reachable) this.moveTo(ctl.targets, this.popN(ctl.results.length));
    this.stack.length = ctl.height;
    // 'after' the block: its results are on the stack (the certificate lists them, top last).
    this.stack.push(...ctl.targets);
    this.cut('join', ctl.label, { offset: ctl.offset, position: 'after' });
    this.reachable = true;
  }

  brTable(depths: number[], dflt: number): void {
    const b = this.b;
    const idx = this.pop();
    if (idx.k === 'c32') {
      const d = (idx.value >>> 0) < depths.length ? depths[idx.value >>> 0]! : dflt;
      this.branch(d);
      return;
    }
    const x = b.r32(idx);
    // One landing pad per distinct target that needs moves or is a loop (TBH and the pads only jump forwards).
    const pads = new Map<number, Label>();
    const padFor = (d: number): Label => {
      const ctl = this.target(d);
      if (ctl.targets.length === 0 && ctl.kind !== 'loop') {
        ctl.branched = true;
        return ctl.label;
      }
      let l = pads.get(d);
      if (l === undefined) {
        l = b.label();
        pads.set(d, l);
      }
      return l;
    };
    const entries = depths.map(padFor);
    const dfl = padFor(dflt);
    if (entries.length <= 3) {
      entries.forEach((l, k) => {
        b.emit({ op: 'cmp', rn: x, op2: imm(k) });
        b.emit({ op: 'b', cond: 'eq', target: l });
      });
      b.emit({ op: 'b', target: dfl });
    } else {
      b.emit({ op: 'cmp', rn: x, op2: imm(entries.length) });
      b.emit({ op: 'b', cond: 'hs', target: dfl });
      b.emit({ op: 'tbh', index: x, targets: entries });
    }
    for (const [d, l] of [...pads].sort((p, q) => p[1] - q[1])) {
      b.place(l);
      this.branch(d);
    }
  }

  // ---------- calls ----------

  /** Move call arguments to their AAPCS places; returns the argument registers used. */
  passArgs(types: IntType[], args: Val[]): number[] {
    const layout = paramLocations(types);
    this.outgoing = Math.max(this.outgoing, layout.stackBytes);
    const used: number[] = [];
    // Stack arguments first (they need temporaries), then the fixed registers, as late as possible.
    layout.params.forEach((loc, i) => {
      if (loc.kind !== 'stack') return;
      const a = args[i]!;
      const words = types[i] === 'i32' ? [this.b.r32(a)] : (({ lo, hi }) => [lo, hi])(this.b.r64(a));
      words.forEach((rt, w) => this.b.emit({ op: 'str', size: 4, rt, addr: { kind: 'imm', base: SP, offset: loc.offset + 4 * w } }));
    });
    layout.params.forEach((loc, i) => {
      if (loc.kind === 'reg') {
        this.b.assign(i32(loc.reg), args[i]!);
        used.push(loc.reg);
      } else if (loc.kind === 'regPair') {
        this.b.assign(i64(loc.lo, loc.hi), args[i]!);
        used.push(loc.lo, loc.hi);
      }
    });
    return used;
  }

  /** Where results live (spec/abi/aapcs.ts); more than r0-r3 is unsupported. */
  resultLocations(results: IntType[], offset: number): ResultLocation[] {
    const r = resultLocations(results);
    if (!r.ok) throw new Unsupported(offset, r.reason);
    return r.locs;
  }

  afterCall(results: IntType[], offset: number): void {
    const locs = this.resultLocations(results, offset);
    this.cut('call-return', this.b.label(), { offset, position: 'after' }, locs.map(resultValueLoc));
    results.forEach((t, i) => {
      const r = this.fresh(t);
      this.b.assign(r, physical(locs[i]!));
      this.stack.push(r);
    });
  }

  signature(typeIndex: number, offset: number): { params: IntType[]; results: IntType[] } {
    const t = this.env.module.types[typeIndex];
    if (!t) throw new Error(`internal: type index ${typeIndex} out of range`);
    return { params: t.params.map((p) => intType(p, offset, 'call param')), results: t.results.map((r) => intType(r, offset, 'call result')) };
  }

  call(func: number, offset: number): void {
    const ti = this.env.module.funcTypeIndices[func];
    if (ti === undefined) throw new Error(`internal: call to function ${func} out of range`);
    const sig = this.signature(ti, offset);
    const args = this.popN(sig.params.length);
    const used = this.passArgs(sig.params, args);
    const bl = this.b.emit({ op: 'bl', symbol: this.env.callee(func) });
    this.b.implicit.set(bl, { uses: used, defs: [0, 1, 2, 3, 14] });
    this.afterCall(sig.results, offset);
  }

  callIndirect(typeIndex: number, table: number, offset: number): void {
    const t = this.env.tables[table];
    if (!t) throw new Error(`internal: call_indirect through table ${table}, which the module does not define`);
    const b = this.b;
    const sig = this.signature(typeIndex, offset);
    const idx = b.r32(this.pop());
    const args = this.popN(sig.params.length);
    // Bounds, null and signature checks, in the order WASM traps.
    b.emit({ op: 'cmp', rn: idx, op2: reg(b.konst(t.size)) });
    b.emit({ op: 'b', cond: 'hs', target: b.trap(TRAP_CODES['undefined element']) });
    const base = b.v();
    b.emit({ op: 'addrOf', rd: base, symbol: t.symbol, addend: 0 });
    const entry = b.v();
    b.emit({ op: 'alu', alu: 'add', setFlags: false, rd: entry, rn: base, op2: { kind: 'reg', rm: idx, shift: { kind: 'lsl', amount: 3 } } });
    const fn = b.v();
    b.emit({ op: 'ldr', size: 4, signed: false, rt: fn, addr: { kind: 'imm', base: entry, offset: 0 } });
    b.emit({ op: 'cmp', rn: fn, op2: imm(0) });
    b.emit({ op: 'b', cond: 'eq', target: b.trap(TRAP_CODES['uninitialized element']) });
    const ty = b.v();
    b.emit({ op: 'ldr', size: 4, signed: false, rt: ty, addr: { kind: 'imm', base: entry, offset: 4 } });
    b.aluInto(b.v(), 'sub', ty, c32(this.env.typeId(typeIndex)), true);
    b.emit({ op: 'b', cond: 'ne', target: b.trap(TRAP_CODES['indirect call type mismatch']) });
    const used = this.passArgs(sig.params, args);
    const blx = b.emit({ op: 'blx', rm: fn });
    b.implicit.set(blx, { uses: used, defs: [0, 1, 2, 3, 14] });
    this.afterCall(sig.results, offset);
  }

  // ---------- memory and globals ----------

  global(op: 'global.get' | 'global.set', index: number, offset: number): void {
    const m = this.env.module;
    const nImported = this.env.importedGlobals.length;
    const imported = m.imports.filter((i) => i.desc.kind === 'global')[index];
    const g = index < nImported ? undefined : m.globals[index - nImported];
    const type = imported?.desc.kind === 'global' ? imported.desc.type : g?.type;
    if (type === undefined) throw new Error(`internal: global ${index} out of range`);
    const t = intType(type, offset, 'global');
    const b = this.b;
    // An imported global is its own symbol; defined ones are 8-byte slots of the globals block.
    const base = index < nImported ? this.symbolAddr(this.env.importedGlobals[index]!) : this.symbolAddr(this.env.symbols.globals);
    const off = index < nImported ? 0 : (index - nImported) * 8;
    const at = (o: number): Address<VReg> => ({ kind: 'imm', base, offset: o });
    if (op === 'global.get') {
      const v = this.fresh(t);
      if (v.k === 'i32') b.emit({ op: 'ldr', size: 4, signed: false, rt: v.v, addr: at(off) });
      else if (v.k === 'i64') {
        b.emit({ op: 'ldr', size: 4, signed: false, rt: v.lo, addr: at(off) });
        b.emit({ op: 'ldr', size: 4, signed: false, rt: v.hi, addr: at(off + 4) });
      }
      this.stack.push(v);
    } else {
      const x = this.pop();
      if (t === 'i32') b.emit({ op: 'str', size: 4, rt: b.r32(x), addr: at(off) });
      else {
        const r = b.r64(x);
        b.emit({ op: 'str', size: 4, rt: r.lo, addr: at(off) });
        b.emit({ op: 'str', size: 4, rt: r.hi, addr: at(off + 4) });
      }
    }
  }

  /** The address of a symbol: a state symbol's is made once per function (a certificate fact), others reused within straight-line code. */
  symbolAddr(symbol: string): VReg {
    const state = (Object.values(this.env.symbols) as string[]).includes(symbol);
    const h = state ? this.b.hoist({ kind: 'symbol', symbol, addend: 0 }) : undefined;
    if (h !== undefined) return h;
    return this.b.reused(`addrOf ${symbol}`, () => {
      const rd = this.b.v();
      this.b.emit({ op: 'addrOf', rd, symbol, addend: 0 });
      return rd;
    });
  }

  /** The current size in pages (the pages word), reused within straight-line code until memory.grow stores it. */
  pagesWord(): VReg {
    return this.b.reused(PAGES, () => {
      const base = this.symbolAddr(this.env.symbols.memoryPages);
      const rt = this.b.v();
      this.b.emit({ op: 'ldr', size: 4, signed: false, rt, addr: { kind: 'imm', base, offset: 0 } });
      return rt;
    });
  }

  /** Linear memory's size in bytes when it cannot change: defined here, and memory.grow has no page to grow into. */
  fixedMemoryBytes(): number | undefined {
    const mem = this.env.module.memories[0];
    return mem && this.env.reservedPages === mem.min ? mem.min * WASM_PAGE_BYTES : undefined;
  }

  /**
   * Bounds-check an access of `size` bytes at `ea + offset` against the
   * current memory size, trapping with `udf #4`; returns the base register
   * and immediate offset of the access in linear memory. A check is skipped
   * when one reaching as far was made on the same address register earlier
   * in this straight-line stretch. With a fixed memory size the check is a
   * compare against a constant (none at all for a constant address), else
   * against the pages word x 64 KiB.
   */
  access(ea: Val, offset: number, size: number): { base: VReg; index?: VReg; offset: number } {
    const b = this.b;
    const oob = b.trap(TRAP_CODES['out of bounds memory access']);
    const fixed = this.fixedMemoryBytes();
    const limit = () => ({ kind: 'reg' as const, rm: this.pagesWord(), shift: { kind: 'lsl' as const, amount: 16 } });
    const k = offset + size; // up to 2^32 + 7
    if (ea.k === 'c32') {
      const end = (ea.value >>> 0) + k;
      if (end > (fixed ?? 0xffffffff)) b.emit({ op: 'b', target: oob });
      else if (fixed === undefined) {
        b.emit({ op: 'cmp', rn: b.konst(end | 0), op2: limit() });
        b.emit({ op: 'b', cond: 'hi', target: oob });
      }
      const mem = this.symbolAddr(this.env.symbols.memory);
      const at = ((ea.value >>> 0) + offset) | 0;
      if (at >= 0 && at < 4096) return { base: mem, offset: at };
      return { base: b.alu('add', mem, c32(at)), offset: 0 };
    }
    const a = b.r32(ea);
    const checked = `checked ${a}`;
    if ((b.recall(checked) ?? -1) < k) {
      if (k > (fixed ?? 0xffffffff)) b.emit({ op: 'b', target: oob });
      else if (fixed !== undefined) {
        // a + k <= size  <=>  a <= size - k (no wrap-around: both sides are below 2^32)
        const t = fixed - k;
        const rt = isModImm(t) ? undefined : b.loopDepth > 0 ? b.hoist({ kind: 'const', value: t }) : undefined;
        b.emit({ op: 'cmp', rn: a, op2: isModImm(t) ? imm(t) : reg(rt ?? b.konst(t)) });
        b.emit({ op: 'b', cond: 'hi', target: oob });
      } else {
        const end = b.alu('add', a, c32(k | 0), true);
        b.emit({ op: 'b', cond: 'hs', target: oob }); // carry: a + k wrapped past 2^32
        b.emit({ op: 'cmp', rn: end, op2: limit() });
        b.emit({ op: 'b', cond: 'hi', target: oob });
      }
      b.remember(checked, [a], k);
    }
    const mem = this.symbolAddr(this.env.symbols.memory);
    if (offset === 0) return { base: mem, index: a, offset: 0 };
    return { base: b.reused(`memory + ${a}`, () => b.alu('add', mem, i32(a)), [a]), offset: offset | 0 };
  }

  addr(at: { base: VReg; index?: VReg; offset: number }, extra: number): Address<VReg> {
    if (at.index !== undefined && extra === 0) return { kind: 'reg', base: at.base, index: at.index, shift: 0 };
    if (at.index !== undefined) throw new Error('internal: indexed address with a displacement');
    return { kind: 'imm', base: at.base, offset: at.offset + extra };
  }

  load(op: LoadOp, offset: number, _at: number): void {
    const b = this.b;
    const { size, signed, to } = LOADS[op];
    let at = this.access(this.pop(), offset, size);
    if (size === 8 && at.index !== undefined) at = { base: b.alu('add', at.base, i32(at.index)), offset: 0 };
    if (size === 8) {
      const v = b.pair();
      b.emit({ op: 'ldr', size: 4, signed: false, rt: v.lo, addr: this.addr(at, 0) });
      b.emit({ op: 'ldr', size: 4, signed: false, rt: v.hi, addr: this.addr(at, 4) });
      this.stack.push(i64(v.lo, v.hi));
      return;
    }
    const rt = b.v();
    b.emit({ op: 'ldr', size, signed: signed && size < 4, rt, addr: this.addr(at, 0) });
    if (to === 'i32') this.stack.push(i32(rt));
    else if (signed) {
      const hi = b.v();
      b.emit({ op: 'mov', setFlags: false, rd: hi, op2: { kind: 'reg', rm: rt, shift: { kind: 'asr', amount: 31 } } });
      this.stack.push(i64(rt, hi));
    } else this.stack.push(i64(rt, b.konst(0)));
  }

  store(op: StoreOp, offset: number, _at: number): void {
    const b = this.b;
    const { size, from } = STORES[op];
    const x = this.pop();
    const words = from === 'i32' ? [b.r32(x)] : (({ lo, hi }) => [lo, hi])(b.r64(x));
    let at = this.access(this.pop(), offset, size);
    if (size === 8 && at.index !== undefined) at = { base: b.alu('add', at.base, i32(at.index)), offset: 0 };
    if (size === 8) {
      b.emit({ op: 'str', size: 4, rt: words[0]!, addr: this.addr(at, 0) });
      b.emit({ op: 'str', size: 4, rt: words[1]!, addr: this.addr(at, 4) });
      return;
    }
    b.emit({ op: 'str', size: size as 1 | 2 | 4, rt: words[0]!, addr: this.addr(at, 0) });
  }

  /** memory.grow: succeeds (returning the old size) iff old + delta stays within the reserved pages; else -1. */
  memoryGrow(): void {
    const b = this.b;
    const delta = b.r32(this.pop());
    const pa = this.symbolAddr(this.env.symbols.memoryPages);
    const old = this.pagesWord();
    const res = b.v();
    const fail = b.label();
    const done = b.label();
    const n = b.v();
    b.emit({ op: 'alu', alu: 'add', setFlags: true, rd: n, rn: old, op2: reg(delta) });
    b.emit({ op: 'b', cond: 'hs', target: fail });
    b.emit({ op: 'cmp', rn: n, op2: reg(b.konst(this.env.reservedPages)) });
    b.emit({ op: 'b', cond: 'hi', target: fail });
    b.emit({ op: 'str', size: 4, rt: n, addr: { kind: 'imm', base: pa, offset: 0 } });
    b.forget(PAGES);
    b.mov(res, old);
    b.emit({ op: 'b', target: done });
    b.place(fail);
    b.constInto(res, -1);
    b.place(done);
    this.stack.push(i32(res));
  }
}

/** Select instructions for one defined function; throws `Unsupported` for constructs outside the subset. */
export function selectFunction(env: IselEnv, func: Func): VFunction {
  return new Lowerer(env, func).lowerFunction();
}
