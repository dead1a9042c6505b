/**
 * The per-function code builder used by instruction selection: fresh
 * virtual registers and labels, operand-stack values (possibly still lazy:
 * a constant, or a comparison whose flags have not been computed yet), and
 * the helpers that turn them into registers or immediate operands.
 */
import type { AluOp, Cond, Label, Operand2 } from '../target/insn.ts';
import { thumbExpandImmEncode } from '../target/thumb.ts';
import type { FactValue } from '../../spec/abi/certificate.ts';
import { FIRST_VIRTUAL, usesDefs, type Implicit, type VInstr, type VReg } from './vcode.ts';

/** An operand-stack value. `cond` is an i32 boolean not materialised yet. */
export type Val =
  | { k: 'i32'; v: VReg }
  | { k: 'i64'; lo: VReg; hi: VReg }
  | { k: 'c32'; value: number }
  | { k: 'c64'; value: bigint }
  | {
      k: 'cond';
      /** Flag-setting instructions, emitted where the condition is consumed. */
      flags: VInstr[];
      /** The value is 1 iff `cond` holds after `flags`. */
      cond: Cond;
      /** When the condition is exactly `v == 0` (ifZero) or `v != 0`: lets branches use CBZ/CBNZ and materialisation go branch-free. */
      zero?: { v: VReg; ifZero: boolean };
    };

/** The registers an i32 or i64 value lives in (none for a constant or a condition). */
export function valRegs(v: Val): VReg[] {
  return v.k === 'i32' ? [v.v] : v.k === 'i64' ? [v.lo, v.hi] : [];
}

export const INVERSE: Record<Cond, Cond> = {
  eq: 'ne', ne: 'eq', hs: 'lo', lo: 'hs', mi: 'pl', pl: 'mi', vs: 'vc', vc: 'vs', hi: 'ls', ls: 'hi', ge: 'lt', lt: 'ge', gt: 'le', le: 'gt',
};
/** The condition that holds for (b, a) when `c` holds for (a, b). */
export const SWAPPED: Record<Cond, Cond> = {
  eq: 'eq', ne: 'ne', hs: 'ls', lo: 'hi', mi: 'mi', pl: 'pl', vs: 'vs', vc: 'vc', hi: 'lo', ls: 'hs', ge: 'le', lt: 'gt', gt: 'lt', le: 'ge',
};

export function isModImm(value: number): boolean {
  return thumbExpandImmEncode(value >>> 0) !== undefined;
}

export function i32(v: VReg): Val {
  return { k: 'i32', v };
}
export function i64(lo: VReg, hi: VReg): Val {
  return { k: 'i64', lo, hi };
}
export function c32(value: number): Val {
  return { k: 'c32', value: value | 0 };
}
export function c64(value: bigint): Val {
  return { k: 'c64', value: BigInt.asUintN(64, value) };
}
export function lo32(value: bigint): number {
  return Number(BigInt.asUintN(32, value)) | 0;
}
export function hi32(value: bigint): number {
  return Number(BigInt.asUintN(32, value >> 32n)) | 0;
}
export function reg<R>(rm: R): Operand2<R> {
  return { kind: 'reg', rm };
}
export function imm(value: number): Operand2<never> {
  return { kind: 'imm', value: value | 0 };
}

export class FnBuilder {
  readonly code: VInstr[] = [];
  readonly implicit = new Map<VInstr, Implicit>();
  readonly pairs = new Map<VReg, VReg>();
  nextVReg = FIRST_VIRTUAL;
  nextLabel = 0;
  private readonly traps = new Map<number, Label>();
  /**
   * Values reusable within straight-line code (the pages word, a bounds
   * check already made, an address sum): forgotten at every label and call,
   * so none lives across a cut point (the certificate does not describe
   * them) or a call's clobbers, and forgotten when a register it was
   * computed from is written (locals are registers written in place).
   */
  private readonly reuse = new Map<string, { v: VReg; deps: VReg[] }>();
  /**
   * Loop-invariant values (state symbol addresses, constants) defined once
   * at `hoistAt`, after the entry moves, and kept in a register for the
   * whole function; the certificate states each as a fact at every cut
   * point where it is live, and the validator proves it on every edge.
   */
  readonly facts = new Map<VReg, FactValue>();
  private readonly hoisted = new Map<string, VReg>();
  /** Where hoisted definitions go; undefined until the entry moves are emitted. */
  hoistAt: number | undefined;
  /** How many loops enclose the code being selected. */
  loopDepth = 0;

  v(): VReg {
    return this.nextVReg++;
  }
  pair(): { lo: VReg; hi: VReg } {
    const lo = this.v();
    const hi = this.v();
    this.pairs.set(lo, hi);
    return { lo, hi };
  }
  label(): Label {
    return this.nextLabel++;
  }
  emit(i: VInstr): VInstr {
    if (i.op === 'label' || i.op === 'bl' || i.op === 'blx') this.reuse.clear();
    else if (this.reuse.size > 0) {
      const defs = usesDefs(i).defs;
      if (defs.length > 0) for (const [k, e] of this.reuse) if (e.deps.some((d) => defs.includes(d))) this.reuse.delete(k);
    }
    this.code.push(i);
    return i;
  }
  /** The value `key` computed by `make` (from the registers `deps`) earlier in this straight-line stretch, else computed now. */
  reused(key: string, make: () => VReg, deps: VReg[] = []): VReg {
    let e = this.reuse.get(key);
    if (e === undefined) {
      e = { v: make(), deps };
      this.reuse.set(key, e);
    }
    return e.v;
  }
  /** The number remembered for `key` in this straight-line stretch (e.g. how far a bounds check reached). */
  recall(key: string): number | undefined {
    return this.reuse.get(key)?.v;
  }
  /** Remember `n` for `key`, a fact about the registers `deps`, for this straight-line stretch. */
  remember(key: string, deps: VReg[], n: number): void {
    this.reuse.set(key, { v: n, deps });
  }
  /** A register holding `value` for the whole function (see `facts`), or undefined before the entry moves. */
  hoist(value: FactValue): VReg | undefined {
    if (this.hoistAt === undefined) return undefined;
    const key = value.kind === 'const' ? `const ${value.value | 0}` : `symbol ${value.symbol}+${value.addend}`;
    let v = this.hoisted.get(key);
    if (v === undefined) {
      v = this.v();
      const def: VInstr = value.kind === 'const' ? { op: 'movConst', rd: v, value: value.value | 0 } : { op: 'addrOf', rd: v, symbol: value.symbol, addend: value.addend };
      this.code.splice(this.hoistAt++, 0, def);
      this.hoisted.set(key, v);
      this.facts.set(v, value.kind === 'const' ? { kind: 'const', value: value.value | 0 } : value);
    }
    return v;
  }
  /** Forget `key` (its value changed). */
  forget(key: string): void {
    this.reuse.delete(key);
  }
  place(label: Label): VInstr {
    return this.emit({ op: 'label', label });
  }
  /** The shared out-of-line `udf #code` block for one trap kind. */
  trap(code: number): Label {
    let l = this.traps.get(code);
    if (l === undefined) {
      l = this.label();
      this.traps.set(code, l);
    }
    return l;
  }
  emitTrapBlocks(): void {
    for (const [code, label] of [...this.traps].sort((a, b) => a[0] - b[0])) {
      this.place(label);
      this.emit({ op: 'udf', code });
    }
  }

  constInto(rd: VReg, value: number): void {
    this.emit({ op: 'movConst', rd, value: value | 0 });
  }
  konst(value: number): VReg {
    // A constant that takes MOVW+MOVT is made once per function when a loop needs it.
    if (this.loopDepth > 0 && costlyConst(value)) {
      const h = this.hoist({ kind: 'const', value });
      if (h !== undefined) return h;
    }
    const rd = this.v();
    this.constInto(rd, value);
    return rd;
  }
  mov(rd: VReg, rm: VReg): void {
    if (rd !== rm) this.emit({ op: 'mov', setFlags: false, rd, op2: reg(rm) });
  }

  /** An i32 value in a register (materialising constants and conditions). */
  r32(x: Val): VReg {
    switch (x.k) {
      case 'i32':
        return x.v;
      case 'c32':
        return this.konst(x.value);
      case 'cond': {
        const rd = this.v();
        this.condInto(rd, x);
        return rd;
      }
      default:
        throw new Error(`internal: i32 expected, got ${x.k}`);
    }
  }
  r64(x: Val): { lo: VReg; hi: VReg } {
    if (x.k === 'i64') return { lo: x.lo, hi: x.hi };
    if (x.k === 'c64') {
      const p = this.pair();
      this.constInto(p.lo, lo32(x.value));
      this.constInto(p.hi, hi32(x.value));
      return p;
    }
    throw new Error(`internal: i64 expected, got ${x.k}`);
  }

  /** Write a boolean condition as 0/1 into `rd`. */
  condInto(rd: VReg, c: Extract<Val, { k: 'cond' }>): void {
    if (c.zero) {
      for (const i of c.flags) this.emit(i);
      // clz(v) >> 5 is 1 iff v == 0: branch-free.
      this.emit({ op: 'clz', rd, rm: c.zero.v });
      this.emit({ op: 'mov', setFlags: false, rd, op2: { kind: 'reg', rm: rd, shift: { kind: 'lsr', amount: 5 } } });
      if (!c.zero.ifZero) this.emit({ op: 'alu', alu: 'eor', setFlags: false, rd, rn: rd, op2: imm(1) });
      return;
    }
    // rd = 0 before the flags are set (a MOV must not sit between the flags and the branch), then 1 on the taken side.
    this.constInto(rd, 0);
    for (const i of c.flags) this.emit(i);
    const skip = this.label();
    this.emit({ op: 'b', cond: INVERSE[c.cond], target: skip });
    this.constInto(rd, 1);
    this.place(skip);
  }

  /** Copy a value into the given destination registers. */
  assign(dst: Val, src: Val): void {
    if (dst.k === 'i32') {
      if (src.k === 'c32') this.constInto(dst.v, src.value);
      else if (src.k === 'cond') this.condInto(dst.v, src);
      else this.mov(dst.v, this.r32(src));
    } else if (dst.k === 'i64') {
      if (src.k === 'c64') {
        this.constInto(dst.lo, lo32(src.value));
        this.constInto(dst.hi, hi32(src.value));
      } else {
        const s = this.r64(src);
        this.mov(dst.lo, s.lo);
        this.mov(dst.hi, s.hi);
      }
    } else throw new Error(`internal: cannot assign into ${dst.k}`);
  }

  /**
   * Branch to `target` when the i32 value `x` is non-zero (`whenTrue`) or zero.
   * `forward` says whether CBZ/CBNZ may be used (they only branch forwards).
   */
  branchOn(x: Val, whenTrue: boolean, target: Label, forward: boolean): void {
    switch (x.k) {
      case 'c32':
        if ((x.value !== 0) === whenTrue) this.emit({ op: 'b', target });
        return;
      case 'cond': {
        if (x.zero && forward) {
          // v == 0 is the condition: branch on it with CBZ/CBNZ. The pure compares are not
          // needed, but instructions that compute v (e.g. the ORR of i64 halves) are.
          for (const i of x.flags) if (i.op !== 'cmp' && i.op !== 'cmn' && i.op !== 'tst' && i.op !== 'teq') this.emit(i);
          const branchIfZero = x.zero.ifZero === whenTrue;
          this.emit({ op: branchIfZero ? 'cbz' : 'cbnz', rn: x.zero.v, target });
          return;
        }
        for (const i of x.flags) this.emit(i);
        this.emit({ op: 'b', cond: whenTrue ? x.cond : INVERSE[x.cond], target });
        return;
      }
      case 'i32':
        if (forward) this.emit({ op: whenTrue ? 'cbnz' : 'cbz', rn: x.v, target });
        else {
          this.emit({ op: 'cmp', rn: x.v, op2: imm(0) });
          this.emit({ op: 'b', cond: whenTrue ? 'ne' : 'eq', target });
        }
        return;
      default:
        throw new Error(`internal: branch on ${x.k}`);
    }
  }

  /**
   * `rd = rn <op> x` choosing an immediate form when the constant fits
   * (add/sub of 0..4095 or a modified immediate, and/orr with the inverted
   * constant as bic/orn), else a register.
   */
  aluInto(rd: VReg, op: AluOp, rn: VReg, x: Val, setFlags = false): void {
    if (x.k === 'c32') {
      const c = x.value;
      const form = immForm(op, c, setFlags);
      if (form) {
        this.emit({ op: 'alu', alu: form.op, setFlags, rd, rn, op2: imm(form.value) });
        return;
      }
    }
    this.emit({ op: 'alu', alu: op, setFlags, rd, rn, op2: reg(this.r32(x)) });
  }
  alu(op: AluOp, rn: VReg, x: Val, setFlags = false): VReg {
    const rd = this.v();
    this.aluInto(rd, op, rn, x, setFlags);
    return rd;
  }
}

/** A constant that needs two instructions (MOVW+MOVT) to make: neither a (negated) modified immediate nor 16 bits. */
export function costlyConst(value: number): boolean {
  const v = value >>> 0;
  return v > 0xffff && !isModImm(v) && !isModImm(~v >>> 0);
}

/** The immediate form of `op rn, #c`, if one exists. */
export function immForm(op: AluOp, c: number, setFlags: boolean): { op: AluOp; value: number } | undefined {
  const small = (n: number) => !setFlags && n >= 0 && n <= 4095;
  switch (op) {
    case 'add':
    case 'sub': {
      const other: AluOp = op === 'add' ? 'sub' : 'add';
      if (isModImm(c) || small(c)) return { op, value: c };
      // Swapping add/sub changes the carry, so only without flags.
      if (!setFlags && c !== -0x80000000 && (isModImm(-c) || small(-c))) return { op: other, value: -c };
      return undefined;
    }
    case 'and':
      if (isModImm(c)) return { op, value: c };
      if (isModImm(~c)) return { op: 'bic', value: ~c };
      return undefined;
    case 'orr':
      if (isModImm(c)) return { op, value: c };
      if (isModImm(~c)) return { op: 'orn', value: ~c };
      return undefined;
    default:
      return isModImm(c) ? { op, value: c } : undefined;
  }
}
