/**
 * The ARM conformance campaign: random instances of every modelled Thumb-2
 * form (arm-forms.ts), each on a random register/flag/memory state, run on
 * qemu-system-arm (mps2-an386, Cortex-M4) and on the spec's interpreter
 * (spec/arm) from the same state; final registers, flags, touched memory and
 * where execution ended (endpoint or fault) are compared.
 *
 * The spec decodes the very bytes the assembler produced, read from the
 * linked image, so the decoder is checked against `as` at the same time.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ByteStore } from '../../spec/bv/concrete.ts';
import { decodeThumb, formatInstr } from '../../spec/arm/decode.ts';
import { runThumb, type ConcreteArmState, type RunOutcome } from '../../spec/arm/interp.ts';
import { CaseBuilder, Rng, hex, rn, type HarnessLayout } from './arm-case.ts';
import { FORMS, type Form } from './arm-forms.ts';
import { readLayout, runBatch, type BatchRun } from './arm-qemu.ts';

export interface ArmConformanceOptions {
  /** Random states per form. */
  cases: number;
  seed: number;
  log: (line: string) => void;
  /** Only these forms (by exact name); default all. */
  forms?: string[];
  /** Cases per QEMU run. */
  batchSize?: number;
}

export interface ArmConformanceResult {
  passed: number;
  failed: number;
  /** Cases run per form name (passed + failed). */
  perForm: Map<string, { passed: number; failed: number }>;
  /** Per form, how often QEMU ended at each place (`endpoint k`, `fault`): shows both sides of branches and faults were exercised. */
  outcomes: Map<string, Map<string, number>>;
}

export interface PlannedCase {
  id: number;
  form: Form;
  index: number;
  saveReg: number;
  endpoints: number;
  testLines: string[];
  code: string[];
  data: string[];
}

/** The state both sides start from, read back from the linked image. */
export interface InitState {
  r: number[]; // r0..r14 (r13 = sp)
  flags: number; // NZCV in bits 3..0
  scratch: Uint8Array;
}

export interface FinalState {
  where: string;
  r: (number | null)[]; // null: not observable on this side
  flags: number;
  scratch: Uint8Array | null;
}

const u32 = (b: Uint8Array, off: number) => (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;

/** SCRATCH as the spec's data memory; any access elsewhere (code reads go to the image) is recorded as an error. */
class ScratchMemory implements ByteStore {
  readonly errors: string[] = [];
  constructor(
    readonly bytes: Uint8Array,
    readonly base: number,
  ) {}
  read(addr: number): number {
    const i = (addr >>> 0) - this.base;
    if (i >= 0 && i < this.bytes.length) return this.bytes[i]!;
    this.errors.push(`spec read outside SCRATCH at ${hex(addr)}`);
    return 0;
  }
  write(addr: number, byte: number): void {
    const i = (addr >>> 0) - this.base;
    if (i >= 0 && i < this.bytes.length) this.bytes[i] = byte & 0xff;
    else this.errors.push(`spec wrote outside SCRATCH at ${hex(addr)}`);
  }
}

interface Slot {
  id: number;
  form: Form;
  index: number;
}

function slots(opts: ArmConformanceOptions): Slot[] {
  if (opts.forms) {
    const unknown = opts.forms.filter((n) => !FORMS.some((f) => f.name === n));
    if (unknown.length) throw new Error(`arm conformance: unknown form(s) ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const forms = opts.forms ? FORMS.filter((f) => opts.forms!.includes(f.name)) : FORMS;
  const out: Slot[] = [];
  // Round-robin over forms: every batch gets the same mix, so its code size (bounded by the far section's
  // fixed address in qemu/link.ld) does not depend on --cases.
  for (let index = 0; index < opts.cases; index++) for (const form of forms) out.push({ id: out.length, form, index });
  return out;
}

function materialize(slot: Slot, seed: number, layout: HarnessLayout): PlannedCase {
  // Each case has its own PRNG stream, so it reproduces alone (and with a form filter).
  const b = new CaseBuilder(slot.id, new Rng(`${seed}/${slot.form.name}/${slot.index}`), layout);
  slot.form.gen(b);
  const r = b.render();
  return { ...slot, saveReg: r.saveReg, endpoints: b.endpoints, testLines: b.testLines, code: r.code, data: r.data };
}

/** All cases of a campaign, generated (the campaign itself generates batch by batch). */
export function plan(opts: ArmConformanceOptions, layout: HarnessLayout): PlannedCase[] {
  return slots(opts).map((s) => materialize(s, opts.seed, layout));
}

function readInit(run: BatchRun, layout: HarnessLayout, c: PlannedCase): InitState {
  const at = run.symbols.get(`I_${c.id}`);
  if (at === undefined) throw new Error(`no symbol I_${c.id}`);
  const img = run.image;
  const r = Array.from({ length: 15 }, (_, i) => u32(img, at + 4 * i));
  return { r, flags: u32(img, at + 60) >>> 28, scratch: img.slice(at + 72, at + 72 + layout.scratchSize) };
}

/** The QEMU side's final state from its result record. */
function qemuFinal(run: BatchRun, layout: HarnessLayout, c: PlannedCase, rec: Uint8Array, init: InitState): FinalState | { error: string } {
  const exc = u32(rec, 68);
  if (exc !== 0) {
    const r = [...Array.from({ length: 13 }, (_, i) => u32(rec, 96 + 4 * i)), u32(rec, 88), u32(rec, 148)];
    const cfsr = u32(rec, 76);
    return { where: `fault: exception ${exc} at ${hex(u32(rec, 72))} CFSR=${hex(cfsr)} HFSR=${hex(u32(rec, 80))}`, r, flags: u32(rec, 84) >>> 28, scratch: null };
  }
  const k = u32(rec, 64);
  if (k >= c.endpoints) return { error: `qemu record has neither a fault nor a valid endpoint (endpoint word ${hex(k)})` };
  const addr = run.symbols.get(`E_${c.id}_${k}`);
  if (addr === undefined) return { error: `no symbol E_${c.id}_${k}` };
  const saved = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((x) => x !== c.saveReg);
  const r: (number | null)[] = new Array(15).fill(null);
  saved.forEach((reg, i) => (r[reg] = u32(rec, 4 * i)));
  r[14] = u32(rec, 4 * saved.length);
  r[13] = u32(rec, 56);
  // The save register holds RESULT and no instruction under test touches it.
  r[c.saveReg] = init.r[c.saveReg]!;
  return { where: `endpoint ${k} at ${hex(addr)}`, r, flags: u32(rec, 60) >>> 28, scratch: rec.slice(layout.headerSize, layout.headerSize + layout.scratchSize) };
}

function flagText(f: number): string {
  return `${f & 8 ? 'N' : 'n'}${f & 4 ? 'Z' : 'z'}${f & 2 ? 'C' : 'c'}${f & 1 ? 'V' : 'v'}`;
}
function regsText(r: (number | null)[]): string {
  return r.map((v, i) => `${rn(i)}=${v === null ? '?' : hex(v)}`).join(' ');
}

/** Objdump-like text and encoding of the instructions under test, straight from the image. */
function disassemble(image: Uint8Array, start: number, count: number): string {
  const out: string[] = [];
  let pc = start;
  for (let i = 0; i < count && pc < image.length; i++) {
    const d = decodeThumb(image, pc, pc);
    const hws = Array.from({ length: d.size / 2 }, (_, j) => (image[pc + 2 * j]! | (image[pc + 2 * j + 1]! << 8)).toString(16).padStart(4, '0')).join(' ');
    out.push(`${hex(pc)}: ${hws}  ${d.kind === 'ok' ? formatInstr(d.instr) : `<unknown: ${d.reason}>`}`);
    pc += d.size;
  }
  return out.join(' | ');
}

/** Compare one case; returns the list of differences (empty: pass). */
export function checkCase(run: BatchRun, layout: HarnessLayout, c: PlannedCase, rec: Uint8Array): { diffs: string[]; init: InitState; q: FinalState | null; s: FinalState | null } {
  const diffs: string[] = [];
  const init = readInit(run, layout, c);
  const t = run.symbols.get(`T_${c.id}`);
  if (t === undefined) throw new Error(`no symbol T_${c.id}`);

  const d = decodeThumb(run.image, t, t);
  if (d.kind !== 'ok') diffs.push(`decoder: unknown (${d.reason})`);
  else if (d.size !== c.form.size) diffs.push(`decoder: size ${d.size}, the form's encoding is ${c.form.size} bytes`);

  const q = qemuFinal(run, layout, c, rec, init);
  if ('error' in q) return { diffs: [...diffs, `harness: ${q.error}`], init, q: null, s: null };

  const endpoints = new Map<number, number>();
  for (let k = 0; k < c.endpoints; k++) endpoints.set(run.symbols.get(`E_${c.id}_${k}`)!, k);
  const mem = new ScratchMemory(init.scratch.slice(), layout.scratch);
  const st: ConcreteArmState = { r: init.r.slice(), n: !!(init.flags & 8), z: !!(init.flags & 4), c: !!(init.flags & 2), v: !!(init.flags & 1), mem };
  let out: RunOutcome;
  try {
    out = runThumb(st, { bytes: run.image, base: 0 }, { start: t, stopAt: (pc) => endpoints.has(pc), maxSteps: 16 });
  } catch (e) {
    return { diffs: [...diffs, `spec threw: ${(e as Error).message}`], init, q, s: null };
  }
  const sFlags = (st.n ? 8 : 0) | (st.z ? 4 : 0) | (st.c ? 2 : 0) | (st.v ? 1 : 0);
  let where: string;
  switch (out.kind) {
    case 'stopped':
      where = `endpoint ${endpoints.get(out.pc)} at ${hex(out.pc)}`;
      break;
    case 'udf':
      where = `udf #${out.imm} at ${hex(out.pc)}`;
      break;
    case 'fault':
      where = `fault at ${hex(out.pc)} (${out.reason})`;
      break;
    case 'unknown':
      where = `unknown at ${hex(out.pc)} (${out.reason})`;
      break;
    case 'step-limit':
      where = `step limit at ${hex(out.pc)}`;
      break;
  }
  const s: FinalState = { where, r: st.r.slice(), flags: sFlags, scratch: out.kind === 'stopped' ? mem.bytes : null };
  // Reads made while computing a successor that was not taken (a faulting LDM reads nothing on the device) are not errors.
  diffs.push(...mem.errors.filter((e) => out.kind === 'stopped' || !e.startsWith('spec read')));

  // Where execution ended.
  const qFault = q.where.startsWith('fault');
  const qExc = qFault ? u32(rec, 68) : 0;
  const qPc = u32(rec, 72);
  // An interworking branch to an even address: the M4 completes the branch and takes a UsageFault at the
  // target (QEMU 7.2 flags it UNALIGNED, not INVSTATE, in CFSR); our even targets are always endpoints.
  const invstate = qFault && qExc === 6 && endpoints.has(qPc) && out.kind === 'fault' && /INVSTATE/.test(out.reason);
  let compareState = true;
  if (out.kind === 'stopped') {
    if (qFault || !q.where.startsWith(`endpoint ${endpoints.get(out.pc)} `)) diffs.push(`ended: qemu ${q.where}, spec ${where}`);
  } else if (out.kind === 'udf') {
    const cfsr = u32(rec, 76);
    if (!qFault || qExc !== 6 || !(cfsr & (1 << 16)) || qPc !== out.pc) diffs.push(`ended: qemu ${q.where}, spec ${where}`);
    const m = /udf\.[nw] #(\d+)/.exec(c.testLines.join(' '));
    if (m && Number(m[1]) !== out.imm) diffs.push(`udf immediate: assembled #${m[1]}, spec #${out.imm}`);
  } else if (out.kind === 'fault' && invstate) {
    // The spec faults at the interworking branch with the pre-branch state; the M4 faults after the branch
    // wrote LR, popped registers, SP or the base. Same outcome (a fault), different bookkeeping.
    compareState = false;
  } else if (out.kind === 'fault') {
    if (!qFault || qExc < 3 || qExc > 6 || qPc !== out.pc) diffs.push(`ended: qemu ${q.where}, spec ${where}`);
  } else {
    diffs.push(`ended: qemu ${q.where}, spec ${where}`);
  }

  for (let i = 0; i < 15 && compareState; i++) {
    const qv = q.r[i];
    if (qv !== null && qv !== undefined && qv !== s.r[i]) diffs.push(`${rn(i)}: qemu ${hex(qv)}, spec ${hex(s.r[i]!)}`);
  }
  if (compareState && q.flags !== s.flags) diffs.push(`flags: qemu ${flagText(q.flags)}, spec ${flagText(s.flags)}`);
  // Memory is compared when both ended normally (a fault's exception frame lands in SCRATCH on the QEMU side).
  if (q.scratch && s.scratch) {
    const bad: string[] = [];
    for (let i = 0; i < q.scratch.length; i++) {
      if (q.scratch[i] !== s.scratch[i]) bad.push(`+${i}: qemu ${hex(q.scratch[i]!)}, spec ${hex(s.scratch[i]!)}`);
    }
    if (bad.length) diffs.push(`memory (SCRATCH=${hex(layout.scratch)}) ${bad.slice(0, 16).join('; ')}${bad.length > 16 ? ` ... (${bad.length} bytes)` : ''}`);
  }
  return { diffs, init, q, s };
}

function scratchHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export async function runArmConformance(opts: ArmConformanceOptions): Promise<ArmConformanceResult> {
  const layout = readLayout();
  const started = Date.now();
  const cases = slots(opts);
  const perForm = new Map<string, { passed: number; failed: number }>();
  for (const c of cases) perForm.set(c.form.name, perForm.get(c.form.name) ?? { passed: 0, failed: 0 });
  const batchSize = opts.batchSize ?? 2500;
  const batches: Slot[][] = [];
  for (let i = 0; i < cases.length; i += batchSize) batches.push(cases.slice(i, i + batchSize));
  opts.log(`arm: ${perForm.size} forms x ${opts.cases} states = ${cases.length} cases in ${batches.length} QEMU run(s)`);

  const outcomes = new Map<string, Map<string, number>>();
  const seen = (form: string, where: string) => {
    const m = outcomes.get(form) ?? new Map<string, number>();
    m.set(where, (m.get(where) ?? 0) + 1);
    outcomes.set(form, m);
  };
  let passed = 0;
  let failed = 0;
  const fail = (c: PlannedCase, lines: string[]) => {
    failed++;
    perForm.get(c.form.name)!.failed++;
    opts.log(`FAIL seed=${opts.seed} form="${c.form.name}" case=${c.index} (id ${c.id}; reproduce: npm run conform -- arm --seed ${opts.seed} --cases ${c.index + 1})`);
    for (const l of lines) opts.log(`  ${l}`);
  };

  const root = mkdtempSync(join(tmpdir(), 'warden-arm-conform-'));
  try {
    let next = 0;
    // Two QEMU runs in flight: one batch's checking overlaps the other's assembly and emulation.
    const worker = async () => {
      while (next < batches.length) {
        const bi = next++;
        const batch = batches[bi]!.map((slot) => materialize(slot, opts.seed, layout));
        const dir = join(root, `b${bi}`);
        mkdirSync(dir);
        let run: BatchRun;
        try {
          run = await runBatch(dir, layout, batch);
        } catch (e) {
          for (const c of batch) fail(c, [`asm: ${c.testLines.join('; ')}`, `harness: ${(e as Error).message}`]);
          continue;
        }
        batch.forEach((c, i) => {
          const { diffs, init, q, s } = checkCase(run, layout, c, run.records[i]!);
          if (q) seen(c.form.name, q.where.startsWith('fault') ? 'fault' : q.where.replace(/ at .*/, ''));
          if (diffs.length === 0) {
            passed++;
            perForm.get(c.form.name)!.passed++;
            return;
          }
          const t = run.symbols.get(`T_${c.id}`)!;
          fail(c, [
            `asm: ${c.testLines.join('; ')}`,
            `bytes: ${disassemble(run.image, t, c.testLines.length)}`,
            `initial: ${regsText(init.r)} ${flagText(init.flags)} (r${c.saveReg} = RESULT, save register)`,
            `initial SCRATCH @${hex(layout.scratch)}: ${scratchHex(init.scratch)}`,
            q ? `qemu: ${q.where}; ${regsText(q.r)} ${flagText(q.flags)}` : 'qemu: -',
            s ? `spec: ${s.where}; ${regsText(s.r)} ${flagText(s.flags)}` : 'spec: -',
            ...diffs.map((d) => `diff: ${d}`),
          ]);
        });
        rmSync(dir, { recursive: true, force: true });
      }
    };
    await Promise.all([worker(), worker()]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const failingForms = [...perForm].filter(([, v]) => v.failed > 0);
  if (failingForms.length) opts.log(`failing forms: ${failingForms.map(([n, v]) => `${n} (${v.failed}/${v.passed + v.failed})`).join(', ')}`);
  opts.log(`arm: ${perForm.size} forms, ${cases.length} cases, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  opts.log(`${passed} passed, ${failed} failed`);
  return { passed, failed, perForm, outcomes };
}
