/**
 * The WebAssembly binary decoder: bytes -> `Module` (spec/wasm/ast.ts).
 *
 * This is the validator's view of the input, so it is strict about the
 * binary format (LEB128 length and overflow, section order and sizes, vector
 * counts against the bytes that remain) and never throws anything but a
 * `WasmDecodeError` naming the section and byte offset. It does not type-check
 * (that is the interpreter's / compiler's job) but it does reject what cannot
 * be represented. Instructions outside the supported subset decode to
 * `{ op: 'unsupported', name, feature }` so that consumers can name them;
 * module-level constructs the AST cannot hold (tags, GC types, shared or
 * 64-bit memories) throw a `WasmDecodeError` whose `feature` names them.
 *
 * Instruction decoding is iterative (an explicit block stack), so deeply
 * nested input cannot overflow the JS stack.
 */
import type {
  BlockType, ConstExpr, DataSegment, ElemSegment, Export, Func, FuncType, Global, Import, ImportDesc, Instr, Limits, MemArg, Module, Table, ValType,
} from './ast.ts';
import { opByCode, PREFIXES, type OpInfo } from './opcodes.ts';

export class WasmDecodeError extends Error {
  constructor(
    /** The section being decoded ('header', 'type', 'code', ...). */
    readonly section: string,
    /** Byte offset in the module binary where the problem was found. */
    readonly offset: number,
    readonly detail: string,
    /** Set when the input is well-formed but uses a feature warden does not support. */
    readonly feature?: string,
  ) {
    super(`wasm decode: ${section} section, offset ${offset} (0x${offset.toString(16)}): ${detail}`);
    this.name = 'WasmDecodeError';
  }
}

/** Total declared locals per function above which the body is rejected (V8's limit). */
export const MAX_LOCALS = 50_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    public end: number,
    public section: string,
  ) {
    this.pos = start;
  }

  fail(detail: string, at = this.pos, feature?: string): never {
    throw new WasmDecodeError(this.section, at, detail, feature);
  }
  unsupported(feature: string, what: string, at = this.pos): never {
    throw new WasmDecodeError(this.section, at, `${what} (feature: ${feature}) is not supported`, feature);
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail(this.end === this.bytes.length ? 'unexpected end' : 'unexpected end of section or function');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most 32 bits. */
  u32(): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      if (i === 4) {
        if (b & 0x80) this.fail('integer representation too long', start);
        if (b & 0x70) this.fail('integer too large', start);
      }
      result += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) return result;
    }
    return this.fail('integer representation too long', start);
  }

  /** Signed LEB128 of `bits` (32, 33 or 64) bits, as a bigint. */
  sleb(bits: 32 | 33 | 64): bigint {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (i === maxBytes - 1) {
        if (b & 0x80) this.fail('integer representation too long', start);
        // The unused high bits of the last byte must replicate the sign bit.
        const used = bits - 7 * (maxBytes - 1); // payload bits in the last byte, sign included
        const signBit = (b >> (used - 1)) & 1;
        const extra = b >> used & (0x7f >> used);
        if (extra !== (signBit ? 0x7f >> used : 0)) this.fail('integer too large', start);
      }
      if (!(b & 0x80)) {
        if (b & 0x40) result -= 1n << shift;
        return BigInt.asIntN(bits, result);
      }
    }
    return this.fail('integer representation too long', start);
  }

  s32(): number {
    return Number(this.sleb(32));
  }

  take(n: number): Uint8Array {
    if (n > this.remaining) this.fail(`length ${n} out of bounds (${this.remaining} bytes left)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A vector count, checked against the bytes left (each element takes at least `minSize` bytes). */
  count(what: string, minSize = 1): number {
    const at = this.pos;
    const n = this.u32();
    if (n * minSize > this.remaining) this.fail(`${what} count ${n} exceeds the ${this.remaining} bytes left`, at);
    return n;
  }

  name(): string {
    const len = this.count('name');
    const at = this.pos;
    const raw = this.take(len);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail('malformed UTF-8 encoding', at);
    }
  }
}

function valType(r: Reader): ValType {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
    case 0x7b: return 'v128';
    case 0x70: return 'funcref';
    case 0x6f: return 'externref';
    case 0x63:
    case 0x64: return r.unsupported('function references', 'typed reference value type', at);
    default:
      if (b >= 0x65 && b <= 0x74) return r.unsupported('GC', `value type 0x${b.toString(16)}`, at);
      return r.fail(`malformed value type 0x${b.toString(16)}`, at);
  }
}

function refType(r: Reader): ValType {
  const at = r.pos;
  const t = valType(r);
  if (t !== 'funcref' && t !== 'externref') r.fail(`malformed reference type ${t}`, at);
  return t;
}

function blockType(r: Reader): BlockType {
  const b = r.bytes[r.pos];
  if (b === 0x40 && r.pos < r.end) {
    r.pos++;
    return { kind: 'empty' };
  }
  if (b !== undefined && r.pos < r.end && (b & 0xc0) === 0x40) return { kind: 'value', type: valType(r) }; // single-byte negative s33 = value type
  const at = r.pos;
  const idx = r.sleb(33);
  if (idx < 0n) r.fail('malformed block type', at);
  return { kind: 'typeidx', index: Number(idx) };
}

function limits(r: Reader, what: 'memory' | 'table'): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (flags === 0x02 || flags === 0x03) r.unsupported('threads', `shared ${what}`, at);
  if (flags >= 0x04 && flags <= 0x07) r.unsupported('memory64', `64-bit ${what}`, at);
  if (flags > 1) r.fail(`malformed limits flags 0x${flags.toString(16)}`, at);
  const min = r.u32();
  if (flags === 1) return { min, max: r.u32() };
  return { min };
}

function memArg(r: Reader, name: string): MemArg | { multiMemory: true } {
  const at = r.pos;
  let align = r.u32();
  let multi = false;
  if (align & 0x40) {
    // Multi-memory: bit 6 flags an explicit memory index.
    align &= ~0x40;
    if (r.u32() !== 0) multi = true;
  }
  if (align >= 32) r.fail(`malformed memop flags for ${name}`, at);
  const offset = r.u32();
  return multi ? { multiMemory: true } : { align, offset };
}

type OpenFrame = {
  kind: 'block' | 'loop' | 'if' | 'try' | 'try_table' | 'top';
  offset: number;
  type: BlockType;
  body: Instr[];
  /** For `if`: the then-branch once `else` has been seen. */
  then?: Instr[];
  info?: OpInfo;
};

/**
 * Decode an instruction sequence up to and including its final `end`.
 * Returns the instructions of the outermost sequence.
 */
function expr(r: Reader): Instr[] {
  const stack: OpenFrame[] = [{ kind: 'top', offset: r.pos, type: { kind: 'empty' }, body: [] }];
  for (;;) {
    const offset = r.pos;
    const byte = r.u8();
    let sub: number | undefined;
    if (PREFIXES.includes(byte)) sub = r.u32();
    const info = opByCode(byte, sub);
    if (!info) r.fail(`illegal opcode 0x${byte.toString(16)}${sub === undefined ? '' : ` 0x${sub.toString(16)}`}`, offset);
    const top = stack[stack.length - 1]!;
    const emit = (i: Instr): void => {
      top.body.push(i);
    };
    const unsupported = (): void => emit({ offset, op: 'unsupported', name: info.name, feature: info.feature ?? 'unknown' });

    switch (info.name) {
      case 'block':
      case 'loop':
      case 'if':
      case 'try':
        stack.push({ kind: info.name, offset, type: blockType(r), body: [], info });
        continue;
      case 'try_table': {
        const type = blockType(r);
        const n = r.count('catch clause');
        for (let i = 0; i < n; i++) {
          const k = r.u8();
          if (k === 0 || k === 1) r.u32(); // tag
          else if (k !== 2 && k !== 3) r.fail(`malformed catch clause kind ${k}`, r.pos - 1);
          r.u32(); // label
        }
        stack.push({ kind: 'try_table', offset, type, body: [], info });
        continue;
      }
      case 'else':
        if (top.kind !== 'if' || top.then) r.fail('else without matching if', offset);
        top.then = top.body;
        top.body = [];
        continue;
      case 'catch':
      case 'catch_all':
        if (top.kind !== 'try') r.fail(`${info.name} outside try`, offset);
        if (info.name === 'catch') r.u32();
        continue;
      case 'end':
      case 'delegate': {
        if (info.name === 'delegate') {
          if (top.kind !== 'try') r.fail('delegate outside try', offset);
          r.u32();
        }
        stack.pop();
        if (top.kind === 'top') return top.body;
        const parent = stack[stack.length - 1]!;
        if (top.kind === 'block' || top.kind === 'loop') parent.body.push({ offset: top.offset, op: top.kind, type: top.type, body: top.body });
        else if (top.kind === 'if') parent.body.push({ offset: top.offset, op: 'if', type: top.type, then: top.then ?? top.body, else: top.then ? top.body : [] });
        else parent.body.push({ offset: top.offset, op: 'unsupported', name: top.info!.name, feature: top.info!.feature ?? 'unknown' });
        continue;
      }
    }

    switch (info.imm) {
      case 'none':
        if (info.supported) emit({ offset, op: info.name } as Instr);
        else unsupported();
        break;
      case 'labelidx': {
        const depth = r.u32();
        if (info.name === 'br' || info.name === 'br_if') emit({ offset, op: info.name, depth });
        else unsupported();
        break;
      }
      case 'br_table': {
        const n = r.count('br_table target');
        const depths: number[] = [];
        for (let i = 0; i < n; i++) depths.push(r.u32());
        emit({ offset, op: 'br_table', depths, default: r.u32() });
        break;
      }
      case 'funcidx': {
        const func = r.u32();
        if (info.name === 'call') emit({ offset, op: 'call', func });
        else unsupported();
        break;
      }
      case 'call_indirect': {
        const typeIndex = r.u32();
        const table = r.u32();
        if (info.name === 'call_indirect') emit({ offset, op: 'call_indirect', typeIndex, table });
        else unsupported();
        break;
      }
      case 'localidx': {
        const index = r.u32();
        emit({ offset, op: info.name as 'local.get', index });
        break;
      }
      case 'globalidx': {
        const index = r.u32();
        emit({ offset, op: info.name as 'global.get', index });
        break;
      }
      case 'memarg': {
        const m = memArg(r, info.name);
        if ('multiMemory' in m) emit({ offset, op: 'unsupported', name: info.name, feature: 'multi-memory' });
        else if (info.supported) emit({ offset, op: info.name as 'i32.load', memarg: m });
        else unsupported();
        break;
      }
      case 'memidx': {
        const mem = r.u32();
        if (!info.supported) unsupported();
        else if (mem !== 0) emit({ offset, op: 'unsupported', name: info.name, feature: 'multi-memory' });
        else emit({ offset, op: info.name as 'memory.size' });
        break;
      }
      case 'i32':
        emit({ offset, op: 'i32.const', value: r.s32() });
        break;
      case 'i64':
        emit({ offset, op: 'i64.const', value: r.sleb(64) });
        break;
      case 'f32':
        r.take(4);
        unsupported();
        break;
      case 'f64':
        r.take(8);
        unsupported();
        break;
      case 'v128':
      case 'shuffle':
        r.take(16);
        unsupported();
        break;
      case 'lane':
      case 'zero_byte':
        r.u8();
        unsupported();
        break;
      case 'memarg_lane':
        memArg(r, info.name);
        r.u8();
        unsupported();
        break;
      case 'select_t': {
        const n = r.count('select type');
        for (let i = 0; i < n; i++) valType(r);
        unsupported();
        break;
      }
      case 'reftype': {
        const at = r.pos;
        const b = r.u8();
        if (b !== 0x70 && b !== 0x6f) r.fail(`malformed heap type 0x${b.toString(16)}`, at);
        unsupported();
        break;
      }
      case 'typeidx':
      case 'tableidx':
      case 'tagidx':
      case 'dataidx':
      case 'elemidx':
        r.u32();
        unsupported();
        break;
      case 'memidx2':
      case 'data_memidx':
      case 'elem_tableidx':
      case 'tableidx2':
        r.u32();
        r.u32();
        unsupported();
        break;
      case 'blocktype':
      case 'try_table':
        // Structured ops are all handled above; reaching here is a table error.
        r.fail(`opcode table error: ${info.name} not handled as structured`, offset);
    }
  }
}

function constExpr(r: Reader): ConstExpr {
  const at = r.pos;
  const body = expr(r);
  const [first] = body;
  if (body.length === 1 && first) {
    if (first.op === 'i32.const') return { kind: 'i32.const', value: first.value };
    if (first.op === 'i64.const') return { kind: 'i64.const', value: first.value };
    if (first.op === 'global.get') return { kind: 'global.get', index: first.index };
  }
  if (body.length === 0) r.fail('empty constant expression', at);
  const uns = body.find((i): i is Instr & { op: 'unsupported' } => i.op === 'unsupported');
  return { kind: 'other', feature: uns ? uns.feature : 'extended constant expressions' };
}

/** An element-segment expression: `ref.func i` or `ref.null t`; anything else is unsupported. */
function elemExpr(r: Reader): number | null {
  const at = r.pos;
  const b = r.u8();
  let v: number | null;
  if (b === 0xd2) v = r.u32();
  else if (b === 0xd0) {
    const t = r.u8();
    if (t !== 0x70 && t !== 0x6f) r.fail(`malformed heap type 0x${t.toString(16)}`, at + 1);
    v = null;
  } else {
    r.pos = at;
    const e = constExpr(r);
    return r.unsupported(e.kind === 'other' ? e.feature : 'reference types', `element expression ${e.kind}`, at);
  }
  if (r.u8() !== 0x0b) r.fail('element expression: expected end', r.pos - 1);
  return v;
}

const SECTION_NAMES: Record<number, string> = {
  0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory', 6: 'global', 7: 'export', 8: 'start', 9: 'element', 10: 'code', 11: 'data', 12: 'datacount', 13: 'tag',
};
/** Canonical position of each non-custom section id. */
const SECTION_ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

/** Decode a module binary. Throws only `WasmDecodeError`. */
export function decodeModule(bytes: Uint8Array): Module {
  try {
    return decodeInner(bytes);
  } catch (e) {
    if (e instanceof WasmDecodeError) throw e;
    // Defence in depth: an internal error must still surface as a decode error.
    throw new WasmDecodeError('module', 0, `internal decoder error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decodeInner(bytes: Uint8Array): Module {
  const hdr = new Reader(bytes, 0, bytes.length, 'header');
  const magic = [0x00, 0x61, 0x73, 0x6d];
  for (let i = 0; i < 4; i++) if (hdr.remaining === 0 || hdr.u8() !== magic[i]) hdr.fail('magic header not detected', i);
  const version = [0x01, 0x00, 0x00, 0x00];
  for (let i = 0; i < 4; i++) if (hdr.remaining === 0 || hdr.u8() !== version[i]) hdr.fail('unknown binary version', 4 + i);

  const m: Module = {
    types: [], imports: [], funcTypeIndices: [], funcs: [], tables: [], memories: [], globals: [], exports: [], elems: [], datas: [], customs: [], funcNames: new Map(),
  };
  let definedTypeIndices: number[] = [];
  let seenFunctionSection = false;
  let dataCount: number | undefined;
  let lastOrder = 0;
  let codeCount: number | undefined;
  const top = new Reader(bytes, 8, bytes.length, 'module');

  while (!top.atEnd()) {
    const idAt = top.pos;
    const id = top.u8();
    const sname = SECTION_NAMES[id];
    if (sname === undefined) top.fail(`malformed section id ${id}`, idAt);
    top.section = sname;
    const size = top.u32();
    if (size > top.remaining) top.fail(`section size ${size} exceeds the ${top.remaining} bytes left (unexpected end)`);
    const r = new Reader(bytes, top.pos, top.pos + size, sname);
    top.pos += size;
    top.section = 'module';
    if (id !== 0) {
      const ord = SECTION_ORDER[id]!;
      if (ord <= lastOrder) r.fail('unexpected section (duplicate or out of order)', idAt);
      lastOrder = ord;
    }

    switch (id) {
      case 0: {
        const name = r.name();
        const content = bytes.subarray(r.pos, r.end);
        if (name === 'name') {
          // A malformed name section does not invalidate the module (spec): keep it as a plain custom section.
          try {
            m.funcNames = nameSection(new Reader(bytes, r.pos, r.end, 'name'));
          } catch (e) {
            if (!(e instanceof WasmDecodeError)) throw e;
            m.customs.push({ name, bytes: content });
          }
        } else m.customs.push({ name, bytes: content });
        r.pos = r.end;
        break;
      }
      case 1: {
        const n = r.count('type');
        for (let i = 0; i < n; i++) {
          const at = r.pos;
          const form = r.u8();
          if (form !== 0x60) {
            if (form === 0x4e || form === 0x4f || form === 0x50 || form === 0x5e || form === 0x5f) r.unsupported('GC', `type form 0x${form.toString(16)}`, at);
            r.fail(`malformed function type form 0x${form.toString(16)}`, at);
          }
          const np = r.count('param');
          const params: ValType[] = [];
          for (let j = 0; j < np; j++) params.push(valType(r));
          const nr = r.count('result');
          const results: ValType[] = [];
          for (let j = 0; j < nr; j++) results.push(valType(r));
          m.types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = r.count('import', 4);
        for (let i = 0; i < n; i++) {
          const module = r.name();
          const field = r.name();
          const at = r.pos;
          const kind = r.u8();
          let desc: ImportDesc;
          if (kind === 0) desc = { kind: 'func', typeIndex: r.u32() };
          else if (kind === 1) {
            const elemType = refType(r);
            desc = { kind: 'table', elemType, limits: limits(r, 'table') };
          } else if (kind === 2) desc = { kind: 'memory', limits: limits(r, 'memory') };
          else if (kind === 3) {
            const type = valType(r);
            desc = { kind: 'global', type, mutable: mutability(r) };
          } else if (kind === 4) return r.unsupported('exception handling', 'tag import', at);
          else return r.fail(`malformed import kind ${kind}`, at);
          m.imports.push({ module, field, desc });
          if (desc.kind === 'func') m.funcTypeIndices.push(desc.typeIndex);
          else if (desc.kind === 'table') m.tables.push({ elemType: desc.elemType, limits: desc.limits });
          else if (desc.kind === 'memory') m.memories.push(desc.limits);
        }
        break;
      }
      case 3: {
        const n = r.count('function');
        definedTypeIndices = [];
        for (let i = 0; i < n; i++) definedTypeIndices.push(r.u32());
        m.funcTypeIndices.push(...definedTypeIndices);
        seenFunctionSection = true;
        break;
      }
      case 4: {
        const n = r.count('table', 2);
        for (let i = 0; i < n; i++) {
          if (r.bytes[r.pos] === 0x40 && r.pos < r.end) r.unsupported('function references', 'table with initialiser expression');
          const elemType = refType(r);
          m.tables.push({ elemType, limits: limits(r, 'table') });
        }
        break;
      }
      case 5: {
        const n = r.count('memory', 2);
        for (let i = 0; i < n; i++) m.memories.push(limits(r, 'memory'));
        break;
      }
      case 13:
        r.unsupported('exception handling', 'tag section', idAt);
        break;
      case 6: {
        const n = r.count('global', 3);
        for (let i = 0; i < n; i++) {
          const type = valType(r);
          const mutable = mutability(r);
          m.globals.push({ type, mutable, init: constExpr(r) });
        }
        break;
      }
      case 7: {
        const n = r.count('export', 3);
        const kinds = ['func', 'table', 'memory', 'global'] as const;
        for (let i = 0; i < n; i++) {
          const name = r.name();
          const at = r.pos;
          const k = r.u8();
          if (k === 4) r.unsupported('exception handling', 'tag export', at);
          const kind = kinds[k];
          if (kind === undefined) r.fail(`malformed export kind ${k}`, at);
          m.exports.push({ name, kind, index: r.u32() } satisfies Export);
        }
        break;
      }
      case 8:
        m.start = r.u32();
        break;
      case 9: {
        const n = r.count('element segment');
        for (let i = 0; i < n; i++) m.elems.push(elemSegment(r));
        break;
      }
      case 12:
        dataCount = r.u32();
        break;
      case 10: {
        const n = r.count('function body');
        codeCount = n;
        if (n !== definedTypeIndices.length) r.fail(`function and code section have inconsistent lengths (${definedTypeIndices.length} vs ${n})`, idAt);
        const nImported = m.funcTypeIndices.length - definedTypeIndices.length;
        for (let i = 0; i < n; i++) m.funcs.push(funcBody(r, nImported + i, definedTypeIndices[i]!));
        break;
      }
      case 11: {
        const at = r.pos;
        const n = r.count('data segment');
        if (dataCount !== undefined && dataCount !== n) r.fail(`data count and data section have inconsistent lengths (${dataCount} vs ${n})`, at);
        for (let i = 0; i < n; i++) m.datas.push(dataSegment(r));
        break;
      }
    }
    if (r.pos !== r.end) r.fail(`section size mismatch: ${r.end - r.pos} unread bytes`);
  }
  if (seenFunctionSection && definedTypeIndices.length > 0 && codeCount === undefined) {
    throw new WasmDecodeError('code', bytes.length, 'function and code section have inconsistent lengths (code section missing)');
  }
  if (dataCount !== undefined && dataCount !== m.datas.length) {
    throw new WasmDecodeError('data', bytes.length, `data count and data section have inconsistent lengths (${dataCount} vs ${m.datas.length})`);
  }
  for (const f of m.funcs) {
    const name = m.funcNames.get(f.index);
    if (name !== undefined) f.name = name;
  }
  return m;
}

function mutability(r: Reader): boolean {
  const at = r.pos;
  const b = r.u8();
  if (b > 1) r.fail(`malformed mutability ${b}`, at);
  return b === 1;
}

function elemSegment(r: Reader): ElemSegment {
  const at = r.pos;
  const flags = r.u32();
  if (flags > 7) r.fail(`malformed element segment flags ${flags}`, at);
  const passiveOrDecl = (flags & 1) !== 0;
  const explicitTable = (flags & 2) !== 0;
  const usesExprs = (flags & 4) !== 0;
  const mode: ElemSegment['mode'] = !passiveOrDecl ? 'active' : explicitTable ? 'declarative' : 'passive';
  let tableIndex = 0;
  let offset: ConstExpr | undefined;
  if (mode === 'active') {
    if (explicitTable) tableIndex = r.u32();
    offset = constExpr(r);
  }
  // Flags 1, 2, 3 carry an elemkind byte, 5, 6, 7 a reference type; 0 and 4 imply funcref.
  if (flags !== 0 && flags !== 4) {
    if (usesExprs) refType(r);
    else {
      const k = r.u8();
      if (k !== 0x00) r.fail(`malformed element kind 0x${k.toString(16)}`, r.pos - 1);
    }
  }
  const n = r.count('element');
  const funcs: (number | null)[] = [];
  for (let i = 0; i < n; i++) funcs.push(usesExprs ? elemExpr(r) : r.u32());
  const seg: ElemSegment = { mode, tableIndex, funcs };
  if (offset) seg.offset = offset;
  return seg;
}

function dataSegment(r: Reader): DataSegment {
  const at = r.pos;
  const flags = r.u32();
  let seg: Omit<DataSegment, 'bytes' | 'byteOffset'>;
  if (flags === 0) seg = { mode: 'active', memoryIndex: 0, offset: constExpr(r) };
  else if (flags === 1) seg = { mode: 'passive', memoryIndex: 0 };
  else if (flags === 2) {
    const memoryIndex = r.u32();
    seg = { mode: 'active', memoryIndex, offset: constExpr(r) };
  } else return r.fail(`malformed data segment flags ${flags}`, at);
  const len = r.count('data byte');
  const byteOffset = r.pos;
  return { ...seg, bytes: r.take(len), byteOffset };
}

function funcBody(r: Reader, index: number, typeIndex: number): Func {
  const byteOffset = r.pos;
  const size = r.u32();
  if (size > r.remaining) r.fail(`function body size ${size} exceeds the ${r.remaining} bytes left`, byteOffset);
  const body = new Reader(r.bytes, r.pos, r.pos + size, 'code');
  r.pos += size;
  const ngroups = body.count('local declaration', 2);
  const locals: ValType[] = [];
  let total = 0;
  for (let i = 0; i < ngroups; i++) {
    const at = body.pos;
    const n = body.u32();
    total += n;
    if (total > MAX_LOCALS) body.fail(`too many locals (${total} > ${MAX_LOCALS})`, at);
    const t = valType(body);
    for (let j = 0; j < n; j++) locals.push(t);
  }
  const instrs = expr(body);
  if (!body.atEnd()) body.fail(`function ${index}: section size mismatch, ${body.remaining} bytes after the final end`);
  return { index, typeIndex, locals, body: instrs, byteOffset };
}

function nameSection(r: Reader): Map<number, string> {
  const names = new Map<number, string>();
  while (!r.atEnd()) {
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    r.take(size);
    const sub = new Reader(r.bytes, start, start + size, 'name');
    if (id !== 1) continue;
    const n = sub.count('function name', 2);
    for (let i = 0; i < n; i++) {
      const idx = sub.u32();
      names.set(idx, sub.name());
    }
    if (!sub.atEnd()) sub.fail('function name subsection size mismatch');
  }
  return names;
}

/** The function type of function `index` (imports first), or undefined when out of range. */
export function funcTypeOf(m: Module, index: number): FuncType | undefined {
  const t = m.funcTypeIndices[index];
  return t === undefined ? undefined : m.types[t];
}

/** Imports of one kind, in order (their position is their index in that index space). */
export function importsOf(m: Module, kind: ImportDesc['kind']): Import[] {
  return m.imports.filter((i) => i.desc.kind === kind);
}

export type { Table, Global };
