/**
 * memory.grow and memory.size against the memory invariant: the page-count word within [initial,
 * reserved] pages and the reservation zero above the current size, assumed at entry, proved at exits.
 */
import { describe, expect, it } from 'vitest';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';
import { compiledVerdicts } from './compiled.ts';

const leaf = { saved: [], size: 0 };
/** Linear memory (zero-initialised, `reserved` pages) and the page-count word (`initial`), as the compiler lays them out. */
const state = (reserved: number, initial: number, extra = '') => `
.bss
.global __warden_memory
.balign 8
__warden_memory: .space ${reserved * 65536}
.data
${extra}
.global __warden_memory_pages
.balign 4
__warden_memory_pages: .word ${initial}
`;
const run = async (wat: string, body: string, reserved = 2, data = state(reserved, 1)) =>
  summary(await validate(wat, fn('f', body) + data, cert([funcCert(0, 'f', leaf)], reserved)))[0]!;

const GROW = `(module (memory 1 2) (func (param i32) (result i32) local.get 0 memory.grow))`;
/** old = pages; new = old + delta unless it carries or exceeds the 2 reserved pages; store new, return old; else -1. */
const grow = ({ limit = 'cmp r3, #2\n bhi 1f', result = 'mov r0, r2' } = {}) => `movw r1, #:lower16:__warden_memory_pages
 movt r1, #:upper16:__warden_memory_pages
 ldr r2, [r1]
 adds r3, r2, r0
 bcs 1f
 ${limit}
 str r3, [r1]
 ${result}
 bx lr
1: mov r0, #-1
 bx lr`;

describe.runIf(hasToolchain())('memory.grow (skipped without arm-none-eabi-as)', () => {
  it('proves a grow within the reserved pages', async () => {
    expect(await run(GROW, grow())).toMatch(/^proved/);
  });
  it('refutes a grow that does not check the limit', async () => {
    expect(await run(GROW, grow({ limit: '' }))).toMatch(/^refuted: .*(memory size|result (0 )?in r0)/);
  });
  it('refutes a grow that returns the new size instead of the old', async () => {
    expect(await run(GROW, grow({ result: 'mov r0, r3' }))).toMatch(/^refuted: .*result (0 )?in r0/);
  });
  it('refutes a limit above the reserved pages', async () => {
    expect(await run(GROW, grow({ limit: 'cmp r3, #3\n bhi 1f' }))).toMatch(/^refuted/);
  });
  it('refuses a certificate reserving more pages than the declared maximum', async () => {
    expect(await run(GROW, grow({ limit: 'cmp r3, #3\n bhi 1f' }), 3)).toMatch(/^unknown: certificate: reservedPages 3 .*maximum/);
  });

  // The new page reads as zero on the WASM side; the machine reads it as it is, zero by the invariant.
  const GROW_LOAD = `(module (memory 1 2) (func (result i32) (drop (memory.grow (i32.const 1))) (i32.load (i32.const 65536))))`;
  const growLoad = `movw r1, #:lower16:__warden_memory_pages
 movt r1, #:upper16:__warden_memory_pages
 ldr r2, [r1]
 adds r3, r2, #1
 cmp r3, #2
 bhi 2f
 str r3, [r1]
2: ldr r2, [r1]
 lsls r2, r2, #16
 movw r3, #0x0004
 movt r3, #0x0001
 cmp r3, r2
 bhi 1f
 movw r1, #:lower16:__warden_memory
 movt r1, #:upper16:__warden_memory
 add r1, r1, #65536
 ldr r0, [r1]
 bx lr
1: udf #4`;
  it('proves a load from a freshly grown page (zero by the invariant)', async () => {
    expect(await run(GROW_LOAD, growLoad)).toMatch(/^proved/);
  });
  it('refuses to rely on an initial image that is not zero above the initial pages', async () => {
    const dirty = `.global __warden_memory\n.balign 8\n__warden_memory: .space 65536\n.word 7\n.space ${65536 - 4}\n`;
    expect(await run(GROW_LOAD, growLoad, 2, `.data\n${dirty}\n.global __warden_memory_pages\n.balign 4\n__warden_memory_pages: .word 1\n`)).toMatch(/^unknown: certificate: __warden_memory is not zero above/);
  });
  it('refuses a page-count word that does not start at the initial pages', async () => {
    expect(await run(GROW_LOAD, growLoad, 2, state(2, 2))).toMatch(/^unknown: certificate: __warden_memory_pages starts at 2 pages/);
  });

  // A store above the current size breaks the invariant the next grow relies on.
  const STORE = `(module (memory 1 2) (func (param i32) (i32.store (i32.const 0) (local.get 0))) (func (result i32) (memory.grow (i32.const 1))))`;
  const store = (at: string) => `movw r1, #:lower16:__warden_memory
 movt r1, #:upper16:__warden_memory
 ${at}
 str r0, [r1]
 bx lr`;
  const growFn = grow().replace('adds r3, r2, r0', 'adds r3, r2, #1');
  const both = (at: string) => fn('f', store(at)) + fn('g', growFn) + state(2, 1);
  it('proves a module with a store below the size and a grow', async () => {
    const r = await validate(STORE, both(''), cert([funcCert(0, 'f', leaf), funcCert(1, 'g', leaf)], 2));
    expect(summary(r)).toEqual([expect.stringMatching(/^proved/), expect.stringMatching(/^proved/)]);
  });
  it('refutes a store above the size', async () => {
    const r = await validate(STORE, both('add r1, r1, #65536'), cert([funcCert(0, 'f', leaf), funcCert(1, 'g', leaf)], 2));
    expect(summary(r)[0]).toMatch(/^refuted: .*linear memory/);
  });
});

describe.runIf(hasToolchain())('memory.size (skipped without arm-none-eabi-as)', () => {
  const SIZE = `(module (memory 1 2) (func (result i32) memory.size))`;
  const size = (off: number) => `movw r1, #:lower16:__warden_memory_pages\n movt r1, #:upper16:__warden_memory_pages\n ldr r0, [r1, #${off}]\n bx lr`;
  it('proves memory.size as the page-count word', async () => {
    expect(await run(SIZE, size(0))).toMatch(/^proved/);
  });
  it('refutes reading the word beside it', async () => {
    expect(await run(SIZE, size(4))).toMatch(/^refuted: .*result (0 )?in r0/);
  });
});

describe('compiler output with memory.grow', () => {
  it('proves every function of a module that grows, stores and loads', async () => {
    const wat = `(module (memory 1 3)
      (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
      (func (export "size") (result i32) memory.size)
      (func (export "growload") (param i32) (result i32) (drop (memory.grow (i32.const 1))) (i32.load (local.get 0)))
      (func (export "st") (param i32 i32) (i32.store (local.get 0) (local.get 1))))`;
    const r = await compiledVerdicts(wat);
    expect(summary(r)).toEqual(r.verdicts.map(() => expect.stringMatching(/^proved/)));
  }, 120_000);
});
