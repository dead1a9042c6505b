/**
 * Translation validation per function: the driver.
 *
 * For every region (from the entry, or from a cut point of the certificate,
 * to the next cut points), both sides run symbolically from one shared state
 * related by the start's map (wasm-exec.ts, arm-exec.ts). Then, for every
 * ARM path, Z3 must prove under the premises (the assumptions, the start
 * relation, the ARM path condition):
 *   - same successor: some WASM path with the same outcome is taken
 *     (same cut point, return, same trap code, call of the same function);
 *   - for each such WASM path, the outcome's relation: the target cut
 *     point's map and frame, the results and the callee-saved registers at
 *     exit, the arguments at a call, and the same memory, globals and page
 *     count.
 * The entry relation comes from the ABI (spec/abi/aapcs.ts), never from the
 * certificate; every other map is a hint, checked where it is reached.
 * Loops are closed by their header's map: every region is checked once.
 */
import { match } from 'ts-pattern';
import { CALLEE_SAVED, paramLocations, resultLocations, type ArgLocation, type ResultLocation } from '../spec/abi/aapcs.ts';
import { CERT_SECTION, decodeCertificate, type Certificate, type CutPoint, type Fact, type FactValue, type FunctionCertificate, type ValueLoc, type WordLoc } from '../spec/abi/certificate.ts';
import { importSymbol, stateSymbols, TABLE_ENTRY_BYTES, tableSymbol, WASM_PAGE_BYTES } from '../spec/abi/layout.ts';
import { trapCode } from '../spec/abi/traps.ts';
import { loadLE } from '../spec/bv/derived.ts';
import type { ZBool, ZBV } from '../spec/bv/z3.ts';
import { withContext } from './context.ts';
import { validatorAlgebra, type MemWrite, type RegionFacts, type SymMem, type VAlgebra } from './symmem.ts';
import type { Module } from '../spec/wasm/ast.ts';
import { decodeModule } from '../spec/wasm/decode.ts';
import { runArm, type AEnd, type APath, type ArmEnv, type AState, type PlaceAccess, type Store } from './arm-exec.ts';
import { replayEntry } from './replay.ts';
import { isRuntimeSymbol, trustRoutine, udivmod64LemmaText, type RuntimeTrust } from './runtime.ts';
import { LEMMAS } from './lemmas.ts';
import { assumption } from '../proofs/assumptions.ts';
import { objectTable, tableContents } from './tables.ts';
import { readElf, type ElfFile, type ElfRelocation, type ElfSymbol } from './elf.ts';
import { consistent, DEFAULT_PROVE, prove, type Named, type ProveOptions } from './prove.ts';
import { proveBySweeping } from './sweep.ts';
import { hex, refuse, Refusal, type Counterexample, type ObligationResult, type ValidationReport, type Verdict } from './verdict.ts';
import { flatten, funcType, pointIndex, type FlatFunction, type IntType } from './wasm-flat.ts';
import { LINEAR_MEMORY, runWasm, type GlobalInfo, type StateSymbols, type WasmEnv, type WEnd, type WPath, type WState } from './wasm-exec.ts';
import type { Instr } from '../spec/wasm/ast.ts';

/** The assumptions every proof rests on (also in the report). */
export const ASSUMPTIONS: readonly string[] = [
  'linear memory [memBase, memBase + reservedPages * 64 KiB), the globals block [globBase, globBase + 8 * defined globals) and the page-count word [pagesAddr, pagesAddr + 4) do not wrap around and are pairwise disjoint',
  'the stack window [entry SP - 1 MiB, entry SP + 4 KiB) does not wrap around and is disjoint from linear memory, the globals block, the page-count word and the imported globals',
  'an imported global is the symbol its field names (spec/abi/layout.ts importSymbol), 4 (i32) or 8 (i64) bytes little-endian that do not wrap around and are disjoint from linear memory, the globals block, the page-count word and the other imported globals',
  'entry SP is 8-byte aligned and the entry LR has bit 0 set (AAPCS call from Thumb code)',
  `the memory invariant (memoryInvariant in validator/validate.ts: the page-count word within [initial pages, reservedPages], linear memory zero from the size to the end of the reservation) holds whenever a defined function is entered and after every call it makes; it is proved at every exit and call site of every defined function and checked on the object's initial image; ${assumption('linked-code-keeps-memory-invariant').statement}`,
  'immutable globals with a constant initialiser hold that value in the globals block',
  'a callee (AAPCS) preserves r4-r11, SP and the caller frame above its incoming arguments, and may change memory, globals and r0-r3, r12, LR, flags arbitrarily',
  'each table [tableBase, tableBase + 8 * entries) does not wrap around, is disjoint from the state, the stack and the other tables, holds the object\'s initial table words (relocated) and is never written (no table.set/grow in the subset; callees do not write it); every function a table holds is at an address with bit 0 set (Thumb)',
  'an imported function is called through the symbol named by its field (spec/abi/layout.ts importSymbol); a defined function through the symbol its certificate names',
  'several results are returned in r0-r3 laid out like parameters (spec/abi/aapcs.ts resultLocations, a warden convention beyond AAPCS), by callees as by the function itself',
];

/**
 * The rlimit of a query that asks several claims at once: such a query is a shortcut, and when it is not
 * answered unsat its claims are asked again in smaller queries, which then decide (at the full rlimit).
 */
const BATCH_RLIMIT = 5_000_000;
/** The rlimit of a claim's own query before it is tried by equal subterms (sweep.ts); the full rlimit comes last. */
const SWEEP_AFTER = 5_000_000;
const STACK_BELOW = 1 << 20;
const STACK_ABOVE = 1 << 12;

export interface ValidateOptions extends Partial<ProveOptions> {
  /**
   * Ask several claims in one query first; with false every claim is its own query, as the one-by-one
   * fallback asks them (many more queries). Off by default when the queries are exported (`smt2`): each
   * exported obligation is then one claim, which a second solver re-checks on its own (cvc5 gives no
   * answer within minutes on some batches whose claims it proves in seconds one by one).
   */
  batch?: boolean;
  /** Replays a counterexample on the concrete interpreters; without it, `replay` stays `pending`. */
  replay?: ReplayHook;
  /** Called after each function's verdict (e.g. a progress bar); `ms` is the function's validation wall time. */
  onProgress?: (p: ValidateProgress) => void;
  /** Validate only these functions (by index); the report then has their verdicts only. */
  functions?: readonly number[];
}

export interface ValidateProgress {
  done: number;
  total: number;
  verdict: Verdict;
  ms: number;
}

/** Validate every defined function of a module against an object file carrying a certificate. */
export async function validateObject(wasm: Uint8Array, object: Uint8Array, options: ValidateOptions = {}): Promise<ValidationReport> {
  const opts: ProveOptions = { ...DEFAULT_PROVE, ...options };
  const module = decodeModule(wasm);
  const elf = readElf(object);
  const nImports = module.funcTypeIndices.length - module.funcs.length;
  const defined = module.funcs.map((f) => f.index).filter((f) => !options.functions || options.functions.includes(f));
  const certSection = elf.sections.find((s) => s.name === CERT_SECTION);
  const cert = certSection ? decodeCertificate(certSection.data) : { ok: false as const, reason: `no ${CERT_SECTION} section` };
  if (!cert.ok) {
    const verdicts: Verdict[] = defined.map((func) => ({ kind: 'unknown', func, symbol: '', reason: { kind: 'certificate', detail: cert.reason }, obligations: [] }));
    verdicts.forEach((verdict, i) => options.onProgress?.({ done: i + 1, total: verdicts.length, verdict, ms: 0 }));
    return { assumptions: [...ASSUMPTIONS], verdicts };
  }
  const verdicts: Verdict[] = [];
  for (const func of defined) {
    const t0 = performance.now();
    const fc = cert.cert.functions.filter((f) => f.index === func);
    const symbol = fc[0]?.symbol ?? '';
    const obligations: ObligationResult[] = [];
    // A fresh Z3 context per function, deleted with its terms when the verdict is in (context.ts).
    const verdict = await withContext(async (ctx): Promise<Verdict> => {
      try {
        if (fc.length !== 1) refuse({ kind: 'certificate', detail: `${fc.length} certificate entries for function ${func}` });
        const v = await validateFunction({ A: validatorAlgebra(ctx), module, wasm, elf, cert: cert.cert, fc: fc[0]!, nImports, opts, batching: options.batch ?? !opts.smt2, obligations });
        if (v.kind === 'refuted') v.counterexample.replay = options.replay ? await options.replay(v) : builtinReplay(module, elf, v);
        return v;
      } catch (e) {
        if (e instanceof Refusal) return { kind: 'unknown', func, symbol, reason: e.reason, ...(e.address !== undefined ? { address: e.address } : {}), obligations };
        return { kind: 'unknown', func, symbol, reason: { kind: 'spec-error', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }, obligations };
      }
    });
    verdicts.push(verdict);
    options.onProgress?.({ done: verdicts.length, total: defined.length, verdict, ms: performance.now() - t0 });
  }
  return { assumptions: [...ASSUMPTIONS], verdicts };
}

interface FnInput {
  A: VAlgebra;
  module: Module;
  wasm: Uint8Array;
  elf: ElfFile;
  cert: Certificate;
  fc: FunctionCertificate;
  nImports: number;
  opts: ProveOptions;
  batching: boolean;
  /** Filled as obligations are discharged (kept on refusal too). */
  obligations: ObligationResult[];
}

/** A cut point with its resolved WASM flat index and static stack types. */
interface Cut {
  index: number;
  cp: CutPoint;
  flat: number;
  label: string;
}

/** The symbols every region shares: the entry values the exit is compared with. */
interface EntrySyms {
  sp: ZBV;
  lr: ZBV;
  /** r4..r11 at entry, indexed by register number. */
  saved: Map<number, ZBV>;
}

async function validateFunction(inp: FnInput): Promise<Verdict> {
  const { A, module, elf, cert, fc, opts, batching } = inp;
  const func = fc.index;
  const flat = flatten(module, inp.wasm, func);

  // --- the function's code and relocations ---
  const sym = elf.symbols.find((s) => s.name === fc.symbol && s.type === 'func' && s.shndx !== 0);
  if (!sym) refuse({ kind: 'certificate', detail: `no function symbol ${fc.symbol} in the object` });
  const text = elf.sections[sym.shndx];
  if (!text) refuse({ kind: 'certificate', detail: `symbol ${fc.symbol} names no section` });
  const start = sym.value & ~1;
  const end = start + sym.size;
  if (sym.size === 0 || end > text.data.length) refuse({ kind: 'certificate', detail: `symbol ${fc.symbol} has no code range inside ${text.name}` });
  const relocs = new Map<number, ElfRelocation>();
  for (const r of elf.relocations) {
    if (r.target !== text.index) continue;
    if (relocs.has(r.offset)) refuse({ kind: 'relocation', detail: `two relocations at ${text.name}+${hex(r.offset)}` });
    relocs.set(r.offset, r);
  }

  // --- state symbols ---
  const names = stateSymbols(cert.prefix);
  const ss: StateSymbols = { memBase: A.bvVar('memBase', 32), globBase: A.bvVar('globBase', 32), pagesAddr: A.bvVar('pagesAddr', 32) };
  const tableBases = module.tables.map((_, i) => ({ symbol: tableSymbol(cert.prefix, i), base: A.bvVar(`tableBase${i}`, 32) }));
  const globals = globalInfo(A, module, ss.globBase);
  const imported = globals.filter((g) => g.symbol !== undefined);
  const stateSymbol = (n: string): ZBV | undefined =>
    n === names.memory ? ss.memBase : n === names.globals ? ss.globBase : n === names.memoryPages ? ss.pagesAddr : (tableBases.find((t) => t.symbol === n)?.base ?? imported.find((g) => g.symbol === n)?.addr);
  const bySymbol = new Map<string, number>();
  let fi = 0;
  for (const im of module.imports) {
    if (im.desc.kind !== 'func') continue;
    const name = importSymbol(im.field);
    if (bySymbol.has(name)) refuse({ kind: 'certificate', detail: `imports ${bySymbol.get(name)} and ${fi} share the symbol ${name}` });
    bySymbol.set(name, fi++);
  }
  for (const f of cert.functions) {
    if (bySymbol.has(f.symbol)) refuse({ kind: 'certificate', detail: `symbol ${f.symbol} names two functions` });
    bySymbol.set(f.symbol, f.index);
  }
  for (const [i, g] of imported.entries()) {
    const s = g.symbol!;
    if (Object.values(names).includes(s as never) || bySymbol.has(s) || imported.findIndex((x) => x.symbol === s) !== i) {
      refuse({ kind: 'wasm-unsupported', detail: `imported global symbol ${s} also names another imported global, a function or a state symbol` });
    }
  }
  const calleeByAddress = (off: number): number | undefined => {
    const s = elf.symbols.find((x) => x.shndx === text.index && x.type === 'func' && (x.value & ~1) === off);
    return s ? bySymbol.get(s.name) : undefined;
  };

  // --- the certificate's cut points, checked against the WASM shape ---
  const cuts = resolveCuts(fc, flat, sym.size);
  // Several cut points may share a machine address (e.g. a join that is also the exit): an ARM path
  // reaching it may stop at any of them, and the WASM path's program point names the one whose map
  // must hold. Each WASM program point names at most one cut point.
  const armCutAt = new Map<number, number[]>();
  const wasmCutAt = new Map<number, number>();
  for (const c of cuts) {
    if (c.cp.kind === 'entry') continue;
    if (wasmCutAt.has(c.flat)) refuse({ kind: 'certificate', detail: `two cut points at one WASM program point (${c.label})` }, c.cp.address);
    armCutAt.set(c.cp.address, [...(armCutAt.get(c.cp.address) ?? []), c.index]);
    wasmCutAt.set(c.flat, c.index);
  }
  validateFrame(fc);

  const mem0 = module.memories[0] ?? module.imports.find((i) => i.desc.kind === 'memory');
  const hasMemory = mem0 !== undefined;
  // --- tables (tables.ts): only a function with call_indirect relies on their contents ---
  const usesTables = flat.code.some((c) => c.k === 'op' && c.instr.op === 'call_indirect');
  const tables = usesTables ? tableContents(module) : [];
  /** The symbolic address of each function a table holds (bit 0 set: Thumb). */
  const fnAddr = new Map<number, ZBV>();
  const addrOf = (f: number): ZBV => {
    if (!fnAddr.has(f)) fnAddr.set(f, A.bvVar(`addr.f${f}`, 32));
    return fnAddr.get(f)!;
  };
  const tableWords = tables.flatMap((entries, t) =>
    objectTable(elf, cert.prefix, t, entries, (n) => bySymbol.get(n)).map((w, j) => ({
      addr: A.add(tableBases[t]!.base, A.bv(4 * j, 32)),
      value: w.kind === 'function' ? addrOf(w.func) : A.bv(w.value, 32),
    })),
  );
  const wenv: WasmEnv = { A, module, flat, sym: ss, globals, maxPages: cert.reservedPages, cutAt: wasmCutAt, lemmasUsed: new Set(), tables };
  // Only a module that grows memory relies on the zero bytes above the size (memoryInvariant).
  const zeroAbove = hasMemory && module.funcs.some((f) => usesGrow(f.body));
  const mapping = elf.symbols.filter((x) => x.shndx === text.index && /^\$[atd](\.|$)/.test(x.name)).map((x) => x.value & ~1);
  const dataEnd = (at: number) => Math.min(end, ...mapping.filter((m) => m > at));
  // The runtime routine: a BL to it is a step under its contract when its bytes are the proved ones (runtime.ts).
  const runtimeBySymbol = (s: ElfSymbol): RuntimeTrust | undefined => (isRuntimeSymbol(s.name) ? trustRoutine(elf, s) : undefined);
  const runtimeByAddress = (off: number): RuntimeTrust | undefined => {
    const s = elf.symbols.find((x) => x.shndx === text.index && x.type === 'func' && (x.value & ~1) === off && isRuntimeSymbol(x.name));
    return s ? trustRoutine(elf, s) : undefined;
  };
  const aenv: ArmEnv = {
    A, text: text.data, start, end, relocs, stateSymbol, dataEnd, calleeBySymbol: (n) => bySymbol.get(n), calleeByAddress, cutAt: armCutAt,
    runtimeBySymbol, runtimeByAddress, runtimeUsed: new Set(),
  };
  // Entry SP is 8-byte aligned by construction (AAPCS), which keeps alignment masks cheap for Z3.
  const entrySp = A.concat(A.bvVar('entry.sp[31:3]', 29), A.bv(0, 3));
  A.alignedRoot(entrySp, 8);
  A.stackRoot(entrySp);
  const entry: EntrySyms = { sp: entrySp, lr: A.bvVar('entry.lr', 32), saved: new Map(CALLEE_SAVED.map((r) => [r, A.bvVar(`entry.r${r}`, 32)])) };

  // --- the certificate's link-time facts, checked where the object or the module can say ---
  const limits = (module.memories[0] ?? module.imports.flatMap((i) => (i.desc.kind === 'memory' ? [i.desc.limits] : []))[0]);
  const minPages = limits?.min ?? 0;
  const maxPages = Math.min(limits?.max ?? 65535, 65535);
  if (!Number.isInteger(cert.reservedPages) || cert.reservedPages < minPages || cert.reservedPages > maxPages) {
    refuse({ kind: 'certificate', detail: `reservedPages ${cert.reservedPages} is not an integer in [${minPages} (the module's initial pages), ${maxPages} (its maximum)]` });
  }
  const memSym = elf.symbols.find((s) => s.name === names.memory && s.shndx !== 0);
  if (memSym && memSym.size > 0 && memSym.size < cert.reservedPages * WASM_PAGE_BYTES) {
    refuse({ kind: 'certificate', detail: `${names.memory} has ${memSym.size} bytes, fewer than reservedPages ${cert.reservedPages} pages` });
  }

  if (zeroAbove) checkInitialImage(elf, names, minPages, cert.reservedPages);

  // --- the assumptions, as premises over a memory ---
  const GLOBALS_REGION = 'globals';
  const PAGE_WORD_REGION = 'page-count word';
  const STACK_REGION = 'stack';
  const importedRegion = (g: GlobalInfo) => `imported global ${g.symbol}`;
  const tableRegion = (t: number) => `table ${t}`;
  const reservedBytes = BigInt(cert.reservedPages) * BigInt(WASM_PAGE_BYTES);
  // The regions the fixed premises below make disjoint (symmem.ts uses them to keep zero fills off other regions).
  A.region(LINEAR_MEMORY, ss.memBase, 0, Number(reservedBytes));
  const definedGlobals = globals.length - imported.length;
  A.region(GLOBALS_REGION, ss.globBase, 0, 8 * definedGlobals);
  for (const g of imported) A.region(importedRegion(g), g.addr, 0, width(g));
  A.region(PAGE_WORD_REGION, ss.pagesAddr, 0, 4);
  tables.forEach((e, t) => A.region(tableRegion(t), tableBases[t]!.base, 0, e.length * TABLE_ENTRY_BYTES));
  A.region(STACK_REGION, entrySp, -STACK_BELOW, STACK_ABOVE);
  const ival = (base: ZBV, size: bigint) => ({ base, size, lo: A.zext(base, 64), hi: A.add(A.zext(base, 64), A.bv(size, 64)) });
  /**
   * `x` lies in the region: its offset from the base, modulo 2^32, is below the size. The same as
   * [lo, hi) under the fixed premise that the region does not wrap, and easier for Z3: in `base + i - base`
   * the base cancels, so no carry out of the address needs reasoning about.
   */
  const inSpan = (x: ZBV, r: { base: ZBV; size: bigint }): ZBool => A.ult(A.zext(A.sub(x, r.base), 64), A.bv(r.size, 64));
  /** The 32-bit address `x` lies in the 64-bit interval [lo, hi). */
  const inInterval = (x: ZBV, r: { lo: ZBV; hi: ZBV }): ZBool => {
    const k = A.zext(x, 64);
    return A.boolAnd(A.ule(r.lo, k), A.ult(k, r.hi));
  };
  const regions = [ival(ss.memBase, reservedBytes), ival(ss.globBase, BigInt(8 * definedGlobals)), ival(ss.pagesAddr, 4n), ...imported.map((g) => ival(g.addr, BigInt(width(g))))];
  const stackWin = { lo: A.sub(A.zext(entry.sp, 64), A.bv(STACK_BELOW, 64)), hi: A.add(A.zext(entry.sp, 64), A.bv(STACK_ABOVE, 64)) };
  const disjoint = (x: { lo: ZBV; hi: ZBV }, y: { lo: ZBV; hi: ZBV }) => A.boolOr(A.ule(x.hi, y.lo), A.ule(y.hi, x.lo));
  // Tables: read-only regions, disjoint from the state, the stack and each other (not in storeAllowed).
  const tableRegions = tables.map((e, t) => ival(tableBases[t]!.base, BigInt(e.length * TABLE_ENTRY_BYTES)));
  const top = A.bv(1n << 32n, 64);
  const fixed: ZBool[] = [
    ...regions.map((r) => A.ule(r.hi, top)),
    ...regions.flatMap((r, i) => regions.slice(i + 1).map((q) => disjoint(r, q))),
    A.ule(A.bv(STACK_BELOW, 32), entry.sp),
    A.ule(stackWin.hi, top),
    ...regions.map((r) => disjoint(r, stackWin)),
    A.eq(A.extract(entry.lr, 0, 0), A.bv(1, 1)),
    ...tableRegions.flatMap((r, i) => [A.ule(r.hi, top), disjoint(r, stackWin), ...regions.map((q) => disjoint(r, q)), ...tableRegions.slice(i + 1).map((q) => disjoint(r, q))]),
    ...[...fnAddr.values()].map((a) => A.eq(A.extract(a, 0, 0), A.bv(1, 1))),
  ];
  const pagesWord = (m: SymMem) => loadLE(A, m, ss.pagesAddr, 4);
  /**
   * The memory invariant: the page-count word is within [initial pages, reservedPages] and, in a module
   * that grows memory, every byte of the reservation at or above pages x 64 KiB is zero (so memory.grow
   * need not clear the new pages). The claims at an exit or call site, over the WASM state's memory
   * (equal to the machine's in linear memory and the page-count word, by memoryClaims).
   */
  const memoryInvariant = (m: SymMem, tag: string): Claim[] => {
    if (!hasMemory) return [];
    const p = pagesWord(m);
    const out = [{ name: 'memory invariant: size within the initial and reserved pages', p: A.boolAnd(A.ule(A.bv(minPages, 32), p), A.ule(p, A.bv(cert.reservedPages, 32))) }];
    if (zeroAbove) {
      const k = A.bvVar(`${tag}.k.zero`, 32);
      const above = A.boolAnd(A.ule(A.shl(p, A.bv(16, 32)), k), A.ult(k, A.bv(reservedBytes, 32)));
      // The byte is read as one of linear memory: where it is not (k past the reservation) the claim holds anyway.
      out.push({ name: 'memory invariant: bytes above the size are zero', p: A.boolOr(A.boolNot(above), A.eq(A.load8In(m, A.add(ss.memBase, k), LINEAR_MEMORY), A.bv(0, 8))) });
    }
    return out;
  };
  /** A memory at a region's start, with the memory invariant assumed: by construction for the zero bytes, as a premise (memPremises) for the size. */
  const startMemory = (name: string): SymMem => {
    const m = A.memVar(name);
    if (!zeroAbove) return m;
    return A.zeroFill(m, { region: LINEAR_MEMORY, root: ss.memBase, from: A.shl(pagesWord(m), A.bv(16, 32)), to: A.bv(reservedBytes, 32) });
  };
  const memPremises = (m: SymMem): ZBool[] => [
    A.ule(A.bv(minPages, 32), pagesWord(m)),
    A.ule(pagesWord(m), A.bv(cert.reservedPages, 32)),
    ...globals.flatMap((g) => (g.constant === undefined ? [] : [A.eq(loadLE(A, m, g.addr, width(g)), A.bv(g.constant, 8 * width(g)))])),
    ...tableWords.map((w) => A.eq(loadLE(A, m, w.addr, 4), w.value)),
  ];

  const frameBytes = 4 * fc.frame.saved.length + fc.frame.size;
  const entryValue = (r: number): ZBV | undefined => (r === 14 ? entry.lr : entry.saved.get(r));

  // --- word locations ---
  type SlotRead = (offset: number) => ZBV;
  const word = (regs: ZBV[], slot: SlotRead, loc: WordLoc): ZBV =>
    match(loc)
      .with({ kind: 'reg' }, (l) => {
        if (!Number.isInteger(l.reg) || l.reg < 0 || l.reg > 14 || l.reg === 13) refuse({ kind: 'certificate', detail: `register r${l.reg} cannot hold a WASM value` });
        return regs[l.reg]!;
      })
      .with({ kind: 'slot' }, (l) => {
        if (!Number.isInteger(l.offset) || l.offset % 4 !== 0 || l.offset < 0) refuse({ kind: 'certificate', detail: `frame slot offset ${l.offset} is not a non-negative multiple of 4` });
        return slot(l.offset);
      })
      .with({ kind: 'const' }, (l) => A.bv(l.value, 32))
      .exhaustive();
  const locText = (loc: WordLoc): string =>
    match(loc)
      .with({ kind: 'reg' }, (l) => `r${l.reg}`)
      .with({ kind: 'slot' }, (l) => `[sp+${l.offset}]`)
      .with({ kind: 'const' }, (l) => `#${l.value}`)
      .exhaustive();
  /** The claims `value lives at loc`, one per word, named. */
  const holds = (what: string, v: ZBV, loc: ValueLoc, regs: ZBV[], slot: SlotRead): Claim[] => {
    const w = A.widthOf(v);
    if (loc.type === 'i32') {
      if (w !== 32) refuse({ kind: 'certificate', detail: `${what} is i64 but the certificate says i32` });
      return [{ name: `${what} in ${locText(loc.loc)}`, p: A.eq(v, word(regs, slot, loc.loc)) }];
    }
    if (w !== 64) refuse({ kind: 'certificate', detail: `${what} is i32 but the certificate says i64` });
    if (loc.lo?.kind === 'dead' && loc.hi?.kind === 'dead') refuse({ kind: 'certificate', detail: `${what}: both halves dead` });
    // A dead half is claimed nowhere: free where a region starts, not required where it ends.
    return [
      ...(loc.lo?.kind === 'dead' ? [] : [{ name: `${what} lo in ${locText(loc.lo)}`, p: A.eq(A.extract(v, 31, 0), word(regs, slot, loc.lo)) }]),
      ...(loc.hi?.kind === 'dead' ? [] : [{ name: `${what} hi in ${locText(loc.hi)}`, p: A.eq(A.extract(v, 63, 32), word(regs, slot, loc.hi)) }]),
    ];
  };
  const slotsOf = (sp: ZBV, m: SymMem): SlotRead => (o) => loadLE(A, m, A.add(sp, A.bv(o, 32)), 4);
  /** The map of cut point `c` in a WASM state and an ARM state. */
  const mapClaims = (c: Cut, w: WState, regs: ZBV[], slot: SlotRead): Claim[] => [
    ...c.cp.locals.flatMap((l) => {
      const v = w.locals[l.index];
      if (!v) return refuse({ kind: 'certificate', detail: `${c.label}: local ${l.index} does not exist` });
      return holds(`local ${l.index}`, v, l.loc, regs, slot);
    }),
    ...c.cp.stack.flatMap((loc, j) => holds(`stack ${j}`, w.stack[j]!, loc, regs, slot)),
    ...(c.cp.facts ?? []).map((f) => factClaim(c, f, regs, slot)),
  ];
  /** A certificate fact: the register or slot holds a constant or a state symbol's address. */
  const factClaim = (c: Cut, f: Fact, regs: ZBV[], slot: SlotRead): Claim => {
    const loc = factLoc(c, f);
    const [value, text] = factValue(c, f);
    return { name: `fact ${locText(loc)} = ${text}`, p: A.eq(word(regs, slot, loc), value) };
  };
  const factLoc = (c: Cut, f: Fact): WordLoc => {
    const loc = f?.loc;
    if (loc?.kind !== 'reg' && loc?.kind !== 'slot') return refuse({ kind: 'certificate', detail: `${c.label}: a fact names no register or slot` }, c.cp.address);
    return loc;
  };
  /** A fact's value and how the report writes it. */
  const factValue = (c: Cut, f: Fact): [ZBV, string] => {
    const v = f.value;
    const [value, text] = match(v as FactValue)
      .with({ kind: 'const' }, (x): [ZBV, string] => {
        if (!Number.isInteger(x.value)) refuse({ kind: 'certificate', detail: `${c.label}: fact constant ${x.value} is not an integer` }, c.cp.address);
        return [A.bv(x.value, 32), `#${x.value}`];
      })
      .with({ kind: 'symbol' }, (x): [ZBV, string] => {
        const base = typeof x.symbol === 'string' ? stateSymbol(x.symbol) : undefined;
        if (!base || !Number.isInteger(x.addend)) refuse({ kind: 'certificate', detail: `${c.label}: fact names ${String(x.symbol)}+${x.addend}, not a state symbol plus an integer` }, c.cp.address);
        return [A.add(base!, A.bv(x.addend, 32)), `&${x.symbol}+${x.addend}`];
      })
      .otherwise(() => refuse({ kind: 'certificate', detail: `${c.label}: fact of unknown kind` }, c.cp.address));
    return [value, text];
  };
  /** The frame at a non-entry cut point. */
  const frameClaims = (regs: ZBV[], slot: SlotRead): Claim[] => [
    { name: 'frame: sp', p: A.eq(regs[13]!, A.sub(entry.sp, A.bv(frameBytes, 32))) },
    ...fc.frame.saved.flatMap((r, j) => {
      const e = entryValue(r);
      return e ? [{ name: `frame: ${r === 14 ? 'lr' : `r${r}`} saved at [sp+${fc.frame.size + 4 * j}]`, p: A.eq(slot(fc.frame.size + 4 * j), e) }] : [];
    }),
    ...[...CALLEE_SAVED, 14].filter((r) => !fc.frame.saved.includes(r)).map((r) => ({ name: `frame: ${r === 14 ? 'lr' : `r${r}`} preserved`, p: A.eq(regs[r]!, entryValue(r)!) })),
  ];
  /** Same linear memory, globals and page count. */
  const memoryClaims = (mw: SymMem, ma: SymMem, tag: string): Claim[] => {
    const out: Claim[] = [];
    const inRegion = (k: ZBV, base: ZBV, size: bigint) => A.ult(A.zext(A.sub(k, base), 64), A.bv(size, 64));
    // Each byte is read as one of the region the claim is about: outside it the claim holds anyway.
    const same = (k: ZBV, region: string) => A.eq(A.load8In(mw, k, region), A.load8In(ma, k, region));
    /**
     * The region's bytes agree, first tried as: both sides made the same byte stores there, in the same
     * order, on top of the memory they share (each pair at equal addresses with equal values). That implies
     * the claim and needs no case split over a symbolic byte; when it is not shown, the claim itself is asked.
     */
    const region = (name: string, region: string, k: ZBV, base: ZBV, size: bigint): Claim => {
      const claim: Claim = { name, p: A.boolOr(A.boolNot(inRegion(k, base, size)), same(k, region)) };
      const ww = A.writesIn(mw, region);
      const wa = A.writesIn(ma, region);
      if (!ww || !wa) return claim;
      let shared = 0;
      while (shared < ww.length && shared < wa.length && ww[shared] === wa[shared]) shared++;
      const w = ww.slice(shared);
      const a = wa.slice(shared);
      const bytes = (ws: MemWrite[]) => ws.flatMap((x) => (x.fill ? [] : [x]));
      const [bw, ba] = [bytes(w), bytes(a)];
      if (bw.length !== w.length || ba.length !== a.length || bw.length !== ba.length) return claim;
      const pairs = bw.map((x, j) => A.boolAnd(A.eq(x.addr, ba[j]!.addr), A.eq(x.value, ba[j]!.value)));
      return { name: `${name}: the same stores in the same order`, p: A.boolAnd(...pairs), orElse: claim };
    };
    if (hasMemory) {
      out.push(region('linear memory', LINEAR_MEMORY, A.bvVar(`${tag}.k.mem`, 32), ss.memBase, reservedBytes));
      out.push({ name: 'memory size', p: A.eq(loadLE(A, mw, ss.pagesAddr, 4), loadLE(A, ma, ss.pagesAddr, 4)) });
    }
    if (definedGlobals > 0) out.push(region('globals', GLOBALS_REGION, A.bvVar(`${tag}.k.glob`, 32), ss.globBase, BigInt(8 * definedGlobals)));
    for (const g of imported) out.push({ name: `imported global ${g.symbol}`, p: A.eq(loadLE(A, mw, g.addr, width(g)), loadLE(A, ma, g.addr, width(g))) });
    return out;
  };

  /**
   * A machine store may write linear memory, the globals block, the page-count word, or the stack at or
   * above SP after the storing instruction (below SP an exception entry may overwrite it) and below the
   * top of the stack window. Anything else is a wild write the WASM program never made.
   */
  const writable = new Map<string, ReturnType<typeof ival>>([
    ...(hasMemory ? ([[LINEAR_MEMORY, regions[0]!], [PAGE_WORD_REGION, regions[2]!]] as const) : []),
    ...(definedGlobals > 0 ? ([[GLOBALS_REGION, regions[1]!]] as const) : []),
    ...imported.map((g, i) => [importedRegion(g), regions[3 + i]!] as const),
  ]);
  /** Regions a load may read but no store may write. */
  const readOnly = new Map(tableRegions.map((r, t) => [tableRegion(t), r] as const));
  const liveFrame = (st: Store) => inInterval(st.addr, { lo: A.zext(st.sp, 64), hi: stackWin.hi });
  const storeAllowed = (st: Store): ZBool => A.boolOr(...[...writable.values()].map((r) => inInterval(st.addr, r)), liveFrame(st));
  /**
   * storeAllowed narrowed to the one alternative the store's region (symmem.ts, by `facts`) names: the
   * same region's interval, or the live frame for a stack address. It implies storeAllowed, and is all Z3
   * has to show; a store of no known region, or of one no store may write, is asked storeAllowed whole.
   */
  const storeAllowedIn = (st: Store, facts: RegionFacts): ZBool => {
    const r = A.regionOf(st.addr, facts);
    if (r === STACK_REGION) return liveFrame(st);
    const w = r === undefined ? undefined : writable.get(r);
    return w ? inSpan(st.addr, w) : storeAllowed(st);
  };

  // --- the regions ---
  const obligations = inp.obligations;
  let fail: Verdict | undefined;
  const check = async (name: string, address: number, premises: ZBool[], goal: ZBool, symbols: Named[]): Promise<boolean> => {
    const first = { ...opts, rlimit: Math.min(opts.rlimit, SWEEP_AFTER) };
    let r = await prove(A.ctx, name, address, premises, goal, symbols, first);
    if (r.result.answer === 'unknown') {
      // Not decided in one query: by equal subterms (sweep.ts, its queries within the first rlimit too), and
      // only then the whole query at the full rlimit.
      const swept = await proveBySweeping(A.ctx, name, address, premises, goal, symbols, first);
      if (swept.final && swept.final.result.answer !== 'unknown') {
        obligations.push(...swept.obligations);
        r = swept.final;
        if (r.result.answer === 'unsat') return true;
      } else if (opts.rlimit > SWEEP_AFTER) r = await prove(A.ctx, name, address, premises, goal, symbols, opts);
    }
    obligations.push(r.result);
    if (r.result.answer === 'unsat') return true;
    if (r.result.answer === 'sat') fail = { kind: 'refuted', func, symbol: fc.symbol, obligation: r.result, counterexample: r.counterexample!, obligations };
    else fail = { kind: 'unknown', func, symbol: fc.symbol, reason: { kind: 'solver', obligation: name, detail: 'Z3 answered unknown (rlimit exhausted?)' }, address, obligations };
    return false;
  };

  const starts: { label: string; address: number; flat: number; init: () => { w: WState; a: AState; premises: ZBool[]; symbols: Named[] } }[] = [
    { label: 'entry', address: 0, flat: 0, init: () => entryState() },
    ...cuts.filter((c) => c.cp.kind !== 'entry').map((c) => ({ label: c.label, address: c.cp.address, flat: c.flat, init: () => cutState(c) })),
  ];

  function freshRegs(tag: string): ZBV[] {
    return Array.from({ length: 15 }, (_, i) => A.bvVar(`${tag}.r${i}`, 32));
  }
  function freshFlags(tag: string) {
    return { n: A.boolVar(`${tag}.n`), z: A.boolVar(`${tag}.z`), c: A.boolVar(`${tag}.c`), v: A.boolVar(`${tag}.v`) };
  }
  function entryState() {
    const m = startMemory('entry.mem');
    const params = flat.params.map((t, i) => A.bvVar(`param${i}`, t === 'i32' ? 32 : 64));
    const locals = [...params, ...flat.locals.slice(flat.params.length).map((t) => A.bv(0, t === 'i32' ? 32 : 64))];
    const r = freshRegs('entry');
    for (const [reg, v] of entry.saved) r[reg] = v;
    r[13] = entry.sp;
    r[14] = entry.lr;
    const premises: ZBool[] = [...memPremises(m)];
    const layout = paramLocations(flat.params);
    layout.params.forEach((loc, i) => {
      const v = params[i]!;
      match(loc)
        .with({ kind: 'reg' }, (l) => void (r[l.reg] = v))
        .with({ kind: 'regPair' }, (l) => {
          r[l.lo] = A.extract(v, 31, 0);
          r[l.hi] = A.extract(v, 63, 32);
        })
        .with({ kind: 'stack' }, (l) => void premises.push(A.eq(loadLE(A, m, A.add(entry.sp, A.bv(l.offset, 32)), l.size), v)))
        .exhaustive();
    });
    const symbols: Named[] = [...params.map((p, i) => ({ name: `param ${i}`, term: p })), ...namedState(r, 'entry')];
    return { w: { locals, stack: [], mem: m }, a: { r, ...freshFlags('entry'), mem: m }, premises, symbols };
  }
  function cutState(c: Cut) {
    const tag = `cut${c.index}`;
    const m = startMemory(`${tag}.mem`);
    const locals = flat.locals.map((t, i) => A.bvVar(`${tag}.local${i}`, t === 'i32' ? 32 : 64));
    const types = c.flat < flat.code.length ? flat.code[c.flat]!.types : flat.results;
    const stack = types.map((t, j) => A.bvVar(`${tag}.stack${j}`, t === 'i32' ? 32 : 64));
    const r = freshRegs(tag);
    // The frame's register part is substituted, not assumed: SP and the callee-saved registers not in the frame.
    const pinned = [13, ...[...CALLEE_SAVED, 14].filter((k) => !fc.frame.saved.includes(k))];
    r[13] = A.sub(entry.sp, A.bv(frameBytes, 32));
    for (const k of pinned.slice(1)) r[k] = entryValue(k)!;
    // A register fact on a register still free is substituted too (its premise below is then trivially true):
    // an address it holds becomes a state symbol plus a constant, whose region the memory model sees.
    for (const f of c.cp.facts ?? []) {
      const loc = factLoc(c, f);
      if (loc.kind === 'reg' && Number.isInteger(loc.reg) && loc.reg >= 0 && loc.reg <= 14 && !pinned.includes(loc.reg)) r[loc.reg] = factValue(c, f)[0];
    }
    const w: WState = { locals, stack, mem: m };
    const slot = slotsOf(r[13]!, m);
    const premises = [...memPremises(m), ...mapClaims(c, w, r, slot).map((x) => x.p), ...frameClaims(r, slot).map((x) => x.p)];
    const symbols: Named[] = [
      ...c.cp.locals.map((l) => ({ name: `local ${l.index}`, term: locals[l.index]! })),
      ...stack.map((s, j) => ({ name: `stack ${j}`, term: s })),
      ...namedState(r, tag),
    ];
    return { w, a: { r, ...freshFlags(tag), mem: m }, premises, symbols };
  }
  function namedState(r: ZBV[], tag: string): Named[] {
    return [
      ...r.map((x, i) => ({ name: `${tag} ${i === 13 ? 'sp' : i === 14 ? 'lr' : `r${i}`}`, term: x })),
      { name: 'entry sp', term: entry.sp },
      { name: 'memBase', term: ss.memBase },
    ];
  }

  /** Goals proved under `fixed` alone, by AST id (the term is kept so that its id is not reused). */
  const provedFromFixed = new Map<number, ZBool>();
  for (const st of starts) {
    const { w, a, premises: startPremises, symbols } = st.init();
    const here = armCutAt.get(st.address) ?? [];
    const skip = new Set(here.map((i) => cuts[i]!.flat).filter((f) => f !== st.flat));
    const wpaths = runWasm(wenv, st.flat, w, skip, new Set(here));
    const base = [...fixed, ...startPremises];
    const sat = await consistent(A.ctx, base, opts);
    if (sat === 'unsat') refuse({ kind: 'certificate', detail: `the premises of region ${st.label} are inconsistent (the map contradicts the assumptions)` }, st.address);
    if (sat !== 'sat') refuse({ kind: 'solver', obligation: `premises of region ${st.label}`, detail: `Z3 could not decide that they are consistent within rlimit ${opts.rlimit}` }, st.address);
    /**
     * Places a symbolic access in linear memory (the only region reached through computed addresses) by a
     * proof under the path so far; a proof that fails only leaves the access region-less. A placed store
     * lies in memory storeAllowed permits, so the proof stands for its store-discipline obligation too.
     */
    const placeIn = (addrs: readonly ZBV[], kind: 'load' | 'store') => {
      const hint = A.regionHint(addrs[0]!);
      const region = hint !== undefined && (writable.has(hint) || (kind === 'load' && readOnly.has(hint))) ? hint : hasMemory ? LINEAR_MEMORY : undefined;
      if (region === undefined) return undefined;
      const interval = writable.get(region) ?? readOnly.get(region)!;
      return { region, goal: A.boolAnd(...addrs.map((x) => inSpan(x, interval))) };
    };
    const place: PlaceAccess = async (cond, addrs, at, kind) => {
      const where = placeIn(addrs, kind);
      if (where === undefined) return undefined;
      const r = await prove(A.ctx, `${st.label}: ${kind} at ${hex(at)} lies in ${where.region}`, st.address, [...base, ...cond], where.goal, symbols, opts);
      if (r.result.answer !== 'unsat') return undefined;
      obligations.push(r.result);
      return where.region;
    };
    // First every access is taken as placed, and all the placements are proved in one query; only when that
    // fails are the paths run again, each access placed by a proof of its own (a failed proof leaves it
    // region-less). So no path relies on a placement that is not proved.
    const runPlacingAtOnce = async () => {
      const guessed: Item[] = [];
      const guess: PlaceAccess = async (cond, addrs, at, kind) => {
        const where = placeIn(addrs, kind);
        if (where !== undefined) guessed.push({ claim: { name: `${kind} at ${hex(at)} lies in ${where.region}`, p: where.goal }, given: cond });
        return where?.region;
      };
      const speculative = await runArm(aenv, st.address, a, guess);
      return (await batch(st.label, base, guessed)) ? speculative : undefined;
    };
    const apaths = (batching ? await runPlacingAtOnce() : undefined) ?? (await runArm(aenv, st.address, a, place));
    // The WASM side's linear-memory accesses that did not trap lie in linear memory (wasm-exec.ts Placement):
    // its later terms rely on it. The semantics guarantees it under the memory invariant; a failure is unknown.
    const placements = [...new Set(wpaths.flatMap((wp) => wp.placements))].map((p) => ({
      p,
      claim: { name: `wasm access at offset ${p.at} lies in linear memory`, p: A.boolAnd(...p.addrs.map((x) => inSpan(x, regions[0]!))) },
    }));
    // All of them at once first, each under its own bounds check; else one by one.
    // (One placement alone: its own query below is this one, at the full rlimit.)
    const placedAtOnce = placements.length > 1 && (await batch(st.label, base, placements.map(({ p, claim }) => ({ claim, given: p.own }))));
    for (const { p, claim } of placedAtOnce ? [] : placements) {
      const name = `${st.label}: ${claim.name}`;
      const goal = claim.p;
      // Its own bounds check should be premise enough (fewer premises prove more); else the whole path.
      const narrow = await prove(A.ctx, name, st.address, [...base, ...p.own], goal, symbols, opts);
      const r = narrow.result.answer === 'unsat' ? narrow : await prove(A.ctx, name, st.address, [...base, ...p.cond], goal, symbols, opts);
      obligations.push(r.result);
      if (r.result.answer !== 'unsat') {
        return { kind: 'unknown', func, symbol: fc.symbol, reason: { kind: 'solver', obligation: name, detail: `Z3 answered ${r.result.answer}: a WASM access within the memory size is not shown to lie in the reservation` }, address: st.address, obligations };
      }
    }
    // What each ARM path must show, each claim with the WASM path condition it is stated under.
    const paths = apaths.map((ap, ai) => {
      const where = `${st.label} -> ${describeEnd(ap.end, cuts)} [arm path ${ai}]`;
      const matching = wpaths.filter((wp) => sameOutcome(ap.end, wp.end, armCutAt, wasmCutAt, cuts));
      const items: Item[] = [
        // With no WASM path to the same place the goal is `false`, and any state refutes it: the name says why.
        { claim: { name: matching.length > 0 ? 'same successor' : `same successor: no WASM path from here ends where this one does (theirs end at ${[...new Set(wpaths.map((wp) => describeWasmEnd(wp.end, cuts)))].join(', ')})`, p: A.boolOr(...matching.map((wp) => A.boolAnd(...wp.cond))) }, given: [] },
        ...ap.pre.map((claim) => ({ claim, given: [] })),
      ];
      // One obligation per storing instruction (in the one-by-one form): Z3 no longer has to refute every
      // store's disjunction of regions in one query (its cost grew with the number of stores on the path).
      if (ap.end.kind !== 'fault')
        for (const [at, sts] of storesByInstruction(ap.stores)) {
          if (sts.every((x) => ap.facts.get(x.addr.id())?.region === LINEAR_MEMORY)) continue; // placed: proved by `place`
          const p = A.boolAnd(...sts.map((x) => storeAllowedIn(x, ap.facts)));
          // The fixed premises are the function's: a goal proved from them once is proved on every path.
          if (!provedFromFixed.has(p.id())) items.push({ claim: { name: `stores stay in memory, globals, the page word or the live frame (store at ${hex(at)})`, p, fixed: true }, given: [] });
        }
      for (const wp of matching) {
        // Built with both paths' region facts (proved above, under premises these claims carry).
        const claims = A.withRegionFacts(new Map([...ap.facts, ...wp.facts]), () => outcomeClaims(ap, wp, `${st.label}.${ai}`)).value;
        for (const claim of claims) items.push({ claim, given: wp.cond });
      }
      return { where, premises: [...base, ...ap.cond], cond: ap.cond, items };
    });
    // Defence in depth: the ARM successor guards must cover every input (spec/arm promises it).
    const exhaustive: Claim = { name: 'arm paths exhaustive', p: A.boolOr(...apaths.map((ap) => A.boolAnd(...ap.cond))) };
    // The whole region in one query first, then each ARM path in one query, then claim by claim: most regions
    // prove at once, and a query's fixed cost (a fresh solver, the premises asserted again) is paid once
    // instead of per claim. A batch that is not unsat concludes nothing: the smaller queries decide.
    if (await batch(st.label, base, [{ claim: exhaustive, given: [] }, ...paths.flatMap((pp) => pp.items.map((i) => ({ ...i, given: [...pp.cond, ...i.given] })))])) continue;
    if (!(await check(`${st.label}: ${exhaustive.name}`, st.address, base, exhaustive.p, symbols))) return fail!;
    for (const { where, premises, items } of paths) {
      // A path with one claim goes straight to the one-by-one form, which asks that same query at the full rlimit.
      if (items.length > 1 && (await batch(where, premises, items))) continue;
      for (const { claim: c, given } of items) {
        const prem = [...premises, ...given];
        const name = `${where}: ${c.name}`;
        if (c.fixed) {
          // A frame store is in the live frame whatever the path: try it under the fixed premises alone first (a
          // proof from fewer premises proves it under all of them); otherwise ask under the path's premises.
          if (provedFromFixed.has(c.p.id())) continue;
          const quick = await prove(A.ctx, name, st.address, fixed, c.p, symbols, opts);
          if (quick.result.answer === 'unsat') {
            obligations.push(quick.result);
            provedFromFixed.set(c.p.id(), c.p);
            continue;
          }
        }
        if (c.orElse) {
          // A sufficient form first (see memoryClaims); the claim itself decides when it is not shown.
          const quick = await prove(A.ctx, name, st.address, prem, c.p, symbols, opts);
          if (quick.result.answer === 'unsat') {
            obligations.push(quick.result);
            continue;
          }
        }
        const claim = c.orElse ?? c;
        if (!(await check(`${where}: ${claim.name}`, st.address, prem, claim.p, symbols))) return fail!;
      }
    }

    /** Proves every item in one query, recorded as one obligation naming them all. */
    async function batch(where: string, premises: ZBool[], items: Item[]): Promise<boolean> {
      if (items.length === 0) return true;
      if (!batching) return false;
      const goal = A.boolAnd(...items.map(({ claim, given }) => (given.length === 0 ? claim.p : A.boolOr(A.boolNot(A.boolAnd(...given)), claim.p))));
      const names = [...new Set(items.map((i) => i.claim.name))];
      const all = await prove(A.ctx, items.length === 1 ? `${where}: ${names[0]}` : `${where}: all ${items.length} claims: ${names.join('; ')}`, st.address, premises, goal, symbols, { ...opts, rlimit: Math.min(opts.rlimit, BATCH_RLIMIT) });
      if (all.result.answer !== 'unsat') return false;
      obligations.push(all.result);
      return true;
    }
  }
  return { kind: 'proved', func, symbol: fc.symbol, obligations, lemmas: [...[...wenv.lemmasUsed].map((l) => `${l}: ${LEMMAS[l].statement}`), ...(aenv.runtimeUsed.size > 0 ? [udivmod64LemmaText()] : [])] };

  /** What must hold when the ARM path `ap` and the WASM path `wp` end in the same outcome. */
  function outcomeClaims(ap: APath, wp: WPath, tag: string): Claim[] {
    const s = ap.state;
    const e = ap.end;
    const we = wp.end;
    if (e.kind === 'cut' && we.kind === 'cut') {
      const c = cuts[we.index]!;
      const slot = slotsOf(s.r[13]!, s.mem);
      return [...mapClaims(c, wp.state, s.r, slot), ...frameClaims(s.r, slot), ...memoryClaims(wp.state.mem, s.mem, tag), ...memoryInvariant(wp.state.mem, tag)];
    }
    if (e.kind === 'return' && we.kind === 'return') {
      const out: Claim[] = [];
      resultLocs(flat.results).forEach((loc, i) => {
        const v = we.results[i]!;
        const what = flat.results.length === 1 ? 'result' : `result ${i}`;
        if (loc.kind === 'reg') out.push({ name: `exit: ${what} in r${loc.reg}`, p: A.eq(v, s.r[loc.reg]!) });
        else out.push({ name: `exit: ${what} lo in r${loc.lo}`, p: A.eq(A.extract(v, 31, 0), s.r[loc.lo]!) }, { name: `exit: ${what} hi in r${loc.hi}`, p: A.eq(A.extract(v, 63, 32), s.r[loc.hi]!) });
      });
      for (const [r, v] of entry.saved) out.push({ name: `exit: r${r} preserved`, p: A.eq(s.r[r]!, v) });
      out.push({ name: 'exit: sp restored', p: A.eq(s.r[13]!, entry.sp) });
      out.push({ name: 'exit: return to entry lr', p: A.eq(e.target, A.and(entry.lr, A.bv(~1 >>> 0, 32))) });
      return [...out, ...[...memoryClaims(wp.state.mem, s.mem, tag), ...memoryInvariant(wp.state.mem, tag)].map((c) => ({ ...c, name: `exit: ${c.name}` }))];
    }
    if (e.kind === 'trap' && we.kind === 'trap') return [];
    if (e.kind === 'call' && we.kind === 'call') return callClaims(ap, wp, we, tag);
    if (e.kind === 'indirectCall' && we.kind === 'call') {
      // The address called is the address of the function the WASM side calls (bit 0 cleared by BLX).
      const f = fnAddr.get(we.func) ?? refuse({ kind: 'spec-error', detail: `internal: call_indirect reached function ${we.func}, which no table holds` });
      return [{ name: `call_indirect: callee is function ${we.func}`, p: A.eq(e.target, A.and(f, A.bv(~1 >>> 0, 32))) }, ...callClaims(ap, wp, we, tag)];
    }
    return refuse({ kind: 'spec-error', detail: `internal: outcomes ${e.kind} and ${we.kind} matched` });
  }

  /** A call: same arguments and memory at the call, then the return cut point's map after a shared havoc. */
  function callClaims(ap: APath, wp: WPath, we: WEnd & { kind: 'call' }, tag: string): Claim[] {
    const s = ap.state;
    const t = funcType(module, we.func);
    const layout = paramLocations(t.params);
    const sp = s.r[13]!;
    const out: Claim[] = [];
    layout.params.forEach((loc: ArgLocation, i) => {
      const v = we.args[i]!;
      match(loc)
        .with({ kind: 'reg' }, (l) => void out.push({ name: `call ${we.func}: arg ${i} in r${l.reg}`, p: A.eq(v, s.r[l.reg]!) }))
        .with({ kind: 'regPair' }, (l) => {
          out.push({ name: `call ${we.func}: arg ${i} lo in r${l.lo}`, p: A.eq(A.extract(v, 31, 0), s.r[l.lo]!) });
          out.push({ name: `call ${we.func}: arg ${i} hi in r${l.hi}`, p: A.eq(A.extract(v, 63, 32), s.r[l.hi]!) });
        })
        .with({ kind: 'stack' }, (l) => void out.push({ name: `call ${we.func}: arg ${i} at [sp+${l.offset}]`, p: A.eq(v, loadLE(A, s.mem, A.add(sp, A.bv(l.offset, 32)), l.size)) }))
        .exhaustive();
    });
    out.push({ name: `call ${we.func}: sp 8-byte aligned`, p: A.eq(A.extract(sp, 2, 0), A.bv(0, 3)) });
    out.push(...[...memoryClaims(wp.state.mem, s.mem, tag), ...memoryInvariant(wp.state.mem, tag)].map((c) => ({ ...c, name: `call ${we.func}: ${c.name}` })));
    // After the call: a shared fresh result and memory; r4-r11, SP and the frame above the outgoing arguments survive.
    const ct = `${tag}.call`;
    const results = t.results.map((r, i) => A.bvVar(`${ct}.result${i}`, r === 'i32' ? 32 : 64));
    const mf = A.memVar(`${ct}.mem`);
    const regs = freshRegs(ct);
    for (let r = 4; r <= 11; r++) regs[r] = s.r[r]!;
    regs[13] = sp;
    resultLocs(t.results).forEach((loc, i) => {
      const res = results[i]!;
      if (loc.kind === 'reg') regs[loc.reg] = res;
      else {
        regs[loc.lo] = A.extract(res, 31, 0);
        regs[loc.hi] = A.extract(res, 63, 32);
      }
    });
    const preSlot = slotsOf(sp, s.mem);
    const slot: SlotRead = (o) => (o < layout.stackBytes ? A.bvVar(`${ct}.clobbered${o}`, 32) : preSlot(o));
    const c = cuts[wasmCutAt.get(we.after)!]!;
    const w: WState = { locals: wp.state.locals, stack: [...wp.state.stack, ...results], mem: mf };
    const after = [...mapClaims(c, w, regs, slot), ...frameClaims(regs, slot)].map((x) => ({ ...x, name: `after call ${we.func}: ${x.name}` }));
    return [...out, ...after];
  }
}

/** What must hold, named; `orElse`: the claim proper, asked when `p` (which implies it) is not shown. */
interface Claim {
  name: string;
  p: ZBool;
  orElse?: Claim;
  /** Asked under the function's fixed premises alone first (a store's region: see the regions loop). */
  fixed?: boolean;
}

/** A claim and the WASM path condition it is stated under (empty: the ARM path's premises suffice). */
interface Item {
  claim: Claim;
  given: readonly ZBool[];
}

/** A path's byte stores grouped by the instruction that made them, in path order. */
function storesByInstruction(stores: readonly Store[]): Map<number, Store[]> {
  const by = new Map<number, Store[]>();
  for (const s of stores) by.set(s.at, [...(by.get(s.at) ?? []), s]);
  return by;
}

/** Where results live (spec/abi/aapcs.ts); results beyond r0-r3 are outside the convention. */
function resultLocs(results: readonly IntType[]): ResultLocation[] {
  const r = resultLocations(results);
  if (!r.ok) refuse({ kind: 'wasm-unsupported', detail: r.reason });
  return r.locs;
}

function sameOutcome(a: AEnd, w: WEnd, armCutAt: Map<number, number[]>, wasmCutAt: Map<number, number>, cuts: Cut[]): boolean {
  return match(a)
    .with({ kind: 'cut' }, (x) => w.kind === 'cut' && x.indices.includes(w.index))
    .with({ kind: 'return' }, () => w.kind === 'return')
    .with({ kind: 'trap' }, (x) => w.kind === 'trap' && trapCode(w.trap) === x.code)
    .with({ kind: 'fault' }, () => false)
    .with({ kind: 'call' }, (x) => w.kind === 'call' && w.func === x.func && returnsTo(x, w))
    // Which function an indirect call reaches is an obligation of its own (outcomeClaims).
    .with({ kind: 'indirectCall' }, (x) => w.kind === 'call' && returnsTo(x, w))
    .exhaustive();
  function returnsTo(x: { returnAddress: number; at: number }, w: WEnd & { kind: 'call' }): boolean {
    const ca = armCutAt.get(x.returnAddress);
    if (ca === undefined) refuse({ kind: 'certificate', detail: `no call-return cut point at ${hex(x.returnAddress)}` }, x.at);
    const cw = wasmCutAt.get(w.after);
    return cw !== undefined && ca.includes(cw) && cuts[cw]!.cp.kind === 'call-return';
  }
}

function describeEnd(e: AEnd, cuts: Cut[]): string {
  return match(e)
    .with({ kind: 'cut' }, (x) => x.indices.map((i) => cuts[i]!.label).join('|'))
    .with({ kind: 'return' }, (x) => `return@${hex(x.at)}`)
    .with({ kind: 'trap' }, (x) => `udf #${x.code}@${hex(x.at)}`)
    .with({ kind: 'fault' }, (x) => `fault@${hex(x.at)} (${x.reason})`)
    .with({ kind: 'call' }, (x) => `call ${x.func}@${hex(x.at)}`)
    .with({ kind: 'indirectCall' }, (x) => `call_indirect@${hex(x.at)}`)
    .exhaustive();
}

function describeWasmEnd(e: WEnd, cuts: Cut[]): string {
  return match(e)
    .with({ kind: 'cut' }, (x) => cuts[x.index]!.label)
    .with({ kind: 'return' }, () => 'return')
    .with({ kind: 'trap' }, (x) => `trap ${x.trap}`)
    .with({ kind: 'call' }, (x) => `call ${x.func}`)
    .exhaustive();
}

function resolveCuts(fc: FunctionCertificate, flat: FlatFunction, codeSize: number): Cut[] {
  if (!Array.isArray(fc.cutPoints)) refuse({ kind: 'certificate', detail: 'no cut point list' });
  return fc.cutPoints.map((cp, index) => {
    const label = `${cp.kind}@${hex(cp.address)}`;
    if (!Number.isInteger(cp.address) || cp.address < 0 || cp.address >= codeSize || cp.address % 2 !== 0) refuse({ kind: 'certificate', detail: `${label}: address outside the function` });
    if (cp.kind === 'entry') {
      if (cp.address !== 0) refuse({ kind: 'certificate', detail: `entry cut point at ${hex(cp.address)}, not 0` }, cp.address);
      if (cp.facts !== undefined && cp.facts.length > 0) refuse({ kind: 'certificate', detail: 'facts at the entry cut point (the ABI gives the entry state)' }, cp.address);
      return { index, cp, flat: 0, label };
    }
    const f = pointIndex(flat, cp.wasm?.offset, cp.wasm?.position);
    if (f === undefined) refuse({ kind: 'certificate', detail: `${label}: no WASM instruction at offset ${cp.wasm?.offset}` }, cp.address);
    const ins = flat.code[f];
    if (ins?.dead) refuse({ kind: 'certificate', detail: `${label}: WASM point is unreachable code` }, cp.address);
    const types: IntType[] = ins ? ins.types : flat.results;
    if (!Array.isArray(cp.stack) || cp.stack.length !== types.length) refuse({ kind: 'certificate', detail: `${label}: the stack has ${types.length} values, the map lists ${cp.stack?.length}` }, cp.address);
    cp.stack.forEach((v, j) => {
      if (v.type !== types[j]) refuse({ kind: 'certificate', detail: `${label}: stack ${j} is ${types[j]}, the map says ${v.type}` }, cp.address);
    });
    if (!Array.isArray(cp.locals)) refuse({ kind: 'certificate', detail: `${label}: no locals list` }, cp.address);
    for (const l of cp.locals) {
      if (flat.locals[l.index] !== l.loc.type) refuse({ kind: 'certificate', detail: `${label}: local ${l.index} is ${flat.locals[l.index]}, the map says ${l.loc.type}` }, cp.address);
    }
    return { index, cp, flat: f, label };
  });
}

function validateFrame(fc: FunctionCertificate): void {
  const { saved, size } = fc.frame ?? {};
  if (!Array.isArray(saved) || !Number.isInteger(size) || size < 0 || size % 4 !== 0) refuse({ kind: 'certificate', detail: 'malformed frame' });
  saved.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r > 14 || r === 13 || (i > 0 && r <= saved[i - 1]!)) refuse({ kind: 'certificate', detail: `frame.saved is not an ascending list of r0-r12, lr: ${JSON.stringify(saved)}` });
  });
}

function usesGrow(body: readonly Instr[]): boolean {
  return body.some((i) => i.op === 'memory.grow' || ((i.op === 'block' || i.op === 'loop') && usesGrow(i.body)) || (i.op === 'if' && (usesGrow(i.then) || usesGrow(i.else))));
}

/**
 * The base case of the memory invariant, from the object: the page-count word starts at the module's
 * initial pages and linear memory's image is zero from there to the end of the reservation.
 */
function checkInitialImage(elf: ElfFile, names: ReturnType<typeof stateSymbols>, minPages: number, reservedPages: number): void {
  const image = (name: string, size: number): { data: Uint8Array; section: number; offset: number } => {
    const s = elf.symbols.find((x) => x.name === name && x.shndx !== 0);
    const sec = s && elf.sections[s.shndx];
    if (!s || !sec) refuse({ kind: 'certificate', detail: `memory.grow relies on the initial image of ${name}, which the object does not define` });
    const offset = s.value - (elf.type === 2 ? sec.addr : 0);
    if (offset < 0 || offset + size > sec.size) refuse({ kind: 'certificate', detail: `${name} has fewer than ${size} bytes in ${sec.name}` });
    // SHT_NOBITS: zero-initialised, no bytes in the file.
    return { data: sec.type === 8 ? new Uint8Array(size) : sec.data.subarray(offset, offset + size), section: sec.index, offset };
  };
  const pages = image(names.memoryPages, 4);
  const relocated = (at: { section: number; offset: number }, lo: number, hi: number) =>
    elf.relocations.some((r) => r.target === at.section && r.offset + 4 > at.offset + lo && r.offset < at.offset + hi);
  const initial = pages.data[0]! | (pages.data[1]! << 8) | (pages.data[2]! << 16) | (pages.data[3]! << 24);
  if (initial !== minPages || relocated(pages, 0, 4)) refuse({ kind: 'certificate', detail: `${names.memoryPages} starts at ${initial >>> 0} pages${relocated(pages, 0, 4) ? ' (relocated)' : ''}, not the module's initial ${minPages}` });
  const lo = minPages * WASM_PAGE_BYTES;
  const mem = image(names.memory, reservedPages * WASM_PAGE_BYTES);
  const nonzero = mem.data.subarray(lo).findIndex((b) => b !== 0);
  if (nonzero >= 0 || relocated(mem, lo, mem.data.length)) {
    refuse({ kind: 'certificate', detail: `${names.memory} is not zero above its initial ${minPages} pages (byte ${nonzero >= 0 ? lo + nonzero : 'relocated'}), which memory.grow relies on` });
  }
}

/** Globals in index space order: imported ones at their own symbols, defined ones in 8-byte slots of the globals block. */
function globalInfo(A: VAlgebra, m: Module, globBase: ZBV): GlobalInfo[] {
  const out: GlobalInfo[] = [];
  for (const im of m.imports) {
    if (im.desc.kind !== 'global') continue;
    const t = im.desc.type;
    if (t !== 'i32' && t !== 'i64') refuse({ kind: 'wasm-unsupported', detail: `global of type ${t}` });
    const symbol = importSymbol(im.field);
    out.push({ type: t, addr: A.bvVar(`global ${symbol}`, 32), symbol });
  }
  m.globals.forEach((g, i) => {
    if (g.type !== 'i32' && g.type !== 'i64') refuse({ kind: 'wasm-unsupported', detail: `global of type ${g.type}` });
    const constant = g.mutable ? undefined : g.init.kind === 'i32.const' ? BigInt(g.init.value) : g.init.kind === 'i64.const' ? g.init.value : undefined;
    const addr = A.add(globBase, A.bv(8 * i, 32));
    out.push(constant === undefined ? { type: g.type, addr } : { type: g.type, addr, constant });
  });
  return out;
}

const width = (g: GlobalInfo): 4 | 8 => (g.type === 'i32' ? 4 : 8);

/** Replay a refutation from the entry on both concrete interpreters (replay.ts). */
function builtinReplay(module: Module, elf: ElfFile, v: Verdict & { kind: 'refuted' }): Counterexample['replay'] {
  const sym = elf.symbols.find((s) => s.name === v.symbol && s.type === 'func' && s.shndx !== 0);
  const text = sym && elf.sections[sym.shndx];
  if (!sym || !text) return { kind: 'not-applicable', detail: 'no code' };
  const start = sym.value & ~1;
  const end = start + sym.size;
  const t = funcType(module, v.func);
  return replayEntry({
    module, func: v.func, params: t.params, results: t.results, obligation: v.obligation.name, values: v.counterexample.values,
    text: text.data, start, end, relocated: elf.relocations.some((r) => r.target === text.index && r.offset >= start && r.offset < end),
  });
}

/** Where replay of a counterexample on the concrete interpreters will plug in (spec/wasm/interp.ts, spec/arm/interp.ts). */
export type ReplayHook = (v: Verdict & { kind: 'refuted' }) => Promise<Counterexample['replay']>;
