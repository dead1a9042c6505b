/**
 * Thumb-2 (ARMv7-M, Cortex-M4) decoder: bytes -> `ArmInstr`.
 *
 * Follows the ARMv7-M Architecture Reference Manual encoding tables (A5.2,
 * A5.3). Anything undefined, UNPREDICTABLE or not modelled by the semantics
 * decodes to `unknown` with a reason; nothing is ever decoded as a no-op
 * unless it is NOP. Restrictions that depend on the IT state (e.g. a branch
 * that is not last in an IT block) are checked by the semantics, which
 * knows the IT state.
 */
import { CONDS, PC, SP, type ArmInstr, type ArmInstrBody, type Cond, type CmpOp, type DecodeResult, type DpOp, type ImmShift, type Operand2, type Reg, type ShiftOp } from './ast.ts';

export { formatInstr } from './format.ts';

type Size = 2 | 4;

function ok(body: ArmInstrBody, size: Size): DecodeResult {
  return { kind: 'ok', instr: { ...body, size } as ArmInstr, size };
}
function unknown(size: Size, reason: string): DecodeResult {
  return { kind: 'unknown', size, reason };
}
function unpredictable(size: Size, what: string): DecodeResult {
  return unknown(size, `UNPREDICTABLE: ${what}`);
}

/** Bits hi..lo of x. */
function bits(x: number, hi: number, lo: number): number {
  return (x >>> lo) & ((1 << (hi - lo + 1)) - 1);
}
function bit(x: number, i: number): number {
  return (x >>> i) & 1;
}
function signExtend(x: number, width: number): number {
  const shift = 32 - width;
  return (x << shift) >> shift;
}
const u32 = (x: number): number => x >>> 0;
const bad = (r: Reg): boolean => r === SP || r === PC;
/** Align(PC, 4) for an instruction at `address`. */
const alignedPc = (address: number): number => u32((address + 4) & ~3);

/** DecodeImmShift(type, imm5). */
export function decodeImmShift(type: number, imm5: number): ImmShift {
  switch (type) {
    case 0:
      return { type: 'lsl', amount: imm5 };
    case 1:
      return { type: 'lsr', amount: imm5 === 0 ? 32 : imm5 };
    case 2:
      return { type: 'asr', amount: imm5 === 0 ? 32 : imm5 };
    default:
      return imm5 === 0 ? { type: 'rrx' } : { type: 'ror', amount: imm5 };
  }
}

/** ThumbExpandImm_C: the value and the carry out (`null` = C unchanged), or undefined when UNPREDICTABLE. */
export function thumbExpandImm(imm12: number): { value: number; carry: boolean | null } | undefined {
  const imm8 = imm12 & 0xff;
  if (bits(imm12, 11, 10) === 0) {
    switch (bits(imm12, 9, 8)) {
      case 0:
        return { value: imm8, carry: null };
      case 1:
        return imm8 === 0 ? undefined : { value: u32((imm8 << 16) | imm8), carry: null };
      case 2:
        return imm8 === 0 ? undefined : { value: u32((imm8 << 24) | (imm8 << 8)), carry: null };
      default:
        return imm8 === 0 ? undefined : { value: u32((imm8 << 24) | (imm8 << 16) | (imm8 << 8) | imm8), carry: null };
    }
  }
  const unrotated = 0x80 | bits(imm12, 6, 0);
  const rot = bits(imm12, 11, 7);
  const value = u32((unrotated >>> rot) | (unrotated << (32 - rot)));
  return { value, carry: (value >>> 31) === 1 };
}

function regList(mask: number): Reg[] {
  const regs: Reg[] = [];
  for (let i = 0; i < 16; i++) if (mask & (1 << i)) regs.push(i);
  return regs;
}

/** Decode one instruction at byte `offset` of `bytes`, which sits at `address` in the address space. */
export function decodeThumb(bytes: Uint8Array, offset: number, address: number): DecodeResult {
  if (offset < 0 || offset + 2 > bytes.length) return unknown(2, `no instruction bytes at offset ${offset}`);
  if ((address & 1) !== 0) return unknown(2, `misaligned instruction address 0x${u32(address).toString(16)}`);
  const hw1 = bytes[offset]! | (bytes[offset + 1]! << 8);
  const top5 = hw1 >>> 11;
  if (top5 === 0b11101 || top5 === 0b11110 || top5 === 0b11111) {
    if (offset + 4 > bytes.length) return unknown(4, 'truncated 32-bit instruction');
    const hw2 = bytes[offset + 2]! | (bytes[offset + 3]! << 8);
    return decode32(hw1, hw2, address);
  }
  return decode16(hw1, address);
}

// ---------------------------------------------------------------- 16-bit

const DP16: readonly (DpOp | CmpOp | ShiftOp | 'rsb0' | 'mul')[] = [
  'and', 'eor', 'lsl', 'lsr', 'asr', 'adc', 'sbc', 'ror', 'tst', 'rsb0', 'cmp', 'cmn', 'orr', 'mul', 'bic', 'mvn',
];

function reg16(rm: Reg): Operand2 {
  return { kind: 'reg', rm, shift: { type: 'lsl', amount: 0 } };
}
function imm(value: number): Operand2 {
  return { kind: 'imm', value: u32(value), carry: null };
}

function decode16(hw: number, address: number): DecodeResult {
  const S = 2;
  const r0 = bits(hw, 2, 0);
  const r3 = bits(hw, 5, 3);
  const r6 = bits(hw, 8, 6);
  const r8 = bits(hw, 10, 8);
  const imm8 = hw & 0xff;
  switch (bits(hw, 15, 13)) {
    case 0b000: {
      const op = bits(hw, 12, 11);
      if (op !== 3) {
        // LSL/LSR/ASR (immediate); LSL #0 is MOVS (register).
        const shift = decodeImmShift(op, bits(hw, 10, 6));
        return ok({ op: 'dp', opc: 'mov', rd: r0, rn: null, op2: { kind: 'reg', rm: r3, shift }, setFlags: shift.type === 'lsl' && shift.amount === 0 ? 'always' : 'outsideIT' }, S);
      }
      const opc = bit(hw, 9) ? 'sub' : 'add';
      const op2 = bit(hw, 10) ? imm(r6) : reg16(r6);
      return ok({ op: 'dp', opc, rd: r0, rn: r3, op2, setFlags: 'outsideIT' }, S);
    }
    case 0b001: {
      switch (bits(hw, 12, 11)) {
        case 0:
          return ok({ op: 'dp', opc: 'mov', rd: r8, rn: null, op2: imm(imm8), setFlags: 'outsideIT' }, S);
        case 1:
          return ok({ op: 'cmp', opc: 'cmp', rn: r8, op2: imm(imm8) }, S);
        case 2:
          return ok({ op: 'dp', opc: 'add', rd: r8, rn: r8, op2: imm(imm8), setFlags: 'outsideIT', rdnForm: true }, S);
        default:
          return ok({ op: 'dp', opc: 'sub', rd: r8, rn: r8, op2: imm(imm8), setFlags: 'outsideIT', rdnForm: true }, S);
      }
    }
    case 0b010: {
      if (bits(hw, 12, 10) === 0b000) {
        const op = DP16[bits(hw, 9, 6)]!;
        switch (op) {
          case 'lsl':
          case 'lsr':
          case 'asr':
          case 'ror':
            return ok({ op: 'shiftReg', type: op, rd: r0, rn: r0, rm: r3, setFlags: 'outsideIT' }, S);
          case 'tst':
          case 'cmp':
          case 'cmn':
            return ok({ op: 'cmp', opc: op, rn: r0, op2: reg16(r3) }, S);
          case 'rsb0':
            return ok({ op: 'dp', opc: 'rsb', rd: r0, rn: r3, op2: imm(0), setFlags: 'outsideIT' }, S);
          case 'mul':
            return ok({ op: 'mul', rd: r0, rn: r3, rm: r0, setFlags: 'outsideIT' }, S);
          case 'mvn':
            return ok({ op: 'dp', opc: 'mvn', rd: r0, rn: null, op2: reg16(r3), setFlags: 'outsideIT' }, S);
          case 'teq':
            throw new Error('unreachable: no 16-bit TEQ');
          default:
            return ok({ op: 'dp', opc: op, rd: r0, rn: r0, op2: reg16(r3), setFlags: 'outsideIT', rdnForm: true }, S);
        }
      }
      if (bits(hw, 12, 10) === 0b001) {
        // Special data processing and branch-exchange.
        const rm = bits(hw, 6, 3);
        const rdn = (bit(hw, 7) << 3) | r0;
        switch (bits(hw, 9, 8)) {
          case 0:
            if (rdn === PC) return unknown(S, 'ADD to PC (computed branch) is not modelled');
            return ok({ op: 'dp', opc: 'add', rd: rdn, rn: rdn, op2: reg16(rm), setFlags: 'never', rdnForm: true }, S);
          case 1:
            if (rdn < 8 && rm < 8) return unpredictable(S, 'CMP (register) T2 with two low registers');
            if (rdn === PC || rm === PC) return unpredictable(S, 'CMP with PC');
            return ok({ op: 'cmp', opc: 'cmp', rn: rdn, op2: reg16(rm) }, S);
          case 2:
            if (rdn === PC) return unknown(S, 'MOV to PC (computed branch) is not modelled');
            return ok({ op: 'dp', opc: 'mov', rd: rdn, rn: null, op2: reg16(rm), setFlags: 'never' }, S);
          default:
            if (r0 !== 0) return unpredictable(S, 'BX/BLX with nonzero low bits');
            if (bit(hw, 7)) {
              if (rm === PC) return unpredictable(S, 'BLX pc');
              return ok({ op: 'blx', rm }, S);
            }
            if (rm === PC) return unknown(S, 'BX pc (switch to ARM state) is not modelled');
            return ok({ op: 'bx', rm }, S);
        }
      }
      if (bits(hw, 12, 11) === 0b01) {
        // LDR (literal).
        const off = imm8 * 4;
        return ok({ op: 'ldr', bytes: 4, signed: false, rt: r8, addr: { kind: 'lit', address: u32(alignedPc(address) + off), offset: off } }, S);
      }
      // Load/store register offset.
      const addr = { kind: 'reg' as const, rn: r3, rm: r6, shift: 0 };
      switch (bits(hw, 11, 9)) {
        case 0:
          return ok({ op: 'str', bytes: 4, rt: r0, addr }, S);
        case 1:
          return ok({ op: 'str', bytes: 2, rt: r0, addr }, S);
        case 2:
          return ok({ op: 'str', bytes: 1, rt: r0, addr }, S);
        case 3:
          return ok({ op: 'ldr', bytes: 1, signed: true, rt: r0, addr }, S);
        case 4:
          return ok({ op: 'ldr', bytes: 4, signed: false, rt: r0, addr }, S);
        case 5:
          return ok({ op: 'ldr', bytes: 2, signed: false, rt: r0, addr }, S);
        case 6:
          return ok({ op: 'ldr', bytes: 1, signed: false, rt: r0, addr }, S);
        default:
          return ok({ op: 'ldr', bytes: 2, signed: true, rt: r0, addr }, S);
      }
    }
    case 0b011: {
      // LDR/STR (word, byte) immediate imm5.
      const byte = bit(hw, 12) === 1;
      const bytes = byte ? 1 : 4;
      const addr = { kind: 'imm' as const, rn: r3, offset: bits(hw, 10, 6) * bytes, index: true, wback: false };
      return ok(bit(hw, 11) ? { op: 'ldr', bytes, signed: false, rt: r0, addr } : { op: 'str', bytes, rt: r0, addr }, S);
    }
    case 0b100: {
      if (bit(hw, 12) === 0) {
        const addr = { kind: 'imm' as const, rn: r3, offset: bits(hw, 10, 6) * 2, index: true, wback: false };
        return ok(bit(hw, 11) ? { op: 'ldr', bytes: 2, signed: false, rt: r0, addr } : { op: 'str', bytes: 2, rt: r0, addr }, S);
      }
      const addr = { kind: 'imm' as const, rn: SP, offset: imm8 * 4, index: true, wback: false };
      return ok(bit(hw, 11) ? { op: 'ldr', bytes: 4, signed: false, rt: r8, addr } : { op: 'str', bytes: 4, rt: r8, addr }, S);
    }
    case 0b101: {
      if (bit(hw, 12) === 0) {
        if (bit(hw, 11) === 0) return ok({ op: 'adr', rd: r8, address: u32(alignedPc(address) + imm8 * 4), offset: imm8 * 4 }, S);
        return ok({ op: 'dp', opc: 'add', rd: r8, rn: SP, op2: imm(imm8 * 4), setFlags: 'never' }, S);
      }
      return decodeMisc16(hw, address);
    }
    case 0b110: {
      if (bit(hw, 12) === 0) {
        const rn = r8;
        const regs = regList(imm8);
        if (regs.length === 0) return unpredictable(S, 'empty register list');
        if (bit(hw, 11) === 0) {
          // STMIA rn!: storing rn when it is not the lowest register is UNPREDICTABLE.
          if (regs.includes(rn) && regs[0] !== rn) return unpredictable(S, 'STM with writeback stores the base register (not lowest)');
          return ok({ op: 'stm', mode: 'ia', rn, regs, wback: true, alias: null }, S);
        }
        return ok({ op: 'ldm', mode: 'ia', rn, regs, wback: !regs.includes(rn), alias: null }, S);
      }
      const cond = bits(hw, 11, 8);
      if (cond === 0b1110) return ok({ op: 'udf', imm: imm8 }, S);
      if (cond === 0b1111) return unknown(S, 'SVC is not modelled');
      return ok({ op: 'b', cond: CONDS[cond]!, target: u32(address + 4 + signExtend(imm8 << 1, 9)) }, S);
    }
    default: {
      // 0b111, top5 = 11100: B T2 (32-bit prefixes were handled by the caller).
      return ok({ op: 'b', cond: 'al', target: u32(address + 4 + signExtend(bits(hw, 10, 0) << 1, 12)) }, S);
    }
  }
}

function decodeMisc16(hw: number, address: number): DecodeResult {
  const S = 2;
  const r0 = bits(hw, 2, 0);
  const r3 = bits(hw, 5, 3);
  if ((hw & 0xff00) === 0xb000) {
    const v = bits(hw, 6, 0) * 4;
    return ok({ op: 'dp', opc: bit(hw, 7) ? 'sub' : 'add', rd: SP, rn: SP, op2: imm(v), setFlags: 'never', rdnForm: true }, S);
  }
  if ((hw & 0xf500) === 0xb100) {
    const off = (bit(hw, 9) << 6) | (bits(hw, 7, 3) << 1);
    return ok({ op: bit(hw, 11) ? 'cbnz' : 'cbz', rn: r0, target: u32(address + 4 + off) }, S);
  }
  if ((hw & 0xff00) === 0xb200) {
    const ops = ['sxth', 'sxtb', 'uxth', 'uxtb'] as const;
    return ok({ op: ops[bits(hw, 7, 6)]!, rd: r0, rm: r3, rotation: 0 }, S);
  }
  if ((hw & 0xfe00) === 0xb400 || (hw & 0xfe00) === 0xbc00) {
    const pop = bit(hw, 11) === 1;
    const mask = (hw & 0xff) | (bit(hw, 8) << (pop ? PC : 14));
    const regs = regList(mask);
    if (regs.length === 0) return unpredictable(S, 'empty register list');
    return pop ? ok({ op: 'ldm', mode: 'ia', rn: SP, regs, wback: true, alias: 'pop' }, S) : ok({ op: 'stm', mode: 'db', rn: SP, regs, wback: true, alias: 'push' }, S);
  }
  if ((hw & 0xff00) === 0xba00) {
    const op = bits(hw, 7, 6);
    if (op === 2) return unknown(S, 'undefined encoding in REV group');
    return ok({ op: op === 0 ? 'rev' : op === 1 ? 'rev16' : 'revsh', rd: r0, rm: r3 }, S);
  }
  if ((hw & 0xff00) === 0xbf00) {
    const mask = hw & 0xf;
    const firstcond = bits(hw, 7, 4);
    if (mask === 0) {
      if (firstcond === 0) return ok({ op: 'nop' }, S);
      return unknown(S, `hint 0x${firstcond.toString(16)} (YIELD/WFE/WFI/SEV) is not modelled`);
    }
    if (firstcond === 0b1111) return unpredictable(S, 'IT with condition 0b1111');
    if (firstcond === 0b1110 && mask !== 0b1000) return unpredictable(S, 'IT AL with more than one instruction');
    return ok({ op: 'it', firstcond, mask }, S);
  }
  if ((hw & 0xff00) === 0xbe00) return unknown(S, 'BKPT is not modelled');
  return unknown(S, `16-bit miscellaneous encoding 0x${hw.toString(16)} is not modelled`);
}

// ---------------------------------------------------------------- 32-bit

const DP_OPS: Record<number, DpOp> = {
  0b0000: 'and', 0b0001: 'bic', 0b0010: 'orr', 0b0011: 'orn', 0b0100: 'eor',
  0b1000: 'add', 0b1010: 'adc', 0b1011: 'sbc', 0b1101: 'sub', 0b1110: 'rsb',
};

/**
 * Shared resolution of a 32-bit data-processing op (modified immediate or
 * shifted register): the aliases (TST/TEQ/CMN/CMP for Rd = PC with S, MOV/MVN
 * for Rn = PC) and the register restrictions.
 */
function dp32(opField: number, s: boolean, rn: Reg, rd: Reg, op2: Operand2, what: string): DecodeResult {
  const S = 4;
  const opc = DP_OPS[opField];
  if (opc === undefined) return unknown(S, `${what} data-processing op ${opField.toString(2)} (e.g. PKHBT) is not modelled`);
  const mReg = op2.kind === 'reg' ? op2.rm : undefined;
  if (mReg !== undefined && bad(mReg)) {
    // MOV.W rd, sp is allowed (non-flag-setting, no shift, rd != sp).
    const movSp = opc === 'orr' && rn === PC && !s && mReg === SP && rd !== SP && rd !== PC && op2.kind === 'reg' && op2.shift.type === 'lsl' && op2.shift.amount === 0;
    if (!movSp) return unpredictable(S, `${what} with Rm = ${mReg === SP ? 'SP' : 'PC'}`);
  }
  const compare: Partial<Record<DpOp, CmpOp>> = { and: 'tst', eor: 'teq', add: 'cmn', sub: 'cmp' };
  const cmpOp = compare[opc];
  if (rd === PC && s && cmpOp !== undefined) {
    if (rn === PC || (rn === SP && (cmpOp === 'tst' || cmpOp === 'teq'))) return unpredictable(S, `${cmpOp.toUpperCase()} with Rn = ${rn === PC ? 'PC' : 'SP'}`);
    return ok({ op: 'cmp', opc: cmpOp, rn, op2 }, S);
  }
  const setFlags = s ? 'always' : 'never';
  if ((opc === 'orr' || opc === 'orn') && rn === PC) {
    if (bad(rd)) {
      const movToSp = opc === 'orr' && rd === SP && !s && op2.kind === 'reg' && op2.shift.type === 'lsl' && op2.shift.amount === 0 && op2.rm !== SP;
      if (!movToSp) return unpredictable(S, `${what} MOV/MVN with Rd = ${rd === SP ? 'SP' : 'PC'}`);
    }
    return ok({ op: 'dp', opc: opc === 'orr' ? 'mov' : 'mvn', rd, rn: null, op2, setFlags }, S);
  }
  if (rd === PC) return unpredictable(S, `${what} with Rd = PC`);
  if (rn === PC) return unpredictable(S, `${what} with Rn = PC`);
  if (opc === 'add' || opc === 'sub') {
    // ADD/SUB (SP plus immediate/register): Rd = SP only with Rn = SP, and register forms only with LSL #0..3.
    if (rd === SP && rn !== SP) return unpredictable(S, `${what} writing SP from a non-SP base`);
    if (rd === SP && op2.kind === 'reg' && !(op2.shift.type === 'lsl' && op2.shift.amount <= 3)) return unpredictable(S, `${what} SP with a shift other than LSL #0-3`);
    return ok({ op: 'dp', opc, rd, rn, op2, setFlags }, S);
  }
  if (rd === SP || rn === SP) return unpredictable(S, `${what} ${opc.toUpperCase()} with SP`);
  return ok({ op: 'dp', opc, rd, rn, op2, setFlags }, S);
}

function decode32(hw1: number, hw2: number, address: number): DecodeResult {
  const S = 4;
  const op1 = bits(hw1, 12, 11);
  const rn = bits(hw1, 3, 0);
  if (op1 === 0b01) {
    if (bits(hw1, 10, 9) === 0b00) {
      if (bit(hw1, 6) === 0) return decodeLdmStm(hw1, hw2);
      return decodeDualTable(hw1, hw2, address);
    }
    if (bits(hw1, 10, 9) === 0b01) {
      const shift = decodeImmShift(bits(hw2, 5, 4), (bits(hw2, 14, 12) << 2) | bits(hw2, 7, 6));
      if (bit(hw2, 15) !== 0) return unknown(S, 'undefined shifted-register encoding (bit 15 set)');
      return dp32(bits(hw1, 8, 5), bit(hw1, 4) === 1, rn, bits(hw2, 11, 8), { kind: 'reg', rm: bits(hw2, 3, 0), shift }, 'shifted-register');
    }
    return unknown(S, 'coprocessor instructions are not modelled');
  }
  if (op1 === 0b10) {
    if (bit(hw2, 15) === 1) return decodeBranchMisc(hw1, hw2, address);
    const imm12 = (bit(hw1, 10) << 11) | (bits(hw2, 14, 12) << 8) | (hw2 & 0xff);
    const rd = bits(hw2, 11, 8);
    if (bit(hw1, 9) === 0) {
      const e = thumbExpandImm(imm12);
      if (e === undefined) return unpredictable(S, 'modified immediate with zero imm8 in a replicated pattern');
      return dp32(bits(hw1, 8, 5), bit(hw1, 4) === 1, rn, rd, { kind: 'imm', value: e.value, carry: e.carry }, 'modified-immediate');
    }
    switch (bits(hw1, 8, 4)) {
      case 0b00000:
      case 0b01010: {
        const sub = bits(hw1, 8, 4) === 0b01010;
        if (rn === PC) {
          if (bad(rd)) return unpredictable(S, 'ADR with Rd = SP/PC');
          return ok({ op: 'adr', rd, address: u32(alignedPc(address) + (sub ? -imm12 : imm12)), offset: sub ? -imm12 : imm12 }, S);
        }
        if (rd === PC || (rd === SP && rn !== SP)) return unpredictable(S, 'ADDW/SUBW destination');
        return ok({ op: sub ? 'subw' : 'addw', rd, rn, imm: imm12 }, S);
      }
      case 0b00100:
      case 0b01100: {
        if (bad(rd)) return unpredictable(S, 'MOVW/MOVT with Rd = SP/PC');
        const imm16 = (rn << 12) | imm12;
        return ok({ op: bit(hw1, 7) ? 'movt' : 'movw', rd, imm16 }, S);
      }
      default:
        return unknown(S, 'saturate / bit-field instructions are not modelled');
    }
  }
  // op1 === 0b11
  const op2 = bits(hw1, 10, 4);
  if ((op2 & 0b1000000) !== 0) return unknown(S, 'coprocessor instructions are not modelled');
  if ((op2 & 0b1110001) === 0b0000000 || (op2 & 0b1100001) === 0b0000001) return decodeLoadStore(hw1, hw2, address);
  if ((op2 & 0b1110000) === 0b0100000) return decodeDpReg(hw1, hw2);
  if ((op2 & 0b1111000) === 0b0110000) return decodeMul(hw1, hw2);
  if ((op2 & 0b1111000) === 0b0111000) return decodeLongMulDiv(hw1, hw2);
  return unknown(S, `undefined 32-bit encoding ${hw1.toString(16)} ${hw2.toString(16)}`);
}

function decodeLdmStm(hw1: number, hw2: number): DecodeResult {
  const S = 4;
  const op = bits(hw1, 8, 7);
  if (op === 0b00 || op === 0b11) return unknown(S, 'SRS/RFE are not available on ARMv7-M');
  const mode = op === 0b01 ? 'ia' : 'db';
  const wback = bit(hw1, 5) === 1;
  const load = bit(hw1, 4) === 1;
  const rn = bits(hw1, 3, 0);
  const regs = regList(hw2);
  if (rn === PC) return unpredictable(S, 'LDM/STM with Rn = PC');
  if (regs.length < 2) return unpredictable(S, 'LDM/STM.W with fewer than two registers');
  if (regs.includes(SP)) return unpredictable(S, 'SP in the register list');
  if (wback && regs.includes(rn)) return unpredictable(S, 'writeback with the base register in the list');
  if (load) {
    if (regs.includes(PC) && regs.includes(14)) return unpredictable(S, 'LDM with both PC and LR');
  } else if (regs.includes(PC)) return unpredictable(S, 'STM with PC in the list');
  return ok({ op: load ? 'ldm' : 'stm', mode, rn, regs, wback, alias: null }, S);
}

function decodeDualTable(hw1: number, hw2: number, address: number): DecodeResult {
  const S = 4;
  const p = bit(hw1, 8);
  const u = bit(hw1, 7);
  const w = bit(hw1, 5);
  const load = bit(hw1, 4) === 1;
  const rn = bits(hw1, 3, 0);
  if (p === 0 && w === 0) {
    if (u === 1 && load && bits(hw2, 15, 5) === 0b11110000000 && (bits(hw2, 7, 4) & 0b1110) === 0) {
      const rm = bits(hw2, 3, 0);
      if (rn === SP || bad(rm)) return unpredictable(S, 'TBB/TBH with SP/PC operand');
      return ok({ op: bit(hw2, 4) ? 'tbh' : 'tbb', rn, rm }, S);
    }
    return unknown(S, 'exclusive loads/stores are not modelled');
  }
  const rt = bits(hw2, 15, 12);
  const rt2 = bits(hw2, 11, 8);
  const off = (hw2 & 0xff) * 4;
  const offset = u ? off : -off;
  const wback = w === 1;
  if (rn === PC) return unknown(S, 'LDRD (literal) is not modelled');
  if (wback && (rn === rt || rn === rt2)) return unpredictable(S, 'LDRD/STRD writeback to a transferred register');
  if (bad(rt) || bad(rt2)) return unpredictable(S, 'LDRD/STRD with SP/PC');
  if (load && rt === rt2) return unpredictable(S, 'LDRD with Rt = Rt2');
  void address;
  return ok({ op: load ? 'ldrd' : 'strd', rt, rt2, rn, offset, index: p === 1, wback }, S);
}

function decodeBranchMisc(hw1: number, hw2: number, address: number): DecodeResult {
  const S = 4;
  const op1 = bits(hw2, 14, 12);
  const s = bit(hw1, 10);
  const j1 = bit(hw2, 13);
  const j2 = bit(hw2, 11);
  const imm11 = bits(hw2, 10, 0);
  if ((op1 & 0b101) === 0b000) {
    if (bits(hw1, 9, 7) !== 0b111) {
      const imm = signExtend((s << 20) | (j2 << 19) | (j1 << 18) | (bits(hw1, 5, 0) << 12) | (imm11 << 1), 21);
      return ok({ op: 'b', cond: CONDS[bits(hw1, 9, 6)]!, target: u32(address + 4 + imm) }, S);
    }
    if (op1 === 0b010 && bits(hw1, 10, 4) === 0b1111111) return ok({ op: 'udf', imm: (bits(hw1, 3, 0) << 12) | bits(hw2, 11, 0) }, S);
    // NOP.W: the hint space (MSR-class encoding 0xf3af, op1 = 000), hint 0.
    if (hw1 === 0xf3af && (hw2 & 0xd7ff) === 0x8000) return ok({ op: 'nop' }, S);
    return unknown(S, 'system / hint / barrier instructions (MSR, MRS, DMB, ...) are not modelled');
  }
  const i1 = 1 - (j1 ^ s);
  const i2 = 1 - (j2 ^ s);
  const imm = signExtend((s << 24) | (i1 << 23) | (i2 << 22) | (bits(hw1, 9, 0) << 12) | (imm11 << 1), 25);
  const target = u32(address + 4 + imm);
  if ((op1 & 0b101) === 0b001) return ok({ op: 'b', cond: 'al', target }, S);
  if ((op1 & 0b101) === 0b101) return ok({ op: 'bl', target }, S);
  return unknown(S, 'BLX (immediate) switches to ARM state: undefined on ARMv7-M');
}

function decodeLoadStore(hw1: number, hw2: number, address: number): DecodeResult {
  const S = 4;
  const signed = bit(hw1, 8) === 1;
  const load = bit(hw1, 4) === 1;
  const sizeField = bits(hw1, 6, 5);
  const rn = bits(hw1, 3, 0);
  const rt = bits(hw2, 15, 12);
  if (sizeField === 3) return unknown(S, 'undefined load/store size');
  if (signed && (!load || sizeField === 2)) return unknown(S, 'undefined signed store / signed word load');
  const bytes = sizeField === 0 ? 1 : sizeField === 1 ? 2 : 4;
  if (load && rt === PC && bytes !== 4) return unknown(S, 'PLD/PLI preload hints are not modelled');
  if (bytes !== 4 && rt === SP) return unpredictable(S, 'byte/halfword transfer with Rt = SP');
  if (!load && rt === PC) return unpredictable(S, 'store of PC');
  const make = (addr: import('./ast.ts').Address): DecodeResult =>
    ok(load ? { op: 'ldr', bytes, signed, rt, addr } : { op: 'str', bytes, rt, addr }, S);
  if (rn === PC) {
    if (!load) return unknown(S, 'undefined store with Rn = PC');
    const imm12 = bits(hw2, 11, 0);
    const offset = bit(hw1, 7) ? imm12 : -imm12;
    return make({ kind: 'lit', address: u32(alignedPc(address) + offset), offset });
  }
  if (bit(hw1, 7) === 1) return make({ kind: 'imm', rn, offset: bits(hw2, 11, 0), index: true, wback: false });
  if (bit(hw2, 11) === 1) {
    const p = bit(hw2, 10);
    const u = bit(hw2, 9);
    const w = bit(hw2, 8);
    if (p === 1 && u === 1 && w === 0) return unknown(S, 'unprivileged loads/stores (LDRT/STRT) are not modelled');
    if (p === 0 && w === 0) return unknown(S, 'undefined load/store immediate (P = W = 0)');
    const imm8 = hw2 & 0xff;
    if (w === 1 && rn === rt) return unpredictable(S, 'writeback to the transferred register');
    return make({ kind: 'imm', rn, offset: u ? imm8 : -imm8, index: p === 1, wback: w === 1 });
  }
  if (bits(hw2, 11, 6) !== 0) return unknown(S, 'undefined load/store register encoding');
  const rm = bits(hw2, 3, 0);
  if (bad(rm)) return unpredictable(S, 'register offset SP/PC');
  return make({ kind: 'reg', rn, rm, shift: bits(hw2, 5, 4) });
}

function decodeDpReg(hw1: number, hw2: number): DecodeResult {
  const S = 4;
  const op1 = bits(hw1, 7, 4);
  const op2 = bits(hw2, 7, 4);
  const rn = bits(hw1, 3, 0);
  const rd = bits(hw2, 11, 8);
  const rm = bits(hw2, 3, 0);
  if (bits(hw2, 15, 12) !== 0b1111) return unknown(S, 'undefined register data-processing encoding');
  if ((op1 & 0b1000) === 0 && op2 === 0) {
    const types: ShiftOp[] = ['lsl', 'lsr', 'asr', 'ror'];
    if (bad(rd) || bad(rn) || bad(rm)) return unpredictable(S, 'shift by register with SP/PC');
    return ok({ op: 'shiftReg', type: types[bits(op1, 2, 1)]!, rd, rn, rm, setFlags: bit(op1, 0) ? 'always' : 'never' }, S);
  }
  if ((op1 & 0b1000) === 0 && (op2 & 0b1000) !== 0) {
    const ext = ({ 0b0000: 'sxth', 0b0001: 'uxth', 0b0100: 'sxtb', 0b0101: 'uxtb' } as const)[op1 as 0 | 1 | 4 | 5];
    if (ext === undefined) return unknown(S, 'SIMD extend (SXTB16, ...) is not modelled');
    if (rn !== PC) return unknown(S, `${ext.replace('x', 'xta').toUpperCase()} (extend and add) is not modelled`);
    if (bit(hw2, 6) !== 0) return unknown(S, 'undefined extend encoding');
    if (bad(rd) || bad(rm)) return unpredictable(S, 'extend with SP/PC');
    return ok({ op: ext, rd, rm, rotation: (bits(hw2, 5, 4) * 8) as 0 | 8 | 16 | 24 }, S);
  }
  if ((op1 & 0b1100) === 0b1000 && (op2 & 0b1100) === 0b1000) {
    if (rn !== rm) return unpredictable(S, 'miscellaneous op with mismatched Rm fields');
    if (bad(rd) || bad(rm)) return unpredictable(S, 'miscellaneous op with SP/PC');
    const k = ((op1 & 3) << 2) | (op2 & 3);
    const op = ({ 0b0100: 'rev', 0b0101: 'rev16', 0b0110: 'rbit', 0b0111: 'revsh', 0b1100: 'clz' } as const)[k as 4];
    if (op === undefined) return unknown(S, 'miscellaneous op (QADD, SEL, ...) is not modelled');
    return ok({ op, rd, rm }, S);
  }
  return unknown(S, 'parallel add/subtract and DSP register ops are not modelled');
}

function decodeMul(hw1: number, hw2: number): DecodeResult {
  const S = 4;
  const op1 = bits(hw1, 6, 4);
  const op2 = bits(hw2, 5, 4);
  const rn = bits(hw1, 3, 0);
  const ra = bits(hw2, 15, 12);
  const rd = bits(hw2, 11, 8);
  const rm = bits(hw2, 3, 0);
  if (bits(hw2, 7, 6) !== 0) return unknown(S, 'undefined multiply encoding');
  if (op1 !== 0 || op2 > 1) return unknown(S, 'DSP multiplies (SMULxy, SMLAD, ...) are not modelled');
  if (bad(rd) || bad(rn) || bad(rm) || ra === SP) return unpredictable(S, 'multiply with SP/PC');
  if (op2 === 0 && ra === PC) return ok({ op: 'mul', rd, rn, rm, setFlags: 'never' }, S);
  if (ra === PC) return unpredictable(S, 'MLS with Ra = PC');
  return ok({ op: op2 === 0 ? 'mla' : 'mls', rd, rn, rm, ra }, S);
}

function decodeLongMulDiv(hw1: number, hw2: number): DecodeResult {
  const S = 4;
  const op1 = bits(hw1, 6, 4);
  const op2 = bits(hw2, 7, 4);
  const rn = bits(hw1, 3, 0);
  const rdLo = bits(hw2, 15, 12);
  const rdHi = bits(hw2, 11, 8);
  const rm = bits(hw2, 3, 0);
  if ((op1 === 0b001 || op1 === 0b011) && op2 === 0b1111) {
    if (rdLo !== 0b1111) return unknown(S, 'undefined divide encoding');
    if (bad(rdHi) || bad(rn) || bad(rm)) return unpredictable(S, 'divide with SP/PC');
    return ok({ op: op1 === 0b001 ? 'sdiv' : 'udiv', rd: rdHi, rn, rm }, S);
  }
  const op = ({ 0b000: 'smull', 0b010: 'umull', 0b100: 'smlal', 0b110: 'umlal' } as const)[op1 as 0];
  if (op === undefined || op2 !== 0) return unknown(S, 'DSP long multiplies (SMLALxy, UMAAL, ...) are not modelled');
  if (bad(rdLo) || bad(rdHi) || bad(rn) || bad(rm)) return unpredictable(S, 'long multiply with SP/PC');
  if (rdLo === rdHi) return unpredictable(S, 'long multiply with RdLo = RdHi');
  return ok({ op, rdLo, rdHi, rn, rm }, S);
}

export type { Cond };
