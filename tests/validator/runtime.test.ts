/**
 * Calls to the runtime routine __warden_udivmod64, taken under its contract
 * (validator/runtime.ts) only when the object's routine is exactly the proved
 * bytes (proofs/runtime/udivmod64.ts); i64 div/rem and i32 rem through the
 * lemmas i64.divrem-by-cases and rem-from-div.
 */
import { describe, expect, it } from 'vitest';
import { UDIVMOD64_CODE, UDIVMOD64_SYMBOL } from '../../proofs/runtime/udivmod64.ts';
import { decodeThumb } from '../../spec/arm/decode.ts';
import { readElf } from '../../validator/elf.ts';
import { UDIVMOD64_FRAME_BYTES } from '../../proofs/runtime/udivmod64.ts';
import { validateObject } from '../../validator/validate.ts';
import type { ValidationReport } from '../../validator/verdict.ts';
import { compileWat } from '../compiler/pipeline-harness.ts';
import { cert, fn, funcCert, hasToolchain, summary, validate } from './harness.ts';

describe('the proved routine writes memory only in its frame', () => {
  // The validator havocs UDIVMOD64_FRAME_BYTES below SP at a call: the routine's only store and only SP
  // decrement must be one PUSH at its first instruction, of at most that many bytes; no calls.
  it(`UDIVMOD64_CODE: one PUSH of <= ${UDIVMOD64_FRAME_BYTES} bytes at offset 0, then only POPs touch SP`, () => {
    let off = 0;
    const bad: string[] = [];
    while (off < UDIVMOD64_CODE.length) {
      const d = decodeThumb(UDIVMOD64_CODE, off, off);
      if (d.kind !== 'ok') throw new Error(`undecodable at ${off}: ${d.reason}`);
      const i = d.instr;
      const json = JSON.stringify(i);
      if (i.op === 'stm') {
        if (!(off === 0 && i.alias === 'push' && 4 * i.regs.length <= UDIVMOD64_FRAME_BYTES)) bad.push(`${off}: ${json}`);
      } else if (i.op === 'ldm') {
        if (i.rn === 13 && i.alias !== 'pop') bad.push(`${off}: ${json}`);
      } else if (i.op === 'str' || i.op === 'strd' || i.op === 'bl' || i.op === 'blx') bad.push(`${off}: ${json}`);
      else if (/"(rd|rt|rt2|rdLo|rdHi)":13\b/.test(json) || (/"base":13\b/.test(json) && /"wback":true/.test(json))) bad.push(`${off}: ${json}`);
      off += d.size;
    }
    expect(bad).toEqual([]);
  });
});

const DIV = `(module
  (func (export "du") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_u)
  (func (export "ds") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
  (func (export "ru") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u)
  (func (export "rs") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
  (func (export "r32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s))`;

const verdicts = (r: ValidationReport) => r.verdicts.map((v) => `${v.symbol}: ${v.kind === 'unknown' ? `unknown: ${'detail' in v.reason ? v.reason.detail : ''}` : v.kind}`);

describe('compiled i64 division', () => {
  it('proves i64.div_u/div_s/rem_u/rem_s and i32.rem_s, naming the lemmas', async () => {
    const c = await compileWat(DIV);
    const r = await validateObject(c.bytes, c.out.object);
    expect(verdicts(r)).toEqual(['du: proved', 'ds: proved', 'ru: proved', 'rs: proved', 'r32: proved']);
    const lemmas = r.verdicts.flatMap((v) => (v.kind === 'proved' ? v.lemmas : [])).join('\n');
    expect(lemmas).toContain('runtime.udivmod64');
    expect(lemmas).toContain('i64.divrem-by-cases');
    expect(lemmas).toContain('rem-from-div');
  });
  it('a corrupted routine byte: every caller is unknown, naming the mismatch', async () => {
    const c = await compileWat(DIV);
    const obj = new Uint8Array(c.out.object);
    const elf = readElf(obj);
    const sym = elf.symbols.find((s) => s.name === UDIVMOD64_SYMBOL && s.shndx !== 0)!;
    const text = elf.sections[sym.shndx]!;
    // The last instruction (POP {.., pc}) becomes POP {.., r0}... any byte change must do.
    obj[text.offset + (sym.value & ~1) + UDIVMOD64_CODE.length - 2] ^= 0x01;
    const r = await validateObject(c.bytes, obj);
    for (const v of verdicts(r).slice(0, 4)) expect(v).toMatch(/: unknown: BL to __warden_udivmod64: __warden_udivmod64 differs from the proved routine at byte/);
    expect(verdicts(r)[4]).toBe('r32: proved');
  });
});

// Hand-written callers (no compiler): the routine's canonical bytes as a local Thumb function.
const routine = `.type ${UDIVMOD64_SYMBOL},%function\n.thumb_func\n${UDIVMOD64_SYMBOL}:\n.byte ${[...UDIVMOD64_CODE].join(',')}\n.size ${UDIVMOD64_SYMBOL}, .-${UDIVMOD64_SYMBOL}\n`;
const DU = `(module (func (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_u))`;
// 0: push  2: orrs  6: beq  8: orrs  12: bne  14: udiv  18: movs  20: pop  22: [before bl]  bl  pop  udf #2
const du = (beforeCall: string, guard = 'beq 2f') => `push {r4, lr}
 orrs r4, r2, r3
 ${guard}
 orrs r4, r1, r3
 bne 1f
 udiv r0, r0, r2
 movs r1, #0
 pop {r4, pc}
1: ${beforeCall}
 bl ${UDIVMOD64_SYMBOL}
 pop {r4, pc}
2: udf #2`;
const run = async (body: string) => summary(await validate(DU, fn('f', body) + routine, cert([funcCert(0, 'f', { saved: [4, 14], size: 0 })])))[0]!;

describe.runIf(hasToolchain())('hand-written calls to the routine (skipped without arm-none-eabi-as)', () => {
  it('proves i64.div_u through a resolved BL to the canonical routine', async () => {
    expect(await run(du('nop'))).toMatch(/^proved/);
  });
  it('refutes a call with the divisor halves swapped (wrong argument registers)', async () => {
    expect(await run(du('mov r4, r2\n mov r2, r3\n mov r3, r4'))).toMatch(/^refuted: .*exit: result (lo in r0|hi in r1)/);
  });
  it('refutes a call with the dividend in the divisor registers', async () => {
    expect(await run(du('mov r2, r0\n mov r3, r1'))).toMatch(/^refuted: .*(__warden_udivmod64@0x1a: divisor r3:r2 != 0|exit: result (lo in r0|hi in r1))/);
  });
  it('refutes a dropped divide-by-zero guard', async () => {
    expect(await run(du('nop', 'nop'))).toMatch(/^refuted: /);
  });
  it('refutes a call whose divisor may be 0 (the contract precondition)', async () => {
    // The guard is right, but the call passes 0 in r2:r3 when the dividend's low word is 0.
    expect(await run(du('movs r4, #0\n cmp r0, #0\n it eq\n moveq r2, r4\n it eq\n moveq r3, r4'))).toMatch(/^refuted: .*(divisor r3:r2 != 0|exit: result)/);
  });
});
