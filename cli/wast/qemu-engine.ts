/**
 * A `WastEngine` for compiled code on QEMU: each module instance is
 * compiled once (in memory, no validation: `warden wast` tests the code
 * generator end to end), and the calls of one instance run in one QEMU
 * run through the firmware driver, in script order, state persisting from
 * one call to the next (a trap resumes the driver at the next call).
 *
 * What the firmware cannot provide is skipped with a reason, never failed:
 * imports other than `spectest.print*` (which become no-op stubs), multiple
 * results (AAPCS returns one value), memories larger than the RAM window.
 */
import { loadWasm, formatFrontendError } from '../../compiler/frontend/index.ts';
import { compileModule, formatCompileError, type CompiledModule } from '../../compiler/compile.ts';
import { runFirmware, type FirmwareCall } from '../../compiler/firmware/firmware.ts';
import { encodeFunction } from '../../compiler/target/encode.ts';
import type { ObjFunction } from '../../compiler/target/object.ts';
import { stateSymbols, WASM_PAGE_BYTES } from '../../spec/abi/layout.ts';
import type { Module } from '../../spec/wasm/ast.ts';
import type { CallOutcome, EngineCall, IntValue, LoadOutcome, WastEngine } from './run.ts';

export interface QemuInstance {
  module: Module;
  compiled: CompiledModule;
  stubs: ObjFunction[];
}

export interface QemuEngineOptions {
  /** Cap on the linear memory reserved per instance, in 64 KiB pages (mps2-an386 has 4 MiB of RAM). */
  maxPages: number;
  timeoutSec: number;
  /** Called once per QEMU run (statistics). */
  onRun?: (calls: number, ms: number) => void;
}

const LR = 14;
const STUB_MODULE = 'spectest';

type IntType = 'i32' | 'i64';
const isInt = (t: string): t is IntType => t === 'i32' || t === 'i64';

/** A getter for global `index`: r0 (and r1 for i64) = the global's slot. */
function globalGetter(name: string, index: number, type: IntType): ObjFunction {
  const base = 2;
  const code = encodeFunction([
    { op: 'addrOf', rd: base, symbol: stateSymbols('').globals, addend: 0 },
    { op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base, offset: index * 8 } },
    ...(type === 'i64' ? [{ op: 'ldr' as const, size: 4 as const, signed: false, rt: 1, addr: { kind: 'imm' as const, base, offset: index * 8 + 4 } }] : []),
    { op: 'bx', rm: LR },
  ]);
  return { name, global: false, code };
}

/** Decode a script's module as `warden wast` does (also the spec-suite proving run, tests/suite). */
export async function loadForWast(bytes: Uint8Array, label: string): Promise<LoadOutcome<{ module: Module; bytes: Uint8Array }>> {
  const l = await loadWasm(bytes, label);
  if (l.ok) return { kind: 'ok', instance: { module: l.module, bytes: l.bytes } };
  const e = l.errors[0]!;
  const msg = formatFrontendError(e).replace(/\s*\n\s*/g, ' ');
  return e.kind === 'unsupported' ? { kind: 'unsupported', reason: msg } : { kind: 'rejected', message: msg };
}

/** Compile a script's module as `warden wast` does: `maxPages` reserved whatever the module declares. */
export function compileForWast(m: Module, maxPages: number): LoadOutcome<CompiledModule> {
  let r;
  try {
    r = compileModule(m, { maxPages, reservePages: maxPages });
  } catch (e) {
    return { kind: 'error', message: `compiler threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!r.ok) {
    const e = r.errors[0]!;
    const msg = formatCompileError(e).replace(/\s*\n\s*/g, ' ');
    return e.kind === 'unsupported' ? { kind: 'unsupported', reason: msg } : { kind: 'error', message: `compile error: ${msg}` };
  }
  return { kind: 'ok', instance: r.output };
}

export function qemuEngine(opts: QemuEngineOptions): WastEngine<QemuInstance> {
  return {
    async load(bytes, label): Promise<LoadOutcome<QemuInstance>> {
      const l = await loadForWast(bytes, label);
      if (l.kind !== 'ok') return l;
      const m = l.instance.module;
      // Imports: spectest.print* (no results) become no-op stubs; anything else needs another module.
      const stubs: ObjFunction[] = [];
      const seen = new Set<string>();
      for (const imp of m.imports) {
        if (imp.desc.kind !== 'func') continue; // the frontend already refused other imports
        const t = m.types[imp.desc.typeIndex]!;
        if (imp.module !== STUB_MODULE || !imp.field.startsWith('print') || t.results.length > 0) {
          return { kind: 'unsupported', reason: `import ${imp.module}.${imp.field} (the QEMU firmware provides only spectest.print* as no-op stubs; linking modules is not supported)` };
        }
        if (seen.has(imp.field)) continue;
        seen.add(imp.field);
        stubs.push({ name: imp.field, global: false, code: encodeFunction([{ op: 'bx', rm: LR }]) });
      }
      const mem = m.memories[0];
      if (mem && mem.min > opts.maxPages) return { kind: 'unsupported', reason: `memory of ${mem.min} pages exceeds the ${opts.maxPages}-page RAM window of the QEMU firmware` };
      // Instantiation checks the spec performs before running anything.
      for (const d of m.datas) {
        if (d.mode === 'active' && d.offset?.kind === 'i32.const' && (d.offset.value >>> 0) + d.bytes.length > (mem?.min ?? 0) * WASM_PAGE_BYTES) return { kind: 'trap', trap: 'out of bounds memory access' };
      }
      for (const e of m.elems) {
        if (e.mode === 'active' && e.offset?.kind === 'i32.const' && (e.offset.value >>> 0) + e.funcs.length > (m.tables[0]?.limits.min ?? 0)) {
          return { kind: 'unsupported', reason: 'element segment out of table bounds (the instantiation trap "out of bounds table access" is not modelled)' };
        }
      }
      const r = compileForWast(m, opts.maxPages);
      return r.kind === 'ok' ? { kind: 'ok', instance: { module: m, compiled: r.instance, stubs } } : r;
    },

    async run(inst, calls): Promise<CallOutcome[]> {
      const m = inst.module;
      const outcomes: (CallOutcome | undefined)[] = calls.map(() => undefined);
      const fcalls: FirmwareCall[] = [];
      const fIndex: number[] = [];
      const resultTypes: IntType[][] = [];
      const getters = new Map<number, ObjFunction>();
      calls.forEach((c, i) => {
        const exp = m.exports.find((e) => e.name === c.name);
        if (!exp) return (outcomes[i] = { kind: 'error', message: `no export named ${JSON.stringify(c.name)}` });
        if (c.kind === 'get') {
          if (exp.kind !== 'global') return (outcomes[i] = { kind: 'error', message: `export ${c.name} is a ${exp.kind}, not a global` });
          const g = m.globals[exp.index];
          if (!g || !isInt(g.type)) return (outcomes[i] = { kind: 'unsupported', reason: `global of type ${g?.type ?? 'imported'}` });
          if (!getters.has(exp.index)) getters.set(exp.index, globalGetter(`wardenget_${exp.index}`, exp.index, g.type));
          fcalls.push({ symbol: `wardenget_${exp.index}`, args: [], results: [g.type] });
          resultTypes.push([g.type]);
          fIndex.push(i);
          return;
        }
        if (exp.kind !== 'func') return (outcomes[i] = { kind: 'error', message: `export ${c.name} is a ${exp.kind}, not a function` });
        const t = m.types[m.funcTypeIndices[exp.index]!]!;
        if (t.results.length > 1) return (outcomes[i] = { kind: 'unsupported', reason: `${t.results.length} results (multi-value; AAPCS returns one value)` });
        const bad = [...t.params, ...t.results].find((x) => !isInt(x));
        if (bad) return (outcomes[i] = { kind: 'unsupported', reason: `${bad} parameter or result` });
        const fn = inst.compiled.functions.find((f) => f.index === exp.index);
        if (!fn) return (outcomes[i] = { kind: 'unsupported', reason: `export ${c.name} re-exports an import` });
        if (c.args.length !== t.params.length || c.args.some((a, k) => a.type !== t.params[k])) {
          return (outcomes[i] = { kind: 'error', message: `argument types (${c.args.map((a) => a.type).join(', ')}) do not match ${c.name}(${t.params.join(', ')})` });
        }
        fcalls.push({ symbol: fn.symbol, args: c.args.map((a) => ({ type: a.type, value: a.value })), results: t.results as IntType[] });
        resultTypes.push(t.results as IntType[]);
        fIndex.push(i);
      });
      if (fcalls.length > 0) {
        const start = Date.now();
        const run = runFirmware(
          { functions: [...inst.compiled.objFunctions, ...inst.stubs, ...getters.values()], data: inst.compiled.data, calls: fcalls },
          { timeoutSec: opts.timeoutSec },
        );
        opts.onRun?.(fcalls.length, Date.now() - start);
        const firstBad = run.outcomes.findIndex((o) => o.kind === 'fault' || o.kind === 'missing');
        run.outcomes.forEach((o, k) => {
          const i = fIndex[k]!;
          switch (o.kind) {
            case 'ok':
              outcomes[i] = { kind: 'values', values: o.values.map((value, j): IntValue => ({ type: resultTypes[k]![j]!, value })) };
              break;
            case 'trap':
              outcomes[i] = o.trap ? { kind: 'trap', trap: o.trap } : { kind: 'error', message: `UDF with unknown trap code ${o.code}` };
              break;
            case 'fault':
              outcomes[i] = { kind: 'error', message: `fault on QEMU (CFSR 0x${o.cfsr.toString(16)}, pc 0x${o.pc.toString(16)})` };
              break;
            case 'missing': {
              const why = run.timedOut ? `QEMU timed out after ${opts.timeoutSec} s` : k > firstBad && firstBad >= 0 && run.outcomes[firstBad]!.kind === 'fault' ? `not run: call ${firstBad + 1} of this instance faulted` : `no report from QEMU (exit ${run.exitCode}${run.stderr.trim() ? `: ${run.stderr.trim().split('\n')[0]}` : ''})`;
              outcomes[i] = { kind: 'error', message: why };
              break;
            }
          }
        });
      }
      return outcomes.map((o) => o ?? { kind: 'error', message: 'internal: no outcome' });
    },
  };
}

export type { EngineCall };
