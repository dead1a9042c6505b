/**
 * The compiler pipeline: decoded module -> per function (select, allocate on
 * the retry ladder, lay out the frame, encode) -> the object's functions,
 * data (linear memory, pages word, globals, table), certificate and C header.
 *
 * Deterministic: the same module and options give the same bytes.
 */
import type { Func, Module } from '../spec/wasm/ast.ts';
import { importSymbol, stateSymbols, TABLE_ENTRY_BYTES, tableSymbol, tableTypeIds, WASM_PAGE_BYTES } from '../spec/abi/layout.ts';
import { CERT_SECTION, CERT_VERSION, encodeCertificate, type Certificate, type CutPoint, type Fact, type FunctionCertificate, type ValueLoc, type WordLoc } from '../spec/abi/certificate.ts';
import type { MInstr, PReg } from './target/insn.ts';
import type { Target } from './target/cpu.ts';
import { encodeFunction } from './target/encode.ts';
import type { EncodedFunction, ObjData, ObjFunction, Relocation } from './target/object.ts';
import { writeRelocatableObject } from './elf/relocatable.ts';
import { UDIVMOD64, udivmod64 } from './runtime/divmod64.ts';
import { selectFunction, Unsupported, type IselEnv } from './isel/select.ts';
import { foldShiftedOperands } from './isel/fold.ts';
import { isVirtual, type VFunction, type VValueLoc, type VWord } from './isel/vcode.ts';
import { allocateWithLadder, type LadderEntry } from './regalloc/ladder.ts';
import type { Allocation, RungName } from './regalloc/alloc.ts';
import { liveAfter, liveness } from './regalloc/liveness.ts';
import { eliminateDeadDefs } from './regalloc/dce.ts';
import { finalise, type Frame } from './frame/frame.ts';
import { formatFrontendError, type FrontendError } from './frontend/index.ts';

export interface CompileOptions {
  /** Prepended to every symbol the object defines (`--prefix`). */
  prefix?: string;
  /** The CPU the object declares (`--target`, compiler/target/cpu.ts); the code is the same for all. */
  target?: Target;
  /** Cap on reserved linear-memory pages (the declared maximum, else the initial size, is reserved). */
  maxPages?: number;
  /** Pages to reserve for a memory that declares no maximum (default: its initial size, so memory.grow fails). */
  reservePages?: number;
}

/** A cut point before encoding: its machine address is the offset of `label`. */
export interface LabelledCutPoint extends Omit<CutPoint, 'address'> {
  label: number;
}

export interface CompiledFunction {
  index: number;
  name: string;
  symbol: string;
  exportNames: string[];
  rung: RungName;
  ladderLog: LadderEntry[];
  code: MInstr<PReg>[];
  frame: Frame;
  cutPoints: LabelledCutPoint[];
}

export type CompileError =
  | FrontendError
  | { kind: 'regalloc'; func: { index: number; name: string }; ladder: LadderEntry[] }
  | { kind: 'encode'; func: { index: number; name: string }; message: string }
  | { kind: 'symbol'; message: string };

export type CompileResult = { ok: true; output: CompiledModule } | { ok: false; errors: CompileError[] };

export interface CompiledModule {
  functions: CompiledFunction[];
  encoded: EncodedFunction[];
  objFunctions: ObjFunction[];
  data: ObjData[];
  certificate: Certificate;
  header: string;
  reservedPages: number;
  /** The relocatable ELF object. */
  object: Uint8Array;
}

/** The symbol of each function: an import's is the importer's (`importSymbol`); a defined one's is its first export name (prefixed) if exported, else a local name. */
function functionSymbols(m: Module, prefix: string): Map<number, string> {
  const out = new Map<number, string>();
  m.imports.filter((i) => i.desc.kind === 'func').forEach((imp, i) => out.set(i, importSymbol(imp.field)));
  for (const e of m.exports) if (e.kind === 'func' && !out.has(e.index)) out.set(e.index, `${prefix}${e.name}`);
  for (const f of m.funcs) if (!out.has(f.index)) out.set(f.index, `${prefix}wasm_f${f.index}`);
  return out;
}

/**
 * Symbols that would not name one thing each. Imports are the importer's own symbols (unprefixed,
 * spec/abi/layout.ts `importSymbol`), so they can collide: with a symbol this object defines (the call or load
 * would reach the object's own definition, not the importer's), or with another import (two imports conflated
 * into one symbol). Defined symbols can collide too (an export named `wasm_f1` or `__warden_memory`). A
 * re-exported import would need a symbol for code the object does not contain. Each is an error.
 */
function symbolErrors(m: Module, prefix: string, fsyms: Map<number, string>): CompileError[] {
  const nImportedFuncs = m.funcTypeIndices.length - m.funcs.length;
  const errors: CompileError[] = [];
  // Every symbol the object defines names one thing (a function may have several).
  const defined = new Map<string, { owner: string; func?: number }>();
  const define = (symbol: string, owner: string, func?: number) => {
    const d = defined.get(symbol);
    if (d === undefined) defined.set(symbol, func === undefined ? { owner } : { owner, func });
    else if (func === undefined || d.func !== func) errors.push({ kind: 'symbol', message: `${owner} and ${d.owner} would both be the symbol '${symbol}'` });
  };
  for (const f of m.funcs) {
    const exported = m.exports.find((e) => e.kind === 'func' && e.index === f.index);
    define(fsyms.get(f.index)!, exported ? `export '${exported.name}'` : `function ${f.index}`, f.index);
  }
  for (const e of m.exports) {
    if (e.kind !== 'func') continue;
    if (e.index < nImportedFuncs) errors.push({ kind: 'unsupported', offset: 0, feature: `export '${e.name}' re-exports imported function ${e.index} (${fsyms.get(e.index)}; the object has no code to give that name)` });
    else define(`${prefix}${e.name}`, `export '${e.name}'`, e.index);
  }
  const { memory, memoryPages, globals } = stateSymbols(prefix); // the tables are named below
  for (const s of [memory, memoryPages, globals]) define(s, 'its state');
  m.tables.forEach((_, i) => define(tableSymbol(prefix, i), `table ${i}`));
  define(UDIVMOD64, 'its runtime');
  // The same import twice (module, field and type) may share its symbol: both name one definition.
  const seen = new Map<string, { what: string; key: string }>();
  for (const im of m.imports) {
    if (im.desc.kind !== 'func' && im.desc.kind !== 'global') continue;
    const s = importSymbol(im.field);
    const what = `imported ${im.desc.kind} ${im.module}.${im.field}`;
    const key = JSON.stringify([im.module, im.desc.kind === 'func' ? m.types[im.desc.typeIndex] : im.desc]);
    const owner = defined.get(s)?.owner;
    const other = seen.get(s);
    if (owner !== undefined) errors.push({ kind: 'symbol', message: `${what}: its symbol '${s}' is also defined by this object (${owner}); choose a --prefix` });
    else if (other && other.key !== key) errors.push({ kind: 'symbol', message: `${what}: its symbol '${s}' is also the symbol of ${other.what}, a different import` });
    seen.set(s, { what, key });
  }
  return errors;
}

/** The external symbol of each imported global (spec/abi/layout.ts `importSymbol`); the importer defines it. */
export function importedGlobalSymbols(m: Module): string[] {
  return m.imports.flatMap((i) => (i.desc.kind === 'global' ? [importSymbol(i.field)] : []));
}

export function reservedPagesOf(m: Module, options: CompileOptions): number {
  const mem = m.memories[0];
  if (!mem) return 0;
  // Without a declared maximum, memory.grow can only succeed into pages reserved here.
  const want = mem.max ?? Math.max(mem.min, options.reservePages ?? mem.min);
  return Math.max(mem.min, Math.min(want, options.maxPages ?? want));
}

function funcName(m: Module, f: Func): string {
  return m.funcNames.get(f.index) ?? `func${f.index}`;
}

/** Compile one function through selection and the allocation ladder. */
export function compileFunction(env: IselEnv, f: Func, symbol: string, exportNames: string[]): { ok: true; fn: CompiledFunction } | { ok: false; error: CompileError } {
  const name = funcName(env.module, f);
  let vfn: VFunction;
  try {
    vfn = eliminateDeadDefs(foldShiftedOperands(selectFunction(env, f)));
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, error: { kind: 'unsupported', func: { index: f.index, name }, offset: e.offset, feature: e.feature } };
    throw e;
  }
  const ladder = allocateWithLadder(vfn);
  if (!ladder.ok) return { ok: false, error: { kind: 'regalloc', func: { index: f.index, name }, ladder: ladder.ladderLog } };
  const fin = finalise(vfn, ladder.alloc);
  const cutPoints = certify(vfn, ladder.alloc, fin.frame);
  return { ok: true, fn: { index: f.index, name, symbol, exportNames, rung: ladder.rung, ladderLog: ladder.ladderLog, code: fin.code, frame: fin.frame, cutPoints } };
}

/** Locations of every live local and every stack slot at each cut point, after allocation. */
function certify(vfn: VFunction, alloc: Allocation, frame: Frame): LabelledCutPoint[] {
  // Liveness of the selected (pre-spill) code decides which locals are live; every value keeps one location for its life.
  const lv = liveness(vfn.instrs, vfn.implicit);
  const labelAt = new Map<number, number>();
  vfn.instrs.forEach((i, k) => {
    if (i.op === 'label') labelAt.set(i.label, k);
  });
  const word = (w: VWord): WordLoc => {
    switch (w.kind) {
      case 'const':
        return { kind: 'const', value: w.value };
      case 'incoming':
        return { kind: 'slot', offset: w.offset };
      case 'vreg': {
        if (!isVirtual(w.v)) return { kind: 'reg', reg: w.v };
        const r = alloc.assignment.get(w.v);
        if (r !== undefined) return { kind: 'reg', reg: r };
        const s = alloc.slots.get(w.v);
        if (s === undefined) throw new Error(`internal: v${w.v} has neither a register nor a slot`);
        return { kind: 'slot', offset: frame.outgoingBytes + s };
      }
    }
  };
  const value = (l: VValueLoc): ValueLoc => (l.type === 'i32' ? { type: 'i32', loc: word(l.loc) } : { type: 'i64', lo: word(l.lo), hi: word(l.hi) });
  return vfn.cutPoints.map((c) => {
    const live = c.kind === 'entry' ? undefined : liveAfter(lv, labelAt.get(c.label)!);
    const isLive = (w: VWord) => !live || w.kind !== 'vreg' || live.has(w.v);
    // An i64 local with one live half is listed with the other half `dead` (e.g. only its low word is a shift amount).
    const local = (l: VValueLoc): ValueLoc | undefined => {
      if (l.type === 'i32') return isLive(l.loc) ? value(l) : undefined;
      if (!isLive(l.lo) && !isLive(l.hi)) return undefined;
      return { type: 'i64', lo: isLive(l.lo) ? word(l.lo) : { kind: 'dead' }, hi: isLive(l.hi) ? word(l.hi) : { kind: 'dead' } };
    };
    const facts = !live ? [] : [...vfn.facts].filter(([v]) => live.has(v)).map(([v, f]) => ({ loc: word({ kind: 'vreg', v }) as Fact['loc'], value: f }));
    return {
      kind: c.kind,
      label: c.label,
      wasm: c.wasm,
      locals: c.locals.flatMap((l) => {
        const loc = local(l.loc);
        return loc ? [{ index: l.index, loc }] : [];
      }),
      stack: c.stack.map(value),
      ...(facts.length > 0 ? { facts } : {}),
    };
  });
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** Linear memory, the pages word, globals and the table, as data blobs. */
function moduleData(m: Module, prefix: string, reservedPages: number, fsyms: Map<number, string>, typeId: (t: number) => number): ObjData[] {
  const syms = stateSymbols(prefix);
  const out: ObjData[] = [];
  if (m.memories[0]) {
    const bytes = new Uint8Array(reservedPages * WASM_PAGE_BYTES);
    for (const d of m.datas) {
      if (d.offset?.kind !== 'i32.const') continue;
      const at = d.offset.value >>> 0;
      if (at + d.bytes.length > bytes.length) throw new Error(`internal: data segment at ${at} not checked against the reserved pages`);
      bytes.set(d.bytes, at);
    }
    const hasInit = m.datas.some((d) => d.bytes.length > 0);
    out.push({ name: syms.memory, global: true, section: hasInit ? '.data' : '.bss', bytes, align: 8, relocations: [] });
    out.push({ name: syms.memoryPages, global: true, section: '.data', bytes: u32le(m.memories[0].min), align: 4, relocations: [] });
  }
  if (m.globals.length > 0) {
    const g = new Uint8Array(m.globals.length * 8);
    const dv = new DataView(g.buffer);
    m.globals.forEach((gl, i) => {
      if (gl.init.kind === 'i32.const') dv.setUint32(i * 8, gl.init.value >>> 0, true);
      else if (gl.init.kind === 'i64.const') dv.setBigUint64(i * 8, BigInt.asUintN(64, gl.init.value), true);
    });
    out.push({ name: syms.globals, global: true, section: '.data', bytes: g, align: 8, relocations: [] });
  }
  m.tables.forEach((table, ti) => {
    const n = table.limits.min;
    const t = new Uint8Array(n * TABLE_ENTRY_BYTES);
    const dv = new DataView(t.buffer);
    const relocations: Relocation[] = [];
    for (const e of m.elems) {
      if (e.mode !== 'active' || e.tableIndex !== ti || e.offset?.kind !== 'i32.const') continue;
      const base = e.offset.value >>> 0;
      e.funcs.forEach((f, k) => {
        const slot = base + k;
        if (slot >= n) throw new Error(`internal: element segment entry ${slot} not checked against table ${ti}'s size ${n}`);
        if (f === null) {
          dv.setUint32(slot * TABLE_ENTRY_BYTES, 0, true);
          return;
        }
        // ABS32 against a Thumb function symbol yields the address with bit 0 set.
        relocations.push({ offset: slot * TABLE_ENTRY_BYTES, type: 'R_ARM_ABS32', symbol: fsyms.get(f)!, addend: 0 });
        dv.setUint32(slot * TABLE_ENTRY_BYTES + 4, typeId(m.funcTypeIndices[f]!), true);
      });
    }
    out.push({ name: tableSymbol(prefix, ti), global: true, section: '.data', bytes: t, align: 8, relocations });
  });
  return out;
}

function cType(t: string): string {
  return t === 'i64' ? 'int64_t' : 'int32_t';
}

const C_KEYWORDS = new Set(
  ('auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short ' +
    'signed sizeof static struct switch typedef union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic ' +
    '_Imaginary _Noreturn _Static_assert _Thread_local').split(' '),
);

/** Text that can neither end a C comment nor leave its line (WASM names may hold any character). */
function inComment(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '?').replace(/\*\//g, '*?/');
}

/**
 * The declaration `declare(symbol);`; for a symbol C cannot name (e.g. `as-br-value`), a comment: C reaches
 * it under a C name that the linker script ties to the symbol (GNU as takes no such name from GCC, even through
 * an asm label). `dir` says which side defines the symbol: the object (`export`) or the C program (`import`).
 */
function cDeclaration(symbol: string, declare: (name: string) => string, dir: 'export' | 'import'): string {
  const isName = (n: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && !C_KEYWORDS.has(n);
  if (isName(symbol)) return `${declare(symbol)};`;
  if (!/^[\x20-\x7e]*$/.test(symbol) || symbol.includes('"') || symbol.includes('*/')) {
    return `/* an ${dir} named ${inComment(JSON.stringify(symbol))}: neither C nor a linker script can name it */`;
  }
  const base = symbol.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
  const name = isName(base) ? base : `${base}_`;
  const link = dir === 'export' ? `${name} = "${symbol}";` : `"${symbol}" = ${name};`;
  return `/* "${symbol}" is not a C identifier: e.g. ${declare(name)}; with ${link} in the linker script */`;
}

function cPrototype(name: string, t: { params: string[]; results: string[] }, dir: 'export' | 'import'): string {
  const params = t.params.length === 0 ? 'void' : t.params.map(cType).join(', ');
  // Several results come back in r0-r3 (spec/abi/aapcs.ts `resultLocations`), which no C return type expresses.
  if (t.results.length > 1) return `/* ${inComment(name)}(${params}) returns ${t.results.join(', ')} in r0-r3: not callable from C */`;
  return cDeclaration(name, (n) => `${t.results.length === 0 ? 'void' : cType(t.results[0]!)} ${n}(${params})`, dir);
}

/** The exports, then what the importer must define: imported functions and globals (by field name). */
export function cHeader(m: Module, prefix: string): string {
  const lines = ['/* Generated by warden. */', '#pragma once', '#include <stdint.h>', ''];
  for (const e of m.exports) {
    if (e.kind === 'func') lines.push(cPrototype(`${prefix}${e.name}`, m.types[m.funcTypeIndices[e.index]!]!, 'export'));
  }
  const imports = m.imports.filter((i) => i.desc.kind === 'func' || i.desc.kind === 'global');
  if (imports.length > 0) lines.push('', '/* Imports: the program linking this object defines them. */');
  for (const i of imports) {
    const symbol = importSymbol(i.field);
    if (i.desc.kind === 'func') lines.push(cPrototype(symbol, m.types[i.desc.typeIndex]!, 'import'));
    else if (i.desc.kind === 'global') {
      const type = `${i.desc.mutable ? '' : 'const '}${cType(i.desc.type)}`;
      lines.push(`${cDeclaration(symbol, (n) => `extern ${type} ${n}`, 'import')} /* ${inComment(`${i.module}.${i.field}`)} */`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function compileModule(m: Module, options: CompileOptions = {}): CompileResult {
  const prefix = options.prefix ?? '';
  const reservedPages = reservedPagesOf(m, options);
  const fsyms = functionSymbols(m, prefix);
  const symbolErrs = symbolErrors(m, prefix, fsyms);
  if (symbolErrs.length > 0) return { ok: false, errors: symbolErrs };
  const typeId = tableTypeIds(m.types);
  const env: IselEnv = {
    module: m,
    symbols: stateSymbols(prefix),
    callee: (i) => fsyms.get(i)!,
    reservedPages,
    tables: m.tables.map((t, i) => ({ symbol: tableSymbol(prefix, i), size: t.limits.min })),
    importedGlobals: importedGlobalSymbols(m),
    typeId,
  };
  const errors: CompileError[] = [];
  const functions: CompiledFunction[] = [];
  const encoded: EncodedFunction[] = [];
  const objFunctions: ObjFunction[] = [];
  const fcerts: FunctionCertificate[] = [];
  for (const f of m.funcs) {
    const exportNames = m.exports.filter((e) => e.kind === 'func' && e.index === f.index).map((e) => e.name);
    const r = compileFunction(env, f, fsyms.get(f.index)!, exportNames);
    if (!r.ok) {
      errors.push(r.error);
      continue;
    }
    let enc: EncodedFunction;
    try {
      enc = encodeFunction(r.fn.code);
    } catch (e) {
      errors.push({ kind: 'encode', func: { index: f.index, name: r.fn.name }, message: (e as Error).message });
      continue;
    }
    functions.push(r.fn);
    encoded.push(enc);
    // Every further export name is an alias at the same address.
    const aliases = exportNames.slice(1).map((n) => `${prefix}${n}`);
    objFunctions.push({ name: r.fn.symbol, ...(aliases.length ? { aliases } : {}), global: exportNames.length > 0, code: enc });
    fcerts.push({
      index: f.index,
      symbol: r.fn.symbol,
      rung: r.fn.rung,
      ladder: r.fn.ladderLog,
      frame: { saved: r.fn.frame.saved, size: r.fn.frame.size },
      cutPoints: r.fn.cutPoints.map(({ label, ...c }) => ({ ...c, address: c.kind === 'entry' ? 0 : enc.labelOffsets.get(label)! })),
    });
  }
  // An active data segment beyond the memory's initial size traps at instantiation (the reservation for
  // memory.grow does not count); an object cannot.
  const initialPages = m.memories[0]?.min ?? 0;
  for (const d of m.datas) {
    if (d.offset?.kind !== 'i32.const') continue;
    const at = d.offset.value >>> 0;
    if (at + d.bytes.length > initialPages * WASM_PAGE_BYTES) {
      errors.push({ kind: 'unsupported', offset: d.byteOffset, feature: `data segment at ${at} (+${d.bytes.length} bytes) beyond the memory's ${initialPages} initial pages (an instantiation trap)` });
    }
  }
  // Likewise an active element segment beyond its table's size.
  m.elems.forEach((e, i) => {
    if (e.mode !== 'active' || e.offset?.kind !== 'i32.const') return;
    const at = e.offset.value >>> 0;
    const size = m.tables[e.tableIndex]?.limits.min ?? 0;
    if (at + e.funcs.length > size) {
      errors.push({ kind: 'unsupported', offset: 0, feature: `element segment ${i} at ${at} (+${e.funcs.length} entries) beyond table ${e.tableIndex}'s size ${size} (an instantiation trap)` });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  // Runtime routines: local functions, emitted once when some function calls them.
  if (functions.some((f) => f.code.some((i) => i.op === 'bl' && i.symbol === UDIVMOD64))) {
    objFunctions.push({ name: UDIVMOD64, global: false, code: encodeFunction(udivmod64()) });
  }
  const data = moduleData(m, prefix, reservedPages, fsyms, typeId);
  const certificate: Certificate = { version: CERT_VERSION, prefix, reservedPages, functions: fcerts };
  const object = writeRelocatableObject({ functions: objFunctions, data, custom: [{ name: CERT_SECTION, bytes: encodeCertificate(certificate) }], ...(options.target ? { target: options.target } : {}) });
  return { ok: true, output: { functions, encoded, objFunctions, data, certificate, header: cHeader(m, prefix), reservedPages, object } };
}

/** Render a compile error on one line (function index and name, offset, feature). */
export function formatCompileError(e: CompileError): string {
  switch (e.kind) {
    case 'regalloc':
      return `function ${e.func.index} (${e.func.name}): register allocation failed on every rung: ${e.ladder.map((l) => `${l.rung}: ${l.failure}`).join('; ')}`;
    case 'encode':
      return `function ${e.func.index} (${e.func.name}): encoding failed: ${e.message}`;
    case 'symbol':
      return e.message;
    default:
      return formatFrontendError(e);
  }
}
