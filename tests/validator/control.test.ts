/** br_table, block results through branches, select under an IT block. */
import { describe, expect, it } from 'vitest';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';

const run = async (wat: string, body: string) => summary(await validate(wat, fn('f', body), cert([funcCert(0, 'f', { saved: [], size: 0 })])))[0]!;

const SWITCH = `(module (func (param i32) (result i32)
  (block (block (block (local.get 0) (br_table 0 1 2)) (return (i32.const 10))) (return (i32.const 20)))
  i32.const 30))`;
const sw = (a: number, b: number) => `cmp r0, #0\n beq 1f\n cmp r0, #1\n beq 2f\n movs r0, #30\n bx lr\n1: movs r0, #${a}\n bx lr\n2: movs r0, #${b}\n bx lr`;

const BLOCKVAL = `(module (func (param i32 i32) (result i32)
  (block (result i32) (local.get 1) (local.get 0) (br_if 0) (drop) (i32.const 5))
  (local.get 1) (i32.add)))`;

const SELECT = `(module (func (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (local.get 2))))`;

describe.runIf(hasToolchain())('control flow (skipped without arm-none-eabi-as)', () => {
  it('proves a br_table as a compare chain', async () => {
    expect(await run(SWITCH, sw(10, 20))).toMatch(/^proved/);
  });
  it('refutes swapped br_table targets', async () => {
    expect(await run(SWITCH, sw(20, 10))).toMatch(/^refuted/);
  });
  it('proves a block result delivered by br_if', async () => {
    // taken: local 1 + local 1; not taken: 5 + local 1
    expect(await run(BLOCKVAL, 'cbz r0, 1f\n adds r0, r1, r1\n bx lr\n1: adds r0, r1, #5\n bx lr')).toMatch(/^proved/);
  });
  it('refutes a block result that drops the wrong value', async () => {
    expect(await run(BLOCKVAL, 'cbz r0, 1f\n adds r0, r0, r1\n bx lr\n1: adds r0, r1, #5\n bx lr')).toMatch(/^refuted/);
  });
  it('proves select with an IT block', async () => {
    expect(await run(SELECT, 'cmp r2, #0\n it eq\n moveq r0, r1\n bx lr')).toMatch(/^proved/);
  });
  it('refutes select with the inverted IT condition', async () => {
    expect(await run(SELECT, 'cmp r2, #0\n it ne\n movne r0, r1\n bx lr')).toMatch(/^refuted/);
  });
});

const CONST = `(module (func (result i32) (i32.const 0x12345678)))`;
const TABLE = (a: number, b: number) => `cmp r0, #2
 bhs 3f
 tbb [pc, r0]
0: .byte (1f-0b)/2
 .byte (2f-0b)/2
 .align 1
1: movs r0, #${a}
 bx lr
2: movs r0, #${b}
 bx lr
3: movs r0, #30
 bx lr`;
describe.runIf(hasToolchain())('code memory (skipped without arm-none-eabi-as)', () => {
  it('proves a literal-pool constant', async () => {
    expect(await run(CONST, 'ldr r0, =0x12345678\n bx lr\n .ltorg')).toMatch(/^proved/);
  });
  it('refutes a wrong literal', async () => {
    expect(await run(CONST, 'ldr r0, =0x12345679\n bx lr\n .ltorg')).toMatch(/^refuted: .*result in r0/);
  });
  it('proves a br_table as a TBB jump table', async () => {
    expect(await run(SWITCH, TABLE(10, 20))).toMatch(/^proved/);
  });
  it('refutes a TBB table with swapped entries', async () => {
    expect(await run(SWITCH, TABLE(20, 10))).toMatch(/^refuted/);
  });
  it('refutes a TBB without its bounds check (index past the table)', async () => {
    expect(await run(SWITCH, TABLE(10, 20).replace('bhs 3f', 'nop'))).toMatch(/^refuted: .*same successor/);
  });
});
