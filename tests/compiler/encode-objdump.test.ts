/**
 * Every instruction form the encoder emits, disassembled by GNU objdump and
 * compared with what was meant. All cases are encoded, concatenated into one
 * raw binary and disassembled in ONE objdump run.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunction } from '../../compiler/target/encode.ts';
import type { AluOp, MInstr, Operand2, PReg, ShiftKind, Cond } from '../../compiler/target/insn.ts';
import type { EncodedFunction } from '../../compiler/target/object.ts';

type MI = MInstr<PReg>;
interface Case {
  name: string;
  instrs: MI[];
  /** Expected normalised disassembly of the code bytes (data ranges skipped). Tokens: {L<n>} = address of label n, {lit:V} = a PC-relative offset whose word is V. */
  expect: string[];
  size?: number;
  /** Expected text computed from the encoding, for heuristic placements. */
  expectFrom?: (e: EncodedFunction) => string[];
}

// ---- the intended text of an instruction, independent of the encoder ----
const R = (r: number): string => (r === 13 ? 'sp' : r === 14 ? 'lr' : r === 15 ? 'pc' : `r${r}`);
const imm = (v: number): string => `#${v >>> 0}`;
function op2Text(o: Operand2<PReg>): string {
  if (o.kind === 'imm') return imm(o.value);
  return o.shift && o.shift.amount ? `${R(o.rm)}, ${o.shift.kind} #${o.shift.amount}` : R(o.rm);
}
function text(mi: MI): string {
  const s = (b: boolean): string => (b ? 's' : '');
  switch (mi.op) {
    case 'alu': return `${mi.alu}${s(mi.setFlags)} ${R(mi.rd)}, ${R(mi.rn)}, ${op2Text(mi.op2)}`;
    case 'mov': case 'mvn': return `${mi.op}${s(mi.setFlags)} ${R(mi.rd)}, ${op2Text(mi.op2)}`;
    case 'cmp': case 'cmn': case 'tst': case 'teq': return `${mi.op} ${R(mi.rn)}, ${op2Text(mi.op2)}`;
    case 'shiftReg': return `${mi.kind}${s(mi.setFlags)} ${R(mi.rd)}, ${R(mi.rn)}, ${R(mi.rm)}`;
    case 'movw': case 'movt': return `${mi.op} ${R(mi.rd)}, ${imm(mi.imm16)}`;
    case 'mul': case 'udiv': case 'sdiv': return `${mi.op} ${R(mi.rd)}, ${R(mi.rn)}, ${R(mi.rm)}`;
    case 'mla': case 'mls': return `${mi.op} ${R(mi.rd)}, ${R(mi.rn)}, ${R(mi.rm)}, ${R(mi.ra)}`;
    case 'umull': case 'smull': return `${mi.op} ${R(mi.rdLo)}, ${R(mi.rdHi)}, ${R(mi.rn)}, ${R(mi.rm)}`;
    case 'clz': case 'rbit': case 'rev': case 'sxtb': case 'sxth': case 'uxtb': case 'uxth': return `${mi.op} ${R(mi.rd)}, ${R(mi.rm)}`;
    case 'ldr': case 'str': {
      const m = `${mi.op}${mi.size === 1 ? 'b' : mi.size === 2 ? 'h' : ''}`.replace(/^ldr/, mi.op === 'ldr' && mi.signed && mi.size !== 4 ? 'ldrs' : 'ldr');
      const a = mi.addr;
      const addr = a.kind === 'imm' ? (a.offset ? `[${R(a.base)}, #${a.offset}]` : `[${R(a.base)}]`) : `[${R(a.base)}, ${R(a.index)}${a.shift ? `, lsl #${a.shift}` : ''}]`;
      return `${m} ${R(mi.rt)}, ${addr}`;
    }
    case 'ldrd': case 'strd': return `${mi.op} ${R(mi.rt)}, ${R(mi.rt2)}, ${mi.offset ? `[${R(mi.base)}, #${mi.offset}]` : `[${R(mi.base)}]`}`;
    case 'push': case 'pop': return `${mi.op} {${mi.regs.map(R).join(', ')}}`;
    case 'bx': case 'blx': return `${mi.op} ${R(mi.rm)}`;
    case 'udf': return `udf #${mi.code}`;
    case 'nop': return 'nop';
    case 'b': return `b${mi.cond ?? ''} {L${mi.target}}`;
    case 'cbz': case 'cbnz': return `${mi.op} ${R(mi.rn)}, {L${mi.target}}`;
    default: throw new Error(`no text for ${mi.op}`);
  }
}

// ---- objdump normalisation ----
const REG_ALIASES: Record<string, string> = { ip: 'r12', fp: 'r11', sl: 'r10', sb: 'r9' };
const THREE_OP = /^(and|eor|adc|sbc|orr|bic|lsl|lsr|asr|ror|add|sub|mul)s?$/;
function normalise(mnemonic: string, operands: string): string {
  let m = mnemonic.toLowerCase().replace(/\.(n|w)$/, '');
  let ops = operands.replace(/[@;].*$/, '').trim().toLowerCase().replace(/\b(ip|fp|sl|sb)\b/g, (x) => REG_ALIASES[x]!).replace(/\s+/g, ' ');
  if (m === 'addw') m = 'add';
  if (m === 'subw') m = 'sub';
  if (m === 'bcs') m = 'bhs';
  if (m === 'bcc') m = 'blo';
  ops = ops.replace(/, #0\]/, ']');
  const parts = ops === '' ? [] : ops.split(', ');
  if (m === 'negs' || m === 'neg') return `rsb${m.endsWith('s') ? 's' : ''} ${parts[0]}, ${parts[1]}, #0`;
  if (/^(lsl|lsr|asr|ror)s?$/.test(m) && parts.length === 3 && parts[2]!.startsWith('#')) {
    return `mov${m.endsWith('s') ? 's' : ''} ${parts[0]}, ${parts[1]}, ${m.slice(0, 3)} ${parts[2]}`;
  }
  if (THREE_OP.test(m) && parts.length === 2) ops = `${parts[0]}, ${parts[0]}, ${parts[1]}`;
  if (m === 'ldmia' && ops.startsWith('sp!, ')) return `pop ${ops.slice(5)}`;
  if (m === 'stmdb' && ops.startsWith('sp!, ')) return `push ${ops.slice(5)}`;
  let mm = /^(r\d+|lr|pc), \[sp, #-4\]!$/.exec(ops);
  if (m === 'str' && mm) return `push {${mm[1]}}`;
  mm = /^(r\d+|lr|pc), \[sp\], #4$/.exec(ops);
  if (m === 'ldr' && mm) return `pop {${mm[1]}}`;
  return ops ? `${m} ${ops}` : m;
}

// ---- the cases ----
const nops = (n: number): MI[] => Array.from({ length: n }, () => ({ op: 'nop' }) as MI);
const reg = (rm: number, kind?: ShiftKind, amount?: number): Operand2<PReg> => (kind ? { kind: 'reg', rm, shift: { kind, amount: amount! } } : { kind: 'reg', rm });
const I = (value: number): Operand2<PReg> => ({ kind: 'imm', value });
const auto = (name: string, mi: MI, size?: number): Case => ({ name, instrs: [mi], expect: [text(mi)], ...(size ? { size } : {}) });

function cases(): Case[] {
  const cs: Case[] = [];
  const alus: AluOp[] = ['add', 'adc', 'sub', 'sbc', 'rsb', 'and', 'orr', 'eor', 'bic', 'orn'];
  const triples: [number, number, number][] = [[0, 1, 2], [0, 0, 1], [1, 0, 0], [8, 9, 10], [7, 7, 11], [3, 14, 5]];
  const shifts: [ShiftKind, number][] = [['lsl', 1], ['lsl', 31], ['lsr', 1], ['lsr', 32], ['asr', 32], ['asr', 7], ['ror', 1], ['ror', 31]];
  for (const op of alus) {
    for (const s of [true, false]) {
      for (const [rd, rn, rm] of triples) cs.push(auto(`${op} reg`, { op: 'alu', alu: op, setFlags: s, rd, rn, op2: reg(rm) }));
      for (const [k, a] of shifts) cs.push(auto(`${op} shifted`, { op: 'alu', alu: op, setFlags: s, rd: 2, rn: 9, op2: reg(4, k, a) }));
      for (const v of [0, 1, 255, 256, 0xff00ff00, 0x00ab00ab, 0xabababab, 0x3fc00, 0x80000000]) {
        cs.push(auto(`${op} imm`, { op: 'alu', alu: op, setFlags: s, rd: 8, rn: 3, op2: I(v) }));
      }
    }
  }
  // 16-bit choices (sizes matter for code size).
  cs.push(auto('adds imm3', { op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 1, op2: I(7) }, 2));
  cs.push(auto('subs imm8', { op: 'alu', alu: 'sub', setFlags: true, rd: 3, rn: 3, op2: I(255) }, 2));
  cs.push(auto('adds reg', { op: 'alu', alu: 'add', setFlags: true, rd: 7, rn: 6, op2: reg(5) }, 2));
  cs.push(auto('ands 16', { op: 'alu', alu: 'and', setFlags: true, rd: 1, rn: 1, op2: reg(2) }, 2));
  cs.push({ name: 'orrs commuted', instrs: [{ op: 'alu', alu: 'orr', setFlags: true, rd: 2, rn: 1, op2: reg(2) }], expect: ['orrs r2, r2, r1'], size: 2 });
  cs.push(auto('add no flags', { op: 'alu', alu: 'add', setFlags: false, rd: 0, rn: 0, op2: reg(1) }, 2));
  cs.push(auto('add high no flags', { op: 'alu', alu: 'add', setFlags: false, rd: 11, rn: 11, op2: reg(9) }, 2));
  cs.push(auto('negs', { op: 'alu', alu: 'rsb', setFlags: true, rd: 0, rn: 7, op2: I(0) }, 2));
  cs.push(auto('add sp imm', { op: 'alu', alu: 'add', setFlags: false, rd: 13, rn: 13, op2: I(508) }, 2));
  cs.push(auto('sub sp imm', { op: 'alu', alu: 'sub', setFlags: false, rd: 13, rn: 13, op2: I(16) }, 2));
  cs.push(auto('add rd sp imm', { op: 'alu', alu: 'add', setFlags: false, rd: 4, rn: 13, op2: I(1020) }, 2));
  cs.push(auto('add sp big', { op: 'alu', alu: 'add', setFlags: false, rd: 13, rn: 13, op2: I(1024) }, 4));
  cs.push(auto('addw', { op: 'alu', alu: 'add', setFlags: false, rd: 0, rn: 1, op2: I(4095) }, 4));
  cs.push(auto('subw', { op: 'alu', alu: 'sub', setFlags: false, rd: 10, rn: 1, op2: I(257) }, 4));
  // Equivalent-op rewrites with transformed immediates.
  cs.push({ name: 'add -1 no flags', instrs: [{ op: 'alu', alu: 'add', setFlags: false, rd: 0, rn: 1, op2: I(-256) }], expect: ['sub r0, r1, #256'] });
  cs.push({ name: 'sub sp -8', instrs: [{ op: 'alu', alu: 'sub', setFlags: false, rd: 13, rn: 13, op2: I(-8) }], expect: ['add sp, sp, #8'], size: 2 });
  cs.push({ name: 'and ~imm', instrs: [{ op: 'alu', alu: 'and', setFlags: false, rd: 0, rn: 1, op2: I(0xffffff00) }], expect: ['bic r0, r1, #255'] });
  cs.push({ name: 'orr ~imm', instrs: [{ op: 'alu', alu: 'orr', setFlags: false, rd: 0, rn: 1, op2: I(0xfffffffe) }], expect: ['orn r0, r1, #1'] });
  cs.push({ name: 'adcs ~imm', instrs: [{ op: 'alu', alu: 'adc', setFlags: true, rd: 0, rn: 1, op2: I(0xfffffffe) }], expect: ['sbcs r0, r1, #1'] });
  cs.push({ name: 'add -4095', instrs: [{ op: 'alu', alu: 'add', setFlags: false, rd: 0, rn: 1, op2: I(-4095) }], expect: ['sub r0, r1, #4095'] });
  // Through the scratch register.
  cs.push({ name: 'adds big', instrs: [{ op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 1, op2: I(0x12345) }], expect: ['movw r12, #9029', 'movt r12, #1', 'adds r0, r1, r12'] });
  cs.push({ name: 'eor big', instrs: [{ op: 'alu', alu: 'eor', setFlags: false, rd: 5, rn: 6, op2: I(0x12345678) }], expect: ['movw r12, #22136', 'movt r12, #4660', 'eor r5, r6, r12'] });
  cs.push({ name: 'cmp big', instrs: [{ op: 'cmp', rn: 2, op2: I(0xfffff) }], expect: ['movw r12, #65535', 'movt r12, #15', 'cmp r2, r12'] });
  // mov / mvn.
  for (const s of [true, false]) {
    for (const [rd, rm] of [[0, 1], [8, 1], [1, 9], [12, 14]] as const) cs.push(auto('mov reg', { op: 'mov', setFlags: s, rd, op2: reg(rm) }));
    for (const [k, a] of shifts) {
      cs.push(auto('mov shifted', { op: 'mov', setFlags: s, rd: 1, op2: reg(2, k, a) }));
      cs.push(auto('mov shifted high', { op: 'mov', setFlags: s, rd: 10, op2: reg(2, k, a) }));
    }
    for (const v of [0, 255, 256, 0xff00ff00, 0xab00ab00]) cs.push(auto('mov imm', { op: 'mov', setFlags: s, rd: 3, op2: I(v) }));
    for (const v of [0, 255, 0xff00ff00]) cs.push(auto('mvn imm', { op: 'mvn', setFlags: s, rd: 9, op2: I(v) }));
    cs.push(auto('mvn reg', { op: 'mvn', setFlags: s, rd: 0, op2: reg(1) }));
    cs.push(auto('mvn reg shifted', { op: 'mvn', setFlags: s, rd: 0, op2: reg(8, 'asr', 3) }));
  }
  cs.push(auto('movs imm8', { op: 'mov', setFlags: true, rd: 7, op2: I(255) }, 2));
  cs.push(auto('mov no flags', { op: 'mov', setFlags: false, rd: 7, op2: reg(6) }, 2));
  cs.push({ name: 'movs big', instrs: [{ op: 'mov', setFlags: true, rd: 4, op2: I(0x1234) }], expect: ['movw r4, #4660', 'movs r4, r4'] });
  cs.push({ name: 'mvn big', instrs: [{ op: 'mvn', setFlags: false, rd: 4, op2: I(0xffffedcb) }], expect: ['movw r4, #4660'] });
  // compares.
  for (const op of ['cmp', 'cmn', 'tst', 'teq'] as const) {
    for (const [rn, rm] of [[0, 1], [8, 1], [1, 9], [10, 11]] as const) cs.push(auto(`${op} reg`, { op, rn, op2: reg(rm) }));
    cs.push(auto(`${op} shifted`, { op, rn: 3, op2: reg(4, 'lsr', 5) }));
    for (const v of [0, 255, 256, 0xff00ff00]) cs.push(auto(`${op} imm`, { op, rn: 9, op2: I(v) }));
  }
  cs.push(auto('cmp imm8', { op: 'cmp', rn: 7, op2: I(255) }, 2));
  // shift by register.
  for (const kind of ['lsl', 'lsr', 'asr', 'ror'] as const) {
    for (const s of [true, false]) {
      cs.push(auto('shiftReg', { op: 'shiftReg', kind, setFlags: s, rd: 2, rn: 2, rm: 3 }, s ? 2 : 4));
      cs.push(auto('shiftReg 3op', { op: 'shiftReg', kind, setFlags: s, rd: 9, rn: 2, rm: 11 }, 4));
    }
  }
  // movw / movt / movConst.
  for (const v of [0, 1, 0xffff]) {
    cs.push(auto('movw', { op: 'movw', rd: 8, imm16: v }));
    cs.push(auto('movt', { op: 'movt', rd: 0, imm16: v }));
  }
  cs.push({ name: 'movConst modimm', instrs: [{ op: 'movConst', rd: 0, value: 0xff00ff00 }], expect: ['mov r0, #4278255360'] });
  cs.push({ name: 'movConst mvn', instrs: [{ op: 'movConst', rd: 0, value: -256 }], expect: ['mvn r0, #255'] });
  cs.push({ name: 'movConst movw', instrs: [{ op: 'movConst', rd: 11, value: 0x1235 }], expect: ['movw r11, #4661'] });
  cs.push({ name: 'movConst movw+movt', instrs: [{ op: 'movConst', rd: 11, value: 0x12345678 }], expect: ['movw r11, #22136', 'movt r11, #4660'] });
  cs.push({
    name: 'movConst pool',
    instrs: [{ op: 'movConst', rd: 2, value: 0x12345678 }, { op: 'movConst', rd: 3, value: 0x12345678 }, { op: 'movConst', rd: 4, value: 0xdeadbeef }, { op: 'bx', rm: 14 }],
    expect: ['ldr r2, [pc, #{lit:305419896}]', 'ldr r3, [pc, #{lit:305419896}]', 'ldr r4, [pc, #{lit:3735928559}]', 'bx lr'],
    size: 3 * 2 + 2 + 2 * 4,
  });
  cs.push({
    name: 'movConst pool wide load',
    instrs: [{ op: 'movConst', rd: 0, value: 0x12345678 }, ...nops(600), { op: 'bx', rm: 14 }],
    expect: ['ldr r0, [pc, #{lit:305419896}]', ...nops(600).map(text), 'bx lr'],
  });
  cs.push({
    name: 'pool island',
    instrs: [{ op: 'movConst', rd: 0, value: 0x12345678 }, ...nops(2100), { op: 'movConst', rd: 1, value: 0x12345678 }, { op: 'bx', rm: 14 }],
    expect: [],
    // Where the island goes is a heuristic: read it back (ldr.w 4 bytes, then nops up to the branch over the pool).
    expectFrom: (e) => {
      const k = (e.dataRanges[0]!.start - 2 - 4) / 2;
      return ['ldr r0, [pc, #{lit:305419896}]', ...nops(k).map(text), 'b {L-1}', ...nops(2100 - k).map(text), 'ldr r1, [pc, #{lit:305419896}]', 'bx lr'];
    },
  });
  // multiply / divide / bit ops.
  for (const [a, b, c, d] of [[0, 1, 2, 3], [8, 9, 10, 11], [14, 0, 7, 5]] as const) {
    cs.push(auto('mul', { op: 'mul', rd: a, rn: b, rm: c }));
    cs.push(auto('mla', { op: 'mla', rd: a, rn: b, rm: c, ra: d }));
    cs.push(auto('mls', { op: 'mls', rd: a, rn: b, rm: c, ra: d }));
    cs.push(auto('umull', { op: 'umull', rdLo: a, rdHi: d, rn: b, rm: c }));
    cs.push(auto('smull', { op: 'smull', rdLo: a, rdHi: d, rn: b, rm: c }));
    cs.push(auto('udiv', { op: 'udiv', rd: a, rn: b, rm: c }));
    cs.push(auto('sdiv', { op: 'sdiv', rd: a, rn: b, rm: c }));
    for (const op of ['clz', 'rbit', 'rev', 'sxtb', 'sxth', 'uxtb', 'uxth'] as const) cs.push(auto(op, { op, rd: a, rm: c }));
  }
  // memory.
  const sizes: [1 | 2 | 4, boolean][] = [[1, false], [1, true], [2, false], [2, true], [4, false]];
  for (const [size, signed] of sizes) {
    for (const offset of [0, size, 31 * size, 32 * size, 4095, -1, -255]) {
      for (const [rt, base] of [[0, 1], [9, 1], [2, 10]] as const) {
        cs.push(auto('ldr imm', { op: 'ldr', size, signed, rt, addr: { kind: 'imm', base, offset } }));
        if (!signed) cs.push(auto('str imm', { op: 'str', size, rt, addr: { kind: 'imm', base, offset } }));
      }
    }
    for (const shift of [0, 1, 3]) {
      for (const [rt, base, index] of [[0, 1, 2], [8, 1, 2], [0, 1, 9]] as const) {
        cs.push(auto('ldr reg', { op: 'ldr', size, signed, rt, addr: { kind: 'reg', base, index, shift } }));
        if (!signed) cs.push(auto('str reg', { op: 'str', size, rt, addr: { kind: 'reg', base, index, shift } }));
      }
    }
  }
  cs.push(auto('ldr 16 edge', { op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base: 7, offset: 124 } }, 2));
  cs.push(auto('ldr sp', { op: 'ldr', size: 4, signed: false, rt: 5, addr: { kind: 'imm', base: 13, offset: 1020 } }, 2));
  cs.push(auto('str sp wide', { op: 'str', size: 4, rt: 5, addr: { kind: 'imm', base: 13, offset: 1024 } }, 4));
  cs.push(auto('ldrh 16 edge', { op: 'ldr', size: 2, signed: false, rt: 0, addr: { kind: 'imm', base: 7, offset: 62 } }, 2));
  cs.push(auto('ldrb 16 edge', { op: 'ldr', size: 1, signed: false, rt: 0, addr: { kind: 'imm', base: 7, offset: 31 } }, 2));
  cs.push({ name: 'ldr far', instrs: [{ op: 'ldr', size: 4, signed: false, rt: 0, addr: { kind: 'imm', base: 1, offset: 4096 } }], expect: ['mov r12, #4096', 'ldr r0, [r1, r12]'] });
  cs.push({ name: 'strb far neg', instrs: [{ op: 'str', size: 1, rt: 0, addr: { kind: 'imm', base: 1, offset: -256 } }], expect: ['mvn r12, #255', 'strb r0, [r1, r12]'] });
  cs.push({ name: 'ldrsh far', instrs: [{ op: 'ldr', size: 2, signed: true, rt: 3, addr: { kind: 'imm', base: 13, offset: 70000 } }], expect: ['movw r12, #4464', 'movt r12, #1', 'ldrsh r3, [sp, r12]'] });
  cs.push({ name: 'ldr big shift', instrs: [{ op: 'ldr', size: 4, signed: false, rt: 3, addr: { kind: 'reg', base: 1, index: 2, shift: 4 } }], expect: ['add r12, r1, r2, lsl #4', 'ldr r3, [r12]'] });
  for (const offset of [0, 4, 1020, -1020, -8]) {
    cs.push(auto('ldrd', { op: 'ldrd', rt: 0, rt2: 1, base: 13, offset }));
    cs.push(auto('strd', { op: 'strd', rt: 8, rt2: 9, base: 2, offset }));
  }
  cs.push({ name: 'ldrd far', instrs: [{ op: 'ldrd', rt: 0, rt2: 1, base: 13, offset: 1024 }], expect: ['mov r12, #1024', 'add r12, sp, r12', 'ldrd r0, r1, [r12]'] });
  cs.push({ name: 'ldrd unaligned', instrs: [{ op: 'ldrd', rt: 4, rt2: 5, base: 6, offset: 6 }], expect: ['mov r12, #6', 'add r12, r12, r6', 'ldrd r4, r5, [r12]'] });
  // push / pop.
  for (const regs of [[4], [4, 14], [0, 1, 2, 3, 4, 5, 6, 7, 14], [4, 5, 6, 7, 8, 9, 10, 11, 14], [8], [14], [8, 9]]) {
    cs.push(auto('push', { op: 'push', regs }));
  }
  for (const regs of [[4], [4, 15], [0, 7, 15], [4, 5, 6, 7, 8, 9, 10, 11, 15], [8], [15], [8, 14], [14]]) cs.push(auto('pop', { op: 'pop', regs }));
  cs.push(auto('push 16', { op: 'push', regs: [4, 5, 6, 7, 14] }, 2));
  cs.push(auto('pop 16', { op: 'pop', regs: [4, 5, 6, 7, 15] }, 2));
  // addrOf, calls, misc.
  cs.push({ name: 'addrOf', instrs: [{ op: 'addrOf', rd: 3, symbol: 'mem', addend: 0 }], expect: ['movw r3, #0', 'movt r3, #0'] });
  cs.push({ name: 'addrOf addend', instrs: [{ op: 'addrOf', rd: 3, symbol: 'mem', addend: -4 }], expect: ['movw r3, #65532', 'movt r3, #65532'] });
  cs.push({ name: 'addrOf big addend', instrs: [{ op: 'addrOf', rd: 9, symbol: 'mem', addend: 0x10000 }], expect: ['movw r9, #0', 'movt r9, #0', 'add r9, r9, #65536'] });
  cs.push({ name: 'bl', instrs: [{ op: 'label', label: 0 }, { op: 'bl', symbol: 'f' }], expect: ['bl {L0}'] });
  for (const rm of [0, 7, 8, 14]) {
    cs.push(auto('bx', { op: 'bx', rm }));
    if (rm !== 14) cs.push(auto('blx', { op: 'blx', rm }));
  }
  for (const code of [0, 2, 255]) cs.push(auto('udf', { op: 'udf', code }, 2));
  for (const code of [256, 4095, 65535]) cs.push(auto('udf.w', { op: 'udf', code }, 4));
  cs.push(auto('nop', { op: 'nop' }, 2));
  // branches: each size at its range edges, forward and backward.
  const fwd = (b: MI, n: number): Case => ({ name: `${b.op} fwd ${n}`, instrs: [b, ...nops(n), { op: 'label', label: 0 }, { op: 'bx', rm: 14 }], expect: [text(b), ...nops(n).map(text), 'bx lr'] });
  const back = (b: MI, n: number): Case => ({ name: `${b.op} back ${n}`, instrs: [{ op: 'label', label: 0 }, ...nops(n), b], expect: [...nops(n).map(text), text(b)] });
  const conds: Cond[] = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'];
  for (const c of conds) cs.push(fwd({ op: 'b', cond: c, target: 0 }, 1));
  for (const n of [0, 128, 129]) cs.push(fwd({ op: 'b', cond: 'ne', target: 0 }, n));
  for (const n of [126, 127]) cs.push(back({ op: 'b', cond: 'lt', target: 0 }, n));
  for (const n of [0, 1024, 1025]) cs.push(fwd({ op: 'b', target: 0 }, n));
  for (const n of [1022, 1023]) cs.push(back({ op: 'b', target: 0 }, n));
  for (const n of [1, 64]) {
    cs.push(fwd({ op: 'cbz', rn: 3, target: 0 }, n));
    cs.push(fwd({ op: 'cbnz', rn: 7, target: 0 }, n));
  }
  cs.push({ name: 'cbz too far', instrs: [{ op: 'cbz', rn: 3, target: 0 }, ...nops(65), { op: 'label', label: 0 }], expect: ['cmp r3, #0', 'beq {L0}', ...nops(65).map(text)] });
  cs.push({ name: 'cbnz back', instrs: [{ op: 'label', label: 0 }, { op: 'nop' }, { op: 'cbnz', rn: 3, target: 0 }], expect: ['nop', 'cmp r3, #0', 'bne {L0}'] });
  cs.push({ name: 'cbz high', instrs: [{ op: 'cbz', rn: 9, target: 0 }, { op: 'label', label: 0 }], expect: ['cmp r9, #0', 'beq {L0}'] });
  cs.push({ name: 'cbz far wide', instrs: [{ op: 'cbz', rn: 3, target: 0 }, ...nops(200), { op: 'label', label: 0 }], expect: ['cmp r3, #0', 'beq {L0}', ...nops(200).map(text)] });
  // jump tables.
  cs.push({
    name: 'tbb', instrs: [{ op: 'tbb', index: 0, targets: [1, 2, 3] }, { op: 'label', label: 1 }, { op: 'nop' }, { op: 'label', label: 2 }, { op: 'nop' }, { op: 'label', label: 3 }, { op: 'bx', rm: 14 }],
    expect: ['tbb [pc, r0]', 'nop', 'nop', 'bx lr'],
  });
  cs.push({
    name: 'tbb back', instrs: [{ op: 'label', label: 0 }, { op: 'nop' }, { op: 'tbb', index: 9, targets: [0, 1, 0] }, { op: 'label', label: 1 }, { op: 'bx', rm: 14 }],
    expect: ['nop', 'tbb [pc, r9]', 'b {L0}', 'bx lr'],
  });
  cs.push({
    name: 'tbb -> tbh', instrs: [{ op: 'tbb', index: 1, targets: [0, 1] }, { op: 'label', label: 1 }, ...nops(300), { op: 'label', label: 0 }, { op: 'bx', rm: 14 }],
    expect: ['tbh [pc, r1, lsl #1]', ...nops(300).map(text), 'bx lr'],
  });
  return cs;
}

// ---- run ----
interface Line { addr: number; bytes: number; text: string }
function disassemble(bin: Uint8Array): Line[] {
  const dir = mkdtempSync(join(tmpdir(), 'warden-enc-'));
  try {
    const f = join(dir, 'all.bin');
    writeFileSync(f, bin);
    const out = execFileSync('arm-none-eabi-objdump', ['-D', '-b', 'binary', '-marm', '-Mforce-thumb', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const lines: Line[] = [];
    for (const l of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f]{4})(?: ([0-9a-f]{4}))?\s*\t(\S+)\s*(.*)$/.exec(l);
      if (!m) continue;
      lines.push({ addr: parseInt(m[1]!, 16), bytes: m[3] ? 4 : 2, text: normalise(m[4]!, m[5]!) + (m[5]!.includes('@') ? ` @${m[5]!.split('@')[1]}` : '') });
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('encoder vs objdump', () => {
  it('every emitted form disassembles to what was meant', () => {
    const all = cases();
    const encoded: { c: Case; e: EncodedFunction; start: number }[] = [];
    const chunks: number[] = [];
    for (const c of all) {
      const e = encodeFunction(c.instrs);
      const start = chunks.length;
      chunks.push(...e.bytes);
      while (chunks.length % 4 !== 0) chunks.push(0x00, 0xbf); // nop padding
      encoded.push({ c, e, start });
    }
    const bin = Uint8Array.from(chunks);
    const lines = disassemble(bin);
    const word = (a: number): number => new DataView(bin.buffer).getUint32(a, true);
    const failures: string[] = [];
    let checked = 0;
    for (const { c, e, start } of encoded) {
      const end = start + e.bytes.length;
      const inData = (a: number): boolean => e.dataRanges.some((r) => a >= start + r.start && a < start + r.end);
      const got = lines.filter((l) => l.addr >= start && l.addr < end && !inData(l.addr));
      const labelAddr = (n: number): number => {
        if (n >= 0) return start + e.labelOffsets.get(n)!;
        // Synthetic labels (island skip) are not exported: the branch target is the end of the data range.
        return start + e.dataRanges[0]!.end;
      };
      const problems: string[] = [];
      if (c.size !== undefined && e.bytes.length !== c.size) problems.push(`size ${e.bytes.length}, expected ${c.size}`);
      const expectLines = c.expectFrom ? c.expectFrom(e) : c.expect;
      if (got.length !== expectLines.length) problems.push(`${got.length} instructions, expected ${expectLines.length}`);
      expectLines.forEach((exp, i) => {
        const g = got[i];
        if (!g) return;
        const bare = g.text.replace(/ @.*$/, '');
        const lit = /\{lit:(\d+)\}/.exec(exp);
        if (lit) {
          const m = /^(\S+ \S+, )\[pc(?:, #(-?\d+))?\]$/.exec(bare);
          const off = Number(m?.[2] ?? 0);
          const ok = m && exp.startsWith(`${m[1]}[pc`) && word(((g.addr + 4) & ~3) + off) === Number(lit[1]);
          if (!ok) problems.push(`#${i}: got '${bare}', expected '${exp}'`);
          return;
        }
        const want = exp.replace(/\{L(-?\d+)\}/g, (_, n: string) => `0x${labelAddr(Number(n)).toString(16)}`);
        if (bare !== want) problems.push(`#${i} @${g.addr.toString(16)}: got '${bare}', expected '${want}'`);
        checked++;
      });
      if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('emits the relocations for calls and symbol addresses', () => {
    const e = encodeFunction([{ op: 'push', regs: [4, 14] }, { op: 'addrOf', rd: 0, symbol: 'g', addend: 8 }, { op: 'bl', symbol: 'ext' }, { op: 'pop', regs: [4, 15] }]);
    expect(e.relocations).toEqual([
      { offset: 2, type: 'R_ARM_THM_MOVW_ABS_NC', symbol: 'g', addend: 8 },
      { offset: 6, type: 'R_ARM_THM_MOVT_ABS', symbol: 'g', addend: 8 },
      { offset: 10, type: 'R_ARM_THM_CALL', symbol: 'ext', addend: -4 },
    ]);
    expect(e.instrOffsets).toEqual([0, 2, 10, 14]);
  });

  it('conditional branches beyond 1 MiB become an inverted Bcc over a B.W', () => {
    const filler: MI[] = Array.from({ length: 140000 }, () => ({ op: 'movConst', rd: 9, value: 0x12345678 }) as MI);
    const e = encodeFunction([{ op: 'b', cond: 'eq', target: 0 }, ...filler, { op: 'label', label: 0 }, { op: 'bx', rm: 14 }]);
    const head = e.bytes.slice(0, 8);
    const lines = disassemble(head);
    const target = e.labelOffsets.get(0)!;
    expect(lines.slice(0, 2).map((l) => l.text.replace(/ @.*$/, ''))).toEqual(['bne 0x6', `b 0x${target.toString(16)}`]);
  });

  it('is deterministic and rejects contract violations clearly', () => {
    const prog: MI[] = [{ op: 'movConst', rd: 0, value: 0xcafef00d }, { op: 'b', cond: 'ne', target: 1 }, { op: 'label', label: 1 }, { op: 'bx', rm: 14 }];
    expect(encodeFunction(prog).bytes).toEqual(encodeFunction(prog).bytes);
    expect(() => encodeFunction([{ op: 'b', target: 5 }])).toThrow(/undefined label 5/);
    expect(() => encodeFunction([{ op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 12, op2: I(0x12345) }])).toThrow(/r12 is reserved/);
    expect(() => encodeFunction([{ op: 'label', label: 1 }, { op: 'label', label: 1 }])).toThrow(/defined twice/);
  });
});
