/**
 * Green cases must be `proved`; each red case (hand-made wrong code for one
 * obligation) must be `refuted` or `unknown` — never `proved`.
 */
import { describe, expect, it } from 'vitest';
import type { CutPoint, FunctionCertificate } from '../../spec/abi/certificate.ts';
import { decodeModule } from '../../spec/wasm/decode.ts';
import { cert, fn, funcCert, hasToolchain, instrOffsets, summary, validate } from './harness.ts';
import { watToWasm } from '../wat.ts';

const run = async (wat: string, body: string, frame: FunctionCertificate['frame'], cuts: (wasm: Uint8Array) => CutPoint[] = () => []) =>
  summary(await validate(wat, fn('f', body), (wasm) => cert([funcCert(0, 'f', frame, cuts(wasm))])))[0]!;
const leaf = { saved: [], size: 0 };
const notProved = (s: string) => expect(s).toMatch(/^(refuted|unknown)/);
const at = (wasm: Uint8Array, op: string, nth = 0) => instrOffsets(wasm, 0).filter((i) => i.op === op)[nth]!.offset;

const ADD64 = `(module (func (param i64 i64) (result i64) local.get 0 local.get 1 i64.add))`;
describe.runIf(hasToolchain())('i64 pairs (skipped without arm-none-eabi-as)', () => {
  it('proves adds/adc on r0:r1 + r2:r3', async () => {
    expect(await run(ADD64, 'adds r0, r0, r2\n adc r1, r1, r3\n bx lr', leaf)).toMatch(/^proved/);
  });
  it('refutes swapped result halves', async () => {
    expect(await run(ADD64, 'adds r1, r0, r2\n adc r0, r1, r3\n bx lr', leaf)).toMatch(/^refuted: .*exit: result (lo in r0|hi in r1)/);
  });
  it('refutes a missing carry', async () => {
    expect(await run(ADD64, 'adds r0, r0, r2\n add r1, r1, r3\n bx lr', leaf)).toMatch(/^refuted: .*result hi in r1/);
  });
});

const KEEP = `(module (func (param i32) (result i32) local.get 0 i32.const 3 i32.mul))`;
describe.runIf(hasToolchain())('frames (skipped without arm-none-eabi-as)', () => {
  it('proves push {r4, lr} ... pop {r4, pc}', async () => {
    expect(await run(KEEP, 'push {r4, lr}\n movs r4, #3\n muls r0, r4, r0\n pop {r4, pc}', { saved: [4, 14], size: 0 })).toMatch(/^proved/);
  });
  it('refutes restoring the wrong register (r4 clobbered)', async () => {
    notProved(await run(KEEP, 'push {r5, lr}\n movs r4, #3\n muls r0, r4, r0\n pop {r5, pc}', { saved: [5, 14], size: 0 }));
  });
  it('refutes a return that does not restore sp', async () => {
    expect(await run(KEEP, 'push {r4, lr}\n sub sp, #8\n movs r4, #3\n muls r0, r4, r0\n pop {r4, pc}', { saved: [4, 14], size: 8 })).toMatch(/^refuted: .*exit: /);
  });
});

const DIV = `(module (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u))`;
describe.runIf(hasToolchain())('traps (skipped without arm-none-eabi-as)', () => {
  it('proves a guarded udiv', async () => {
    expect(await run(DIV, 'cbz r1, 1f\n udiv r0, r0, r1\n bx lr\n1: udf #2', leaf)).toMatch(/^proved/);
  });
  it('refutes a missing division guard', async () => {
    expect(await run(DIV, 'udiv r0, r0, r1\n bx lr', leaf)).toMatch(/^refuted: .*same successor/);
  });
  it('refutes a wrong trap code', async () => {
    // No WASM path traps with code 3: the obligation's name says so, and where the WASM paths end instead.
    expect(await run(DIV, 'cbz r1, 1f\n udiv r0, r0, r1\n bx lr\n1: udf #3', leaf)).toMatch(/^refuted: entry -> udf #3@0x[0-9a-f]+ \[arm path \d\]: same successor: no WASM path from here ends where this one does \(theirs end at trap integer divide by zero, return\)$/);
  });
});

const IF = `(module (func (param i32) (result i32)
  (if (result i32) (local.get 0) (then (i32.const 7)) (else (i32.const 9)))
  i32.const 1 i32.add))`;
const ifCut = (wasm: Uint8Array): CutPoint[] => [
  { kind: 'join', address: 8, wasm: { offset: at(wasm, 'i32.const', 2), position: 'before' }, locals: [], stack: [{ type: 'i32', loc: { kind: 'reg', reg: 0 } }] },
];
describe.runIf(hasToolchain())('branches and joins (skipped without arm-none-eabi-as)', () => {
  // 0: cbz r0 (2)  2: movs r0,#7 (2)  4: b (2)  6: movs r0,#9 (2)  8: adds r0,#1  10: bx lr
  const good = 'cbz r0, 1f\n movs r0, #7\n b 2f\n1: movs r0, #9\n2: adds r0, r0, #1\n bx lr';
  it('proves an if/else joined at a cut point', async () => {
    expect(await run(IF, good, leaf, ifCut)).toMatch(/^proved/);
  });
  it('refutes an inverted condition', async () => {
    expect(await run(IF, good.replace('cbz', 'cbnz'), leaf, ifCut)).toMatch(/^refuted: .*stack 0 in r0/);
  });
  it('refutes a join map naming the wrong register', async () => {
    const bad = (wasm: Uint8Array) => ifCut(wasm).map((c) => ({ ...c, stack: [{ type: 'i32' as const, loc: { kind: 'reg' as const, reg: 1 } }] }));
    notProved(await run(IF, good, leaf, bad));
  });
});

const SUM = `(module (func (param i32) (result i32) (local i32)
  block
    loop
      local.get 0
      i32.eqz
      br_if 1
      local.get 1
      local.get 0
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.set 0
      br 0
    end
  end
  local.get 1))`;
// 0: movs r1,#0  2: cbz r0 (loop header)  4: add r1,r0  6: subs r0,#1  8: b 2  10: mov r0,r1  12: bx lr
const loopCut = (wasm: Uint8Array): CutPoint[] => [
  {
    kind: 'loop', address: 2, wasm: { offset: at(wasm, 'loop'), position: 'before' }, stack: [],
    locals: [{ index: 0, loc: { type: 'i32', loc: { kind: 'reg', reg: 0 } } }, { index: 1, loc: { type: 'i32', loc: { kind: 'reg', reg: 1 } } }],
  },
];
describe.runIf(hasToolchain())('loops (skipped without arm-none-eabi-as)', () => {
  const good = 'movs r1, #0\n1: cbz r0, 2f\n add r1, r1, r0\n subs r0, r0, #1\n b 1b\n2: mov r0, r1\n bx lr';
  it('proves a counting loop closed by its header map', async () => {
    expect(await run(SUM, good, leaf, loopCut)).toMatch(/^proved/);
  });
  it('refutes a wrong back-edge target', async () => {
    // The back edge skips the header's test: it lands on the add.
    const bad = 'movs r1, #0\n1: cbz r0, 2f\n3: add r1, r1, r0\n subs r0, r0, #1\n b 3b\n2: mov r0, r1\n bx lr';
    notProved(await run(SUM, bad, leaf, loopCut));
  });
  it('proves the loop with local 1 spilled to a frame slot', async () => {
    const spilled = 'sub sp, #8\n movs r1, #0\n str r1, [sp, #4]\n1: cbz r0, 2f\n ldr r1, [sp, #4]\n add r1, r1, r0\n str r1, [sp, #4]\n subs r0, r0, #1\n b 1b\n2: ldr r0, [sp, #4]\n add sp, #8\n bx lr';
    const cuts = (wasm: Uint8Array): CutPoint[] => [
      { kind: 'loop', address: 6, wasm: { offset: at(wasm, 'loop'), position: 'before' }, stack: [],
        locals: [{ index: 0, loc: { type: 'i32', loc: { kind: 'reg', reg: 0 } } }, { index: 1, loc: { type: 'i32', loc: { kind: 'slot', offset: 4 } } }] },
    ];
    expect(await run(SUM, spilled, { saved: [], size: 8 }, cuts)).toMatch(/^proved/);
    const offBy4 = spilled.replace('ldr r0, [sp, #4]', 'ldr r0, [sp, #0]');
    notProved(await run(SUM, offBy4, { saved: [], size: 8 }, cuts));
    const mapOffBy4 = (wasm: Uint8Array) => cuts(wasm).map((c) => ({ ...c, locals: [c.locals[0]!, { index: 1, loc: { type: 'i32' as const, loc: { kind: 'slot' as const, offset: 0 } } }] }));
    notProved(await run(SUM, spilled, { saved: [], size: 8 }, mapOffBy4));
  });
  it('refuses a loop without a cut point (unknown, not proved)', async () => {
    expect(await run(SUM, good, leaf)).toMatch(/^unknown: no-cut-in-loop/);
  });
});

describe.runIf(hasToolchain())('program points as the certificate defines them (skipped without arm-none-eabi-as)', () => {
  const IF2 = `(module (func (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 7)) (else (i32.const 9)))))`;
  const byteOffsetOf = async (wat: string) => decodeModule(await watToWasm(wat)).funcs[0]!.byteOffset;
  it('proves a join `after` the if (its end) and an exit cut point before the epilogue', async () => {
    // 0: push (2)  2: cbz (2)  4: movs (2)  6: b (2)  8: movs (2)  10: join = exit: pop
    const body = 'push {r4, lr}\n cbz r0, 1f\n movs r0, #7\n b 2f\n1: movs r0, #9\n2: pop {r4, pc}';
    const wat = IF2;
    const bo = await byteOffsetOf(wat);
    const r0 = { type: 'i32' as const, loc: { kind: 'reg' as const, reg: 0 } };
    const exitOnly = (): CutPoint[] => [{ kind: 'exit', address: 10, wasm: { offset: bo, position: 'after' }, locals: [], stack: [r0] }];
    expect(await run(wat, body, { saved: [4, 14], size: 0 }, exitOnly)).toMatch(/^proved/);
    // The exit map naming the wrong register is refuted.
    const badExit = (): CutPoint[] => [{ kind: 'exit', address: 10, wasm: { offset: bo, position: 'after' }, locals: [], stack: [{ type: 'i32', loc: { kind: 'reg', reg: 1 } }] }];
    expect(await run(wat, body, { saved: [4, 14], size: 0 }, badExit)).toMatch(/^refuted/);
    // A join and the exit at one machine address: each WASM point picks its own map.
    const both = (w: Uint8Array): CutPoint[] => [
      { kind: 'join', address: 10, wasm: { offset: at(w, 'if'), position: 'after' }, locals: [], stack: [r0] },
      ...exitOnly(),
    ];
    expect(await run(wat, body, { saved: [4, 14], size: 0 }, both)).toMatch(/^proved/);
  });
  it('a `return` reaches the exit cut point before the shared epilogue (spec suite store.wast as-return-value)', async () => {
    const RET = `(module (func (param i32) (result i32) (return (i32.add (local.get 0) (i32.const 1))) (drop (i32.const 5)) (i32.const 7)))`;
    const bo = await byteOffsetOf(RET);
    const exit = (reg: number) => (): CutPoint[] => [{ kind: 'exit', address: 4, wasm: { offset: bo, position: 'after' }, locals: [], stack: [{ type: 'i32', loc: { kind: 'reg', reg } }] }];
    // 0: adds (2)  2: b (2)  4: exit: bx lr
    expect(await run(RET, 'adds r0, r0, #1\n b 1f\n1: bx lr', leaf, exit(0))).toMatch(/^proved/);
    notProved(await run(RET, 'adds r0, r0, #2\n b 1f\n1: bx lr', leaf, exit(0)));
    notProved(await run(RET, 'adds r0, r0, #1\n b 1f\n1: bx lr', leaf, exit(1)));
  });
  it('a loop header at the first WASM instruction, after the prologue: the entry region stops there (spec suite nop.wast as-loop-mid)', async () => {
    const LOOP = `(module (func (result i32) (loop (result i32) (i32.const 2))))`;
    const header = (w: Uint8Array): CutPoint[] => [{ kind: 'loop', address: 2, wasm: { offset: at(w, 'loop'), position: 'before' }, locals: [], stack: [] }];
    // 0: push (2)  2: loop header: movs (2)  4: pop
    expect(await run(LOOP, 'push {r4, lr}\n movs r0, #2\n pop {r4, pc}', { saved: [4, 14], size: 0 }, header)).toMatch(/^proved/);
    notProved(await run(LOOP, 'push {r4, lr}\n movs r0, #3\n pop {r4, pc}', { saved: [4, 14], size: 0 }, header));
    notProved(await run(LOOP, 'push {r4, lr}\n movs r0, #2\n pop {r4, pc}', { saved: [4, 14], size: 8 }, header));
  });
  it('proves a join `after` an if followed by more code', async () => {
    const good = 'cbz r0, 1f\n movs r0, #7\n b 2f\n1: movs r0, #9\n2: adds r0, r0, #1\n bx lr';
    const cuts = (wasm: Uint8Array): CutPoint[] => [
      { kind: 'join', address: 8, wasm: { offset: at(wasm, 'if'), position: 'after' }, locals: [], stack: [{ type: 'i32', loc: { kind: 'reg', reg: 0 } }] },
    ];
    expect(await run(IF, good, leaf, cuts)).toMatch(/^proved/);
  });
});
