/** Several results (r0-r3 laid out like params, spec/abi/aapcs.ts resultLocations) at exit and after calls; import symbols. */
import { describe, expect, it } from 'vitest';
import type { CutPoint, FunctionCertificate } from '../../spec/abi/certificate.ts';
import { validateObject } from '../../validator/validate.ts';
import { compileWat } from '../compiler/pipeline-harness.ts';
import { cert, fn, funcCert, hasToolchain, instrOffsets, summary, validate } from './harness.ts';

const leaf = { saved: [], size: 0 };
const run = async (wat: string, body: string, frame: FunctionCertificate['frame'], cuts: (wasm: Uint8Array) => CutPoint[] = () => [], prefix = '') =>
  summary(await validate(wat, fn('f', body), (wasm) => ({ ...cert([funcCert(wat.includes('import') ? 1 : 0, 'f', frame, cuts(wasm))]), prefix })))[0]!;

describe.runIf(hasToolchain())('several results at exit (skipped without arm-none-eabi-as)', () => {
  const SWAP = `(module (func (param i32 i32) (result i32 i32) local.get 1 local.get 0))`;
  it('proves a swap returning two i32 in r0, r1', async () => {
    expect(await run(SWAP, 'mov r2, r0\n mov r0, r1\n mov r1, r2\n bx lr', leaf)).toMatch(/^proved/);
  });
  it('refutes results in the wrong order', async () => {
    expect(await run(SWAP, 'bx lr', leaf)).toMatch(/^refuted: .*exit: result 0 in r0/);
  });
  const MIXED = `(module (func (param i32 i64) (result i64 i32) local.get 1 local.get 0))`;
  // param 0 in r0, param 1 in r2:r3; results: i64 in r0:r1, i32 in r2.
  it('proves (i64, i32) results in r0:r1 and r2', async () => {
    expect(await run(MIXED, 'mov r1, r0\n mov r0, r2\n mov r2, r1\n mov r1, r3\n bx lr', leaf)).toMatch(/^proved/);
  });
  it('refutes an i32 result left in r3', async () => {
    expect(await run(MIXED, 'mov r1, r0\n mov r0, r2\n mov r2, r3\n mov r3, r1\n mov r1, r2\n bx lr', leaf)).toMatch(/^refuted: .*exit: result 1 in r2/);
  });
});

describe.runIf(hasToolchain())('a call returning several results (skipped without arm-none-eabi-as)', () => {
  const WAT = `(module (import "env" "g" (func $g (result i32 i64))) (func (result i32) call $g drop))`;
  // 0: push {r4, lr}  2: bl g  6: pop {r4, pc}; after the call: i32 in r0, i64 in r2:r3.
  const cut = (wasm: Uint8Array): CutPoint[] => [
    {
      kind: 'call-return', address: 6, wasm: { offset: instrOffsets(wasm, 0).find((i) => i.op === 'call')!.offset, position: 'after' },
      locals: [], stack: [{ type: 'i32', loc: { kind: 'reg', reg: 0 } }, { type: 'i64', lo: { kind: 'reg', reg: 2 }, hi: { kind: 'reg', reg: 3 } }],
    },
  ];
  const frame = { saved: [4, 14], size: 0 };
  it('proves returning the first result', async () => {
    expect(await run(WAT, 'push {r4, lr}\n bl g\n pop {r4, pc}', frame, cut)).toMatch(/^proved/);
  });
  it('refutes returning a word of the second result', async () => {
    expect(await run(WAT, 'push {r4, lr}\n bl g\n mov r0, r2\n pop {r4, pc}', frame, cut)).toMatch(/^refuted: .*exit: result in r0/);
  });
  it('refutes a certificate placing the i64 result in r0:r1', async () => {
    const wrong = (w: Uint8Array) => cut(w).map((c) => ({ ...c, stack: [{ type: 'i32' as const, loc: { kind: 'reg' as const, reg: 0 } }, { type: 'i64' as const, lo: { kind: 'reg' as const, reg: 0 }, hi: { kind: 'reg' as const, reg: 1 } }] }));
    expect(await run(WAT, 'push {r4, lr}\n bl g\n pop {r4, pc}', frame, wrong)).toMatch(/^refuted: .*after call 0: stack 1 lo in r0/);
  });
});

describe.runIf(hasToolchain())('import symbols (spec/abi/layout.ts importSymbol) (skipped without arm-none-eabi-as)', () => {
  const WAT = `(module (import "env" "g" (func $g)) (func call $g))`;
  const cut = (wasm: Uint8Array): CutPoint[] => [
    { kind: 'call-return', address: 6, wasm: { offset: instrOffsets(wasm, 0).find((i) => i.op === 'call')!.offset, position: 'after' }, locals: [], stack: [] },
  ];
  const frame = { saved: [4, 14], size: 0 };
  it('an import is called by its bare field name, whatever the prefix', async () => {
    expect(await run(WAT, 'push {r4, lr}\n bl g\n pop {r4, pc}', frame, cut, 'p_')).toMatch(/^proved/);
  });
  it('a prefixed import symbol is no known function', async () => {
    expect(await run(WAT, 'push {r4, lr}\n bl p_g\n pop {r4, pc}', frame, cut, 'p_')).toMatch(/^unknown: relocation: BL to p_g, which is no known function/);
  });
});

describe('several results (compiled)', () => {
  it('proves a module returning (i32, i32) and (i64, i32), calling one and an import', async () => {
    const c = await compileWat(`(module
      (import "env" "ext" (func $ext (param i32) (result i32)))
      (func $pair (param i32 i64) (result i64 i32) local.get 1 local.get 0)
      (func (export "swap") (param i32 i32) (result i32 i32) local.get 1 local.get 0)
      (func (export "use") (param i32 i64) (result i32)
        local.get 0 local.get 1 call $pair
        local.get 0 i32.add call $ext i64.extend_i32_u i64.add i32.wrap_i64))`);
    const r = await validateObject(c.bytes, c.out.object);
    expect(summary(r).map((s) => s.replace(/ \(\d+\)$/, ''))).toEqual(['proved', 'proved', 'proved']);
  });
});
