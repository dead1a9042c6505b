/**
 * Semantics corner cases, run through the concrete interpreter on code
 * assembled by arm-none-eabi-as. Expected values are worked out from the
 * ARMv7-M ARM pseudocode (AddWithCarry, Shift_C, ThumbExpandImm_C, ...).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concrete, CBV, SparseMemory } from '../../spec/bv/concrete.ts';
import { decodeThumb } from '../../spec/arm/decode.ts';
import { runThumb, type ConcreteArmState, type RunOutcome } from '../../spec/arm/interp.ts';
import { step, type ArmState } from '../../spec/arm/semantics.ts';

const BASE = 0x1000;
const RAM = 0x20000000;
const dir = mkdtempSync(join(tmpdir(), 'arm-sem-'));
let counter = 0;

function asm(src: string): Uint8Array {
  const n = counter++;
  const s = join(dir, `t${n}.s`);
  writeFileSync(s, `.syntax unified\n.thumb\n${src}\n`);
  execFileSync('arm-none-eabi-as', ['-mcpu=cortex-m4', '-mthumb', '-o', `${s}.o`, s]);
  execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', `${s}.o`, `${s}.bin`]);
  return new Uint8Array(readFileSync(`${s}.bin`));
}

interface Init {
  r?: Record<number, number>;
  flags?: Partial<Record<'n' | 'z' | 'c' | 'v', boolean>>;
  mem?: Record<number, number>; // word writes
}

/** Run `src` (which must end in `udf #0` on every normal path) from BASE. */
function run(src: string, init: Init = {}): { st: ConcreteArmState; out: RunOutcome; mem: SparseMemory } {
  const bytes = asm(src);
  const mem = new SparseMemory();
  for (const [a, w] of Object.entries(init.mem ?? {})) for (let i = 0; i < 4; i++) mem.write(Number(a) + i, (w >>> (8 * i)) & 0xff);
  const r = Array<number>(15).fill(0);
  r[13] = RAM + 0x1000;
  for (const [k, v] of Object.entries(init.r ?? {})) r[Number(k)] = v >>> 0;
  const st: ConcreteArmState = { r, n: false, z: false, c: false, v: false, mem, ...init.flags };
  const out = runThumb(st, { bytes, base: BASE }, { start: BASE, stopAt: () => false, maxSteps: 1000 });
  return { st, out, mem };
}

function word(mem: SparseMemory, a: number): number {
  return (mem.read(a) | (mem.read(a + 1) << 8) | (mem.read(a + 2) << 16) | (mem.read(a + 3) << 24)) >>> 0;
}

function flags(st: ConcreteArmState): string {
  return `${st.n ? 'N' : 'n'}${st.z ? 'Z' : 'z'}${st.c ? 'C' : 'c'}${st.v ? 'V' : 'v'}`;
}

function expectUdf(out: RunOutcome, imm = 0): void {
  expect(out).toMatchObject({ kind: 'udf', imm });
}

describe('arithmetic flags', () => {
  const cases: [string, Init, number, string][] = [
    ['adds r0, r1, #1', { r: { 1: 0x7fffffff } }, 0x80000000, 'NzcV'],
    ['adds r0, r1, #1', { r: { 1: 0xffffffff } }, 0, 'nZCv'],
    ['adds r0, r1, r2', { r: { 1: 0x80000000, 2: 0x80000000 } }, 0, 'nZCV'],
    ['subs r0, r1, #1', { r: { 1: 0 } }, 0xffffffff, 'Nzcv'],
    ['subs r0, r1, #1', { r: { 1: 0x80000000 } }, 0x7fffffff, 'nzCV'],
    ['subs r0, r1, r2', { r: { 1: 5, 2: 5 } }, 0, 'nZCv'],
    ['adcs r1, r2', { r: { 1: 0xffffffff, 2: 0 }, flags: { c: true } }, 0, 'nZCv'],
    ['adcs.w r0, r1, r2', { r: { 1: 0x7ffffffe, 2: 1 }, flags: { c: true } }, 0x80000000, 'NzcV'],
    ['sbcs.w r0, r1, r2', { r: { 1: 5, 2: 5 }, flags: { c: false } }, 0xffffffff, 'Nzcv'],
    ['sbcs.w r0, r1, r2', { r: { 1: 5, 2: 5 }, flags: { c: true } }, 0, 'nZCv'],
    ['sbcs.w r0, r1, r2', { r: { 1: 0x80000000, 2: 0 }, flags: { c: false } }, 0x7fffffff, 'nzCV'],
    ['rsbs r0, r1, #0', { r: { 1: 0x80000000 } }, 0x80000000, 'NzcV'],
    ['rsbs r0, r1, #0', { r: { 1: 0 } }, 0, 'nZCv'],
    ['rsb.w r0, r1, #10', { r: { 1: 3 }, flags: { n: true, z: true, c: true, v: true } }, 7, 'NZCV'],
    ['cmn r1, r2', { r: { 0: 9, 1: 1, 2: 0xffffffff } }, 9, 'nZCv'],
    ['cmp r1, r2', { r: { 1: 1, 2: 2 } }, 0, 'Nzcv'],
    ['mvns r0, r1', { r: { 1: 0 } }, 0xffffffff, 'Nzcv'],
    ['muls r0, r1, r0', { r: { 0: 0x10000, 1: 0x10000 }, flags: { c: true, v: true } }, 0, 'nZCV'],
    ['add r0, pc', { r: { 0: 1 } }, BASE + 4 + 1, 'nzcv'],
    ['addw r0, sp, #5', {}, RAM + 0x1005, 'nzcv'],
  ];
  for (const [src, init, r0, f] of cases) {
    it(`${src} ${JSON.stringify(init)}`, () => {
      const dest = src.startsWith('adcs r1') ? 1 : 0;
      const { st, out } = run(`${src}\nudf #0`, init);
      expectUdf(out);
      expect(st.r[dest]).toBe(r0 >>> 0);
      expect(flags(st)).toBe(f);
    });
  }
});

describe('shifts and modified immediates (carry out)', () => {
  const x = 0x80000001;
  const cases: [string, Init, number, string][] = [
    ['lsls.w r0, r1, r2', { r: { 1: x, 2: 0 }, flags: { c: true } }, x, 'NzCv'],
    ['lsls.w r0, r1, r2', { r: { 1: x, 2: 1 } }, 2, 'nzCv'],
    ['lsls.w r0, r1, r2', { r: { 1: x, 2: 32 } }, 0, 'nZCv'],
    ['lsls.w r0, r1, r2', { r: { 1: x, 2: 33 }, flags: { c: true } }, 0, 'nZcv'],
    ['lsls.w r0, r1, r2', { r: { 1: x, 2: 255 }, flags: { c: true } }, 0, 'nZcv'],
    ['lsls.w r0, r1, r2', { r: { 1: x, 2: 0x100 } }, x, 'Nzcv'],
    ['lsrs.w r0, r1, r2', { r: { 1: x, 2: 32 } }, 0, 'nZCv'],
    ['lsrs.w r0, r1, r2', { r: { 1: x, 2: 33 }, flags: { c: true } }, 0, 'nZcv'],
    ['asrs.w r0, r1, r2', { r: { 1: x, 2: 33 } }, 0xffffffff, 'NzCv'],
    ['asrs.w r0, r1, r2', { r: { 1: 0x40000000, 2: 200 }, flags: { c: true } }, 0, 'nZcv'],
    ['rors.w r0, r1, r2', { r: { 1: x, 2: 32 } }, x, 'NzCv'],
    ['rors.w r0, r1, r2', { r: { 1: x, 2: 1 } }, 0xc0000000, 'NzCv'],
    ['rors.w r0, r1, r2', { r: { 1: 2, 2: 64 }, flags: { c: true } }, 2, 'nzcv'],
    ['lsrs r0, r1, #32', { r: { 1: x } }, 0, 'nZCv'],
    ['asrs.w r0, r1, #32', { r: { 1: 0x7fffffff }, flags: { c: true } }, 0, 'nZcv'],
    ['lsls r0, r1, #1', { r: { 1: x } }, 2, 'nzCv'],
    ['movs.w r0, r1, rrx', { r: { 1: 3 }, flags: { c: true } }, 0x80000001, 'NzCv'],
    ['ands.w r0, r1, #0x80000000', { r: { 1: x } }, 0x80000000, 'NzCv'],
    ['ands.w r0, r1, #0xff', { r: { 1: x }, flags: { c: true, v: true } }, 1, 'nzCV'],
    ['movs.w r0, #0x7f000000', { flags: { c: true } }, 0x7f000000, 'nzcv'],
    ['teq r1, #0x00ff00ff', { r: { 0: 4, 1: 0x00ff00ff }, flags: { c: true } }, 4, 'nZCv'],
    ['tst.w r1, r2, lsr #1', { r: { 1: 0xffffffff, 2: 1 } }, 0, 'nZCv'],
    ['orrs.w r0, r1, r2, asr #32', { r: { 1: 0, 2: 0x80000000 } }, 0xffffffff, 'NzCv'],
  ];
  for (const [src, init, r0, f] of cases) {
    it(`${src} ${JSON.stringify(init)}`, () => {
      const { st, out } = run(`${src}\nudf #0`, init);
      expectUdf(out);
      expect(st.r[0]).toBe(r0 >>> 0);
      expect(flags(st)).toBe(f);
    });
  }
});

describe('multiply, divide, bit operations, extends', () => {
  const cases: [string, Init, Record<number, number>][] = [
    ['sdiv r0, r1, r2', { r: { 1: 0x80000000, 2: 0xffffffff } }, { 0: 0x80000000 }],
    ['sdiv r0, r1, r2', { r: { 1: 5, 2: 0 } }, { 0: 0 }],
    ['sdiv r0, r1, r2', { r: { 1: -7, 2: 2 } }, { 0: -3 }],
    ['udiv r0, r1, r2', { r: { 1: 5, 2: 0 } }, { 0: 0 }],
    ['udiv r0, r1, r2', { r: { 1: 0xffffffff, 2: 16 } }, { 0: 0x0fffffff }],
    ['mul r0, r1, r2', { r: { 1: 0xffffffff, 2: 0xffffffff } }, { 0: 1 }],
    ['mla r0, r1, r2, r3', { r: { 1: 3, 2: 4, 3: 5 } }, { 0: 17 }],
    ['mls r0, r1, r2, r3', { r: { 1: 3, 2: 4, 3: 5 } }, { 0: -7 }],
    ['umull r0, r1, r2, r3', { r: { 2: 0xffffffff, 3: 0xffffffff } }, { 0: 1, 1: 0xfffffffe }],
    ['smull r0, r1, r2, r3', { r: { 2: 0xffffffff, 3: 0xffffffff } }, { 0: 1, 1: 0 }],
    ['smull r0, r1, r2, r3', { r: { 2: 0x80000000, 3: 2 } }, { 0: 0, 1: 0xffffffff }],
    ['umlal r0, r1, r2, r3', { r: { 0: 0xffffffff, 1: 1, 2: 1, 3: 1 } }, { 0: 0, 1: 2 }],
    ['smlal r0, r1, r2, r3', { r: { 0: 0, 1: 0, 2: 0xffffffff, 3: 1 } }, { 0: 0xffffffff, 1: 0xffffffff }],
    ['clz r0, r1', { r: { 1: 0 } }, { 0: 32 }],
    ['clz r0, r1', { r: { 1: 0x00010000 } }, { 0: 15 }],
    ['rbit r0, r1', { r: { 1: 0x00000001 } }, { 0: 0x80000000 }],
    ['rev r0, r1', { r: { 1: 0x11223344 } }, { 0: 0x44332211 }],
    ['rev16 r0, r1', { r: { 1: 0x11223344 } }, { 0: 0x22114433 }],
    ['revsh r0, r1', { r: { 1: 0x11223380 } }, { 0: 0xffff8033 }],
    ['sxtb r0, r1', { r: { 1: 0x1234_5680 } }, { 0: 0xffffff80 }],
    ['sxth.w r0, r1, ror #8', { r: { 1: 0x0080_0000 } }, { 0: 0xffff8000 }],
    ['uxtb.w r0, r1, ror #24', { r: { 1: 0xab00_0000 } }, { 0: 0xab }],
    ['uxth r0, r1', { r: { 1: 0xffff_fffe } }, { 0: 0xfffe }],
    ['movw r0, #0xbeef\nmovt r0, #0xdead', {}, { 0: 0xdeadbeef }],
    ['mov sp, r0', { r: { 0: RAM + 7 } }, { 13: RAM + 4 }],
  ];
  for (const [src, init, expected] of cases) {
    it(`${src.replace('\n', '; ')} ${JSON.stringify(init)}`, () => {
      const { st, out } = run(`${src}\nudf #0`, init);
      expectUdf(out);
      for (const [k, v] of Object.entries(expected)) expect(st.r[Number(k)]).toBe(v >>> 0);
    });
  }
});

describe('IT blocks', () => {
  const src = 'cmp r0, #0\nite eq\nmoveq r1, #1\nmovne r1, #2\nudf #0';
  it('then branch', () => {
    const { st } = run(src, { r: { 0: 0 } });
    expect(st.r[1]).toBe(1);
  });
  it('else branch', () => {
    const { st } = run(src, { r: { 0: 5 } });
    expect(st.r[1]).toBe(2);
  });
  it('16-bit ALU ops inside IT do not set flags', () => {
    const { st } = run('cmp r0, #0\nitt eq\naddeq r1, r1, r2\nsubeq r1, #1\nudf #0', { r: { 0: 0, 1: 0xffffffff, 2: 1 } });
    expect(st.r[1]).toBe(0xffffffff);
    expect(flags(st)).toBe('nZCv');
  });
  it('a skipped store leaves memory unchanged; an executed one writes', () => {
    const prog = 'cmp r0, #0\nite eq\nstreq r1, [r2]\nstrne r3, [r2]\nudf #0';
    const a = run(prog, { r: { 0: 0, 1: 0x11, 2: RAM, 3: 0x33 } });
    expect(word(a.mem, RAM)).toBe(0x11);
    const b = run(prog, { r: { 0: 1, 1: 0x11, 2: RAM, 3: 0x33 } });
    expect(word(b.mem, RAM)).toBe(0x33);
  });
  it('a conditional branch last in an IT block', () => {
    const prog = 'cmp r0, #1\nit gt\nbgt 1f\nudf #1\n1: udf #2';
    expectUdf(run(prog, { r: { 0: 2 } }).out, 2);
    expectUdf(run(prog, { r: { 0: 1 } }).out, 1);
  });
  it('a branch not last in an IT block is unknown (UNPREDICTABLE)', () => {
    const bytes = new Uint8Array([0x04, 0xbf, 0x00, 0xe0, 0x00, 0xbf]); // itt eq; b.n +0; nop
    const st: ConcreteArmState = { r: Array(15).fill(0), n: false, z: true, c: false, v: false, mem: new SparseMemory() };
    const out = runThumb(st, { bytes, base: BASE }, { start: BASE, stopAt: () => false, maxSteps: 10 });
    expect(out).toMatchObject({ kind: 'unknown' });
  });
});

describe('loads, stores, LDRD/STRD, LDM/STM, PUSH/POP', () => {
  it('STRD with writeback then LDRD', () => {
    const { st, mem, out } = run('strd r0, r1, [r2, #8]!\nldrd r3, r4, [r2]\nudf #0', { r: { 0: 0xaabbccdd, 1: 0x11223344, 2: RAM } });
    expectUdf(out);
    expect(st.r[2]).toBe(RAM + 8);
    expect(word(mem, RAM + 8)).toBe(0xaabbccdd);
    expect(word(mem, RAM + 12)).toBe(0x11223344);
    expect([st.r[3], st.r[4]]).toEqual([0xaabbccdd, 0x11223344]);
  });
  it('unaligned LDRD/STRD/LDM fault without side effects; unaligned LDR does not', () => {
    for (const src of ['ldrd r3, r4, [r2]', 'strd r3, r4, [r2, #4]!', 'ldm r2!, {r3, r4}', 'stmdb r2!, {r3, r4}']) {
      const { st, out, mem } = run(`${src}\nudf #0`, { r: { 2: RAM + 2, 3: 7 } });
      expect(out, src).toMatchObject({ kind: 'fault' });
      expect(st.r[2]).toBe(RAM + 2);
      expect(mem.bytes.size).toBe(0);
    }
    const { st, out } = run('ldr r0, [r1]\nldrh r3, [r1, #1]\nudf #0', { r: { 1: RAM + 1 }, mem: { [RAM]: 0x44332211, [RAM + 4]: 0x88776655 } });
    expectUdf(out);
    expect(st.r[0]).toBe(0x55443322);
    expect(st.r[3]).toBe(0x4433);
  });
  it('loads of every width and signedness; pre/post-indexed writeback; register offset', () => {
    const { st, out } = run(
      'ldrsb r3, [r1, #3]\nldrsh r4, [r1, #2]\nldrb r5, [r1], #1\nldrh r6, [r1, #-1]!\nldr r7, [r1, r2, lsl #2]\nudf #0',
      { r: { 1: RAM, 2: 1 }, mem: { [RAM]: 0x80ff7f01, [RAM + 4]: 0xcafebabe } },
    );
    expectUdf(out);
    expect(st.r[3]).toBe(0xffffff80);
    expect(st.r[4]).toBe(0xffff80ff);
    expect(st.r[5]).toBe(0x01);
    expect(st.r[6]).toBe(0x7f01);
    expect(st.r[1]).toBe(RAM);
    expect(st.r[7]).toBe(0xcafebabe);
  });
  it('stores of every width', () => {
    const { mem } = run('str r0, [r1]\nstrh r0, [r1, #4]\nstrb r0, [r1, #6]\nudf #0', { r: { 0: 0x11223344, 1: RAM } });
    expect(word(mem, RAM)).toBe(0x11223344);
    expect(word(mem, RAM + 4)).toBe(0x00443344);
  });
  it('PC-relative literal load reads the code image', () => {
    const { st } = run('ldr r0, 1f\nldr.w r1, 1f\nudf #0\n.align 2\n1: .word 0xfeedf00d');
    expect([st.r[0], st.r[1]]).toEqual([0xfeedf00d, 0xfeedf00d]);
  });
  it('PUSH then POP {pc} returns to LR & ~1', () => {
    const { st, out } = run('push {r4, lr}\nmovs r4, #9\npop {r4, pc}\nudf #1\n1: udf #2', { r: { 4: 77, 14: BASE + 8 + 1 } });
    expectUdf(out, 2);
    expect(st.r[4]).toBe(77);
    expect(st.r[13]).toBe(RAM + 0x1000);
  });
  it('POP {pc} of an even address faults (INVSTATE)', () => {
    const { out } = run('push {lr}\npop {pc}\nudf #0', { r: { 14: BASE + 6 } });
    expect(out).toMatchObject({ kind: 'fault' });
  });
  it('STMDB / LDMIA order and writeback', () => {
    const { st, mem } = run('stmdb r0!, {r1, r2, r3}\nldm r0, {r4, r5, r6}\nudf #0', { r: { 0: RAM + 12, 1: 1, 2: 2, 3: 3 } });
    expect(st.r[0]).toBe(RAM);
    expect([word(mem, RAM), word(mem, RAM + 4), word(mem, RAM + 8)]).toEqual([1, 2, 3]);
    expect([st.r[4], st.r[5], st.r[6]]).toEqual([1, 2, 3]);
  });
});

describe('branches', () => {
  it('TBB and TBH dispatch', () => {
    const tbb = 'tbb [pc, r0]\n1: .byte (2f-1b)/2, (3f-1b)/2\n2: udf #2\n3: udf #3';
    expectUdf(run(tbb, { r: { 0: 0 } }).out, 2);
    expectUdf(run(tbb, { r: { 0: 1 } }).out, 3);
    const tbh = 'tbh [pc, r0, lsl #1]\n1: .hword (2f-1b)/2, (3f-1b)/2\n2: udf #2\n3: udf #3';
    expectUdf(run(tbh, { r: { 0: 1 } }).out, 3);
  });
  it('BL sets LR, BX LR returns; CBZ/CBNZ; BLX', () => {
    const { st, out } = run('bl 1f\nudf #5\n1: adds r0, #1\nbx lr', {});
    expectUdf(out, 5);
    expect(st.r[0]).toBe(1);
    expect(st.r[14]).toBe(BASE + 5);
    const cb = 'cbz r0, 1f\nudf #1\n1: cbnz r1, 2f\nudf #2\n2: udf #3';
    expectUdf(run(cb, { r: { 0: 1 } }).out, 1);
    expectUdf(run(cb, { r: { 0: 0, 1: 0 } }).out, 2);
    expectUdf(run(cb, { r: { 0: 0, 1: 4 } }).out, 3);
    const blx = run('blx r3\nudf #1\n1: udf #2', { r: { 3: BASE + 4 + 1 } });
    expectUdf(blx.out, 2);
    expect(blx.st.r[14]).toBe(BASE + 3);
  });
  it('Bcc on each flag combination', () => {
    const prog = (c: string): string => `b${c} 1f\nudf #0\n1: udf #1`;
    const taken = (c: string, f: Init['flags']): boolean => run(prog(c), { flags: f }).out.kind === 'udf' && (run(prog(c), { flags: f }).out as { imm: number }).imm === 1;
    expect(taken('hi', { c: true, z: false })).toBe(true);
    expect(taken('hi', { c: true, z: true })).toBe(false);
    expect(taken('ge', { n: true, v: true })).toBe(true);
    expect(taken('lt', { n: true, v: false })).toBe(true);
    expect(taken('gt', { z: false, n: false, v: true })).toBe(false);
    expect(taken('le', { z: true })).toBe(true);
    expect(taken('ls', { c: false })).toBe(true);
  });
});

describe('end to end', () => {
  it('sums an array of 100 words in a loop', () => {
    const mem: Record<number, number> = {};
    for (let i = 0; i < 100; i++) mem[RAM + 4 * i] = i * 3 + 1;
    const { st, out } = run('movs r0, #0\n1: ldr r3, [r1], #4\nadds r0, r3\nsubs r2, #1\nbne 1b\nudf #0', { r: { 1: RAM, 2: 100 }, mem });
    expectUdf(out);
    expect(st.r[0]).toBe(3 * 4950 + 100);
    expect(out.steps).toBe(1 + 4 * 100);
  });
});

describe('successor guards partition the cases', () => {
  it('every step has exactly one true guard, across many instructions and flag states', () => {
    const bytes = asm('beq 1f\ncbz r0, 1f\nbx r1\nldrd r2, r3, [r4]\npop {r4, pc}\nit ne\nstrne r0, [r4]\nit ne\naddne r0, r0, r1\n1: nop');
    let checked = 0;
    for (let off = 0; off < bytes.length; ) {
      const d = decodeThumb(bytes, off, BASE + off);
      if (d.kind !== 'ok') throw new Error(d.reason);
      for (const z of [false, true])
        for (const r of [0, 1, 2, 3]) {
          const s: ArmState<CBV, boolean, SparseMemory> = { r: Array.from({ length: 15 }, (_, i) => concrete.bv(i === 13 ? RAM : r + i * 4, 32)), n: false, z, c: false, v: false, mem: new SparseMemory() };
          const it = d.instr.op === 'dp' || d.instr.op === 'str' ? 0x18 : 0; // "ne" block for the IT-held instructions
          const succ = step(concrete, s, d.instr, BASE + off, it);
          expect(succ.filter((x) => x.guard).length).toBe(1);
          checked++;
        }
      off += d.size;
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('interpreter robustness', () => {
  it('a store outside a FlatMemory is reported as a fault, registers untouched', async () => {
    const { FlatMemory } = await import('../../spec/bv/concrete.ts');
    const bytes = asm('str r0, [r1, #4]!\nudf #0');
    const st: ConcreteArmState = { r: Array(15).fill(0), n: false, z: false, c: false, v: false, mem: new FlatMemory(new Uint8Array(16), RAM) };
    st.r[0] = 5;
    st.r[1] = RAM + 64;
    const out = runThumb(st, { bytes, base: BASE }, { start: BASE, stopAt: () => false, maxSteps: 10 });
    expect(out).toMatchObject({ kind: 'fault', pc: BASE });
    expect(st.r[1]).toBe(RAM + 64);
  });
  it('stops before an instruction when stopAt holds, and at the step limit', () => {
    const bytes = asm('1: b 1b');
    const st: ConcreteArmState = { r: Array(15).fill(0), n: false, z: false, c: false, v: false, mem: new SparseMemory() };
    expect(runThumb(st, { bytes, base: BASE }, { start: BASE, stopAt: () => false, maxSteps: 50 })).toMatchObject({ kind: 'step-limit', steps: 50 });
    expect(runThumb(st, { bytes, base: BASE }, { start: BASE, stopAt: (pc) => pc === BASE, maxSteps: 50 })).toMatchObject({ kind: 'stopped', pc: BASE, steps: 0 });
  });
});
