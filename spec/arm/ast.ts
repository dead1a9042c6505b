/**
 * The decoded form of every Thumb-2 (ARMv7-M) instruction the spec models.
 *
 * One variant per semantic shape, not per encoding: a 16-bit and a 32-bit
 * encoding of the same operation decode to the same variant, with `size`
 * saying which, and with every encoding-specific detail already resolved
 * (immediates expanded, shift amounts decoded, PC-relative targets made
 * absolute), so the semantics never looks at encoding bits.
 *
 * Registers are numbers 0..15 (13 = SP, 14 = LR, 15 = PC). The decoder only
 * produces 15 where the architecture defines a meaning for it (reading PC
 * gives the instruction address + 4).
 */

export type Reg = number;
export const SP = 13;
export const LR = 14;
export const PC = 15;

/** Condition codes in encoding order (0..14); `al` is 14. */
export const CONDS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'] as const;
export type Cond = (typeof CONDS)[number];

/**
 * Flag setting. 16-bit data-processing encodings set flags only outside an
 * IT block (`outsideIT`); the decoder cannot know that, the semantics can.
 */
export type SetFlags = 'always' | 'never' | 'outsideIT';

/** A decoded immediate shift (DecodeImmShift already applied: `lsr #32`, `asr #32` exist; `rrx` is ROR #0). */
export type ImmShift =
  | { type: 'lsl'; amount: number } // 0..31 (0 = no shift)
  | { type: 'lsr' | 'asr'; amount: number } // 1..32
  | { type: 'ror'; amount: number } // 1..31
  | { type: 'rrx' };

/**
 * The second operand of a data-processing instruction.
 * `imm`: a modified immediate, `carry` is the shifter carry out
 * (ThumbExpandImm_C: `null` when the encoding leaves C unchanged).
 */
export type Operand2 = { kind: 'imm'; value: number; carry: boolean | null } | { kind: 'reg'; rm: Reg; shift: ImmShift };

export type DpOp = 'and' | 'bic' | 'orr' | 'orn' | 'eor' | 'add' | 'adc' | 'sbc' | 'sub' | 'rsb' | 'mov' | 'mvn';
export type CmpOp = 'cmp' | 'cmn' | 'tst' | 'teq';
export type ShiftOp = 'lsl' | 'lsr' | 'asr' | 'ror';

/** Addressing of a single load/store. */
export type Address =
  /** [rn, #offset] (index && !wback), [rn, #offset]! (index && wback), [rn], #offset (!index && wback). */
  | { kind: 'imm'; rn: Reg; offset: number; index: boolean; wback: boolean }
  /** [rn, rm, LSL #shift], shift 0..3. */
  | { kind: 'reg'; rn: Reg; rm: Reg; shift: number }
  /** PC-relative literal: the absolute address Align(PC, 4) +/- imm, resolved by the decoder. */
  | { kind: 'lit'; address: number; offset: number };

export type ArmInstrBody =
  /** Data processing with a destination. `mov`/`mvn` have no rn (null). */
  | { op: 'dp'; opc: DpOp; rd: Reg; rn: Reg | null; op2: Operand2; setFlags: SetFlags; /** text only: the 16-bit two-operand form `op rdn, op2` */ rdnForm?: boolean }
  /** Flag-only comparisons. */
  | { op: 'cmp'; opc: CmpOp; rn: Reg; op2: Operand2 }
  /** ADDW/SUBW: plain 12-bit immediate, never sets flags. */
  | { op: 'addw' | 'subw'; rd: Reg; rn: Reg; imm: number }
  /** ADR: rd = absolute address (Align(PC, 4) +/- imm), resolved by the decoder. */
  | { op: 'adr'; rd: Reg; address: number; offset: number }
  /** Shift by register: amount is Rm<7:0>. */
  | { op: 'shiftReg'; type: ShiftOp; rd: Reg; rn: Reg; rm: Reg; setFlags: SetFlags }
  | { op: 'movw' | 'movt'; rd: Reg; imm16: number }
  /** MUL; the 16-bit form sets N and Z outside an IT block. */
  | { op: 'mul'; rd: Reg; rn: Reg; rm: Reg; setFlags: SetFlags }
  | { op: 'mla' | 'mls'; rd: Reg; rn: Reg; rm: Reg; ra: Reg }
  | { op: 'umull' | 'smull' | 'umlal' | 'smlal'; rdLo: Reg; rdHi: Reg; rn: Reg; rm: Reg }
  | { op: 'sdiv' | 'udiv'; rd: Reg; rn: Reg; rm: Reg }
  | { op: 'clz' | 'rbit' | 'rev' | 'rev16' | 'revsh'; rd: Reg; rm: Reg }
  | { op: 'sxtb' | 'sxth' | 'uxtb' | 'uxth'; rd: Reg; rm: Reg; rotation: 0 | 8 | 16 | 24 }
  /** Single loads; `rt` = PC (word loads only) is an interworking branch. */
  | { op: 'ldr'; bytes: 1 | 2 | 4; signed: boolean; rt: Reg; addr: Address }
  | { op: 'str'; bytes: 1 | 2 | 4; rt: Reg; addr: Address }
  | { op: 'ldrd' | 'strd'; rt: Reg; rt2: Reg; rn: Reg; offset: number; index: boolean; wback: boolean }
  /** LDM/STM increment-after or decrement-before; PUSH is STMDB SP!, POP is LDMIA SP! (`alias` only changes the text). */
  | { op: 'ldm' | 'stm'; mode: 'ia' | 'db'; rn: Reg; regs: Reg[]; wback: boolean; alias: 'push' | 'pop' | null }
  /** B and Bcc; `target` absolute. Conditional encodings carry their cond, others `al`. */
  | { op: 'b'; cond: Cond; target: number }
  | { op: 'cbz' | 'cbnz'; rn: Reg; target: number }
  | { op: 'bl'; target: number }
  | { op: 'bx' | 'blx'; rm: Reg }
  | { op: 'tbb' | 'tbh'; rn: Reg; rm: Reg }
  /** IT: ITSTATE becomes firstcond:mask. */
  | { op: 'it'; firstcond: number; mask: number }
  | { op: 'udf'; imm: number }
  | { op: 'nop' };

/** A decoded instruction: its body plus the encoding size in bytes. */
export type ArmInstr = ArmInstrBody & { size: 2 | 4 };

export type DecodeResult = { kind: 'ok'; instr: ArmInstr; size: 2 | 4 } | { kind: 'unknown'; size: 2 | 4; reason: string };
