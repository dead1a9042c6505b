import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeModule, WasmDecodeError } from '../../spec/wasm/decode.ts';
import { OPCODES, SUPPORTED_OPS, NUMERIC_OPS, opInfo, opByCode, opcodeBytes } from '../../spec/wasm/opcodes.ts';
import type { Instr } from '../../spec/wasm/ast.ts';
import { V8 } from '../conform/wasm.ts';
import { watToWasm } from '../wat.ts';

/** Decode and return the error (the test fails if it does not throw a WasmDecodeError). */
function decodeError(bytes: Uint8Array | number[]): WasmDecodeError {
  try {
    decodeModule(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  } catch (e) {
    expect(e).toBeInstanceOf(WasmDecodeError);
    return e as WasmDecodeError;
  }
  throw new Error('expected a WasmDecodeError');
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const validV8 = (b: Uint8Array): boolean => (V8 as unknown as { validate(b: Uint8Array): boolean }).validate(b);

const SAMPLE = await watToWasm(`(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $imp (param i32) (result i32)))
  (import "env" "g" (global $g0 i32))
  (memory 1 4)
  (table 4 funcref)
  (global $g (mut i64) (i64.const -5))
  (global $h i32 (global.get $g0))
  (elem (i32.const 1) $sq $imp)
  (data (i32.const 16) "hello")
  (func $sq (export "sq") (type $t) (i32.mul (local.get 0) (local.get 0)))
  (func $main (export "main") (param i64) (result i64) (local i32 i32 i64)
    (block $b (result i64)
      (loop $l
        (br_if $l (i32.eqz (i32.const 1)))
        (br_table $b $b (local.get 0) (i32.const 0)))
      (i64.const 0))
    (drop (call_indirect (type $t) (i32.const 3) (i32.const 1)))
    (if (i32.const 0) (then (nop)) (else (global.set $g (i64.const 1)))))
  (func $start (i64.store offset=8 align=4 (i32.const 0) (i64.const -1)))
  (start $start))`, { names: true });

describe('opcode table', () => {
  it('is unique and consistent', () => {
    expect(opInfo('i32.add')).toMatchObject({ byte: 0x6a, supported: true, sig: { params: ['i32', 'i32'], results: ['i32'] } });
    expect(opInfo('i64.extend_i32_u')?.sig).toEqual({ params: ['i32'], results: ['i64'] });
    expect(opInfo('f32.add')).toMatchObject({ supported: false, feature: 'floating point' });
    expect(opByCode(0xfc, 11)).toMatchObject({ name: 'memory.fill', feature: 'bulk memory' });
    expect(opByCode(0xfd, 12)).toMatchObject({ name: 'v128.const', feature: 'SIMD' });
    expect(opcodeBytes('memory.copy')).toEqual([0xfc, 0x0a]);
    // Every integer numeric instruction of the MVP + sign-extension: 2*11 comparisons, 2*18 arith, 3 conversions, 5 extends.
    expect(NUMERIC_OPS.length).toBe(22 + 36 + 3 + 5);
    expect(SUPPORTED_OPS.every((o) => o.feature === undefined)).toBe(true);
    expect(OPCODES.filter((o) => !o.supported).every((o) => typeof o.feature === 'string')).toBe(true);
  });
});

describe('decodeModule', () => {
  it('decodes every section of a real module', () => {
    const m = decodeModule(SAMPLE);
    expect(m.types[0]).toEqual({ params: ['i32'], results: ['i32'] });
    expect(m.imports.map((i) => i.desc.kind)).toEqual(['func', 'global']);
    expect(m.funcTypeIndices.length).toBe(4);
    expect(m.funcs.map((f) => f.index)).toEqual([1, 2, 3]);
    expect(m.funcs[1]!.locals).toEqual(['i32', 'i32', 'i64']);
    expect(m.memories).toEqual([{ min: 1, max: 4 }]);
    expect(m.tables).toEqual([{ elemType: 'funcref', limits: { min: 4 } }]);
    expect(m.globals).toEqual([
      { type: 'i64', mutable: true, init: { kind: 'i64.const', value: -5n } },
      { type: 'i32', mutable: false, init: { kind: 'global.get', index: 0 } },
    ]);
    expect(m.exports).toEqual([{ name: 'sq', kind: 'func', index: 1 }, { name: 'main', kind: 'func', index: 2 }]);
    expect(m.start).toBe(3);
    expect(m.elems).toEqual([{ mode: 'active', tableIndex: 0, offset: { kind: 'i32.const', value: 1 }, funcs: [1, 0] }]);
    expect(new TextDecoder().decode(m.datas[0]!.bytes)).toBe('hello');
    expect(SAMPLE[m.datas[0]!.byteOffset]).toBe('h'.charCodeAt(0));
    expect(m.funcNames.get(2)).toBe('main');
    expect(m.funcs[1]!.name).toBe('main');
    const body = m.funcs[1]!.body;
    expect(body.map((i) => i.op)).toEqual(['block', 'i32.const', 'i32.const', 'call_indirect', 'drop', 'i32.const', 'if']);
    const block = body[0] as Instr & { op: 'block' };
    expect(block.type).toEqual({ kind: 'value', type: 'i64' });
    expect(block.body[0]!.op).toBe('loop');
    const store = m.funcs[2]!.body.at(-1) as Instr & { op: 'i64.store' };
    expect(store.memarg).toEqual({ align: 2, offset: 8 });
    // Offsets point at the opcode byte.
    expect(SAMPLE[store.offset]).toBe(0x37);
  });

  it('names unsupported instructions instead of failing', async () => {
    const bytes = await watToWasm(`(module (memory 1)
      (func (param f32) (result i32) (drop (f32.add (local.get 0) (f32.const 1))) (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
        (drop (v128.const i32x4 1 2 3 4)) (i32.const 0)))`, { features: { simd: true, bulk_memory: true }, names: true });
    const m = decodeModule(bytes);
    const uns = m.funcs[0]!.body.flatMap((i) => (i.op === 'unsupported' ? [`${i.name}/${i.feature}`] : []));
    expect(uns).toEqual(['f32.const', 'f32.add', 'memory.fill', 'v128.const'].map((n) => `${n}/${opInfo(n)!.feature}`));
  });

  it('rejects bad headers with their offsets', () => {
    expect(decodeError([0x00, 0x61, 0x73]).offset).toBe(3);
    expect(decodeError([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0])).toMatchObject({ section: 'header', offset: 3 });
    expect(decodeError([...HEADER.slice(0, 4), 2, 0, 0, 0])).toMatchObject({ section: 'header', offset: 4 });
  });

  it('checks LEB128 length and overflow', () => {
    // type section whose count is an overlong u32 (6 bytes)
    expect(decodeError([...HEADER, 1, 7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00]).detail).toMatch(/too long/);
    // a 5-byte u32 with bits above 2^32
    const e = decodeError([...HEADER, 1, 5, 0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(e).toMatchObject({ section: 'type', offset: 10 });
    expect(e.detail).toMatch(/too large/);
    // i32.const with a 5-byte s32 whose unused bits do not sign-extend
    const fn = (c: number[]) => [...HEADER, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 10, c.length + 5, 1, c.length + 3, 0, 0x41, ...c, 0x0b];
    expect(decodeModule(new Uint8Array(fn([0xff, 0xff, 0xff, 0xff, 0x7f]))).funcs[0]!.body[0]).toMatchObject({ op: 'i32.const', value: -1 });
    expect(decodeModule(new Uint8Array(fn([0x80, 0x80, 0x80, 0x80, 0x78]))).funcs[0]!.body[0]).toMatchObject({ op: 'i32.const', value: -(2 ** 31) });
    expect(decodeError(fn([0xff, 0xff, 0xff, 0xff, 0x4f])).detail).toMatch(/too large/);
    expect(decodeError(fn([0x80, 0x80, 0x80, 0x80, 0x08])).detail).toMatch(/too large/);
  });

  it('rejects absurd counts without allocating', () => {
    // a type section claiming 2^32-1 types in 5 bytes
    const e = decodeError([...HEADER, 1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(e.detail).toMatch(/exceeds/);
    // a body declaring 2^32-1 locals
    expect(decodeError([...HEADER, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 10, 1, 8, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b]).detail).toMatch(/too many locals/);
  });

  it('every truncation of a valid module fails with an in-range offset', () => {
    for (let n = 0; n < SAMPLE.length; n++) {
      let err: unknown;
      try {
        decodeModule(SAMPLE.subarray(0, n));
      } catch (e) {
        err = e;
      }
      if (err === undefined) {
        // A cut exactly between sections can be a well-formed prefix (only custom/optional sections dropped).
        expect(validV8(SAMPLE.subarray(0, n))).toBe(true);
        continue;
      }
      expect(err).toBeInstanceOf(WasmDecodeError);
      expect((err as WasmDecodeError).offset).toBeLessThanOrEqual(n);
    }
  });

  it('decodes all eight element segment encodings', () => {
    const off = [0x41, 0x00, 0x0b];
    const segs = [
      [0x00, ...off, 1, 0], // active, table 0, func indices
      [0x01, 0x00, 1, 0], // passive, elemkind
      [0x02, 0x00, ...off, 0x00, 1, 0], // active, explicit table
      [0x03, 0x00, 1, 0], // declarative
      [0x04, ...off, 2, 0xd2, 0, 0x0b, 0xd0, 0x70, 0x0b], // active, exprs
      [0x05, 0x70, 1, 0xd2, 0, 0x0b], // passive, exprs
      [0x06, 0x00, ...off, 0x70, 1, 0xd0, 0x70, 0x0b], // active explicit table, exprs
      [0x07, 0x70, 1, 0xd2, 0, 0x0b], // declarative, exprs
    ];
    const elem = [segs.length, ...segs.flat()];
    const bytes = new Uint8Array([...HEADER, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 4, 4, 1, 0x70, 0, 2, 9, elem.length, ...elem, 10, 4, 1, 2, 0, 0x0b]);
    expect(validV8(bytes)).toBe(true);
    const m = decodeModule(bytes);
    expect(m.elems.map((e) => e.mode)).toEqual(['active', 'passive', 'active', 'declarative', 'active', 'passive', 'active', 'declarative']);
    expect(m.elems.map((e) => e.funcs)).toEqual([[0], [0], [0], [0], [0, null], [0], [null], [0]]);
  });

  it('reports section order, size and count mismatches', () => {
    expect(decodeError([...HEADER, 3, 1, 0, 1, 1, 0]).detail).toMatch(/out of order/);
    expect(decodeError([...HEADER, 1, 2, 0, 0]).detail).toMatch(/size mismatch/);
    expect(decodeError([...HEADER, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0]).detail).toMatch(/inconsistent lengths/);
    expect(decodeError([...HEADER, 13, 1, 0])).toMatchObject({ feature: 'exception handling' });
  });
});

describe('decoder fuzzing', () => {
  const only = (bytes: Uint8Array): boolean => {
    try {
      decodeModule(bytes);
      return true;
    } catch (e) {
      if (!(e instanceof WasmDecodeError)) throw e;
      return false;
    }
  };

  it('random bytes: WasmDecodeError or success, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
      only(new Uint8Array([...HEADER, ...tail]));
      only(tail);
    }), { numRuns: 3000, seed: 42 });
  });

  it('mutated valid modules: never another exception; V8-valid modules decode or name a feature', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(SAMPLE.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (muts) => {
      const b = SAMPLE.slice();
      for (const [i, v] of muts) b[i] = v;
      let err: unknown;
      try {
        decodeModule(b);
      } catch (e) {
        err = e;
      }
      if (err !== undefined) {
        expect(err).toBeInstanceOf(WasmDecodeError);
        // We only ever refuse what V8 refuses, or what uses a feature we name.
        if (validV8(b)) expect((err as WasmDecodeError).feature).toBeDefined();
      }
    }), { numRuns: 3000, seed: 7 });
  });
});
