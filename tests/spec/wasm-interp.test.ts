import { describe, expect, it } from 'vitest';
import { decodeModule } from '../../spec/wasm/decode.ts';
import { concrete } from '../../spec/bv/concrete.ts';
import { instantiate, InterpGlobal, WasmInstantiateError, WasmInterpError, type InvokeResult } from '../../spec/wasm/interp.ts';
import { runWasmConformance, V8, v8Outcome, specOutcome, sameOutcome, showOutcome } from '../conform/wasm.ts';
import type { ValueKind } from '../../spec/wasm/opcodes.ts';
import { watToWasm } from '../wat.ts';

const values = (r: InvokeResult): bigint[] => {
  if (r.kind !== 'values') throw new Error(`expected values, got ${JSON.stringify(r)}`);
  return r.values.map((v) => v.s);
};

/** Run `name(args)` on the spec interpreter and on V8 (same bytes); expect the same outcome and return it. */
function both(bytes: Uint8Array, calls: [string, bigint[], ValueKind[], ValueKind[]][], imports: { spec?: object; v8?: object } = {}): string[] {
  const spec = instantiate(decodeModule(bytes), (imports.spec ?? {}) as never);
  const v8 = new V8.Instance(new V8.Module(bytes), imports.v8 ?? {});
  return calls.map(([name, args, params, results]) => {
    const s = specOutcome(() => spec.invoke(name, args));
    const v = v8Outcome(() => (v8.exports[name] as (...a: unknown[]) => unknown)(...args.map((a, i) => (params[i] === 'i32' ? Number(BigInt.asIntN(32, a)) : a))), results);
    expect(sameOutcome(s, v), `${name}(${args}): spec ${showOutcome(s)} v8 ${showOutcome(v)}`).toBe(true);
    return showOutcome(s);
  });
}

describe('reference interpreter on real modules', () => {
  it('factorial, recursive and iterative, i64', async () => {
    const bytes = await watToWasm(`(module
      (func $fac (export "fac") (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
          (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
      (func (export "fac_iter") (param i64) (result i64) (local i64)
        (local.set 1 (i64.const 1))
        (block $done (loop $l
          (br_if $done (i64.le_u (local.get 0) (i64.const 1)))
          (local.set 1 (i64.mul (local.get 1) (local.get 0)))
          (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
          (br $l)))
        (local.get 1)))`, { names: true });
    const inst = instantiate(decodeModule(bytes));
    expect(values(inst.invoke('fac', [20n]))).toEqual([2432902008176640000n]);
    expect(values(inst.invoke('fac_iter', [25n]))).toEqual([BigInt.asIntN(64, 15511210043330985984000000n)]);
    expect(both(bytes, [['fac', [21n], ['i64'], ['i64']], ['fac_iter', [0n], ['i64'], ['i64']]])).toHaveLength(2);
  });

  it('memory, data segments, globals and the start function', async () => {
    const bytes = await watToWasm(`(module
      (import "env" "base" (global $base i32))
      (memory (export "mem") 1 2)
      (data (i32.const 8) "\\01\\02\\03\\04\\05\\06\\07\\08")
      (global $count (mut i32) (i32.const 0))
      (global (export "seen") (mut i64) (i64.const 0))
      (func $init (global.set $count (global.get $base)))
      (start $init)
      (func (export "sum8") (param i32) (result i64)
        (global.set 2 (i64.load (local.get 0)))
        (i64.add (i64.load8_u offset=7 (local.get 0)) (i64.extend_i32_u (global.get $count))))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size)))`, { names: true });
    const inst = instantiate(decodeModule(bytes), { env: { base: 100n } });
    expect(values(inst.invoke('sum8', [8n]))).toEqual([108n]);
    expect(inst.getGlobal('seen').v).toBe(0x0807060504030201n);
    const out = both(bytes, [
      ['sum8', [8n], ['i32'], ['i64']],
      ['sum8', [65528n], ['i32'], ['i64']],
      ['sum8', [65529n], ['i32'], ['i64']],
      ['grow', [1n], ['i32'], ['i32']],
      ['sum8', [65529n], ['i32'], ['i64']],
      ['grow', [1n], ['i32'], ['i32']],
      ['size', [], [], ['i32']],
      ['sum8', [0xffffffffn], ['i32'], ['i64']],
    ], { spec: { env: { base: 100n } }, v8: { env: { base: 100 } } });
    expect(out).toEqual(['values [0x6c]', 'values [0x64]', 'trap out of bounds memory access', 'values [0x1]', 'values [0x64]', 'values [0xffffffff]', 'values [0x2]', 'trap out of bounds memory access']);
  });

  it('call_indirect: match, mismatch, null entry, out of range; multi-value blocks; br_table', async () => {
    const bytes = await watToWasm(`(module
      (type $ii (func (param i32) (result i32)))
      (type $l (func (param i64) (result i64)))
      (table 4 funcref)
      (elem (i32.const 0) $inc $wide $inc)
      (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
      (func $wide (type $l) (local.get 0))
      (func (export "ci") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0)))
      (func (export "mv") (param i32) (result i32)
        local.get 0
        block (param i32) (result i32 i32) i32.const 10 end
        i32.sub)
      (func (export "bt") (param i32) (result i32)
        (block (result i32) (block (result i32) (block (result i32)
          (i32.const 100) (local.get 0) (br_table 0 1 2))
          (i32.const 1) (i32.add)) (i32.const 2) (i32.add))))`, { names: true });
    const inst = instantiate(decodeModule(bytes));
    expect(inst.invoke('ci', [0n, 41n])).toMatchObject({ kind: 'values' });
    expect(inst.invoke('ci', [1n, 1n])).toEqual({ kind: 'trap', trap: 'indirect call type mismatch' });
    expect(inst.invoke('ci', [3n, 1n])).toEqual({ kind: 'trap', trap: 'uninitialized element' });
    expect(inst.invoke('ci', [4n, 1n])).toEqual({ kind: 'trap', trap: 'undefined element' });
    expect(inst.invoke('ci', [-1n, 1n])).toEqual({ kind: 'trap', trap: 'undefined element' });
    const out = both(bytes, [
      ['ci', [2n, 41n], ['i32', 'i32'], ['i32']],
      ['ci', [1n, 1n], ['i32', 'i32'], ['i32']],
      ['ci', [3n, 1n], ['i32', 'i32'], ['i32']],
      ['ci', [4n, 1n], ['i32', 'i32'], ['i32']],
      ['mv', [3n], ['i32'], ['i32']],
      ['bt', [0n], ['i32'], ['i32']],
      ['bt', [1n], ['i32'], ['i32']],
      ['bt', [2n], ['i32'], ['i32']],
      ['bt', [99n], ['i32'], ['i32']],
    ]);
    expect(out).toEqual(['values [0x2a]', 'trap indirect call type mismatch', 'trap uninitialized element', 'trap undefined element', 'values [0xfffffff9]', 'values [0x67]', 'values [0x66]', 'values [0x64]', 'values [0x64]']);
  });

  it('host imports, call depth and fuel limits', async () => {
    const bytes = await watToWasm(`(module
      (import "env" "twice" (func $twice (param i64) (result i64)))
      (global $g (import "env" "g") (mut i32))
      (func (export "h") (param i64) (result i64) (global.set $g (i32.const 7)) (call $twice (local.get 0)))
      (func $rec (export "rec") (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))
      (func (export "spin") (loop $l (br $l))))`, { names: true });
    const g = new InterpGlobal('i32', true, concrete.bv(0, 32));
    const inst = instantiate(decodeModule(bytes), { env: { twice: ([x]) => x!.v * 2n, g } }, { fuel: 100_000, maxCallDepth: 500 });
    expect(values(inst.invoke('h', [21n]))).toEqual([42n]);
    expect(g.value.v).toBe(7n);
    expect(inst.invoke('rec', [0n])).toEqual({ kind: 'trap', trap: 'call stack exhausted' });
    expect(inst.invoke('spin')).toEqual({ kind: 'exhausted', steps: 100_000 });
  });

  it('names the function and offset of unsupported instructions; rejects ill-typed code', async () => {
    const bytes = await watToWasm(`(module (func $f (export "f") (param i32) (result i32) (drop (f32.const 1)) (local.get 0)))`, { names: true });
    const m = decodeModule(bytes);
    const inst = instantiate(m);
    let err: unknown;
    try {
      inst.invoke('f', [1n]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WasmInterpError);
    const e = err as WasmInterpError;
    expect(e).toMatchObject({ kind: 'unsupported', funcIndex: 0, funcName: 'f', feature: 'floating point' });
    expect(bytes[e.offset]).toBe(0x43); // f32.const
    // i32.add on an i64 operand: a hand-made invalid body.
    const bad = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 7, 5, 1, 1, 0x66, 0, 0, 10, 9, 1, 7, 0, 0x42, 1, 0x41, 1, 0x6a, 0x0b]);
    expect(() => instantiate(decodeModule(bad)).invoke('f')).toThrow(WasmInterpError);
    expect(() => instantiate(decodeModule(bytes), {}).invoke('nope')).toThrow(WasmInstantiateError);
  });
});

describe('V8 conformance (small campaign)', () => {
  it('3,000 random cases agree with V8', async () => {
    const lines: string[] = [];
    const r = await runWasmConformance({ cases: 3000, seed: 2024, log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r).toEqual({ passed: 3000, failed: 0 });
    expect(lines.at(-1)).toBe('3000 passed, 0 failed');
  });
});
