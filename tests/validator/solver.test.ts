/** Solver limits give `unknown`, never `proved`; exported SMT-LIB2 re-checks with cvc5 and native z3. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateObject } from '../../validator/validate.ts';
import { compileModule } from '../../compiler/compile.ts';
import { loadWat } from '../../compiler/frontend/index.ts';
import { buildObject, cert, fn, funcCert, hasToolchain } from './harness.ts';
import { watToWasm } from '../wat.ts';
import { hasTool as has } from '../tools.ts';

const ADD = `(module (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`;

describe.runIf(hasToolchain())('solver (skipped without arm-none-eabi-as)', () => {
  it('an exhausted rlimit is unknown, not proved', async () => {
    const wasm = await watToWasm(ADD);
    const obj = buildObject(fn('add', 'adds r0, r0, r1\n bx lr'), cert([funcCert(0, 'add', { saved: [], size: 0 })]));
    const r = await validateObject(wasm, obj, { rlimit: 1 });
    expect(r.verdicts[0]!.kind).toBe('unknown');
  });

  it.runIf(has('cvc5') && has('z3'))('exported obligations re-check as unsat with cvc5 and native z3 (skipped without the cvc5 and z3 binaries)', async () => {
    const wasm = await watToWasm(ADD);
    const obj = buildObject(fn('add', 'push {r4, lr}\n adds r4, r0, r1\n mov r0, r4\n pop {r4, pc}'), cert([funcCert(0, 'add', { saved: [4, 14], size: 0 })]));
    const r = await validateObject(wasm, obj, { smt2: true });
    const v = r.verdicts[0]!;
    expect(v.kind).toBe('proved');
    const dir = mkdtempSync(join(tmpdir(), 'warden-smt-'));
    const picks = v.obligations.filter((o) => /result in r0|r4 preserved|return to entry lr/.test(o.name));
    expect(picks.length).toBe(3);
    for (const [i, o] of picks.entries()) {
      const file = join(dir, `o${i}.smt2`);
      writeFileSync(file, o.smt2!);
      expect(execFileSync('cvc5', [file], { encoding: 'utf8' }).trim()).toBe('unsat');
      expect(execFileSync('z3', [file], { encoding: 'utf8' }).trim()).toBe('unsat');
    }
  });

  it.runIf(has('cvc5'))('obligations with uninterpreted functions (i64.div_u) are exported in a logic cvc5 accepts (skipped without cvc5)', async () => {
    const fe = await loadWat(`(module (func (export "d") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1))))`);
    if (!fe.ok) throw new Error('frontend');
    const c = compileModule(fe.module);
    if (!c.ok) throw new Error('compile');
    const v = (await validateObject(fe.bytes, c.output.object, { smt2: true })).verdicts[0]!;
    expect(v.kind).toBe('proved');
    const withUf = v.obligations.filter((o) => o.smt2!.includes('udiv64.uf'));
    expect(withUf.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'warden-smt-'));
    for (const [i, o] of withUf.entries()) {
      const file = join(dir, `uf${i}.smt2`);
      writeFileSync(file, o.smt2!);
      expect(execFileSync('cvc5', [file], { encoding: 'utf8' }).trim()).toBe('unsat');
    }
  });
});
