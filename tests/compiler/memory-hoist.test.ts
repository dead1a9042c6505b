/**
 * Memory accesses in loops and operand folding (bench/FINDINGS.md #1, #3):
 * the memory base is made once per function and stated as a certificate
 * fact at the loop header; a memory that cannot grow is checked against a
 * constant (no page-word load); single-use shifts fold into their use. Each
 * compiled module is validated and agrees with V8 on QEMU.
 */
import { describe, expect, it } from 'vitest';
import { stateSymbols } from '../../spec/abi/layout.ts';
import { validateObject } from '../../validator/validate.ts';
import { compileWat, differential, type Call, type Compiled } from './pipeline-harness.ts';

const SUM = (limits: string) => `(module
  (memory ${limits})
  ;; the sum of the bytes p+3 .. p+3+n-1: a load with an offset inside a loop
  (func (export "sum") (param $p i32) (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u offset=3 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $s))
  (func (export "fill") (param $p i32) (param $v i32) (i32.store (local.get $p) (local.get $v)))
  ;; xorshift, then a multiply by 33 and by 7: shifted operands, no MUL
  (func (export "mix") (param $x i32) (result i32)
    (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
    (i32.add (i32.mul (local.get $x) (i32.const 33)) (i32.mul (i32.const 7) (local.get $x)))))`;

const calls: Call[] = [
  { name: 'fill', args: [100n, 0x04030201n] },
  { name: 'sum', args: [97n, 4n] },
  { name: 'sum', args: [65520n, 13n] },
  // the last byte read is 65533 + 3 = 65536: out of bounds after two bytes
  { name: 'sum', args: [65531n, 3n] },
  { name: 'sum', args: [0xfffffffen, 1n] },
  { name: 'mix', args: [5n] },
  { name: 'mix', args: [0x89abcdefn] },
];

/** Every function proved, and every call gives on QEMU what it gives on V8; the rows. */
async function provedAndAgrees(c: Compiled) {
  const report = await validateObject(c.bytes, c.out.object);
  expect(report.verdicts.map((v) => v.kind)).toEqual(report.verdicts.map(() => 'proved'));
  const rows = await differential(c, calls);
  for (const r of rows) expect(r.arm, r.call).toBe(r.v8);
  return rows;
}

describe('memory base, fixed-size bounds and shifted operands', () => {
  it('a memory that cannot grow: base made once, a fact at the loop header, no page-word load; proved; agrees with V8', async () => {
    const c = await compileWat(SUM('1'));
    const syms = stateSymbols('');
    const sum = c.out.functions.find((f) => f.exportNames.includes('sum'))!;
    const addrs = sum.code.filter((i) => i.op === 'addrOf').map((i) => (i.op === 'addrOf' ? i.symbol : ''));
    expect(addrs).toEqual([syms.memory]);
    const loop = c.out.certificate.functions.find((f) => f.symbol === sum.symbol)!.cutPoints.find((p) => p.kind === 'loop')!;
    // the base, and the limit 65536 - (3 + 1) for `cmp p, limit; bhi trap` (not an immediate form)
    expect(loop.facts?.map((f) => f.value)).toEqual(expect.arrayContaining([{ kind: 'symbol', symbol: syms.memory, addend: 0 }, { kind: 'const', value: 65532 }]));
    const mix = c.out.functions.find((f) => f.exportNames.includes('mix'))!;
    expect(mix.code.some((i) => i.op === 'mul')).toBe(false);
    expect(mix.code.filter((i) => i.op === 'alu' && i.op2.kind === 'reg' && i.op2.shift !== undefined).length).toBeGreaterThanOrEqual(4);
    const rows = await provedAndAgrees(c);
    expect(rows[3]!.arm).toMatch(/trap/);
  }, 300_000);

  it('a memory that can grow keeps the page-word check; proved; agrees with V8', async () => {
    const c = await compileWat(SUM('1 2'));
    const sum = c.out.functions.find((f) => f.exportNames.includes('sum'))!;
    expect(sum.code.some((i) => i.op === 'addrOf' && i.symbol === stateSymbols('').memoryPages)).toBe(true);
    await provedAndAgrees(c);
  }, 300_000);
});
