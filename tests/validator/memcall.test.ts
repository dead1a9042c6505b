/** Linear memory (bounds-checked loads/stores against the page-count word), globals, and calls under the ABI. */
import { describe, expect, it } from 'vitest';
import type { CutPoint, FunctionCertificate } from '../../spec/abi/certificate.ts';
import { cert, fn, funcCert, hasToolchain, instrOffsets, summary, validate } from './harness.ts';

const run = async (wat: string, body: string, frame: FunctionCertificate['frame'], cuts: (wasm: Uint8Array) => CutPoint[] = () => []) =>
  summary(await validate(wat, fn('f', body), (wasm) => cert([funcCert(wat.includes('import') ? 1 : 0, 'f', frame, cuts(wasm))])))[0]!;
const leaf = { saved: [], size: 0 };

const LOAD = `(module (memory 1) (func (param i32) (result i32) local.get 0 i32.load offset=0))`;
// r1 = pages * 64 KiB; trap unless ea + 4 <= r1 (ea + 4 computed without wrap-around).
const load = (cond: string, code = 4) => `movw r1, #:lower16:__warden_memory_pages
 movt r1, #:upper16:__warden_memory_pages
 ldr r1, [r1]
 lsls r1, r1, #16
 adds r2, r0, #4
 bcs 1f
 cmp r2, r1
 ${cond} 1f
 movw r3, #:lower16:__warden_memory
 movt r3, #:upper16:__warden_memory
 ldr r0, [r3, r0]
 bx lr
1: udf #${code}`;

describe.runIf(hasToolchain())('linear memory (skipped without arm-none-eabi-as)', () => {
  it('proves a bounds-checked i32.load', async () => {
    expect(await run(LOAD, load('bhi'), leaf)).toMatch(/^proved/);
  });
  it('refutes an off-by-one bounds check', async () => {
    expect(await run(LOAD, load('bhs'), leaf)).toMatch(/^refuted: .*same successor/);
  });
  it('refutes a wrong out-of-bounds trap code', async () => {
    expect(await run(LOAD, load('bhi', 5), leaf)).toMatch(/^refuted: .*same successor/);
  });
  it('refuses a MOVW/MOVT relocated against an unknown symbol', async () => {
    expect(await run(LOAD, load('bhi').replaceAll('__warden_memory_pages', 'other_symbol'), leaf)).toMatch(/^unknown: relocation/);
  });
});

const STORE = `(module (memory 1) (func (param i32 i32) local.get 0 local.get 1 i32.store offset=8))`;
const store = (reg: string) => `movw r3, #:lower16:__warden_memory_pages
 movt r3, #:upper16:__warden_memory_pages
 ldr r3, [r3]
 lsls r3, r3, #16
 adds r2, r0, #12
 bcs 1f
 cmp r2, r3
 bhi 1f
 movw r3, #:lower16:__warden_memory
 movt r3, #:upper16:__warden_memory
 add r3, r3, r0
 str ${reg}, [r3, #8]
 bx lr
1: udf #4`;
describe.runIf(hasToolchain())('stores (skipped without arm-none-eabi-as)', () => {
  it('proves a bounds-checked i32.store with an offset', async () => {
    expect(await run(STORE, store('r1'), leaf)).toMatch(/^proved/);
  });
  it('refutes storing the wrong register', async () => {
    expect(await run(STORE, store('r0'), leaf)).toMatch(/^refuted: .*linear memory/);
  });
});

const GLOBAL = `(module (global (mut i32) (i32.const 0)) (func (param i32) global.get 0 local.get 0 i32.add global.set 0))`;
const glob = (off: number) => `movw r1, #:lower16:__warden_globals
 movt r1, #:upper16:__warden_globals
 ldr r2, [r1, #${off}]
 add r2, r2, r0
 str r2, [r1, #${off}]
 bx lr`;
describe.runIf(hasToolchain())('globals (skipped without arm-none-eabi-as)', () => {
  it('proves global 0 += param', async () => {
    expect(await run(GLOBAL, glob(0), leaf)).toMatch(/^proved/);
  });
  it('refutes a global at the wrong offset', async () => {
    expect(await run(GLOBAL, glob(4), leaf)).toMatch(/^refuted: .*globals/);
  });
});

const CALL = `(module (import "env" "g" (func $g (param i32) (result i32)))
  (func (param i32) (result i32) local.get 0 call $g local.get 0 i32.add))`;
const callCut = (reg: number) => (wasm: Uint8Array): CutPoint[] => [
  {
    kind: 'call-return', address: 8, wasm: { offset: instrOffsets(wasm, 0).find((i) => i.op === 'call')!.offset, position: 'after' },
    locals: [{ index: 0, loc: { type: 'i32', loc: { kind: 'reg', reg } } }], stack: [{ type: 'i32', loc: { kind: 'reg', reg: 0 } }],
  },
];
describe.runIf(hasToolchain())('calls (skipped without arm-none-eabi-as)', () => {
  // 0: push (2)  2: mov r4, r0 (2)  4: bl g (4)  8: adds r0, r0, r4  10: pop
  it('proves a call with the param kept in a callee-saved register', async () => {
    expect(await run(CALL, 'push {r4, lr}\n mov r4, r0\n bl g\n adds r0, r0, r4\n pop {r4, pc}', { saved: [4, 14], size: 0 }, callCut(4))).toMatch(/^proved/);
  });
  it('refutes a value kept in a caller-saved register across the call', async () => {
    expect(await run(CALL, 'push {r4, lr}\n mov r1, r0\n bl g\n adds r0, r0, r1\n pop {r4, pc}', { saved: [4, 14], size: 0 }, callCut(1))).toMatch(/^refuted: .*after call 0: local 0 in r1/);
  });
  it('refutes a wrong argument register', async () => {
    expect(await run(CALL, 'push {r4, lr}\n mov r4, r0\n movs r0, #0\n bl g\n adds r0, r0, r4\n pop {r4, pc}', { saved: [4, 14], size: 0 }, (w) => callCut(4)(w).map((c) => ({ ...c, address: 10 })))).toMatch(/^refuted: .*arg 0 in r0/);
  });
  it('refuses a call without a call-return cut point', async () => {
    expect(await run(CALL, 'push {r4, lr}\n mov r4, r0\n bl g\n adds r0, r0, r4\n pop {r4, pc}', { saved: [4, 14], size: 0 })).toMatch(/^unknown: certificate/);
  });
});

describe.runIf(hasToolchain())('stack discipline and wild stores (skipped without arm-none-eabi-as)', () => {
  const ID = `(module (memory 1) (func (param i32) (result i32) local.get 0))`;
  it('proves a spill and reload above SP', async () => {
    expect(await run(ID, 'sub sp, #8\n str r0, [sp, #4]\n ldr r0, [sp, #4]\n add sp, #8\n bx lr', { saved: [], size: 8 })).toMatch(/^proved/);
  });
  it('refutes a spill below SP (an exception entry may overwrite it)', async () => {
    expect(await run(ID, 'str r0, [sp, #-4]\n ldr r0, [sp, #-4]\n bx lr', leaf)).toMatch(/^refuted: .*stores stay in/);
  });
  it('refutes a store outside linear memory', async () => {
    const wild = 'movw r1, #:lower16:__warden_memory\n movt r1, #:upper16:__warden_memory\n str r0, [r1, #-4]\n bx lr';
    expect(await run(ID, wild, leaf)).toMatch(/^refuted: .*stores stay in/);
  });
  // A store is placed in linear memory only by a proof under its own path (symmem.ts region facts): a
  // store through an unchecked index is never placed, even when the same address was checked on another path.
  const GROW = `(module (memory 1 2) (func (param i32) (result i32) local.get 0))`;
  const base = 'movw r1, #:lower16:__warden_memory\n movt r1, #:upper16:__warden_memory\n';
  it('refutes an unchecked store to memBase + index before restoring a saved register', async () => {
    expect(await run(GROW, `push {r4, lr}\n ${base} str r4, [r1, r0]\n pop {r4, pc}`, { saved: [4, 14], size: 0 })).toMatch(/^refuted: .*stores stay in/);
  });
  it('refutes a store whose address was checked on one path and is stored unchecked on another', async () => {
    const body = `push {r4, lr}\n ${base} cmp r0, #16\n bhs 1f\n ldr r2, [r1, r0]\n str r2, [r1, r0]\n 1: str r4, [r1, r0]\n pop {r4, pc}`;
    expect(await run(GROW, body, { saved: [4, 14], size: 0 })).toMatch(/^refuted: .*(stores stay in|linear memory)/);
  });
  it('proves a checked load and store back of the same byte between a push and a pop', async () => {
    const body = `push {r4, lr}\n ${base} cmp r0, #16\n bhs 1f\n ldrb r2, [r1, r0]\n strb r2, [r1, r0]\n 1: pop {r4, pc}`;
    expect(await run(GROW, body, { saved: [4, 14], size: 0 })).toMatch(/^proved/);
  });
  // One obligation per storing instruction: 0: sub sp (2)  2: str (2)  4: movw (4)  8: movt (4)  12: the varied store
  // (str r0, [sp, #0] is 2 bytes, str r0, [r1, #-4] is 4)  then str r0, [sp, #0]
  const mixed = (wild: string) => `sub sp, #8\n str r0, [sp, #4]\n movw r1, #:lower16:__warden_memory\n movt r1, #:upper16:__warden_memory\n ${wild}\n str r0, [sp, #0]\n ldr r0, [sp, #4]\n add sp, #8\n bx lr`;
  it('proves several frame stores in one query naming every storing instruction (batched)', async () => {
    const r = await validate(ID, fn('f', mixed('str r0, [sp, #0]')), cert([funcCert(0, 'f', { saved: [], size: 8 })]));
    const v = r.verdicts[0]!;
    expect(v.kind).toBe('proved');
    const names = v.kind === 'proved' ? v.obligations.map((o) => o.name).filter((n) => n.includes('stores stay in')) : [];
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/: all \d+ claims: .*\(store at 0x2\).*\(store at 0xc\).*\(store at 0xe\)/);
  });
  it('unbatched: proves several frame stores, one store obligation per storing instruction, none again for a goal already proved from the fixed premises', async () => {
    const r = await validate(ID, fn('f', mixed('str r0, [sp, #0]')), cert([funcCert(0, 'f', { saved: [], size: 8 })]), { batch: false });
    const v = r.verdicts[0]!;
    expect(v.kind).toBe('proved');
    const names = v.kind === 'proved' ? v.obligations.map((o) => o.name).filter((n) => n.includes('stores stay in')) : [];
    // 0xe stores r0 at [sp, #0] as 0xc did, with the same SP: the same goal, proved once.
    expect(names.map((n) => n.replace(/.*\(store at (0x[0-9a-f]+)\)$/, '$1'))).toEqual(['0x2', '0xc']);
  });
  it('refutes the one wild store among frame stores, naming its instruction', async () => {
    expect(await run(ID, mixed('str r0, [r1, #-4]'), { saved: [], size: 8 })).toMatch(/^refuted: .*stores stay in .*\(store at 0xc\)$/);
  });
});
