/**
 * The ARM semantics under the Z3 algebra: for every instruction of a corpus
 * (every modelled form, incl. IT-held ones), Z3 proves that the successor
 * guards partition the state space, and on concrete inputs the Z3 run
 * simplifies to exactly what the concrete run computes (same successor,
 * registers, flags).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concrete, SparseMemory, type CBV } from '../../spec/bv/concrete.ts';
import { openZ3Context, z3Algebra, type ScopedZ3Context, type Z3Algebra, type ZBool, type ZBV, type ZMem } from '../../spec/bv/z3.ts';
import type { ArmInstr } from '../../spec/arm/ast.ts';
import { decodeThumb } from '../../spec/arm/decode.ts';
import { itAfter } from '../../spec/arm/it.ts';
import { step, type ArmState } from '../../spec/arm/semantics.ts';

const CORPUS = `
adds r0, r1, #1
adcs.w r0, r1, r2, lsl #3
sbcs.w r0, r1, r2, asr #32
rsb.w r0, r1, #0x00ff00ff
ands.w r0, r1, #0x80000000
orns r0, r1, r2, ror #7
eors.w r0, r1, r2, rrx
bics.w r0, r1, #0xff
mvns.w r0, r1, lsr #1
movs.w r0, #0xff000000
cmp r0, r1
cmn.w r0, #7
tst.w r0, r1, lsl #31
teq r0, r1
addw r0, sp, #12
subw r0, r1, #4095
lsls.w r0, r1, r2
lsrs.w r0, r1, r2
asrs.w r0, r1, r2
rors.w r0, r1, r2
movt r0, #0xabcd
muls r0, r1, r0
mla r0, r1, r2, r3
umlal r0, r1, r2, r3
smull r0, r1, r2, r3
sdiv r0, r1, r2
udiv r0, r1, r2
clz r0, r1
rbit r0, r1
revsh r0, r1
sxtb.w r0, r1, ror #8
ldrsh r0, [r1, r2]
ldrb r0, [r1], #-1
ldr.w r0, [r1, r2, lsl #2]
str r0, [r1, #-4]!
strh.w r0, [r1, #6]
ldrd r0, r1, [r2, #8]!
strd r0, r1, [r2], #-8
push {r4, r5, lr}
pop {r4, pc}
ldm.w r0!, {r1, r2, r3}
stmdb r0, {r1, r2}
ldr.w pc, [sp], #4
cbz r0, 1f
beq 1f
bl 1f
bx lr
blx r3
tbb [pc, r0]
tbh [r1, r2, lsl #1]
ittet ne
addne r0, r1
strne r0, [r1]
ldreq r0, [r1]
bne 1f
1: udf #9
`;

let Z: Z3Algebra;
let scope: ScopedZ3Context;
afterAll(() => scope?.close());
let instrs: { instr: ArmInstr; address: number; it: number }[];
const BASE = 0x2000;

beforeAll(async () => {
  scope = await openZ3Context();
  Z = z3Algebra(scope.ctx);
  const dir = mkdtempSync(join(tmpdir(), 'arm-sym-'));
  writeFileSync(join(dir, 't.s'), `.syntax unified\n.thumb\n${CORPUS}`);
  execFileSync('arm-none-eabi-as', ['-mcpu=cortex-m4', '-mthumb', '-o', join(dir, 't.o'), join(dir, 't.s')]);
  execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', join(dir, 't.o'), join(dir, 't.bin')]);
  const bytes = new Uint8Array(readFileSync(join(dir, 't.bin')));
  instrs = [];
  let it = 0;
  for (let off = 0; off < bytes.length; ) {
    const d = decodeThumb(bytes, off, BASE + off);
    if (d.kind !== 'ok') throw new Error(`corpus instruction at ${off} did not decode: ${d.reason}`);
    instrs.push({ instr: d.instr, address: BASE + off, it });
    it = itAfter(d.instr, it);
    off += d.size;
  }
});

function symbolicState(): ArmState<ZBV, ZBool, ZMem> {
  return {
    r: Array.from({ length: 15 }, (_, i) => Z.bvVar(`r${i}`, 32)),
    n: Z.boolVar('n'),
    z: Z.boolVar('z'),
    c: Z.boolVar('c'),
    v: Z.boolVar('v'),
    mem: Z.memVar('mem'),
  };
}

async function unsat(p: ZBool): Promise<boolean> {
  const s = new Z.ctx.Solver();
  s.add(p);
  return (await s.check()) === 'unsat';
}

describe('ARM semantics under Z3', () => {
  it('successor guards are proved disjoint and exhaustive for every corpus instruction', async () => {
    expect(instrs.length).toBeGreaterThan(50);
    let obligations = 0;
    for (const { instr, address, it } of instrs) {
      const succ = step(Z, symbolicState(), instr, address, it);
      expect(succ.length, instr.op).toBeGreaterThan(0);
      const where = `${instr.op} at 0x${address.toString(16)}`;
      expect(await unsat(Z.boolNot(Z.boolOr(...succ.map((x) => x.guard)))), `${where}: guards not exhaustive`).toBe(true);
      for (let i = 0; i < succ.length; i++)
        for (let j = i + 1; j < succ.length; j++) {
          expect(await unsat(Z.boolAnd(succ[i]!.guard, succ[j]!.guard)), `${where}: guards ${i}, ${j} overlap`).toBe(true);
          obligations++;
        }
      obligations++;
    }
    expect(obligations).toBeGreaterThan(60);
  });

  it('on concrete inputs the Z3 run simplifies to the concrete run', async () => {
    let seed = 99;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
    for (const { instr, address, it } of instrs) {
      for (let trial = 0; trial < 2; trial++) {
        const regs = Array.from({ length: 15 }, (_, i) => (i === 13 ? 0x20001000 : trial === 0 ? (0x20000000 + 4 * i) >>> 0 : rnd()));
        const fl = { n: (rnd() & 1) === 1, z: (rnd() & 2) === 2, c: (rnd() & 4) === 4, v: (rnd() & 8) === 8 };
        const bytes = Array.from({ length: 64 }, () => rnd() & 0xff);
        const cmem = new SparseMemory();
        let zmem = Z.ctx.Array.K(Z.ctx.BitVec.sort(32), Z.ctx.BitVec.val(0, 8)) as unknown as ZMem;
        const at = (k: number): number => (k < 32 ? regs[0]! + k - 16 : regs[1]! + k - 48) >>> 0; // bytes around r0 and r1
        bytes.forEach((b, k) => {
          cmem.write(at(k), b);
          zmem = Z.store8(zmem, Z.bv(at(k), 32), Z.bv(b, 8));
        });
        const cs: ArmState<CBV, boolean, SparseMemory> = { r: regs.map((x) => concrete.bv(x, 32)), ...fl, mem: cmem };
        const zs: ArmState<ZBV, ZBool, ZMem> = { r: regs.map((x) => Z.bv(x, 32)), n: Z.bool(fl.n), z: Z.bool(fl.z), c: Z.bool(fl.c), v: Z.bool(fl.v), mem: zmem };
        const csucc = step(concrete, cs, instr, address, it);
        const zsucc = step(Z, zs, instr, address, it);
        expect(zsucc.length).toBe(csucc.length);
        const where = `${instr.op} at 0x${address.toString(16)} trial ${trial}`;
        for (let i = 0; i < csucc.length; i++) {
          const zg = await Z.ctx.simplify(zsucc[i]!.guard);
          expect(Z.ctx.isTrue(zg) || Z.ctx.isFalse(zg), `${where}: guard ${i} not constant`).toBe(true);
          expect(Z.ctx.isTrue(zg), `${where}: guard ${i}`).toBe(csucc[i]!.guard);
          if (!csucc[i]!.guard) continue;
          const c = csucc[i]!;
          const zz = zsucc[i]!;
          expect(zz.next.kind, where).toBe(c.next.kind);
          for (let r = 0; r < 15; r++) {
            const v = await Z.ctx.simplify(zz.state.r[r]!);
            expect(Z.ctx.isBitVecVal(v) ? v.value() : v.sexpr(), `${where} r${r}`).toBe(c.state.r[r]!.v);
          }
          for (const f of ['n', 'z', 'c', 'v'] as const) expect(Z.ctx.isTrue(await Z.ctx.simplify(zz.state[f])), `${where} ${f}`).toBe(c.state[f]);
          if ((c.next.kind === 'indirect' || c.next.kind === 'indirectCall') && (zz.next.kind === 'indirect' || zz.next.kind === 'indirectCall')) {
            const v = await Z.ctx.simplify(zz.next.target);
            expect(Z.ctx.isBitVecVal(v) ? v.value() : v.sexpr(), `${where} target`).toBe(c.next.target.v);
          }
        }
      }
    }
  });
});
