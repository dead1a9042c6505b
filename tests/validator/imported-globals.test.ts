/** Imported globals: each is its own symbol (spec/abi/layout.ts importSymbol), defined globals are slots of the globals block. */
import { describe, expect, it } from 'vitest';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';
import { compiledVerdicts } from './compiled.ts';

const leaf = { saved: [], size: 0 };
const run = async (wat: string, body: string) => summary(await validate(wat, fn('f', body), cert([funcCert(0, 'f', leaf)])))[0]!;

// global 0 is imported (its own symbol `lvl`), global 1 is defined (slot 0 of the globals block).
const ADD = `(module (import "env" "lvl" (global (mut i32))) (global (mut i32) (i32.const 0))
  (func (param i32) (global.set 1 (i32.add (global.get 0) (local.get 0)))))`;
const add = ({ src = 'lvl', off = 0, dst = '__warden_globals' } = {}) => `movw r1, #:lower16:${src}
 movt r1, #:upper16:${src}
 ldr r2, [r1, #${off}]
 add r2, r2, r0
 movw r3, #:lower16:${dst}
 movt r3, #:upper16:${dst}
 str r2, [r3]
 bx lr`;

const BUMP = `(module (import "env" "lvl" (global (mut i64))) (func (global.set 0 (i64.add (global.get 0) (i64.const 1)))))`;
const bump = (hi: number) => `movw r1, #:lower16:lvl
 movt r1, #:upper16:lvl
 ldr r2, [r1]
 ldr r3, [r1, #4]
 adds r2, r2, #1
 adc r3, r3, #0
 str r2, [r1]
 str r3, [r1, #${hi}]
 bx lr`;

describe.runIf(hasToolchain())('imported globals (skipped without arm-none-eabi-as)', () => {
  it('proves reading an imported global and writing a defined one', async () => {
    expect(await run(ADD, add())).toMatch(/^proved/);
  });
  it('refutes reading beside the imported global', async () => {
    expect(await run(ADD, add({ off: 4 }))).toMatch(/^refuted: .*globals/);
  });
  it('refutes writing the imported global instead of the defined one', async () => {
    expect(await run(ADD, add({ dst: 'lvl' }))).toMatch(/^refuted: .*(globals|imported global lvl)/);
  });
  it('proves an i64 imported global incremented in place', async () => {
    expect(await run(BUMP, bump(4))).toMatch(/^proved/);
  });
  it('refutes a high half stored at the wrong offset', async () => {
    expect(await run(BUMP, bump(0))).toMatch(/^refuted: .*imported global lvl/);
  });
  it('refuses a relocation against a symbol that is no imported global', async () => {
    expect(await run(ADD, add({ src: 'other' }))).toMatch(/^unknown: relocation/);
  });
  it('refuses an imported global whose symbol is also a function', async () => {
    const wat = `(module (import "env" "f" (global i32)) (func (result i32) global.get 0))`;
    expect(await run(wat, 'bx lr')).toMatch(/^unknown: wasm-unsupported: imported global symbol f/);
  });
});

describe('compiler output with imported globals', () => {
  it('proves every function', async () => {
    const wat = `(module
      (import "env" "g32" (global $g32 (mut i32)))
      (import "env" "k64" (global $k64 i64))
      (global $d (mut i64) (i64.const 5))
      (func (export "rd") (result i64) (i64.add (global.get $k64) (i64.extend_i32_u (global.get $g32))))
      (func (export "wr") (param i32) (global.set $g32 (i32.add (global.get $g32) (local.get 0))) (global.set $d (global.get $k64))))`;
    const r = await compiledVerdicts(wat);
    expect(summary(r)).toEqual(r.verdicts.map(() => expect.stringMatching(/^proved/)));
  }, 120_000);
});
