import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCase, plan, runArmConformance } from './arm.ts';
import { FORMS } from './arm-forms.ts';
import { qemuAvailable, readLayout, runBatch, type BatchRun } from './arm-qemu.ts';

const have = qemuAvailable();
const suffix = have ? '' : ' (skipped: qemu-system-arm or arm-none-eabi binutils not on PATH)';

describe.skipIf(!have)(`ARM conformance: spec/arm against qemu-system-arm${suffix}`, () => {
  it('a small campaign (20 states per form) passes on every form, and exercises both sides of branches and faults', async () => {
    const lines: string[] = [];
    const r = await runArmConformance({ cases: 20, seed: 20261124, log: (l) => lines.push(l) });
    const failures = lines.filter((l) => l.startsWith('FAIL') || l.startsWith('  diff'));
    expect(failures.slice(0, 40)).toEqual([]);
    expect(r.failed).toBe(0);
    expect(r.passed).toBe(20 * FORMS.length);
    expect(lines.at(-1)).toBe(`${r.passed} passed, 0 failed`);
    for (const f of FORMS) expect(r.perForm.get(f.name), f.name).toEqual({ passed: 20, failed: 0 });
    // Non-vacuity: taken and not-taken branches, every TBB/TBH target, UDF and alignment faults happened on QEMU.
    const where = (form: string) => [...(r.outcomes.get(form)?.keys() ?? [])].sort();
    for (const f of ['bcc.n', 'bcc.w', 'cbz', 'cbnz', 'it + branch']) expect(where(f), f).toEqual(['endpoint 0', 'endpoint 1']);
    for (const f of ['tbb [pc, rm]', 'tbh [pc, rm]']) expect(where(f), f).toEqual(['endpoint 0', 'endpoint 1', 'endpoint 2', 'endpoint 3']);
    for (const f of ['udf.n', 'udf.w']) expect(where(f), f).toEqual(['fault']);
    const alignFaults = ['ldrd offset', 'ldrd pre', 'ldrd post', 'strd offset', 'strd pre', 'strd post'].reduce((n, f) => n + (r.outcomes.get(f)?.get('fault') ?? 0), 0);
    expect(alignFaults).toBeGreaterThan(0);
  });

  describe('the comparison detects every kind of divergence', () => {
    // Built on first use: a skipped suite's body still runs at collection time.
    const layout = readLayout();
    const cases = plan({ cases: 3, seed: 5, log: () => {}, forms: ['adds.w reg', 'str.w [rn, #imm12]', 'bcc.n', 'udf.n'] }, layout);
    let dir: string | undefined;
    let batchRun: Promise<BatchRun> | undefined;
    const batch = () => {
      dir ??= mkdtempSync(join(tmpdir(), 'warden-arm-conform-test-'));
      return (batchRun ??= runBatch(dir, layout, cases));
    };
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const byForm = async (name: string) => {
      const run = await batch();
      const i = cases.findIndex((c) => c.form.name === name);
      return { run, c: cases[i]!, rec: run.records[i]! };
    };
    const corrupt = (rec: Uint8Array, off: number, mask = 1) => {
      const copy = rec.slice();
      copy[off] ^= mask;
      return copy;
    };

    it('unmodified records pass', async () => {
      const run = await batch();
      cases.forEach((c, i) => expect(checkCase(run, layout, c, run.records[i]!).diffs, c.form.name).toEqual([]));
    });
    it('a register, the flags, SP, or memory differing is reported', async () => {
      const { run, c, rec } = await byForm('str.w [rn, #imm12]');
      // The first word of the STM area is r0, or r1 when r0 is the save register.
      const first = c.saveReg === 0 ? 'r1' : 'r0';
      expect(checkCase(run, layout, c, corrupt(rec, 0)).diffs.join('\n')).toContain(`${first}: qemu`);
      expect(checkCase(run, layout, c, corrupt(rec, 63, 0x40)).diffs.join('\n')).toContain('flags: qemu');
      expect(checkCase(run, layout, c, corrupt(rec, 57)).diffs.join('\n')).toContain('sp: qemu');
      expect(checkCase(run, layout, c, corrupt(rec, layout.headerSize + 17)).diffs.join('\n')).toContain('memory');
    });
    it('ending at a different endpoint, or faulting instead of not, is reported', async () => {
      const { run, c, rec } = await byForm('bcc.n');
      expect(checkCase(run, layout, c, corrupt(rec, 64)).diffs.join('\n')).toContain('ended: qemu endpoint');
      const asFault = rec.slice();
      asFault[68] = 6;
      expect(checkCase(run, layout, c, asFault).diffs.join('\n')).toContain('ended: qemu fault');
    });
    it('a UDF that does not fault on QEMU, or faults elsewhere, is reported', async () => {
      const { run, c, rec } = await byForm('udf.n');
      const noFault = rec.slice();
      noFault.fill(0, 68, 72);
      noFault.fill(0, 64, 68);
      expect(checkCase(run, layout, c, noFault).diffs.join('\n')).toContain('ended: qemu endpoint 0');
      expect(checkCase(run, layout, c, corrupt(rec, 72, 2)).diffs.join('\n')).toContain('ended: qemu fault');
    });
  });
});
