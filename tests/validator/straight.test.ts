import { describe, expect, it } from 'vitest';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';

const ADD = `(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`;
const leaf = (body: string) => fn('add', body);
const c = cert([funcCert(0, 'add', { saved: [], size: 0 })]);

describe.runIf(hasToolchain())('straight-line i32 (skipped without arm-none-eabi-as)', () => {
  it('proves add r0, r0, r1; bx lr', async () => {
    const r = await validate(ADD, leaf('adds r0, r0, r1\n bx lr'), c);
    expect(summary(r)[0]).toMatch(/^proved/);
  });
  it('refutes a result in the wrong register', async () => {
    const r = await validate(ADD, leaf('adds r2, r0, r1\n bx lr'), c);
    expect(summary(r)[0]).toBe('refuted: entry -> return@0x2 [arm path 0]: exit: result in r0');
  });
  it('refutes a clobbered callee-saved register', async () => {
    const r = await validate(ADD, leaf('adds r0, r0, r1\n mov r4, r0\n bx lr'), c);
    expect(summary(r)[0]).toMatch(/^refuted: .*exit: r4 preserved/);
  });
});

describe.runIf(hasToolchain())('counterexample replay on both interpreters (skipped without arm-none-eabi-as)', () => {
  const replayOf = async (wat: string, body: string) => {
    const r = await validate(wat, leaf(body), c);
    const v = r.verdicts[0]!;
    if (v.kind !== 'refuted') throw new Error(`expected refuted, got ${summary(r)[0]}`);
    return v.counterexample.replay;
  };
  it('confirms a wrong result register', async () => {
    expect(await replayOf(ADD, 'adds r2, r0, r1\n bx lr')).toMatchObject({ kind: 'confirmed' });
  });
  it('confirms a clobbered r4', async () => {
    expect(await replayOf(ADD, 'adds r0, r0, r1\n mov r4, r0\n bx lr')).toMatchObject({ kind: 'confirmed', detail: expect.stringContaining('r4 NOT preserved') });
  });
  it('confirms a missing division guard (WASM traps, ARM returns)', async () => {
    const DIV = `(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u))`;
    expect(await replayOf(DIV, 'udiv r0, r0, r1\n bx lr')).toMatchObject({ kind: 'confirmed', detail: expect.stringContaining('trap code 2') });
  });
});
