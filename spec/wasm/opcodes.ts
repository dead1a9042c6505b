/**
 * The one table of every WebAssembly opcode the decoder recognises: its
 * byte(s), text name, immediate kind, whether warden supports it (and if not,
 * the feature it belongs to), and for the supported integer instructions with
 * no immediates their operand/result signature.
 *
 * This table is the single list of supported opcodes for the whole project:
 * the decoder, the semantics, the interpreter, the conformance campaign and
 * the compiler all read it. Unsupported opcodes are recognised (so that their
 * immediates can be skipped and their name reported) but never executed.
 */
import type { NumericOp, LoadOp, StoreOp } from './ast.ts';

/** How the bytes after the opcode are laid out. */
export type ImmKind =
  | 'none'
  | 'blocktype' // block, loop, if, try
  | 'labelidx' // br, br_if, rethrow, delegate, br_on_null, ...
  | 'br_table' // vec(labelidx) labelidx
  | 'funcidx' // call, return_call, ref.func
  | 'call_indirect' // typeidx tableidx
  | 'typeidx' // call_ref, return_call_ref
  | 'localidx'
  | 'globalidx'
  | 'tableidx' // table.get/set/grow/size/fill
  | 'tagidx' // throw, catch
  | 'memarg'
  | 'memidx' // memory.size, memory.grow, memory.fill: one memory index
  | 'memidx2' // memory.copy: two memory indices
  | 'data_memidx' // memory.init: dataidx memidx
  | 'dataidx' // data.drop
  | 'elemidx' // elem.drop
  | 'elem_tableidx' // table.init: elemidx tableidx
  | 'tableidx2' // table.copy
  | 'i32' // s32 LEB
  | 'i64' // s64 LEB
  | 'f32' // 4 raw bytes
  | 'f64' // 8 raw bytes
  | 'select_t' // vec(valtype)
  | 'reftype' // ref.null: heap type byte
  | 'try_table' // blocktype vec(catch) -- its body follows like a block
  | 'v128' // 16 raw bytes
  | 'shuffle' // 16 lane bytes
  | 'lane' // 1 lane byte
  | 'memarg_lane' // memarg + lane byte
  | 'zero_byte'; // atomic.fence: one reserved byte

export type ValueKind = 'i32' | 'i64';

/** Operand and result types of a supported immediate-free integer instruction. */
export interface Signature {
  params: ValueKind[];
  results: ValueKind[];
}

export interface OpInfo {
  /** Text name, e.g. `i32.add`; unnamed SIMD/atomic opcodes are named `simd.0x..`/`atomic.0x..`. */
  name: string;
  /** 0x00..0xFF for single-byte opcodes; the prefix byte for prefixed ones. */
  byte: number;
  /** The u32 sub-opcode after a 0xFC/0xFD/0xFE prefix. */
  sub?: number;
  imm: ImmKind;
  supported: boolean;
  /** For unsupported opcodes: the feature it belongs to ('floating point', 'SIMD', ...). */
  feature?: string;
  /** For supported immediate-free integer numeric instructions. */
  sig?: Signature;
  /** For loads/stores: the access size in bytes. */
  accessBytes?: number;
}

const table: OpInfo[] = [];

function sup(byte: number, name: string, imm: ImmKind, extra: Partial<OpInfo> = {}): void {
  table.push({ name, byte, imm, supported: true, ...extra });
}
function uns(byte: number, name: string, imm: ImmKind, feature: string, sub?: number): void {
  table.push(sub === undefined ? { name, byte, imm, supported: false, feature } : { name, byte, sub, imm, supported: false, feature });
}

const FP = 'floating point';
const SIMD = 'SIMD';
const REF = 'reference types';
const BULK = 'bulk memory';
const EH = 'exception handling';
const TAIL = 'tail calls';
const THREADS = 'threads';
const FREF = 'function references';
const SAT = 'non-trapping float-to-int conversions';

// --- control ---
sup(0x00, 'unreachable', 'none');
sup(0x01, 'nop', 'none');
sup(0x02, 'block', 'blocktype');
sup(0x03, 'loop', 'blocktype');
sup(0x04, 'if', 'blocktype');
sup(0x05, 'else', 'none');
uns(0x06, 'try', 'blocktype', EH);
uns(0x07, 'catch', 'tagidx', EH);
uns(0x08, 'throw', 'tagidx', EH);
uns(0x09, 'rethrow', 'labelidx', EH);
uns(0x0a, 'throw_ref', 'none', EH);
sup(0x0b, 'end', 'none');
sup(0x0c, 'br', 'labelidx');
sup(0x0d, 'br_if', 'labelidx');
sup(0x0e, 'br_table', 'br_table');
sup(0x0f, 'return', 'none');
sup(0x10, 'call', 'funcidx');
sup(0x11, 'call_indirect', 'call_indirect');
uns(0x12, 'return_call', 'funcidx', TAIL);
uns(0x13, 'return_call_indirect', 'call_indirect', TAIL);
uns(0x14, 'call_ref', 'typeidx', FREF);
uns(0x15, 'return_call_ref', 'typeidx', TAIL);
uns(0x18, 'delegate', 'labelidx', EH);
uns(0x19, 'catch_all', 'none', EH);
sup(0x1a, 'drop', 'none');
sup(0x1b, 'select', 'none');
uns(0x1c, 'select_t', 'select_t', REF); // typed select: only needed for reference operands
uns(0x1f, 'try_table', 'try_table', EH);

// --- variables ---
sup(0x20, 'local.get', 'localidx');
sup(0x21, 'local.set', 'localidx');
sup(0x22, 'local.tee', 'localidx');
sup(0x23, 'global.get', 'globalidx');
sup(0x24, 'global.set', 'globalidx');
uns(0x25, 'table.get', 'tableidx', REF);
uns(0x26, 'table.set', 'tableidx', REF);

// --- memory ---
const loads: [number, string, number][] = [
  [0x28, 'i32.load', 4], [0x29, 'i64.load', 8],
  [0x2c, 'i32.load8_s', 1], [0x2d, 'i32.load8_u', 1], [0x2e, 'i32.load16_s', 2], [0x2f, 'i32.load16_u', 2],
  [0x30, 'i64.load8_s', 1], [0x31, 'i64.load8_u', 1], [0x32, 'i64.load16_s', 2], [0x33, 'i64.load16_u', 2],
  [0x34, 'i64.load32_s', 4], [0x35, 'i64.load32_u', 4],
];
for (const [b, n, size] of loads) sup(b, n, 'memarg', { accessBytes: size, sig: { params: ['i32'], results: [n.startsWith('i64') ? 'i64' : 'i32'] } });
uns(0x2a, 'f32.load', 'memarg', FP);
uns(0x2b, 'f64.load', 'memarg', FP);
const stores: [number, string, number][] = [
  [0x36, 'i32.store', 4], [0x37, 'i64.store', 8],
  [0x3a, 'i32.store8', 1], [0x3b, 'i32.store16', 2], [0x3c, 'i64.store8', 1], [0x3d, 'i64.store16', 2], [0x3e, 'i64.store32', 4],
];
for (const [b, n, size] of stores) sup(b, n, 'memarg', { accessBytes: size, sig: { params: ['i32', n.startsWith('i64') ? 'i64' : 'i32'], results: [] } });
uns(0x38, 'f32.store', 'memarg', FP);
uns(0x39, 'f64.store', 'memarg', FP);
sup(0x3f, 'memory.size', 'memidx', { sig: { params: [], results: ['i32'] } });
sup(0x40, 'memory.grow', 'memidx', { sig: { params: ['i32'], results: ['i32'] } });

// --- constants ---
sup(0x41, 'i32.const', 'i32', { sig: { params: [], results: ['i32'] } });
sup(0x42, 'i64.const', 'i64', { sig: { params: [], results: ['i64'] } });
uns(0x43, 'f32.const', 'f32', FP);
uns(0x44, 'f64.const', 'f64', FP);

// --- integer numerics ---
const I32_1 = { params: ['i32'], results: ['i32'] } as Signature;
const I32_2 = { params: ['i32', 'i32'], results: ['i32'] } as Signature;
const I64_1 = { params: ['i64'], results: ['i64'] } as Signature;
const I64_2 = { params: ['i64', 'i64'], results: ['i64'] } as Signature;
const I64_TEST = { params: ['i64'], results: ['i32'] } as Signature;
const I64_CMP = { params: ['i64', 'i64'], results: ['i32'] } as Signature;

const cmpNames = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
sup(0x45, 'i32.eqz', 'none', { sig: I32_1 });
cmpNames.forEach((n, i) => sup(0x46 + i, `i32.${n}`, 'none', { sig: I32_2 }));
sup(0x50, 'i64.eqz', 'none', { sig: I64_TEST });
cmpNames.forEach((n, i) => sup(0x51 + i, `i64.${n}`, 'none', { sig: I64_CMP }));
['eq', 'ne', 'lt', 'gt', 'le', 'ge'].forEach((n, i) => {
  uns(0x5b + i, `f32.${n}`, 'none', FP);
  uns(0x61 + i, `f64.${n}`, 'none', FP);
});

const unaryInt = ['clz', 'ctz', 'popcnt'];
const binaryInt = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
unaryInt.forEach((n, i) => sup(0x67 + i, `i32.${n}`, 'none', { sig: I32_1 }));
binaryInt.forEach((n, i) => sup(0x6a + i, `i32.${n}`, 'none', { sig: I32_2 }));
unaryInt.forEach((n, i) => sup(0x79 + i, `i64.${n}`, 'none', { sig: I64_1 }));
binaryInt.forEach((n, i) => sup(0x7c + i, `i64.${n}`, 'none', { sig: I64_2 }));
const floatArith = ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt', 'add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];
floatArith.forEach((n, i) => {
  uns(0x8b + i, `f32.${n}`, 'none', FP);
  uns(0x99 + i, `f64.${n}`, 'none', FP);
});

// --- conversions ---
sup(0xa7, 'i32.wrap_i64', 'none', { sig: { params: ['i64'], results: ['i32'] } });
const conv: [number, string][] = [
  [0xa8, 'i32.trunc_f32_s'], [0xa9, 'i32.trunc_f32_u'], [0xaa, 'i32.trunc_f64_s'], [0xab, 'i32.trunc_f64_u'],
  [0xae, 'i64.trunc_f32_s'], [0xaf, 'i64.trunc_f32_u'], [0xb0, 'i64.trunc_f64_s'], [0xb1, 'i64.trunc_f64_u'],
  [0xb2, 'f32.convert_i32_s'], [0xb3, 'f32.convert_i32_u'], [0xb4, 'f32.convert_i64_s'], [0xb5, 'f32.convert_i64_u'], [0xb6, 'f32.demote_f64'],
  [0xb7, 'f64.convert_i32_s'], [0xb8, 'f64.convert_i32_u'], [0xb9, 'f64.convert_i64_s'], [0xba, 'f64.convert_i64_u'], [0xbb, 'f64.promote_f32'],
  [0xbc, 'i32.reinterpret_f32'], [0xbd, 'i64.reinterpret_f64'], [0xbe, 'f32.reinterpret_i32'], [0xbf, 'f64.reinterpret_i64'],
];
for (const [b, n] of conv) uns(b, n, 'none', FP);
sup(0xac, 'i64.extend_i32_s', 'none', { sig: { params: ['i32'], results: ['i64'] } });
sup(0xad, 'i64.extend_i32_u', 'none', { sig: { params: ['i32'], results: ['i64'] } });
sup(0xc0, 'i32.extend8_s', 'none', { sig: I32_1 });
sup(0xc1, 'i32.extend16_s', 'none', { sig: I32_1 });
sup(0xc2, 'i64.extend8_s', 'none', { sig: I64_1 });
sup(0xc3, 'i64.extend16_s', 'none', { sig: I64_1 });
sup(0xc4, 'i64.extend32_s', 'none', { sig: I64_1 });

// --- reference types ---
uns(0xd0, 'ref.null', 'reftype', REF);
uns(0xd1, 'ref.is_null', 'none', REF);
uns(0xd2, 'ref.func', 'funcidx', REF);
uns(0xd3, 'ref.eq', 'none', 'GC');
uns(0xd4, 'ref.as_non_null', 'none', FREF);
uns(0xd5, 'br_on_null', 'labelidx', FREF);
uns(0xd6, 'br_on_non_null', 'labelidx', FREF);

// --- 0xFC prefix ---
const sat = ['i32.trunc_sat_f32_s', 'i32.trunc_sat_f32_u', 'i32.trunc_sat_f64_s', 'i32.trunc_sat_f64_u', 'i64.trunc_sat_f32_s', 'i64.trunc_sat_f32_u', 'i64.trunc_sat_f64_s', 'i64.trunc_sat_f64_u'];
sat.forEach((n, i) => uns(0xfc, n, 'none', SAT, i));
uns(0xfc, 'memory.init', 'data_memidx', BULK, 8);
uns(0xfc, 'data.drop', 'dataidx', BULK, 9);
uns(0xfc, 'memory.copy', 'memidx2', BULK, 10);
uns(0xfc, 'memory.fill', 'memidx', BULK, 11);
uns(0xfc, 'table.init', 'elem_tableidx', BULK, 12);
uns(0xfc, 'elem.drop', 'elemidx', BULK, 13);
uns(0xfc, 'table.copy', 'tableidx2', BULK, 14);
uns(0xfc, 'table.grow', 'tableidx', REF, 15);
uns(0xfc, 'table.size', 'tableidx', REF, 16);
uns(0xfc, 'table.fill', 'tableidx', REF, 17);

// --- 0xFD prefix (SIMD): recognised so that immediates are skipped and the feature named ---
const simdMem: [number, string][] = [
  [0, 'v128.load'], [1, 'v128.load8x8_s'], [2, 'v128.load8x8_u'], [3, 'v128.load16x4_s'], [4, 'v128.load16x4_u'],
  [5, 'v128.load32x2_s'], [6, 'v128.load32x2_u'], [7, 'v128.load8_splat'], [8, 'v128.load16_splat'], [9, 'v128.load32_splat'],
  [10, 'v128.load64_splat'], [11, 'v128.store'], [92, 'v128.load32_zero'], [93, 'v128.load64_zero'],
];
for (const [s, n] of simdMem) uns(0xfd, n, 'memarg', SIMD, s);
uns(0xfd, 'v128.const', 'v128', SIMD, 12);
uns(0xfd, 'i8x16.shuffle', 'shuffle', SIMD, 13);
const lanes = [
  'i8x16.extract_lane_s', 'i8x16.extract_lane_u', 'i8x16.replace_lane', 'i16x8.extract_lane_s', 'i16x8.extract_lane_u', 'i16x8.replace_lane',
  'i32x4.extract_lane', 'i32x4.replace_lane', 'i64x2.extract_lane', 'i64x2.replace_lane', 'f32x4.extract_lane', 'f32x4.replace_lane',
  'f64x2.extract_lane', 'f64x2.replace_lane',
];
lanes.forEach((n, i) => uns(0xfd, n, 'lane', SIMD, 21 + i));
const laneMem = ['v128.load8_lane', 'v128.load16_lane', 'v128.load32_lane', 'v128.load64_lane', 'v128.store8_lane', 'v128.store16_lane', 'v128.store32_lane', 'v128.store64_lane'];
laneMem.forEach((n, i) => uns(0xfd, n, 'memarg_lane', SIMD, 84 + i));
{
  const named = new Set(table.filter((o) => o.byte === 0xfd).map((o) => o.sub));
  // The remaining SIMD opcodes (up to the relaxed-SIMD range) take no immediates.
  for (let s = 0; s <= 0x113; s++) if (!named.has(s)) uns(0xfd, `simd.0x${s.toString(16)}`, 'none', SIMD, s);
}

// --- 0xFE prefix (threads / atomics) ---
uns(0xfe, 'memory.atomic.notify', 'memarg', THREADS, 0);
uns(0xfe, 'memory.atomic.wait32', 'memarg', THREADS, 1);
uns(0xfe, 'memory.atomic.wait64', 'memarg', THREADS, 2);
uns(0xfe, 'atomic.fence', 'zero_byte', THREADS, 3);
for (let s = 0x10; s <= 0x4e; s++) uns(0xfe, `atomic.0x${s.toString(16)}`, 'memarg', THREADS, s);

export const OPCODES: readonly OpInfo[] = table;

const byKey = new Map<number, OpInfo>();
const byName = new Map<string, OpInfo>();
function key(byte: number, sub?: number): number {
  return sub === undefined ? byte : byte * 0x100000 + sub;
}
for (const o of table) {
  const k = key(o.byte, o.sub);
  if (byKey.has(k) || byName.has(o.name)) throw new Error(`opcodes.ts: duplicate opcode ${o.name}`);
  byKey.set(k, o);
  byName.set(o.name, o);
}

/** Prefix bytes whose u32 sub-opcode selects the instruction. */
export const PREFIXES: readonly number[] = [0xfc, 0xfd, 0xfe];

/** Look up an opcode by its byte (and sub-opcode for prefixed ones). */
export function opByCode(byte: number, sub?: number): OpInfo | undefined {
  return byKey.get(key(byte, sub));
}

/** Look up an opcode by its text name. */
export function opInfo(name: string): OpInfo | undefined {
  return byName.get(name);
}

/** Every supported opcode (structural ones like `else`/`end` included). */
export const SUPPORTED_OPS: readonly OpInfo[] = table.filter((o) => o.supported);

/** Text names of the supported opcodes. */
export const SUPPORTED_NAMES: ReadonlySet<string> = new Set(SUPPORTED_OPS.map((o) => o.name));

/** The supported immediate-free integer instructions (the `NumericOp` set), with signatures. */
export const NUMERIC_OPS: readonly (OpInfo & { name: NumericOp; sig: Signature })[] = table.filter(
  (o): o is OpInfo & { name: NumericOp; sig: Signature } => o.supported && o.imm === 'none' && o.sig !== undefined,
);

export const LOAD_OPS: readonly (OpInfo & { name: LoadOp; accessBytes: number })[] = table.filter(
  (o): o is OpInfo & { name: LoadOp; accessBytes: number } => o.supported && o.imm === 'memarg' && o.sig !== undefined && o.sig.results.length === 1,
);

export const STORE_OPS: readonly (OpInfo & { name: StoreOp; accessBytes: number })[] = table.filter(
  (o): o is OpInfo & { name: StoreOp; accessBytes: number } => o.supported && o.imm === 'memarg' && o.sig !== undefined && o.sig.results.length === 0,
);

export function isNumericOp(name: string): name is NumericOp {
  const o = byName.get(name);
  return o !== undefined && o.supported && o.imm === 'none' && o.sig !== undefined;
}

/** The binary encoding of an opcode (prefix + LEB sub-opcode where needed), for encoders in tests and the compiler. */
export function opcodeBytes(name: string): number[] {
  const o = byName.get(name);
  if (!o) throw new Error(`opcodes.ts: unknown opcode ${name}`);
  if (o.sub === undefined) return [o.byte];
  const out = [o.byte];
  let v = o.sub;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}
