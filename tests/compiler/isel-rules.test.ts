import { describe, expect, it } from 'vitest';
import { RULES } from '../../compiler/isel/rules.ts';
import { NUMERIC_OPS } from '../../spec/wasm/opcodes.ts';
import { loadWat } from '../../compiler/frontend/index.ts';
import { compileModule, formatCompileError } from '../../compiler/compile.ts';
import type { MInstr, PReg } from '../../compiler/target/insn.ts';

async function codeOf(wat: string, name = 'f'): Promise<MInstr<PReg>[]> {
  const l = await loadWat(wat);
  if (!l.ok) throw new Error(JSON.stringify(l.errors));
  const r = compileModule(l.module);
  if (!r.ok) throw new Error(r.errors.map(formatCompileError).join('\n'));
  const f = r.output.functions.find((x) => x.exportNames.includes(name));
  if (!f) throw new Error(`no function ${name}`);
  return f.code;
}

describe('isel rules as data', () => {
  it('every rule has a unique name and every supported numeric op has a rule', () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const covered = new Set(RULES.map((r) => r.name.split('/')[0]));
    const missing = NUMERIC_OPS.map((o) => o.name).filter((n) => !covered.has(n));
    expect(missing).toEqual([]);
    for (const op of ['i64.div_s', 'i64.div_u', 'i64.rem_s', 'i64.rem_u']) expect(names).toEqual(expect.arrayContaining([op, `${op}/const-safe`]));
  });

  it('uses immediates and shifted operands where they fit', async () => {
    const code = await codeOf(`(module (func (export "f") (param i32) (result i32) (i32.add (i32.shl (local.get 0) (i32.const 3)) (i32.const 255))))`);
    expect(code.filter((i) => i.op === 'movConst')).toEqual([]);
    // Flags are dead at the return, so the add may set them (ADDS r0, #255 is 16-bit).
    expect(code).toContainEqual({ op: 'alu', alu: 'add', setFlags: true, rd: 0, rn: 0, op2: { kind: 'imm', value: 255 } });
    const sub = await codeOf(`(module (func (export "f") (param i32) (result i32) (i32.sub (i32.const 100) (local.get 0))))`);
    expect(sub.some((i) => i.op === 'alu' && i.alu === 'rsb' && i.op2.kind === 'imm' && i.op2.value === 100)).toBe(true);
  });

  it('br_if and if fed by a comparison branch on the flags without materialising a boolean', async () => {
    const code = await codeOf(`(module (func (export "f") (param i32 i32) (result i32)
      (block (br_if 0 (i32.lt_s (local.get 0) (local.get 1))) (return (i32.const 1))) (i32.const 2)))`);
    const cmp = code.findIndex((i) => i.op === 'cmp');
    expect(cmp).toBeGreaterThanOrEqual(0);
    expect(code[cmp + 1]).toMatchObject({ op: 'b', cond: 'lt' });
    // The only constants are the two results (as MOVS #imm where the flags are dead).
    const consts = code.flatMap((i) => (i.op === 'movConst' ? [i.value] : i.op === 'mov' && i.op2.kind === 'imm' ? [i.op2.value] : []));
    expect(consts.sort()).toEqual([1, 2]);
    const z = await codeOf(`(module (func (export "f") (param i32) (result i32) (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 5)) (else (i32.const 6)))))`);
    expect(z.some((i) => i.op === 'cbnz' || i.op === 'cbz')).toBe(true);
  });

  it('i64 add/sub/mul use ADDS/ADC, SUBS/SBC and UMULL + 2 MLA', async () => {
    const add = await codeOf(`(module (func (export "f") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1))))`);
    expect(add.map((i) => (i.op === 'alu' ? `${i.alu}${i.setFlags ? 's' : ''}` : i.op)).filter((s) => s !== 'label')).toEqual(['adds', 'adcs', 'bx']);
    const mul = await codeOf(`(module (func (export "f") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1))))`);
    expect(mul.filter((i) => i.op === 'umull' || i.op === 'mla').map((i) => i.op)).toEqual(['umull', 'mla', 'mla']);
  });

  it('division checks zero, then INT_MIN / -1 for div_s, before SDIV; rem_s needs no overflow check', async () => {
    const div = await codeOf(`(module (func (export "f") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))`);
    expect(div.filter((i) => i.op === 'udf').map((i) => (i as { code: number }).code).sort()).toEqual([2, 3]);
    const rem = await codeOf(`(module (func (export "f") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1))))`);
    expect(rem.filter((i) => i.op === 'udf').map((i) => (i as { code: number }).code)).toEqual([2]);
    expect(rem.some((i) => i.op === 'mls')).toBe(true);
  });

  it('reports unsupported features with function index, name, byte offset and feature; nothing is produced', async () => {
    const l = await loadWat(`(module (func $ok (result i32) (i32.const 1)) (func $flt (export "g") (param f32) (result f32) (f32.add (local.get 0) (local.get 0))))`);
    if (!l.ok) throw new Error('frontend');
    const r = compileModule(l.module);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e).toMatchObject({ kind: 'unsupported', func: { index: 1, name: 'flt' } });
    expect(formatCompileError(e)).toMatch(/function 1 \(flt\), offset 0x[0-9a-f]+: floating point/);
  });

  it('i64 division: zero then INT64_MIN / -1 guards, a UDIV fast path, the runtime routine otherwise; constant divisors skip the guards', async () => {
    const code = await codeOf(`(module (func (export "f") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1))))`);
    expect(code.filter((i) => i.op === 'udf').map((i) => (i as { code: number }).code).sort()).toEqual([2, 3]);
    expect(code.filter((i) => i.op === 'udiv')).toHaveLength(1);
    expect(code).toContainEqual({ op: 'bl', symbol: '__warden_udivmod64' });
    const rem = await codeOf(`(module (func (export "f") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1))))`);
    expect(rem.filter((i) => i.op === 'udf').map((i) => (i as { code: number }).code)).toEqual([2]);
    const k = await codeOf(`(module (func (export "f") (param i64) (result i64) (i64.div_s (local.get 0) (i64.const -7))))`);
    expect(k.filter((i) => i.op === 'udf')).toEqual([]);
    const l = await loadWat(`(module (func (export "a") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1))) (func (export "b") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1))))`);
    if (!l.ok) throw new Error('frontend');
    const r = compileModule(l.module);
    if (!r.ok) throw new Error('compile');
    // One local copy of the routine per object.
    expect(r.output.objFunctions.filter((f) => f.name === '__warden_udivmod64').map((f) => f.global)).toEqual([false]);
  });

  it('wabt parse errors keep file:line:col', async () => {
    const l = await loadWat(`(module\n  (func (result i32) (i32.add (i32.const 1))))`, 'bad.wat');
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.errors[0]!.kind === 'invalid' || l.errors[0]!.kind === 'parse' ? l.errors[0]!.message : '').toMatch(/bad\.wat:\d+:\d+/);
  });
});
