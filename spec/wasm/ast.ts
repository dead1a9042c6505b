/**
 * The typed AST of a decoded WebAssembly module (the validator's view of the
 * input, and the compiler's). Produced by `spec/wasm/decode.ts`.
 *
 * Instructions are nested: `block`/`loop`/`if` own their bodies. Every
 * instruction keeps the byte offset of its opcode in the module binary, so
 * errors and reports can point at it.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** A block's type: no value, one result, or a type index (multi-value). */
export type BlockType = { kind: 'empty' } | { kind: 'value'; type: ValType } | { kind: 'typeidx'; index: number };

export interface Limits {
  min: number;
  max?: number;
}

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; elemType: ValType; limits: Limits }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; type: ValType; mutable: boolean };

export interface Import {
  module: string;
  field: string;
  desc: ImportDesc;
}

export interface Export {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global';
  index: number;
}

/** A constant expression (global initialisers, segment offsets). */
export type ConstExpr =
  | { kind: 'i32.const'; value: number }
  | { kind: 'i64.const'; value: bigint }
  | { kind: 'global.get'; index: number }
  | { kind: 'other'; feature: string };

export interface Global {
  type: ValType;
  mutable: boolean;
  init: ConstExpr;
}

export interface Table {
  elemType: ValType;
  limits: Limits;
}

export interface ElemSegment {
  mode: 'active' | 'passive' | 'declarative';
  tableIndex: number;
  offset?: ConstExpr;
  /** Function indices (null for a ref.null entry). */
  funcs: (number | null)[];
}

export interface DataSegment {
  mode: 'active' | 'passive';
  memoryIndex: number;
  offset?: ConstExpr;
  bytes: Uint8Array;
  /** Byte offset of the segment's contents in the binary. */
  byteOffset: number;
}

export interface MemArg {
  align: number;
  offset: number;
}

/** The instruction union; `op` is the WebAssembly text name of the instruction. */
export type Instr = { offset: number } & (
  | { op: 'unreachable' | 'nop' | 'return' | 'drop' | 'select' | 'memory.size' | 'memory.grow' }
  | { op: 'block' | 'loop'; type: BlockType; body: Instr[] }
  | { op: 'if'; type: BlockType; then: Instr[]; else: Instr[] }
  | { op: 'br' | 'br_if'; depth: number }
  | { op: 'br_table'; depths: number[]; default: number }
  | { op: 'call'; func: number }
  | { op: 'call_indirect'; typeIndex: number; table: number }
  | { op: 'local.get' | 'local.set' | 'local.tee'; index: number }
  | { op: 'global.get' | 'global.set'; index: number }
  | { op: 'i32.const'; value: number }
  | { op: 'i64.const'; value: bigint }
  | { op: LoadOp | StoreOp; memarg: MemArg }
  | { op: NumericOp }
  /** A recognised instruction outside the supported subset (floats, SIMD, reference types, ...). */
  | { op: 'unsupported'; name: string; feature: string }
);

export type LoadOp =
  | 'i32.load'
  | 'i64.load'
  | 'i32.load8_s'
  | 'i32.load8_u'
  | 'i32.load16_s'
  | 'i32.load16_u'
  | 'i64.load8_s'
  | 'i64.load8_u'
  | 'i64.load16_s'
  | 'i64.load16_u'
  | 'i64.load32_s'
  | 'i64.load32_u';

export type StoreOp = 'i32.store' | 'i64.store' | 'i32.store8' | 'i32.store16' | 'i64.store8' | 'i64.store16' | 'i64.store32';

/** Every operand-only integer instruction (no immediates). */
export type NumericOp =
  | 'i32.eqz' | 'i32.eq' | 'i32.ne' | 'i32.lt_s' | 'i32.lt_u' | 'i32.gt_s' | 'i32.gt_u' | 'i32.le_s' | 'i32.le_u' | 'i32.ge_s' | 'i32.ge_u'
  | 'i64.eqz' | 'i64.eq' | 'i64.ne' | 'i64.lt_s' | 'i64.lt_u' | 'i64.gt_s' | 'i64.gt_u' | 'i64.le_s' | 'i64.le_u' | 'i64.ge_s' | 'i64.ge_u'
  | 'i32.clz' | 'i32.ctz' | 'i32.popcnt'
  | 'i32.add' | 'i32.sub' | 'i32.mul' | 'i32.div_s' | 'i32.div_u' | 'i32.rem_s' | 'i32.rem_u'
  | 'i32.and' | 'i32.or' | 'i32.xor' | 'i32.shl' | 'i32.shr_s' | 'i32.shr_u' | 'i32.rotl' | 'i32.rotr'
  | 'i64.clz' | 'i64.ctz' | 'i64.popcnt'
  | 'i64.add' | 'i64.sub' | 'i64.mul' | 'i64.div_s' | 'i64.div_u' | 'i64.rem_s' | 'i64.rem_u'
  | 'i64.and' | 'i64.or' | 'i64.xor' | 'i64.shl' | 'i64.shr_s' | 'i64.shr_u' | 'i64.rotl' | 'i64.rotr'
  | 'i32.wrap_i64' | 'i64.extend_i32_s' | 'i64.extend_i32_u'
  | 'i32.extend8_s' | 'i32.extend16_s' | 'i64.extend8_s' | 'i64.extend16_s' | 'i64.extend32_s';

export interface Func {
  /** Index in the function index space (imports first). */
  index: number;
  typeIndex: number;
  /** Declared locals, expanded (params not included). */
  locals: ValType[];
  body: Instr[];
  /** Byte offset of the function body (its size field) in the binary. */
  byteOffset: number;
  /** From the name section, if present. */
  name?: string;
}

export interface Module {
  types: FuncType[];
  imports: Import[];
  /** Type index of each function in the index space, imports first. */
  funcTypeIndices: number[];
  /** Defined functions only (index >= number of imported functions). */
  funcs: Func[];
  tables: Table[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start?: number;
  elems: ElemSegment[];
  datas: DataSegment[];
  /** Custom sections other than `name`, by name. */
  customs: { name: string; bytes: Uint8Array }[];
  /** Function names from the name section, by function index. */
  funcNames: Map<number, string>;
}
