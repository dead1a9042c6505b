/**
 * The proof report from real validations (a compiled module that is proved,
 * a hand-assembled object that is refuted, one whose solver budget runs out):
 * checked against the published JSON Schema, for what it says, and as the
 * HTML page a reader sees in headless Debian chromium.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { compileModule } from '../../compiler/compile.ts';
import { loadWat } from '../../compiler/frontend/index.ts';
import { buildReport, sha256, smtFiles, smtFileName, type ReportInput } from '../../proofs/report/build.ts';
import { REPORT_FORMAT, RUNG_NOT_RECORDED, type ProofReport } from '../../proofs/report/format.ts';
import { renderHtml } from '../../proofs/report/html.ts';
import { toolVersions } from '../../proofs/report/files.ts';
import { validateObject } from '../../validator/validate.ts';
import type { ValidationReport } from '../../validator/verdict.ts';
import { buildObject, cert, fn, funcCert, hasToolchain } from '../validator/harness.ts';
import { watToWasm } from '../wat.ts';

// Names come from user input: the export name and the name-section name try to break out of the page.
const HOSTILE_EXPORT = `</summary></details><script>document.title="pwned"</script><img src=x onerror="document.title='pwned'">`;
const PROVED_WAT = `(module
  (func $<b>bold</b> (export ${JSON.stringify(HOSTILE_EXPORT)}) (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "twice") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1))))`;
const ADD = `(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`;
// A real unknown beside a proved function: the second function waits in WFI, an instruction spec/arm does not model.
const ADD_WAIT = ADD.replace('))', `)
  (func (export "wait") (param i32 i32) (result i32) local.get 0))`);

const schema = JSON.parse(readFileSync(new URL('../../proofs/report/schema.json', import.meta.url), 'utf8')) as object;
const FIXED = { date: '2026-01-02T03:04:05.000Z', versions: { warden: '0.0.0-test', z3Package: 'z3-solver test', z3: 'Z3 test' } };

async function reportOf(wasm: Uint8Array, object: Uint8Array, validation: ValidationReport, status: ReportInput['object']['status']): Promise<ProofReport> {
  return buildReport({
    ...FIXED,
    command: 'test',
    input: { path: 'in.wat', file: wasm, wasm },
    object: { path: 'out.o', bytes: object, status, note: 'test' },
    target: 'cortex-m4',
    options: { prefix: '' },
    validation,
    smtDir: 'smt',
  });
}

interface Case {
  wasm: Uint8Array;
  object: Uint8Array;
  validation: ValidationReport;
  report: ProofReport;
}
const cases: Record<'proved' | 'refuted' | 'unknown', Case> = {} as never;

describe.runIf(hasToolchain())('proof report (skipped without arm-none-eabi-as)', () => {
  beforeAll(async () => {
    const compiled = async (wat: string) => {
      const l = await loadWat(wat, 'test.wat');
      if (!l.ok) throw new Error(`does not load: ${wat}`);
      const c = compileModule(l.module, {});
      if (!c.ok) throw new Error(`does not compile: ${wat}`);
      return { wasm: l.bytes, object: c.output.object };
    };
    const hostile = await compiled(PROVED_WAT);
    const add = await watToWasm(ADD);
    const addWait = await watToWasm(ADD_WAIT);
    const waits = buildObject(
      fn('add', 'adds r0, r0, r1\n bx lr') + fn('wait', 'wfi\n bx lr'),
      cert([funcCert(0, 'add', { saved: [], size: 0 }), funcCert(1, 'wait', { saved: [], size: 0 })]),
    );
    // A wrong instruction: i32.add compiled as a subtraction.
    const wrong = buildObject(fn('add', 'subs r0, r0, r1\n bx lr'), cert([funcCert(0, 'add', { saved: [], size: 0 })]));
    const inputs: [keyof typeof cases, Uint8Array, Uint8Array, Parameters<typeof validateObject>[2], ReportInput['object']['status']][] = [
      ['proved', hostile.wasm, hostile.object, { smt2: true }, 'written'],
      ['refuted', add, wrong, { smt2: true }, 'not-written'],
      ['unknown', addWait, waits, { smt2: true }, 'not-written'],
    ];
    for (const [k, wasm, object, opts, status] of inputs) {
      const validation = await validateObject(wasm, object, opts);
      cases[k] = { wasm, object, validation, report: await reportOf(wasm, object, validation, status) };
    }
  }, 120_000);

  it('the three cases give the verdicts they are named after', () => {
    expect(cases.proved.report.functions.map((f) => f.verdict)).toEqual(['proved', 'proved']);
    expect(cases.refuted.report.functions.map((f) => f.verdict)).toEqual(['refuted']);
    expect(cases.unknown.report.functions.map((f) => f.verdict)).toEqual(['proved', 'unknown']);
  });

  describe('JSON Schema (draft 2020-12)', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const check = ajv.compile(schema);
    const errors = () => ajv.errorsText(check.errors);

    for (const k of ['proved', 'refuted', 'unknown'] as const) {
      it(`a ${k} report conforms`, () => {
        // Through JSON, as a reader gets it.
        const r = JSON.parse(JSON.stringify(cases[k].report));
        expect(check(r), errors()).toBe(true);
      });
    }

    it('rejects a report that breaks it (the schema is not vacuous)', () => {
      const r = JSON.parse(JSON.stringify(cases.refuted.report)) as ProofReport;
      expect(check({ ...r, format: 'warden-proof-report/2' })).toBe(false);
      expect(check({ ...r, functions: [{ ...r.functions[0]!, counterexample: null }] })).toBe(false);
      expect(check({ ...r, functions: [{ ...r.functions[0]!, verdict: 'maybe' }] })).toBe(false);
      expect(check({ ...r, identity: { ...r.identity, object: { ...r.identity.object, sha256: 'abc' } } })).toBe(false);
      expect(check({ ...r, extra: 1 })).toBe(false);
    });

    it('a report with the real tool versions conforms too', async () => {
      const v = await toolVersions();
      expect(v.z3Package).toMatch(/^z3-solver \d/);
      expect(v.z3).toMatch(/^Z3 \d/);
      const r = buildReport({ ...FIXED, versions: v, date: new Date().toISOString(), command: 'test', input: { path: 'a', file: cases.proved.wasm, wasm: cases.proved.wasm }, object: { path: 'b', bytes: cases.proved.object, status: 'written', note: '' }, target: 'cortex-m4', options: {}, validation: cases.proved.validation, smtDir: null });
      expect(check(JSON.parse(JSON.stringify(r))), errors()).toBe(true);
      expect(r.smt).toBeNull();
      expect(r.functions.flatMap((f) => f.obligations).every((o) => o.smt2 === null)).toBe(true);
    });
  });

  describe('content', () => {
    it('identity: hashes of the validated bytes, format, versions', () => {
      const r = cases.proved.report;
      expect(r.format).toBe(REPORT_FORMAT);
      expect(r.identity.object.sha256).toBe(sha256(cases.proved.object));
      expect(r.identity.input.wasmSha256).toBe(sha256(cases.proved.wasm));
      expect(r.identity.object.bytes).toBe(cases.proved.object.length);
      expect(r.identity.z3.version).toBe('Z3 test');
    });

    it('per function: names, exports, the rung from the certificate, every obligation with its SMT file', () => {
      const r = cases.proved.report;
      const [f0, f1] = r.functions;
      expect(f0!.name).toBe('<b>bold</b>');
      expect(f0!.exports).toEqual([HOSTILE_EXPORT]);
      expect(f1!.name).toBe('twice');
      expect(f0!.rung).toBe('default');
      expect(f0!.obligations.length).toBe(cases.proved.validation.verdicts[0]!.obligations.length);
      expect(f0!.obligations.length).toBeGreaterThan(3);
      for (const o of f0!.obligations) {
        expect(o.answer).toBe('unsat');
        expect(o.smt2).toEqual({ file: smtFileName(0, f0!.symbol, o.index), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), expected: 'unsat' });
        expect(`${o.region}: ${o.claim}`).toBe(o.name);
      }
      expect(f0!.lemmas).toEqual([]);
      expect(r.totals).toMatchObject({ functions: 2, proved: 2, refuted: 0, unknown: 0, obligations: f0!.obligations.length + f1!.obligations.length });
      expect(r.smt).toEqual({ dir: 'smt', logic: 'QF_AUFBV', files: r.totals.obligations });
    });

    it('the SMT files are the listed ones, with the listed hashes, each a query with (check-sat)', () => {
      const r = cases.proved.report;
      const files = smtFiles(r, cases.proved.validation);
      const listed = r.functions.flatMap((f) => f.obligations.map((o) => o.smt2!));
      expect(files.map((f) => f.name)).toEqual(listed.map((l) => l.file));
      files.forEach((f, i) => {
        expect(sha256(new TextEncoder().encode(f.text))).toBe(listed[i]!.sha256);
        expect(f.text).toMatch(/^; warden proof obligation/);
        expect(f.text).toContain('(set-logic QF_AUFBV)');
        expect(f.text).toContain('(declare-fun');
        expect(f.text).not.toContain('model-add');
        expect(f.text.trimEnd().endsWith('(check-sat)')).toBe(true);
        // The hostile name is in a comment, on one line.
        for (const line of f.text.split('\n')) if (line.includes('<b>')) expect(line.startsWith(';')).toBe(true);
      });
    });

    it('a refutation carries the failing obligation, the counterexample and its replay', () => {
      const f = cases.refuted.report.functions[0]!;
      const v = cases.refuted.validation.verdicts[0]!;
      if (v.kind !== 'refuted') throw new Error('not refuted');
      expect(f.counterexample).not.toBeNull();
      expect(f.obligations[f.counterexample!.obligation]!.name).toBe(v.obligation.name);
      expect(f.obligations[f.counterexample!.obligation]!.answer).toBe('sat');
      expect(f.obligations[f.counterexample!.obligation]!.smt2!.expected).toBe('sat');
      expect(f.counterexample!.values).toEqual(v.counterexample.values);
      expect(Object.keys(f.counterexample!.values).length).toBeGreaterThan(0);
      expect(f.counterexample!.replay.kind).toBe(v.counterexample.replay.kind);
      expect(f.counterexample!.replay.kind).not.toBe('pending');
      expect(f.lemmas).toBeNull();
      expect(f.rung).toBe('default');
    });

    it('an unknown names its reason; an object without a certificate has no rung', async () => {
      const f = cases.unknown.report.functions[1]!;
      expect(f.unknown).toMatchObject({ kind: 'decode', detail: expect.stringContaining('WFI'), obligation: null });
      // Whatever was asked before the refusal is kept, each with its SMT file.
      expect(f.obligations.every((o) => o.answer === 'unsat' && o.smt2 !== null)).toBe(true);
      expect(f.lemmas).toBeNull();
      expect(cases.unknown.report.totals).toMatchObject({ functions: 2, proved: 1, refuted: 0, unknown: 1 });
      // The certificate names no function: the verdict is unknown and the rung not recorded.
      const noCert = buildObject(fn('add', 'adds r0, r0, r1\n bx lr'), cert([]));
      const wasm = await watToWasm(ADD);
      const validation = await validateObject(wasm, noCert);
      const r = await reportOf(wasm, noCert, validation, 'existing');
      expect(r.functions[0]!.verdict).toBe('unknown');
      expect(r.functions[0]!.rung).toBe(RUNG_NOT_RECORDED);
      expect(r.functions[0]!.unknown!.kind).toBe('certificate');
    });
  });

  describe('HTML', () => {
    it('escapes every name: no element comes from user input', () => {
      const html = renderHtml(cases.proved.report);
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<b>bold');
      expect(html).toContain('&lt;/summary&gt;&lt;/details&gt;&lt;script&gt;');
      expect(html).not.toMatch(/(src|href)=["']?(https?:|\/\/)/);
    });

    const CHROMIUM = '/usr/bin/chromium';
    let dir = '';
    afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

    it.runIf(existsSync(CHROMIUM))('what a reader sees in headless chromium (JavaScript off, no network): summary first, functions that open to their obligations (skipped without /usr/bin/chromium)', async () => {
      const { chromium } = await import('playwright-core');
      dir = mkdtempSync(join(tmpdir(), 'warden-report-html-'));
      const pages = { proved: join(dir, 'proved.html'), refuted: join(dir, 'refuted.html'), unknown: join(dir, 'unknown.html') };
      for (const [k, p] of Object.entries(pages)) writeFileSync(p, renderHtml(cases[k as keyof typeof cases].report));
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const context = await browser.newContext({ javaScriptEnabled: false });
        const page = await context.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));

        await page.goto(pathToFileURL(pages.proved).href);
        expect(await page.title()).not.toBe('pwned');
        const text = await page.locator('body').innerText();
        // Summary first: the headline comes before the first function row.
        expect(text.indexOf('All 2 functions proved')).toBeGreaterThanOrEqual(0);
        expect(text.indexOf('All 2 functions proved')).toBeLessThan(text.indexOf('function 0'));
        expect(await page.locator('#headline').isVisible()).toBe(true);
        // The hostile names are text, not elements.
        expect(await page.locator('script, img, b:has-text("bold")').count()).toBe(0);
        expect(text).toContain('<b>bold</b>');
        // One row per function, closed: its obligations are not visible until it is opened.
        const rows = page.locator('details.fn');
        expect(await rows.count()).toBe(2);
        const first = rows.nth(0);
        const obligationRows = first.locator('table.obligations tr');
        expect(await obligationRows.nth(1).isVisible()).toBe(false);
        await first.locator('summary').click();
        expect(await obligationRows.nth(1).isVisible()).toBe(true);
        expect(await obligationRows.count()).toBe(cases.proved.report.functions[0]!.obligations.length + 1);
        const opened = await first.innerText();
        expect(opened).toContain(HOSTILE_EXPORT);
        expect(opened).toContain(cases.proved.report.functions[0]!.obligations[0]!.claim);
        expect(opened).toContain('unsat');

        await page.goto(pathToFileURL(pages.refuted).href);
        expect(await page.locator('#headline').innerText()).toBe('1 of 1 functions not proved (1 refuted, 0 unknown)');
        await page.locator('details.fn summary').first().click();
        const refuted = await page.locator('details.fn').first().innerText();
        expect(refuted).toContain('counterexample');
        expect(refuted).toContain(Object.keys(cases.refuted.report.functions[0]!.counterexample!.values)[0]!);

        await page.goto(pathToFileURL(pages.unknown).href);
        expect(await page.locator('#headline').innerText()).toBe('1 of 2 functions not proved (0 refuted, 1 unknown)');
        await page.locator('details.fn summary').nth(1).click();
        expect(await page.locator('details.fn').nth(1).innerText()).toContain('why unknown');

        // Nothing but the three pages themselves was requested.
        expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
        expect(requests.length).toBe(3);
      } finally {
        await browser.close();
      }
    }, 120_000);
  });
});
