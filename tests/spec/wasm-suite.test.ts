/**
 * The official WebAssembly spec test scripts, run on the spec's reference
 * interpreter: the expected results were written by the WebAssembly
 * community group, an oracle independent of this project. Every assertion
 * of the integer subset must pass; the rest must be skipped with a reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CBV } from '../../spec/bv/concrete.ts';
import { decodeModule, WasmDecodeError } from '../../spec/wasm/decode.ts';
import { instantiate, InterpGlobal, InterpMemory, InterpTable, WasmInstantiateError, WasmInterpError, type Instance } from '../../spec/wasm/interp.ts';
import { runWast, type CallOutcome, type WastEngine } from '../../cli/wast/run.ts';
import { V8 } from '../conform/wasm.ts';
import { wabtTextToBinary } from '../../compiler/frontend/index.ts';

const SUITE = new URL('../../../shared/wasm-testsuite/', import.meta.url);
// wabt only turns the scripts' text modules into binaries; the spec decoder and interpreter do the rest.
const textToBinary = await wabtTextToBinary();

/** The `spectest` module the scripts import from. */
function spectest() {
  const print = () => undefined;
  return {
    spectest: {
      print,
      print_i32: print,
      print_i64: print,
      print_i32_f32: print,
      print_f64_f64: print,
      print_f32: print,
      print_f64: print,
      global_i32: new InterpGlobal('i32', false, new CBV(32, 666n)),
      global_i64: new InterpGlobal('i64', false, new CBV(64, 666n)),
      memory: new InterpMemory(1, 2),
      table: new InterpTable(10, 20),
    },
  };
}

const interpreter: WastEngine<Instance> = {
  async load(bytes) {
    let module;
    try {
      module = decodeModule(bytes);
      new V8.Module(bytes); // V8 as a second opinion on validity: throws a CompileError if invalid

    } catch (e) {
      if (e instanceof WasmDecodeError || (e instanceof Error && e.name === 'CompileError')) return { kind: 'rejected', message: e.message };
      throw e;
    }
    try {
      return { kind: 'ok', instance: instantiate(module, spectest()) };
    } catch (e) {
      if (e instanceof WasmInstantiateError) return e.trap ? { kind: 'trap', trap: e.trap } : { kind: 'unsupported', reason: e.detail };
      if (e instanceof WasmInterpError) return { kind: 'unsupported', reason: e.message };
      throw e;
    }
  },
  async run(instance, calls) {
    return calls.map((c): CallOutcome => {
      try {
        if (c.kind === 'get') {
          const g = instance.getGlobal(c.name);
          return { kind: 'values', values: [{ type: g.w === 32 ? 'i32' : 'i64', value: g.v }] };
        }
        const r = instance.invoke(
          c.name,
          c.args.map((a) => new CBV(a.type === 'i32' ? 32 : 64, a.value)),
        );
        if (r.kind === 'trap') return r;
        if (r.kind === 'exhausted') return { kind: 'error', message: `out of fuel after ${r.steps} steps` };
        return { kind: 'values', values: r.values.map((v) => ({ type: v.w === 32 ? 'i32' : 'i64', value: v.v })) };
      } catch (e) {
        if (e instanceof WasmInterpError && e.kind === 'unsupported') return { kind: 'unsupported', reason: e.detail };
        return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
      }
    });
  },
};

const files = readdirSync(SUITE).filter((f) => f.endsWith('.wast'));

describe('spec test scripts on the reference interpreter', () => {
  let passed = 0;
  it.each(files)('%s', async (file) => {
    const totals = await runWast(readFileSync(new URL(file, SUITE), 'utf8'), file, interpreter, textToBinary);
    const failures = totals.results.filter((r) => r.kind === 'failed');
    expect(failures).toEqual([]);
    passed += totals.passed;
  });
  it('ran a substantial number of assertions', () => {
    expect(passed).toBeGreaterThan(2000);
  });
});
