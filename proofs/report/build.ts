/**
 * The proof report from one validation, as a pure function: no clock, no
 * file system, no solver. Drivers (warden compile, warden verify, the
 * spec-suite runner) gather the inputs and write the files (files.ts).
 */
import { createHash } from 'node:crypto';
import { CERT_SECTION, decodeCertificate, type FunctionCertificate } from '../../spec/abi/certificate.ts';
import { decodeModule } from '../../spec/wasm/decode.ts';
import { readElf } from '../../validator/elf.ts';
import { SMT_EXPORT_LOGIC } from '../../validator/prove.ts';
import type { ObligationResult, ValidationReport, Verdict as ValidatorVerdict } from '../../validator/verdict.ts';
import { ASSUMPTIONS } from '../assumptions.ts';
import { REPORT_FORMAT, RUNG_NOT_RECORDED, type FunctionReport, type Identity, type ObligationReport, type ProofReport } from './format.ts';
import { trustedBase } from './trusted-base.ts';

export interface ReportInput {
  command: string;
  /** ISO 8601. */
  date: string;
  versions: { warden: string; z3Package: string; z3: string };
  input: { path: string; file: Uint8Array; wasm: Uint8Array };
  object: { path: string; bytes: Uint8Array; status: Identity['object']['status']; note: string };
  target: string;
  options: Identity['options'];
  validation: ValidationReport;
  /**
   * Where the SMT-LIB2 files go, as the report should name it (a path relative to the report's own
   * directory, so the pair can be moved together); null when there is no export.
   */
  smtDir: string | null;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The file name of obligation `i` of a function inside the SMT directory (flat, so an auditor can `ls` it). */
export function smtFileName(func: number, symbol: string, i: number): string {
  const safe = symbol.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 60) || 'nosym';
  return `f${func}-${safe}-o${String(i).padStart(4, '0')}.smt2`;
}

export function buildReport(inp: ReportInput): ProofReport {
  const module = decodeModule(inp.input.wasm);
  const certs = certificateFunctions(inp.object.bytes);
  const smt = inp.smtDir !== null;
  const identity: Identity = {
    command: inp.command,
    date: inp.date,
    warden: { version: inp.versions.warden },
    z3: { package: inp.versions.z3Package, version: inp.versions.z3 },
    input: { path: inp.input.path, sha256: sha256(inp.input.file), wasmSha256: sha256(inp.input.wasm) },
    object: { path: inp.object.path, sha256: sha256(inp.object.bytes), bytes: inp.object.bytes.length, status: inp.object.status, note: inp.object.note },
    target: inp.target,
    options: inp.options,
  };
  const functions = inp.validation.verdicts.map((v) => functionReport(v, module, certs, smt ? identity : null));
  const sum = (f: (x: FunctionReport) => number) => functions.reduce((a, x) => a + f(x), 0);
  const files = smt ? sum((f) => f.obligations.filter((o) => o.smt2).length) : 0;
  return {
    format: REPORT_FORMAT,
    identity,
    totals: {
      functions: functions.length,
      proved: functions.filter((f) => f.verdict === 'proved').length,
      refuted: functions.filter((f) => f.verdict === 'refuted').length,
      unknown: functions.filter((f) => f.verdict === 'unknown').length,
      obligations: sum((f) => f.totals.obligations),
      ms: round(sum((f) => f.totals.ms)),
      rlimit: sum((f) => f.totals.rlimit),
    },
    functions,
    assumptions: {
      validator: [...inp.validation.assumptions],
      lemmaLibrary: ASSUMPTIONS.map((a) => ({ id: a.id, statement: a.statement, reason: a.reason })),
    },
    trustedBase: trustedBase(inp.versions.warden),
    smt: smt ? { dir: inp.smtDir!, logic: SMT_EXPORT_LOGIC, files } : null,
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The certificate's function entries by index; an object without a readable certificate has none. */
function certificateFunctions(object: Uint8Array): Map<number, FunctionCertificate> {
  const out = new Map<number, FunctionCertificate>();
  try {
    const sec = readElf(object).sections.find((s) => s.name === CERT_SECTION);
    const c = sec ? decodeCertificate(sec.data) : undefined;
    if (c?.ok) for (const f of c.cert.functions) if (!out.has(f.index)) out.set(f.index, f);
  } catch {
    // An unreadable object is already an `unknown` verdict with its reason; the rung is then "not recorded".
  }
  return out;
}

function functionReport(v: ValidatorVerdict, module: ReturnType<typeof decodeModule>, certs: Map<number, FunctionCertificate>, smt: Identity | null): FunctionReport {
  const exports = module.exports.filter((e) => e.kind === 'func' && e.index === v.func).map((e) => e.name);
  const fc = certs.get(v.func);
  const name = module.funcNames.get(v.func) ?? exports[0] ?? null;
  const obligations = v.obligations.map((o, i) => obligationReport(o, i, v, name, smt));
  const failing = v.kind === 'refuted' ? v.obligations.indexOf(v.obligation) : -1;
  return {
    index: v.func,
    name,
    exports,
    symbol: v.symbol,
    verdict: v.kind,
    rung: typeof fc?.rung === 'string' && fc.rung !== '' ? fc.rung : RUNG_NOT_RECORDED,
    ladder: Array.isArray(fc?.ladder) ? fc.ladder.map((l) => ({ rung: String(l.rung), failure: String(l.failure) })) : [],
    obligations,
    lemmas: v.kind === 'proved' ? v.lemmas.map(splitLemma) : null,
    counterexample:
      v.kind === 'refuted'
        ? { obligation: failing >= 0 ? failing : obligations.length - 1, values: { ...v.counterexample.values }, replay: { kind: v.counterexample.replay.kind, detail: 'detail' in v.counterexample.replay ? v.counterexample.replay.detail : '' } }
        : null,
    unknown:
      v.kind === 'unknown'
        ? { kind: v.reason.kind, detail: v.reason.detail, obligation: v.reason.kind === 'solver' ? v.reason.obligation : null, address: v.address ?? null }
        : null,
    totals: { obligations: obligations.length, ms: round(obligations.reduce((a, o) => a + o.ms, 0)), rlimit: obligations.reduce((a, o) => a + o.rlimit, 0) },
  };
}

function obligationReport(o: ObligationResult, i: number, v: ValidatorVerdict, fname: string | null, smt: Identity | null): ObligationReport {
  // Names are `<region>: <claim>` (validator/validate.ts); the region never contains ': '.
  const cut = o.name.indexOf(': ');
  const text = smt && o.smt2 !== undefined ? smtText(smt, v.func, fname, v.symbol, i, o) : undefined;
  return {
    index: i,
    name: o.name,
    region: cut >= 0 ? o.name.slice(0, cut) : o.name,
    claim: cut >= 0 ? o.name.slice(cut + 2) : '',
    address: o.address,
    answer: o.answer,
    ms: o.ms,
    rlimit: o.rlimit,
    smt2: text !== undefined ? { file: smtFileName(v.func, v.symbol, i), sha256: sha256(new TextEncoder().encode(text)), expected: o.answer } : null,
  };
}

/** One exported obligation: header comments naming it, then the query as Z3 was given it. */
function smtText(id: Identity, func: number, fname: string | null, symbol: string, i: number, o: ObligationResult): string {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const head = [
    `; warden proof obligation ${i} of function ${func}${fname !== null ? ` (${oneLine(fname)})` : ''}, symbol ${symbol}`,
    `; ${oneLine(o.name)}`,
    `; the obligation holds iff this query is unsat; ${id.z3.version} answered ${o.answer}`,
    `; object sha256 ${id.object.sha256}`,
  ];
  return `${head.join('\n')}\n${o.smt2!}`;
}

/** validator verdicts list lemmas as `name: statement`. */
function splitLemma(s: string): { name: string; statement: string } {
  const i = s.indexOf(': ');
  return i >= 0 ? { name: s.slice(0, i), statement: s.slice(i + 2) } : { name: s, statement: '' };
}

/** The SMT-LIB2 files of a validation, as the report lists them. */
export function smtFiles(report: ProofReport, validation: ValidationReport): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  report.functions.forEach((f, k) => {
    const v = validation.verdicts[k]!;
    for (const o of f.obligations) if (o.smt2) out.push({ name: o.smt2.file, text: smtText(report.identity, f.index, f.name, f.symbol, o.index, v.obligations[o.index]!) });
  });
  return out;
}
