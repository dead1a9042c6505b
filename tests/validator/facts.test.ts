/**
 * Certificate facts: a register holding the memory base or a constant across
 * a loop header is assumed where the loop region starts and proved on every
 * edge into it; and the page-count bounds (initial pages <= pages <=
 * reservedPages) that let code compare against a constant limit.
 */
import { describe, expect, it } from 'vitest';
import type { CutPoint, Fact } from '../../spec/abi/certificate.ts';
import { cert, fn, funcCert, hasToolchain, instrOffsets, summary, validate } from './harness.ts';

// Sum of the bytes mem[n], mem[n-1], ..., mem[1].
const SUM = `(module (memory 1) (func (param i32) (result i32) (local i32)
  block
    loop
      local.get 0
      i32.eqz
      br_if 1
      local.get 1
      local.get 0
      i32.load8_u
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

// 0: movs r1,#0  2: movw r3  6: movt r3  10: mov.w r12,#65536  14: loop header (cbz)
const code = (opts: { limit?: string; step?: string } = {}) => `movs r1, #0
 movw r3, #:lower16:__warden_memory
 movt r3, #:upper16:__warden_memory
 mov.w r12, #65536
1: cbz r0, 2f
 adds r2, r0, #1
 bcs 3f
 cmp ${opts.limit ?? 'r2, r12'}
 bhi 3f
 ldrb r2, [r3, r0]
 add r1, r1, r2
 subs r0, r0, #1
 ${opts.step ?? ''}
 b 1b
2: mov r0, r1
 bx lr
3: udf #4`;

const MEM: Fact = { loc: { kind: 'reg', reg: 3 }, value: { kind: 'symbol', symbol: '__warden_memory', addend: 0 } };
const LIMIT: Fact = { loc: { kind: 'reg', reg: 12 }, value: { kind: 'const', value: 65536 } };

const loopCut = (facts: Fact[]) => (wasm: Uint8Array): CutPoint[] => [
  {
    kind: 'loop', address: 14, wasm: { offset: instrOffsets(wasm, 0).find((i) => i.op === 'loop')!.offset, position: 'before' }, stack: [],
    locals: [{ index: 0, loc: { type: 'i32', loc: { kind: 'reg', reg: 0 } } }, { index: 1, loc: { type: 'i32', loc: { kind: 'reg', reg: 1 } } }],
    facts,
  },
];
const run = async (asm: string, cuts: (wasm: Uint8Array) => CutPoint[], reservedPages = 1, entryFacts?: Fact[]) =>
  summary(
    await validate(SUM, fn('f', asm), (wasm) => {
      const fc = funcCert(0, 'f', { saved: [], size: 0 }, cuts(wasm));
      if (entryFacts) fc.cutPoints[0]!.facts = entryFacts;
      return cert([fc], reservedPages);
    }),
  )[0]!;

describe.runIf(hasToolchain())('certificate facts (skipped without arm-none-eabi-as)', () => {
  it('proves a loop that keeps the memory base and the limit in registers across its header', async () => {
    expect(await run(code(), loopCut([MEM, LIMIT]))).toMatch(/^proved/);
  });
  it('does not prove it without the facts (the registers are unknown at the header)', async () => {
    expect(await run(code(), loopCut([]))).toMatch(/^(refuted|unknown)/);
  });
  it('refutes a fact that does not hold on the edge into the header', async () => {
    const off = { ...MEM, value: { kind: 'symbol' as const, symbol: '__warden_memory', addend: 4 } };
    expect(await run(code(), loopCut([off, LIMIT]))).toMatch(/^refuted: entry -> loop@0xe .*fact r3 = &__warden_memory\+4/);
    const wrongConst = { ...LIMIT, value: { kind: 'const' as const, value: 65535 } };
    expect(await run(code(), loopCut([MEM, wrongConst]))).toMatch(/^refuted: entry -> loop@0xe .*fact r12 = #65535/);
  });
  it('refutes a fact the loop body breaks (proved on the back edge too)', async () => {
    expect(await run(code({ step: 'adds r3, r3, #1' }), loopCut([MEM, LIMIT]))).toMatch(/^refuted: loop@0xe -> loop@0xe .*fact r3/);
  });
  it('refuses facts at the entry and facts naming no state symbol', async () => {
    expect(await run(code(), loopCut([MEM, LIMIT]), 1, [MEM])).toMatch(/^unknown: certificate: facts at the entry/);
    const other = { ...MEM, value: { kind: 'symbol' as const, symbol: 'other_symbol', addend: 0 } };
    expect(await run(code(), loopCut([other, LIMIT]))).toMatch(/^unknown: certificate: .*not a state symbol/);
  });
  it('a constant limit is right only when the memory cannot grow: refuted with reservedPages above the initial pages', async () => {
    expect(await run(code(), loopCut([MEM, LIMIT]), 2)).toMatch(/^refuted: .*same successor/);
  });
  it('proves an immediate limit when reservedPages is the initial size', async () => {
    expect(await run(code({ limit: 'r2, #65536' }), loopCut([MEM]))).toMatch(/^proved/);
  });
});
