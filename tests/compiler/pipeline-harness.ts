/**
 * End-to-end harness: compile a .wat with the whole pipeline, run exports on
 * QEMU (firmware driver) and on V8 with the same calls in the same order,
 * and return both outcomes for comparison.
 */
import { loadWat } from '../../compiler/frontend/index.ts';
import { compileModule, formatCompileError, type CompiledModule } from '../../compiler/compile.ts';
import { runFirmwareAsync, type CallOutcome, type FirmwareCall } from '../../compiler/firmware/firmware.ts';
import type { Module } from '../../spec/wasm/ast.ts';
import type { ObjData } from '../../compiler/target/object.ts';

/** What a host provides to a module with imports: V8's import object, and the same definitions as data for the firmware. */
export interface Host {
  imports: object;
  data: ObjData[];
}

/** A trap carries its code (spec/abi/traps.ts); V8's message is mapped to the codes it may mean. */
export type Outcome = { kind: 'ok'; value?: bigint; /** Set when there are several results. */ values?: bigint[] } | { kind: 'trap'; code: number };

const V8_TRAPS: [RegExp, number][] = [
  [/unreachable/, 1],
  [/divide by zero|remainder by zero/, 2],
  [/unrepresentable|overflow/, 3],
  [/memory access out of bounds/, 4],
  [/table index is out of bounds/, 5],
  [/null function/, 6],
  [/signature mismatch/, 7],
];

export interface Compiled {
  bytes: Uint8Array;
  module: Module;
  out: CompiledModule;
}

export async function compileWat(text: string, file = 'test.wat'): Promise<Compiled> {
  const l = await loadWat(text, file);
  if (!l.ok) throw new Error(`frontend: ${JSON.stringify(l.errors)}`);
  const r = compileModule(l.module);
  if (!r.ok) throw new Error(`compile: ${r.errors.map(formatCompileError).join('\n')}`);
  return { bytes: l.bytes, module: l.module, out: r.output };
}

export interface Call {
  name: string;
  args: bigint[];
}

function signature(m: Module, name: string): { params: ('i32' | 'i64')[]; results: ('i32' | 'i64')[] } {
  const e = m.exports.find((x) => x.kind === 'func' && x.name === name);
  if (!e) throw new Error(`no export ${name}`);
  const t = m.types[m.funcTypeIndices[e.index]!]!;
  return { params: t.params as ('i32' | 'i64')[], results: t.results as ('i32' | 'i64')[] };
}

/** The slice of Node's WebAssembly API used here (tsconfig's libs do not declare it). */
interface V8Api {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  RuntimeError: new (...args: unknown[]) => Error;
}
const V8 = (globalThis as unknown as { WebAssembly: V8Api }).WebAssembly;

export async function runV8(c: Compiled, calls: Call[], imports: object = {}): Promise<Outcome[]> {
  const instance = new V8.Instance(new V8.Module(c.bytes), imports);
  return calls.map((call) => {
    const sig = signature(c.module, call.name);
    const f = instance.exports[call.name] as (...a: unknown[]) => unknown;
    const args = call.args.map((a, i) => (sig.params[i] === 'i64' ? BigInt.asIntN(64, a) : Number(BigInt.asIntN(32, a))));
    try {
      const r = f(...args);
      if (sig.results.length === 0) return { kind: 'ok' };
      const bits = (t: 'i32' | 'i64', x: unknown): bigint => (t === 'i64' ? BigInt.asUintN(64, x as bigint) : BigInt((x as number) >>> 0));
      if (sig.results.length > 1) return { kind: 'ok', values: sig.results.map((t, i) => bits(t, (r as unknown[])[i])) };
      return { kind: 'ok', value: bits(sig.results[0]!, r) };
    } catch (e) {
      if (e instanceof V8.RuntimeError) {
        const hit = V8_TRAPS.find(([re]) => re.test(e.message));
        if (!hit) throw new Error(`unmapped V8 trap message: ${e.message}`);
        return { kind: 'trap', code: hit[1] };
      }
      throw e;
    }
  });
}

/**
 * Calls run in chunks of CHUNK per QEMU boot (bounding one run's output and
 * time); module state (memory, globals) restarts with each chunk, so
 * state-dependent call sequences must stay shorter than a chunk.
 */
const CHUNK = 2000;

export async function runQemu(c: Compiled, calls: Call[], host?: Host): Promise<{ outcomes: Outcome[]; raw: CallOutcome[] }> {
  const fcalls: FirmwareCall[] = calls.map((call) => {
    const sig = signature(c.module, call.name);
    return { symbol: call.name, args: call.args.map((value, i) => ({ type: sig.params[i]!, value: BigInt.asUintN(sig.params[i] === 'i64' ? 64 : 32, value) })), results: sig.results };
  });
  const raw: CallOutcome[] = [];
  const outcomes: Outcome[] = [];
  for (let at = 0; at < fcalls.length; at += CHUNK) {
    const run = await runFirmwareAsync({ functions: c.out.objFunctions, data: [...c.out.data, ...(host?.data ?? [])], calls: fcalls.slice(at, at + CHUNK) }, { timeoutSec: 20 });
    raw.push(...run.outcomes);
    for (const o of run.outcomes) {
      if (o.kind === 'ok') outcomes.push(o.values.length > 1 ? { kind: 'ok', values: o.values } : o.values.length ? { kind: 'ok', value: o.values[0]! } : { kind: 'ok' });
      else if (o.kind === 'trap') outcomes.push({ kind: 'trap', code: o.code });
      else throw new Error(`QEMU: ${JSON.stringify(o)} (stdout: ${run.stdout.slice(0, 400)}, stderr: ${run.stderr.slice(0, 400)})`);
    }
  }
  return { outcomes, raw };
}

/** Outcomes as comparable strings. */
export function show(o: Outcome): string {
  return o.kind === 'ok' ? `ok ${o.values?.join(' ') ?? o.value ?? ''}` : `trap ${o.code}`;
}

/** Run on both and return pairs for a readable assertion. */
export async function differential(c: Compiled, calls: Call[], host?: Host): Promise<{ call: string; v8: string; arm: string }[]> {
  const v8 = await runV8(c, calls, host?.imports);
  const arm = (await runQemu(c, calls, host)).outcomes;
  return calls.map((call, i) => ({ call: `${call.name}(${call.args.join(', ')})`, v8: show(v8[i]!), arm: show(arm[i]!) }));
}
