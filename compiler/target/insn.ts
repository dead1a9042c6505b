/**
 * The compiler's Thumb-2 machine instructions, over registers `R` (virtual
 * registers before allocation, physical 0..15 after). This is the contract
 * between instruction selection / register allocation and the encoder.
 *
 * It is the compiler's own model and untrusted: the validator never sees it,
 * it decodes the emitted bytes with spec/arm instead.
 */

export type PReg = number; // 0..15; 13 = SP, 14 = LR, 15 = PC
export const SP = 13;
export const LR = 14;
export const PC = 15;

export type Cond = 'eq' | 'ne' | 'hs' | 'lo' | 'mi' | 'pl' | 'vs' | 'vc' | 'hi' | 'ls' | 'ge' | 'lt' | 'gt' | 'le';

export type ShiftKind = 'lsl' | 'lsr' | 'asr' | 'ror';

/** A flexible second operand: an immediate (encodable or not: the encoder materialises what does not fit) or a shifted register. */
export type Operand2<R> = { kind: 'imm'; value: number } | { kind: 'reg'; rm: R; shift?: { kind: ShiftKind; amount: number } };

export type Label = number;

export type AluOp = 'add' | 'adc' | 'sub' | 'sbc' | 'rsb' | 'and' | 'orr' | 'eor' | 'bic' | 'orn';

export type Address<R> =
  /** [base, #offset]; offset may be negative or exceed the immediate range (the encoder splits it). */
  | { kind: 'imm'; base: R; offset: number }
  /** [base, index, LSL #shift]. */
  | { kind: 'reg'; base: R; index: R; shift: number };

export type MInstr<R> =
  | { op: 'alu'; alu: AluOp; setFlags: boolean; rd: R; rn: R; op2: Operand2<R> }
  | { op: 'mov'; setFlags: boolean; rd: R; op2: Operand2<R> }
  | { op: 'mvn'; setFlags: boolean; rd: R; op2: Operand2<R> }
  | { op: 'cmp' | 'cmn' | 'tst' | 'teq'; rn: R; op2: Operand2<R> }
  /** Shift by register (shift by immediate is `mov` with a shifted operand). */
  | { op: 'shiftReg'; kind: ShiftKind; setFlags: boolean; rd: R; rn: R; rm: R }
  | { op: 'movw' | 'movt'; rd: R; imm16: number }
  /** Materialise any 32-bit constant (MOV/MVN immediate, MOVW[+MOVT], or a literal-pool load). */
  | { op: 'movConst'; rd: R; value: number }
  /** setFlags: MULS, which sets N and Z only and exists only as the 16-bit form (low registers, rd = rn or rm). */
  | { op: 'mul'; setFlags?: boolean; rd: R; rn: R; rm: R }
  | { op: 'mla' | 'mls'; rd: R; rn: R; rm: R; ra: R }
  | { op: 'umull' | 'smull'; rdLo: R; rdHi: R; rn: R; rm: R }
  | { op: 'udiv' | 'sdiv'; rd: R; rn: R; rm: R }
  | { op: 'clz' | 'rbit' | 'rev' | 'sxtb' | 'sxth' | 'uxtb' | 'uxth'; rd: R; rm: R }
  | { op: 'ldr'; size: 1 | 2 | 4; signed: boolean; rt: R; addr: Address<R> }
  | { op: 'str'; size: 1 | 2 | 4; rt: R; addr: Address<R> }
  | { op: 'ldrd' | 'strd'; rt: R; rt2: R; base: R; offset: number }
  | { op: 'push' | 'pop'; regs: PReg[] }
  /** Address of a symbol (linear memory, globals, tables) via MOVW/MOVT with relocations. */
  | { op: 'addrOf'; rd: R; symbol: string; addend: number }
  | { op: 'label'; label: Label }
  | { op: 'b'; cond?: Cond; target: Label }
  | { op: 'cbz' | 'cbnz'; rn: R; target: Label }
  /** Jump table: TBB/TBH on an index already bounds-checked. */
  | { op: 'tbb' | 'tbh'; index: R; targets: Label[] }
  | { op: 'bl'; symbol: string }
  | { op: 'bx' | 'blx'; rm: R }
  | { op: 'udf'; code: number }
  | { op: 'nop' };
