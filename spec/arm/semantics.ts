/**
 * The semantics of every modelled Thumb-2 instruction, written once over the
 * bit-vector algebra (concrete for the interpreter, Z3 for the validator),
 * after the ARMv7-M ARM pseudocode.
 *
 * `step` returns successors whose guards are disjoint and cover all cases.
 * Conditional execution (Bcc, CBZ/CBNZ, IT blocks) and run-time faults
 * (misaligned LDRD/STRD/LDM/STM, interworking to an even address) are
 * expressed as guards, never as TypeScript branches on a condition `P`.
 * ITSTATE is a concrete number: it follows from the instruction stream.
 *
 * Modelling decisions (Cortex-M4, as QEMU's mps2-an386 implements it):
 * - reading PC gives the instruction address + 4 (Align(PC, 4) for literal
 *   addressing is resolved by the decoder);
 * - writes to SP clear bits [1:0] (M-profile SP is word aligned);
 * - SDIV/UDIV by zero give 0 (CCR.DIV_0_TRP off);
 * - unaligned LDR/LDRH/STR/STRH are allowed, unaligned LDRD/STRD/LDM/STM
 *   (incl. PUSH/POP) fault;
 * - BX/BLX/POP {pc}/LDR pc to an address with bit 0 clear fault (INVSTATE).
 */
import type { Algebra } from '../bv/algebra.ts';
import { bit, bitReverse, byteReverse, clz, loadLE, storeLE } from '../bv/derived.ts';
import { LR, PC, SP, type Address, type ArmInstr, type Cond, type ImmShift, type Operand2, type Reg, type SetFlags, type ShiftOp } from './ast.ts';
import { inITBlock, itCond, lastInITBlock } from './it.ts';

export interface ArmState<B, P, M> {
  /** r0..r14, 32-bit each. PC is not state: instructions run at known addresses. */
  r: B[];
  n: P;
  z: P;
  c: P;
  v: P;
  mem: M;
}

/** Where execution goes after one instruction. `indirect`/`indirectCall` targets are the new PC with bit 0 already cleared (and checked). */
export type Next<B> =
  | { kind: 'pc'; address: number }
  | { kind: 'indirect'; target: B }
  | { kind: 'call'; target: number; returnAddress: number }
  | { kind: 'indirectCall'; target: B; returnAddress: number }
  | { kind: 'udf'; imm: number }
  | { kind: 'fault'; reason: string }
  /** UNPREDICTABLE in this context (e.g. IT-block restrictions): the spec gives no meaning. */
  | { kind: 'unknown'; reason: string };

export interface Successor<B, P, M> {
  guard: P;
  state: ArmState<B, P, M>;
  next: Next<B>;
}

/** ConditionPassed for a condition code over the flags. */
export function condHolds<B, P, M>(A: Algebra<B, P, M>, s: ArmState<B, P, M>, cond: Cond): P {
  switch (cond) {
    case 'eq':
      return s.z;
    case 'ne':
      return A.boolNot(s.z);
    case 'cs':
      return s.c;
    case 'cc':
      return A.boolNot(s.c);
    case 'mi':
      return s.n;
    case 'pl':
      return A.boolNot(s.n);
    case 'vs':
      return s.v;
    case 'vc':
      return A.boolNot(s.v);
    case 'hi':
      return A.boolAnd(s.c, A.boolNot(s.z));
    case 'ls':
      return A.boolOr(A.boolNot(s.c), s.z);
    case 'ge':
      return A.boolEq(s.n, s.v);
    case 'lt':
      return A.boolNot(A.boolEq(s.n, s.v));
    case 'gt':
      return A.boolAnd(A.boolNot(s.z), A.boolEq(s.n, s.v));
    case 'le':
      return A.boolOr(s.z, A.boolNot(A.boolEq(s.n, s.v)));
    case 'al':
      return A.bool(true);
  }
}

/** AddWithCarry(x, y, carry_in): result, carry out, signed overflow. */
export function addWithCarry<B, P, M>(A: Algebra<B, P, M>, x: B, y: B, carryIn: P): { result: B; c: P; v: P } {
  const sum = A.add(A.add(A.zext(x, 33), A.zext(y, 33)), A.ite(carryIn, A.bv(1, 33), A.bv(0, 33)));
  const result = A.extract(sum, 31, 0);
  const sx = bit(A, x, 31);
  return { result, c: bit(A, sum, 32), v: A.boolAnd(A.boolEq(sx, bit(A, y, 31)), A.boolNot(A.boolEq(bit(A, result, 31), sx))) };
}

/** Shift_C by a decoded immediate shift. */
export function shiftImmC<B, P, M>(A: Algebra<B, P, M>, x: B, shift: ImmShift, carryIn: P): { result: B; carry: P } {
  const k = (n: number): B => A.bv(n, 32);
  switch (shift.type) {
    case 'rrx':
      return { result: A.concat(A.ite(carryIn, A.bv(1, 1), A.bv(0, 1)), A.extract(x, 31, 1)), carry: bit(A, x, 0) };
    case 'lsl':
      if (shift.amount === 0) return { result: x, carry: carryIn };
      return { result: A.shl(x, k(shift.amount)), carry: bit(A, x, 32 - shift.amount) };
    case 'lsr':
      return { result: A.lshr(x, k(shift.amount)), carry: bit(A, x, shift.amount - 1) };
    case 'asr':
      return { result: A.ashr(x, k(shift.amount)), carry: bit(A, x, shift.amount - 1) };
    case 'ror': {
      const result = A.or(A.lshr(x, k(shift.amount)), A.shl(x, k(32 - shift.amount)));
      return { result, carry: bit(A, result, 31) };
    }
  }
}

/** Shift_C by a register: the amount is Rm<7:0> (0..255); amounts >= 32 saturate as the architecture says. */
export function shiftRegC<B, P, M>(A: Algebra<B, P, M>, x: B, type: ShiftOp, rm: B, carryIn: P): { result: B; carry: P } {
  const amount = A.zext(A.extract(rm, 7, 0), 32);
  const zero = A.eq(amount, A.bv(0, 32));
  const minus1 = A.sub(amount, A.bv(1, 32));
  switch (type) {
    case 'lsl':
      // For amount > 32, x << (amount - 1) is already 0, so the carry is 0.
      return { result: A.shl(x, amount), carry: A.boolIte(zero, carryIn, bit(A, A.shl(x, minus1), 31)) };
    case 'lsr':
      return { result: A.lshr(x, amount), carry: A.boolIte(zero, carryIn, bit(A, A.lshr(x, minus1), 0)) };
    case 'asr':
      return { result: A.ashr(x, amount), carry: A.boolIte(zero, carryIn, bit(A, A.ashr(x, minus1), 0)) };
    case 'ror': {
      const k = A.and(amount, A.bv(31, 32));
      const result = A.or(A.lshr(x, k), A.shl(x, A.sub(A.bv(32, 32), k)));
      // ROR by a nonzero multiple of 32 leaves x and sets C to x<31>.
      return { result, carry: A.boolIte(zero, carryIn, bit(A, result, 31)) };
    }
  }
}

/** ThumbExpandImm / Shift_C of the second operand: its value and the shifter carry out. */
function operand2<B, P, M>(A: Algebra<B, P, M>, s: ArmState<B, P, M>, read: (r: Reg) => B, o: Operand2): { value: B; carry: P } {
  if (o.kind === 'imm') return { value: A.bv(o.value, 32), carry: o.carry === null ? s.c : A.bool(o.carry) };
  const { result, carry } = shiftImmC(A, read(o.rm), o.shift, s.c);
  return { value: result, carry };
}

/** Instructions that may write memory: never merged under an IT condition (memory has no ite). */
function writesMemory(instr: ArmInstr): boolean {
  return instr.op === 'str' || instr.op === 'strd' || instr.op === 'stm';
}

/** Instructions that change the flow of control (must be outside an IT block or last in it). */
function isBranch(instr: ArmInstr): boolean {
  switch (instr.op) {
    case 'b':
    case 'bl':
    case 'bx':
    case 'blx':
    case 'tbb':
    case 'tbh':
    case 'cbz':
    case 'cbnz':
      return true;
    case 'ldr':
      return instr.rt === PC;
    case 'ldm':
      return instr.regs.includes(PC);
    default:
      return false;
  }
}

/**
 * Execute `instr` at `address` under ITSTATE `itState` (0 outside an IT
 * block). The caller advances ITSTATE with `itAfter` (it.ts).
 */
export function step<B, P, M>(A: Algebra<B, P, M>, s: ArmState<B, P, M>, instr: ArmInstr, address: number, itState = 0): Successor<B, P, M>[] {
  const fallthrough = (address + instr.size) >>> 0;
  const unknown = (reason: string): Successor<B, P, M>[] => [{ guard: A.bool(true), state: s, next: { kind: 'unknown', reason } }];
  const inIT = inITBlock(itState);
  if (inIT) {
    if (instr.op === 'it') return unknown('UNPREDICTABLE: IT inside an IT block');
    if (instr.op === 'cbz' || instr.op === 'cbnz') return unknown('UNPREDICTABLE: CBZ/CBNZ inside an IT block');
    if (instr.op === 'b' && instr.cond !== 'al') return unknown('UNPREDICTABLE: conditional branch encoding inside an IT block');
    if (isBranch(instr) && !lastInITBlock(itState)) return unknown('UNPREDICTABLE: branch not last in an IT block');
    if (instr.op === 'dp' && instr.opc === 'mov' && instr.size === 2 && instr.setFlags === 'always') return unknown('UNPREDICTABLE: MOVS (register) T2 inside an IT block');
  }
  const cond: Cond = inIT ? itCond(itState)! : instr.op === 'b' ? instr.cond : 'al';
  const executed = execute(A, s, instr, address, inIT);
  if (cond === 'al') return executed;
  const passed = condHolds(A, s, cond);
  const only = executed.length === 1 ? executed[0]! : undefined;
  if (only !== undefined && only.next.kind === 'pc' && only.next.address === fallthrough && !writesMemory(instr)) {
    // Register-only effect: merge both outcomes with ite instead of forking.
    const t = only.state;
    return [
      {
        guard: A.bool(true),
        state: {
          r: t.r.map((x, i) => (x === s.r[i] ? x : A.ite(passed, x, s.r[i]!))),
          n: t.n === s.n ? s.n : A.boolIte(passed, t.n, s.n),
          z: t.z === s.z ? s.z : A.boolIte(passed, t.z, s.z),
          c: t.c === s.c ? s.c : A.boolIte(passed, t.c, s.c),
          v: t.v === s.v ? s.v : A.boolIte(passed, t.v, s.v),
          mem: s.mem,
        },
        next: only.next,
      },
    ];
  }
  return [
    ...executed.map((x) => ({ ...x, guard: A.boolAnd(passed, x.guard) })),
    { guard: A.boolNot(passed), state: s, next: { kind: 'pc', address: fallthrough } },
  ];
}

/** The unconditional effect of an instruction. */
function execute<B, P, M>(A: Algebra<B, P, M>, s: ArmState<B, P, M>, instr: ArmInstr, address: number, inIT: boolean): Successor<B, P, M>[] {
  const fallthrough = (address + instr.size) >>> 0;
  const T = A.bool(true);
  const bv32 = (n: number): B => A.bv(n >>> 0, 32);
  const read = (r: Reg): B => (r === PC ? bv32(address + 4) : s.r[r]!);
  // The successor state is a copy; every read above goes to the pre-state `s`.
  const t: ArmState<B, P, M> = { r: s.r.slice(), n: s.n, z: s.z, c: s.c, v: s.v, mem: s.mem };
  const write = (r: Reg, value: B): void => {
    if (r === PC) throw new Error('spec/arm: internal error: PC written as a register');
    t.r[r] = r === SP ? A.and(value, bv32(~3)) : value;
  };
  const setsFlags = (sf: SetFlags): boolean => sf === 'always' || (sf === 'outsideIT' && !inIT);
  const nz = (x: B): void => {
    t.n = bit(A, x, 31);
    t.z = A.eq(x, bv32(0));
  };
  const fallOn = (): Successor<B, P, M>[] => [{ guard: T, state: t, next: { kind: 'pc', address: fallthrough } }];
  const aligned4 = (addr: B): P => A.eq(A.extract(addr, 1, 0), A.bv(0, 2));
  /** An interworking branch to `target`: bit 0 must be set. */
  const interwork = (target: B, guard: P, mk: (pc: B) => Next<B>, what: string): Successor<B, P, M>[] => {
    const thumb = bit(A, target, 0);
    return [
      { guard: A.boolAnd(guard, thumb), state: t, next: mk(A.and(target, bv32(~1))) },
      { guard: A.boolAnd(guard, A.boolNot(thumb)), state: s, next: { kind: 'fault', reason: `${what} to an address with bit 0 clear (INVSTATE)` } },
    ];
  };

  switch (instr.op) {
    case 'dp':
    case 'cmp': {
      const { value: y, carry: shCarry } = operand2(A, s, read, instr.op2);
      const opc = instr.op === 'dp' ? instr.opc : instr.opc;
      const x = instr.op === 'cmp' ? read(instr.rn) : instr.rn === null ? bv32(0) : read(instr.rn);
      let result: B;
      let arith: { c: P; v: P } | undefined;
      const awc = (a: B, b: B, cin: P): B => {
        const r = addWithCarry(A, a, b, cin);
        arith = r;
        return r.result;
      };
      switch (opc) {
        case 'and':
        case 'tst':
          result = A.and(x, y);
          break;
        case 'bic':
          result = A.and(x, A.not(y));
          break;
        case 'orr':
          result = A.or(x, y);
          break;
        case 'orn':
          result = A.or(x, A.not(y));
          break;
        case 'eor':
        case 'teq':
          result = A.xor(x, y);
          break;
        case 'mov':
          result = y;
          break;
        case 'mvn':
          result = A.not(y);
          break;
        case 'add':
        case 'cmn':
          result = awc(x, y, A.bool(false));
          break;
        case 'adc':
          result = awc(x, y, s.c);
          break;
        case 'sub':
        case 'cmp':
          result = awc(x, A.not(y), A.bool(true));
          break;
        case 'sbc':
          result = awc(x, A.not(y), s.c);
          break;
        case 'rsb':
          result = awc(A.not(x), y, A.bool(true));
          break;
      }
      const flags = instr.op === 'cmp' || setsFlags(instr.setFlags);
      if (instr.op === 'dp') write(instr.rd, result);
      if (flags) {
        nz(result);
        const ar = arith as { c: P; v: P } | undefined;
        if (ar !== undefined) {
          t.c = ar.c;
          t.v = ar.v;
        } else t.c = shCarry;
      }
      return fallOn();
    }
    case 'addw':
      write(instr.rd, A.add(read(instr.rn), bv32(instr.imm)));
      return fallOn();
    case 'subw':
      write(instr.rd, A.sub(read(instr.rn), bv32(instr.imm)));
      return fallOn();
    case 'adr':
      write(instr.rd, bv32(instr.address));
      return fallOn();
    case 'shiftReg': {
      const { result, carry } = shiftRegC(A, read(instr.rn), instr.type, read(instr.rm), s.c);
      write(instr.rd, result);
      if (setsFlags(instr.setFlags)) {
        nz(result);
        t.c = carry;
      }
      return fallOn();
    }
    case 'movw':
      write(instr.rd, bv32(instr.imm16));
      return fallOn();
    case 'movt':
      write(instr.rd, A.concat(A.bv(instr.imm16, 16), A.extract(read(instr.rd), 15, 0)));
      return fallOn();
    case 'mul': {
      const result = A.mul(read(instr.rn), read(instr.rm));
      write(instr.rd, result);
      if (setsFlags(instr.setFlags)) nz(result); // C and V unchanged on ARMv7-M
      return fallOn();
    }
    case 'mla':
      write(instr.rd, A.add(read(instr.ra), A.mul(read(instr.rn), read(instr.rm))));
      return fallOn();
    case 'mls':
      write(instr.rd, A.sub(read(instr.ra), A.mul(read(instr.rn), read(instr.rm))));
      return fallOn();
    case 'umull':
    case 'smull':
    case 'umlal':
    case 'smlal': {
      const signed = instr.op === 'smull' || instr.op === 'smlal';
      const ext = (x: B): B => (signed ? A.sext(x, 64) : A.zext(x, 64));
      let product = A.mul(ext(read(instr.rn)), ext(read(instr.rm)));
      if (instr.op === 'umlal' || instr.op === 'smlal') product = A.add(product, A.concat(read(instr.rdHi), read(instr.rdLo)));
      write(instr.rdLo, A.extract(product, 31, 0));
      write(instr.rdHi, A.extract(product, 63, 32));
      return fallOn();
    }
    case 'sdiv':
    case 'udiv': {
      const m = read(instr.rm);
      const q = instr.op === 'sdiv' ? A.sdiv(read(instr.rn), m) : A.udiv(read(instr.rn), m);
      // Division by zero gives 0 (DIV_0_TRP off); bvsdiv already gives INT_MIN for INT_MIN / -1.
      write(instr.rd, A.ite(A.eq(m, bv32(0)), bv32(0), q));
      return fallOn();
    }
    case 'clz':
      write(instr.rd, clz(A, read(instr.rm)));
      return fallOn();
    case 'rbit':
      write(instr.rd, bitReverse(A, read(instr.rm)));
      return fallOn();
    case 'rev':
      write(instr.rd, byteReverse(A, read(instr.rm)));
      return fallOn();
    case 'rev16': {
      const x = read(instr.rm);
      write(instr.rd, A.concat(byteReverse(A, A.extract(x, 31, 16)), byteReverse(A, A.extract(x, 15, 0))));
      return fallOn();
    }
    case 'revsh':
      write(instr.rd, A.sext(byteReverse(A, A.extract(read(instr.rm), 15, 0)), 32));
      return fallOn();
    case 'sxtb':
    case 'sxth':
    case 'uxtb':
    case 'uxth': {
      const x = read(instr.rm);
      const rotated = instr.rotation === 0 ? x : shiftImmC(A, x, { type: 'ror', amount: instr.rotation }, s.c).result;
      const part = A.extract(rotated, instr.op.endsWith('b') ? 7 : 15, 0);
      write(instr.rd, instr.op.startsWith('s') ? A.sext(part, 32) : A.zext(part, 32));
      return fallOn();
    }
    case 'ldr':
    case 'str': {
      const addr = effectiveAddress(A, read, bv32, instr.addr, write);
      if (instr.op === 'str') {
        t.mem = storeLE(A, s.mem, addr, A.extract(read(instr.rt), 8 * instr.bytes - 1, 0), instr.bytes);
        return fallOn();
      }
      const raw = loadLE(A, s.mem, addr, instr.bytes);
      const value = instr.bytes === 4 ? raw : instr.signed ? A.sext(raw, 32) : A.zext(raw, 32);
      if (instr.rt === PC) return interwork(value, T, (target) => ({ kind: 'indirect', target }), 'LDR pc');
      write(instr.rt, value);
      return fallOn();
    }
    case 'ldrd':
    case 'strd': {
      const base = read(instr.rn);
      const offsetAddr = A.add(base, bv32(instr.offset));
      const addr = instr.index ? offsetAddr : base;
      const addr2 = A.add(addr, bv32(4));
      if (instr.op === 'strd') {
        const m1 = storeLE(A, s.mem, addr, read(instr.rt), 4);
        t.mem = storeLE(A, m1, addr2, read(instr.rt2), 4);
      } else {
        write(instr.rt, loadLE(A, s.mem, addr, 4));
        write(instr.rt2, loadLE(A, s.mem, addr2, 4));
      }
      if (instr.wback) write(instr.rn, offsetAddr);
      const ok = aligned4(addr);
      return [
        { guard: ok, state: t, next: { kind: 'pc', address: fallthrough } },
        { guard: A.boolNot(ok), state: s, next: { kind: 'fault', reason: `unaligned ${instr.op.toUpperCase()} (UsageFault UNALIGNED)` } },
      ];
    }
    case 'ldm':
    case 'stm': {
      const base = read(instr.rn);
      const n = instr.regs.length;
      const start = instr.mode === 'ia' ? base : A.sub(base, bv32(4 * n));
      let mem = s.mem;
      let pcValue: B | undefined;
      instr.regs.forEach((r, i) => {
        const a = A.add(start, bv32(4 * i));
        if (instr.op === 'stm') mem = storeLE(A, mem, a, read(r), 4);
        else if (r === PC) pcValue = loadLE(A, s.mem, a, 4);
        else write(r, loadLE(A, s.mem, a, 4));
      });
      t.mem = mem;
      if (instr.wback) write(instr.rn, instr.mode === 'ia' ? A.add(base, bv32(4 * n)) : start);
      const ok = aligned4(start);
      const misaligned: Successor<B, P, M> = { guard: A.boolNot(ok), state: s, next: { kind: 'fault', reason: `unaligned ${instr.alias ?? instr.op} (UsageFault UNALIGNED)` } };
      if (pcValue === undefined) return [{ guard: ok, state: t, next: { kind: 'pc', address: fallthrough } }, misaligned];
      return [...interwork(pcValue, ok, (target) => ({ kind: 'indirect', target }), `${instr.alias ?? 'LDM'} {pc}`), misaligned];
    }
    case 'b':
      return [{ guard: T, state: t, next: { kind: 'pc', address: instr.target } }];
    case 'cbz':
    case 'cbnz': {
      const zero = A.eq(read(instr.rn), bv32(0));
      const taken = instr.op === 'cbz' ? zero : A.boolNot(zero);
      return [
        { guard: taken, state: t, next: { kind: 'pc', address: instr.target } },
        { guard: A.boolNot(taken), state: t, next: { kind: 'pc', address: fallthrough } },
      ];
    }
    case 'bl':
      write(LR, bv32((address + 4) | 1));
      return [{ guard: T, state: t, next: { kind: 'call', target: instr.target, returnAddress: (address + 4) >>> 0 } }];
    case 'bx':
      return interwork(read(instr.rm), T, (target) => ({ kind: 'indirect', target }), 'BX');
    case 'blx': {
      const target = read(instr.rm);
      write(LR, bv32((address + 2) | 1));
      return interwork(target, T, (pc) => ({ kind: 'indirectCall', target: pc, returnAddress: (address + 2) >>> 0 }), 'BLX');
    }
    case 'tbb':
    case 'tbh': {
      const rn = read(instr.rn);
      const rm = read(instr.rm);
      const entry =
        instr.op === 'tbb' ? A.zext(A.load8(s.mem, A.add(rn, rm)), 32) : A.zext(loadLE(A, s.mem, A.add(rn, A.shl(rm, bv32(1))), 2), 32);
      return [{ guard: T, state: t, next: { kind: 'indirect', target: A.add(bv32(address + 4), A.shl(entry, bv32(1))) } }];
    }
    case 'it':
    case 'nop':
      return fallOn();
    case 'udf':
      return [{ guard: T, state: s, next: { kind: 'udf', imm: instr.imm } }];
  }
}

/** The address of a single load/store; performs the base writeback. */
function effectiveAddress<B, P, M>(A: Algebra<B, P, M>, read: (r: Reg) => B, bv32: (n: number) => B, a: Address, write: (r: Reg, v: B) => void): B {
  switch (a.kind) {
    case 'lit':
      return bv32(a.address);
    case 'reg':
      return A.add(read(a.rn), A.shl(read(a.rm), bv32(a.shift)));
    case 'imm': {
      const base = read(a.rn);
      const offsetAddr = A.add(base, bv32(a.offset));
      if (a.wback) write(a.rn, offsetAddr);
      return a.index ? offsetAddr : base;
    }
  }
}
