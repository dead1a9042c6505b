/**
 * The decoder and formatter against GNU binutils: assemble one instance of
 * every modelled form with arm-none-eabi-as, decode every instruction and
 * compare formatInstr with arm-none-eabi-objdump (normalised: no `.w`/`.n`,
 * no comments, no `<symbol>` annotations).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeThumb, formatInstr } from '../../spec/arm/decode.ts';
import { itAfter, itCond } from '../../spec/arm/it.ts';

const CORPUS = `
.syntax unified
.thumb
f:
adds r0, r1, #1
subs r2, r3, #7
adds r0, r1, r2
subs r5, r6, r7
movs r0, #255
cmp r3, #200
adds r4, #77
subs r7, #1
ands r0, r1
eors r0, r1
lsls r0, r1
lsrs r2, r3
asrs r4, r5
adcs r0, r1
sbcs r0, r1
rors r0, r1
tst r0, r1
negs r0, r1
cmp r0, r1
cmn r0, r1
orrs r0, r1
muls r0, r1, r0
bics r0, r1
mvns r0, r1
add r0, r8
add sp, r2
add r0, pc
cmp r8, r0
mov r10, r11
mov r0, sp
mov sp, r7
movs r0, r1
lsls r0, r1, #31
lsrs r0, r1, #32
asrs r0, r1, #1
bx lr
blx r3
ldr r0, [r1, r2]
str r0, [r1, r2]
strh r0, [r1, r2]
strb r0, [r1, r2]
ldrsb r0, [r1, r2]
ldrh r0, [r1, r2]
ldrb r0, [r1, r2]
ldrsh r0, [r1, r2]
str r0, [r1, #124]
ldr r0, [r1, #4]
strb r0, [r1, #31]
ldrb r0, [r1, #1]
strh r0, [r1, #62]
ldrh r0, [r1, #2]
str r0, [sp, #1020]
ldr r0, [sp, #8]
add r1, sp, #1020
add sp, #508
sub sp, #8
cbz r0, f2
cbnz r7, f2
sxth r0, r1
sxtb r0, r1
uxth r0, r1
uxtb r0, r1
push {r4, lr}
push {r0, r1, r2, r3, r4, r5, r6, r7, lr}
pop {r4, pc}
pop {r0}
rev r0, r1
rev16 r0, r1
revsh r0, r1
nop
stmia r0!, {r1, r2}
ldmia r0!, {r1, r2}
ldmia r0, {r0, r1}
udf #255
f2:
beq f
bne f2
bgt f3
b f
it eq
addeq r0, r0, r1
itte ne
movne r0, r1
addne r0, r0, r1
moveq r0, r1
ittet lt
movlt r0, #1
lslslt r0, r1, #2
asrge r0, r1
blt f
it eq
addseq r0, r1, #1
and r0, r1, #0xff
bic r0, r1, #0x00ff00ff
orr r0, r1, #0xff00ff00
orn r0, r1, #0x55555555
eor r0, r1, #0x80000000
adds r0, r1, #0x3fc
adc r0, r1, #1
sbc r0, r1, #1
sub r0, r1, #0x100
rsb r0, r1, #0
mov.w r0, #0x12000000
movs.w r0, #0x80000000
mvn r0, #1
mvns r0, #0xff000000
tst r0, #1
teq r0, #0xff
cmn r0, #2
cmp.w r0, #0x100
add.w sp, sp, #256
sub.w sp, sp, #8
add r0, sp, #0x400
ands r0, r1, r2, lsl #3
bic r0, r1, r2, lsr #32
orr r0, r1, r2, asr #5
orn r0, r1, r2, ror #7
eor r0, r1, r2, rrx
add.w r0, r1, r2, lsl #1
adcs.w r0, r1, r2
sbc.w r0, r1, r2, asr #2
subs.w r0, r1, r2, lsr #3
rsb r0, r1, r2, lsl #4
mov.w r0, r1, lsl #2
mov.w r0, r1, rrx
mov.w r0, r1, asr #5
asrs.w r8, r1, #32
mvn r0, r1, ror #3
tst.w r0, r1, lsl #1
teq r0, r1
cmn.w r0, r1
cmp.w r0, r1, lsl #3
mov.w r0, sp
mov.w sp, r0
add.w sp, sp, r1, lsl #2
sub.w r0, sp, r1
addw r0, r1, #4095
subw r0, r1, #1
addw r0, sp, #12
movw r0, #0x1234
movt r0, #0xffff
mul r0, r1, r2
mla r0, r1, r2, r3
mls r0, r1, r2, r3
umull r0, r1, r2, r3
smull r0, r1, r2, r3
umlal r0, r1, r2, r3
smlal r0, r1, r2, r3
sdiv r0, r1, r2
udiv r0, r1, r2
lsl.w r0, r1, r2
lsrs.w r0, r1, r2
asr.w r0, r1, r2
ror.w r0, r1, r2
clz r0, r1
rbit r0, r1
rev.w r0, r1
rev16.w r0, r1
revsh.w r0, r1
sxtb.w r0, r1, ror #8
sxth.w r0, r1, ror #16
uxtb.w r0, r1, ror #24
uxth.w r0, r1
ldr.w r0, [r1, #4095]
ldrb.w r0, [r1, #1]
ldrh.w r0, [r1, #2]
ldrsb.w r0, [r1, #3]
ldrsh.w r0, [r1, #4]
str.w r0, [r1, #8]
strb.w r0, [r1, #9]
strh.w r0, [r1, #10]
ldr r0, [r1, #-4]
ldrb r0, [r1, #-255]
ldrsh r0, [r1, #-2]
str r0, [r1, #4]!
strb r0, [r1], #1
strh r0, [r1], #-2
ldr r0, [r1, #-8]!
ldrsb r0, [r1], #1
ldr.w r0, [r1, r2, lsl #2]
ldrb.w r0, [r1, r2]
ldrsh.w r0, [r1, r2, lsl #1]
str.w r0, [r1, r2, lsl #3]
strh.w r0, [r1, r2, lsl #1]
ldrsb.w r0, [r1, r2]
ldr.w r0, lit
ldrb.w r0, lit
ldrsh.w r0, lit
ldr r0, lit
ldr.w pc, [sp], #4
str.w r4, [sp, #-4]!
ldrd r0, r1, [r2, #8]!
ldrd r0, r1, [r2], #-8
ldrd r0, r1, [sp, #16]
strd r0, r1, [r2, #-1020]
strd r0, r1, [r2]
ldm r0!, {r1, r2, r3}
ldm.w r0, {r1, r2, r3}
ldmdb r0!, {r1, r2}
stmia.w r0!, {r1, r2}
stmdb r0!, {r1, r2}
push {r4, r5, r6, r7, r8, lr}
pop.w {r4, r5, r6, r7, r8, pc}
pop.w {r4, r5, r6, r7, r8, lr}
stmdb sp!, {r9, r10, r11, r12, lr}
tbb [pc, r0]
tbh [pc, r0, lsl #1]
tbb [r1, r2]
bl f
b.w f
beq.w f3
bhi.w f
bls.w f
bge.w f
bvs.w f
bvc.w f
bmi.w f
bpl.w f
bcs.w f
bcc.w f
udf.w #300
adr r1, lit
adr.w r0, lit
adr.w r0, f
.align 2
lit: .word 0x12345678
f3:
nop.w
nop
`;

interface Line {
  address: number;
  bytes: Uint8Array;
  text: string;
}

function objdumpLines(): { code: Uint8Array; lines: Line[] } {
  const dir = mkdtempSync(join(tmpdir(), 'arm-decode-'));
  writeFileSync(join(dir, 't.s'), CORPUS);
  execFileSync('arm-none-eabi-as', ['-mcpu=cortex-m4', '-mthumb', '-o', join(dir, 't.o'), join(dir, 't.s')]);
  execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', join(dir, 't.o'), join(dir, 't.bin')]);
  const code = new Uint8Array(readFileSync(join(dir, 't.bin')));
  const out = execFileSync('arm-none-eabi-objdump', ['-d', join(dir, 't.o')], { encoding: 'utf8' });
  const lines: Line[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]{4}(?: [0-9a-f]{4})?) \s*\t(.*)$/.exec(l);
    if (!m) continue;
    lines.push({ address: parseInt(m[1]!, 16), bytes: new Uint8Array(), text: m[3]! });
  }
  return { code, lines };
}

function normalise(text: string): string {
  return text
    .replace(/\s*@.*$/, '')
    .replace(/\s*<[^>]*>/, '')
    .replace(/\.[wn](?=\t|$)/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('Thumb-2 decoder vs arm-none-eabi-objdump', () => {
  const { code, lines } = objdumpLines();

  it('decodes and formats every corpus instruction like objdump', () => {
    expect(lines.length).toBeGreaterThan(200);
    let it = 0;
    const mismatches: string[] = [];
    for (const line of lines) {
      if (line.text.startsWith('.word')) continue;
      const r = decodeThumb(code, line.address, line.address);
      if (r.kind !== 'ok') {
        mismatches.push(`${line.address.toString(16)}: ${line.text}: unknown (${r.reason})`);
        it = 0;
        continue;
      }
      const mine = normalise(formatInstr(r.instr, { itCond: itCond(it) }));
      const theirs = normalise(line.text);
      if (mine !== theirs) mismatches.push(`${line.address.toString(16)}: objdump '${theirs}' vs ours '${mine}'`);
      it = itAfter(r.instr, it);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('Thumb-2 decoder rejects what it must not model', () => {
  const enc = (...hws: number[]): Uint8Array => new Uint8Array(hws.flatMap((h) => [h & 0xff, h >> 8]));
  const cases: [string, Uint8Array][] = [
    ['SVC', enc(0xdf00)],
    ['BKPT', enc(0xbe00)],
    ['WFI hint', enc(0xbf30)],
    ['MRS', enc(0xf3ef, 0x8000)],
    ['LDREX', enc(0xe851, 0x0f00)],
    ['MOV.W pc, r0 (UNPREDICTABLE)', enc(0xea4f, 0x0f00)],
    ['ADD.W r0, pc, r1 (UNPREDICTABLE)', enc(0xeb0f, 0x0001)],
    ['LDM.W with one register', enc(0xe890, 0x0002)],
    ['LDRD rt == rt2', enc(0xe9d2, 0x0000)],
    ['truncated 32-bit', enc(0xf000)],
    ['BFI (not modelled)', enc(0xf360, 0x0000)],
    ['MOV pc, r0 (16-bit computed branch)', enc(0x4687)],
    ['SDIV with SP', enc(0xfb9d, 0xf0f2)],
  ];
  for (const [name, bytes] of cases) {
    it(`${name} is unknown`, () => {
      const r = decodeThumb(bytes, 0, 0x100);
      expect(r.kind).toBe('unknown');
    });
  }
});
