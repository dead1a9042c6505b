/**
 * Thumb-2 (ARMv7-M) bit-level encodings: pure functions from fields to
 * halfwords. No policy here (which form to choose lives in encode.ts).
 * References: ARMv7-M Architecture Reference Manual, section A5/A7.
 */
import type { Cond, ShiftKind } from './insn.ts';

export const COND_CODE: Record<Cond, number> = {
  eq: 0, ne: 1, hs: 2, lo: 3, mi: 4, pl: 5, vs: 6, vc: 7, hi: 8, ls: 9, ge: 10, lt: 11, gt: 12, le: 13,
};

export const INVERSE_COND: Record<Cond, Cond> = {
  eq: 'ne', ne: 'eq', hs: 'lo', lo: 'hs', mi: 'pl', pl: 'mi', vs: 'vc', vc: 'vs', hi: 'ls', ls: 'hi', ge: 'lt', lt: 'ge', gt: 'le', le: 'gt',
};

export const SHIFT_TYPE: Record<ShiftKind, number> = { lsl: 0, lsr: 1, asr: 2, ror: 3 };

export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

export function isLow(r: number): boolean {
  return r >= 0 && r <= 7;
}

export function checkReg(r: number, what: string): void {
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new EncodeError(`${what}: invalid register ${r}`);
}

/** ThumbExpandImm inverse: the 12-bit i:imm3:imm8 field for `value`, or undefined if not a modified immediate. */
export function thumbExpandImmEncode(value: number): number | undefined {
  const v = value >>> 0;
  if (v <= 0xff) return v;
  const b = v & 0xff;
  if (v === ((b << 16) | b) >>> 0) return 0x100 | b;
  const b1 = (v >>> 8) & 0xff;
  if (v === ((b1 << 24) | (b1 << 8)) >>> 0) return 0x200 | b1;
  if (v === ((b << 24) | (b << 16) | (b << 8) | b) >>> 0) return 0x300 | b;
  // Rotated 1bcdefgh: value = ROR(0x80|bcdefgh, rot), rot in 8..31.
  for (let rot = 8; rot < 32; rot++) {
    const unrot = ((v << rot) | (v >>> (32 - rot))) >>> 0; // ROL(v, rot)
    if (unrot >= 0x80 && unrot <= 0xff) return (rot << 7) | (unrot & 0x7f);
  }
  return undefined;
}

/** Split a 12-bit modified-immediate field into the i (hw1) and imm3:imm8 (hw2) bits. */
function splitImm12(imm12: number): { hw1: number; hw2: number } {
  return { hw1: ((imm12 >> 11) & 1) << 10, hw2: (((imm12 >> 8) & 7) << 12) | (imm12 & 0xff) };
}

/** Data-processing op codes shared by the modified-immediate and shifted-register 32-bit forms. */
export const DP_OP = { and: 0, bic: 1, orr: 2, orn: 3, eor: 4, add: 8, adc: 10, sbc: 11, sub: 13, rsb: 14 } as const;
export type DpOp = keyof typeof DP_OP;

/** 32-bit data processing, modified immediate (T1 family). rd/rn = 15 gives the TST/MOV/... aliases. */
export function dpImm32(op: DpOp, s: boolean, rd: number, rn: number, imm12: number): number[] {
  const f = splitImm12(imm12);
  return [0xf000 | f.hw1 | (DP_OP[op] << 5) | (s ? 0x10 : 0) | rn, f.hw2 | (rd << 8)];
}

/** 32-bit data processing, shifted register. A shift amount of 0 is "no shift" (LSL #0). */
export function dpReg32(op: DpOp, s: boolean, rd: number, rn: number, rm: number, shift?: { kind: ShiftKind; amount: number }): number[] {
  const { type, imm5 } = encodeShift(shift);
  return [0xea00 | (DP_OP[op] << 5) | (s ? 0x10 : 0) | rn, (((imm5 >> 2) & 7) << 12) | (rd << 8) | ((imm5 & 3) << 6) | (type << 4) | rm];
}

/** The (type, imm5) of an immediate shift; LSR/ASR #32 are encoded as imm5 = 0. */
export function encodeShift(shift?: { kind: ShiftKind; amount: number }): { type: number; imm5: number } {
  if (!shift || shift.amount === 0) return { type: 0, imm5: 0 };
  const { kind, amount } = shift;
  const max = kind === 'lsl' || kind === 'ror' ? 31 : 32;
  if (!Number.isInteger(amount) || amount < 1 || amount > max) throw new EncodeError(`shift ${kind} #${amount} out of range 1..${max}`);
  return { type: SHIFT_TYPE[kind], imm5: amount & 31 };
}

/** ADDW / SUBW with a plain 12-bit immediate (no flags). */
export function addSubW(sub: boolean, rd: number, rn: number, imm12: number): number[] {
  return [(sub ? 0xf2a0 : 0xf200) | (((imm12 >> 11) & 1) << 10) | rn, (((imm12 >> 8) & 7) << 12) | (rd << 8) | (imm12 & 0xff)];
}

/** MOVW / MOVT with a 16-bit immediate. */
export function movwt(top: boolean, rd: number, imm16: number): number[] {
  const imm = imm16 & 0xffff;
  return [(top ? 0xf2c0 : 0xf240) | (((imm >> 11) & 1) << 10) | (imm >> 12), (((imm >> 8) & 7) << 12) | (rd << 8) | (imm & 0xff)];
}

/** B (T4) or BL (T1): 25-bit signed halfword offset from PC (= address + 4). */
export function branch32(offset: number, link: boolean): number[] {
  if (offset % 2 !== 0 || offset < -(1 << 24) || offset >= 1 << 24) throw new EncodeError(`B.W/BL offset ${offset} out of range`);
  const imm = (offset >> 1) & 0xffffff;
  const s = (imm >> 23) & 1;
  const i1 = (imm >> 22) & 1;
  const i2 = (imm >> 21) & 1;
  const j1 = (~(i1 ^ s)) & 1;
  const j2 = (~(i2 ^ s)) & 1;
  return [0xf000 | (s << 10) | ((imm >> 11) & 0x3ff), (link ? 0xd000 : 0x9000) | (j1 << 13) | (j2 << 11) | (imm & 0x7ff)];
}

/** Bcc (T3): 21-bit signed offset. */
export function bcond32(cond: Cond, offset: number): number[] {
  if (offset % 2 !== 0 || offset < -(1 << 20) || offset >= 1 << 20) throw new EncodeError(`Bcc.W offset ${offset} out of range`);
  const imm = (offset >> 1) & 0xfffff;
  const s = (imm >> 19) & 1;
  const j2 = (imm >> 18) & 1;
  const j1 = (imm >> 17) & 1;
  return [0xf000 | (s << 10) | (COND_CODE[cond] << 6) | ((imm >> 11) & 0x3f), 0x8000 | (j1 << 13) | (j2 << 11) | (imm & 0x7ff)];
}

export function b16(offset: number): number {
  if (offset % 2 !== 0 || offset < -2048 || offset > 2046) throw new EncodeError(`B.N offset ${offset} out of range`);
  return 0xe000 | ((offset >> 1) & 0x7ff);
}

export function bcond16(cond: Cond, offset: number): number {
  if (offset % 2 !== 0 || offset < -256 || offset > 254) throw new EncodeError(`Bcc.N offset ${offset} out of range`);
  return 0xd000 | (COND_CODE[cond] << 8) | ((offset >> 1) & 0xff);
}

export function cbz16(nonzero: boolean, rn: number, offset: number): number {
  if (!isLow(rn) || offset % 2 !== 0 || offset < 0 || offset > 126) throw new EncodeError(`CBZ r${rn} offset ${offset} out of range`);
  const imm = offset >> 1;
  return 0xb100 | (nonzero ? 0x800 : 0) | (((imm >> 5) & 1) << 9) | ((imm & 31) << 3) | rn;
}

/** Load/store opcode families for the 32-bit forms (hw1 without Rn). */
export const LS32 = {
  imm12: { str1: 0xf880, str2: 0xf8a0, str4: 0xf8c0, ldr1: 0xf890, ldr2: 0xf8b0, ldr4: 0xf8d0, ldrs1: 0xf990, ldrs2: 0xf9b0 },
  /** imm8 (with P/U/W in hw2) and register-offset forms. */
  imm8: { str1: 0xf800, str2: 0xf820, str4: 0xf840, ldr1: 0xf810, ldr2: 0xf830, ldr4: 0xf850, ldrs1: 0xf910, ldrs2: 0xf930 },
} as const;
export type LsKey = keyof typeof LS32.imm12;

export function lsKey(load: boolean, size: 1 | 2 | 4, signed: boolean): LsKey {
  if (!load) return `str${size}`;
  if (signed && size !== 4) return `ldrs${size}`;
  return `ldr${size}`;
}

/** 16-bit register-offset load/store opB (0101 opB Rm Rn Rt). */
export const LS16_REG: Record<LsKey, number> = { str4: 0, str2: 1, str1: 2, ldrs1: 3, ldr4: 4, ldr2: 5, ldr1: 6, ldrs2: 7 };
