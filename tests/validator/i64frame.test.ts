/** i64 halves in frame slots, refused shapes, and what a refutation reports. */
import { describe, expect, it } from 'vitest';
import type { CutPoint, FunctionCertificate, WordLoc } from '../../spec/abi/certificate.ts';
import { validateObject } from '../../validator/validate.ts';
import { buildObject, cert, fn, funcCert, hasToolchain, instrOffsets, summary, validate } from './harness.ts';
import { watToWasm } from '../wat.ts';

const run = async (wat: string, body: string, frame: FunctionCertificate['frame'], cuts: (wasm: Uint8Array) => CutPoint[] = () => []) =>
  validate(wat, fn('f', body), (wasm) => cert([funcCert(0, 'f', frame, cuts(wasm))]));

const DOUBLE = `(module (func (param i64 i32) (result i64)
  (if (local.get 1) (then (local.set 0 (i64.add (local.get 0) (local.get 0)))))
  local.get 0))`;
// 0: sub sp (2)  2: strd (4)  6: cbz (2)  8: adds (2)  10: adc.w (4)  14: strd (4)  18: join: ldrd (4)  22: add sp (2)  24: bx lr
const code = (store: string) => `sub sp, #8\n ${store}\n cbz r2, 1f\n adds r0, r0, r0\n adc r1, r1, r1\n ${store}\n1: ldrd r0, r1, [sp]\n add sp, #8\n bx lr`;
const join = (lo: WordLoc, hi: WordLoc) => (wasm: Uint8Array): CutPoint[] => [
  { kind: 'join', address: 18, wasm: { offset: instrOffsets(wasm, 0).filter((i) => i.op === 'local.get').at(-1)!.offset, position: 'before' }, stack: [], locals: [{ index: 0, loc: { type: 'i64', lo, hi } }] },
];
const slot = (offset: number): WordLoc => ({ kind: 'slot', offset });
const frame = { saved: [], size: 8 };

describe.runIf(hasToolchain())('i64 in frame slots (skipped without arm-none-eabi-as)', () => {
  it('proves an i64 kept as two halves in an 8-byte slot', async () => {
    expect(summary(await run(DOUBLE, code('strd r0, r1, [sp]'), frame, join(slot(0), slot(4))))[0]).toMatch(/^proved/);
  });
  it('refutes swapped halves in the map', async () => {
    expect(summary(await run(DOUBLE, code('strd r0, r1, [sp]'), frame, join(slot(4), slot(0))))[0]).toMatch(/^refuted: .*local 0 (lo|hi) in \[sp\+/);
  });
  it('refutes swapped halves in the code', async () => {
    expect(summary(await run(DOUBLE, code('strd r1, r0, [sp]'), frame, join(slot(0), slot(4))))[0]).toMatch(/^refuted/);
  });
  it('refutes a slot off by 4', async () => {
    expect(summary(await run(DOUBLE, code('strd r0, r1, [sp]'), frame, join(slot(4), slot(8))))[0]).toMatch(/^refuted/);
  });
  it('reports the counterexample values of the params', async () => {
    const r = await run(DOUBLE, code('strd r0, r1, [sp]'), frame, join(slot(4), slot(0)));
    const v = r.verdicts[0]!;
    expect(v.kind).toBe('refuted');
    if (v.kind !== 'refuted') return;
    expect(Object.keys(v.counterexample.values)).toEqual(expect.arrayContaining(['param 0', 'param 1', 'entry sp']));
    // The code is right and only the hint is wrong: replaying the params on both interpreters agrees.
    expect(v.counterexample.replay.kind).toBe('not-reproduced');
    expect(v.obligation.answer).toBe('sat');
    expect(v.obligations.every((o) => o.rlimit >= 0)).toBe(true);
  });
});

const ID = `(module (func (param i32 i32) (result i32) local.get 0))`;
describe.runIf(hasToolchain())('refused shapes are unknown, with the address (skipped without arm-none-eabi-as)', () => {
  for (const [what, body, reason, address] of [
    ['an unmodelled instruction', 'nop\n ldrex r0, [r1]\n bx lr', 'decode', 2],
    ['an address of code memory', 'adr r0, 1f\n bx lr\n .align 2\n1: .word 0', 'arm-unsupported', 0],
    ['a malformed frame', 'bx lr', 'certificate', undefined],
  ] as const) {
    it(what, async () => {
      const r = await validate(ID, fn('f', body), cert([funcCert(0, 'f', what === 'a malformed frame' ? { saved: [14, 4], size: 0 } : { saved: [], size: 0 })]));
      const v = r.verdicts[0]!;
      expect(v.kind).toBe('unknown');
      if (v.kind !== 'unknown') return;
      expect(v.reason.kind).toBe(reason);
      expect(v.address).toBe(address);
    });
  }
  it('no certificate section: every function unknown', async () => {
    const wasm = await watToWasm(ID);
    const obj = buildObject(fn('f', 'bx lr'), cert([]));
    const r = await validateObject(wasm, obj);
    expect(r.verdicts.map((v) => v.kind)).toEqual(['unknown']);
  });
});
