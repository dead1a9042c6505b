/**
 * Validation as the CLI shows it: one line per function with its verdict,
 * and the exit code the worst verdict implies (2 refuted, 3 unknown).
 */
import { mkdirSync } from 'node:fs';
import { validateObject } from '../../validator/validate.ts';
import { DEFAULT_PROVE } from '../../validator/prove.ts';
import type { ValidationReport, Verdict } from '../../validator/verdict.ts';
import { ElfError } from '../../validator/elf.ts';
import type { Module } from '../../spec/wasm/ast.ts';
import { buildReport, type ReportInput } from '../../proofs/report/build.ts';
import { reportFiles, smtDirAsRecorded, toolVersions, type ReportPaths } from '../../proofs/report/files.ts';
import { EXIT, loadInput, readInput, writeFilesAtomic, type LoadedInput } from '../common.ts';
import { UserError } from '../errors.ts';
import { validationProgress } from '../progress.ts';

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

function funcLabel(m: Module, v: Verdict): string {
  const name = m.funcNames.get(v.func);
  const exp = m.exports.find((e) => e.kind === 'func' && e.index === v.func)?.name;
  return `function ${v.func}${exp ? ` '${exp}'` : name ? ` (${name})` : ''}`;
}

/** One line per verdict. */
export function formatVerdict(m: Module, v: Verdict): string {
  const who = funcLabel(m, v);
  switch (v.kind) {
    case 'proved':
      return `${who}: proved (${v.obligations.length} obligations)`;
    case 'refuted': {
      const cex = Object.entries(v.counterexample.values)
        .slice(0, 8)
        .map(([k, x]) => `${k}=${x}`)
        .join(' ');
      return `${who}: refuted at ${hex(v.obligation.address)}: ${v.obligation.name}${cex ? ` [counterexample: ${cex}]` : ''}`;
    }
    case 'unknown': {
      const r = v.reason;
      const detail = r.kind === 'solver' ? `${r.obligation}: ${r.detail}` : r.kind === 'no-cut-in-loop' ? `${r.side}: ${r.detail}` : r.detail;
      return `${who}: unknown (${r.kind}${v.address !== undefined ? ` at ${hex(v.address)}` : ''}: ${detail.replace(/\s*\n\s*/g, ' ')})`;
    }
  }
}

/** The exit code of a report: 0 all proved, 2 if any refuted, else 3 if any unknown. */
export function reportExit(r: ValidationReport): number {
  if (r.verdicts.some((v) => v.kind === 'refuted')) return EXIT.refuted;
  if (r.verdicts.some((v) => v.kind === 'unknown')) return EXIT.unknown;
  return EXIT.ok;
}

export async function validate(wasm: Uint8Array, object: Uint8Array, what: string, opts: { smt2: boolean; rlimit: number }): Promise<ValidationReport> {
  try {
    return await validateObject(wasm, object, { ...opts, onProgress: validationProgress() });
  } catch (e) {
    if (e instanceof ElfError) throw new UserError(`${what}: ${e.message}`);
    throw e;
  }
}

/** The validation and report flags of `compile` and `verify`. */
export interface ReportCliOptions {
  report?: string;
  html?: string;
  smtDir?: string;
  rlimit?: string;
}

/** `--rlimit N`: Z3's resource limit per obligation (a count, not time, so verdicts are reproducible). */
export function rlimitOf(o: ReportCliOptions): number {
  if (o.rlimit === undefined) return DEFAULT_PROVE.rlimit;
  const n = Number(o.rlimit);
  if (!Number.isSafeInteger(n) || n < 1) throw new UserError(`--rlimit '${o.rlimit}' is not a positive integer`);
  return n;
}

export const reportPaths = (o: ReportCliOptions): ReportPaths => ({
  ...(o.report !== undefined ? { json: o.report } : {}),
  ...(o.html !== undefined ? { html: o.html } : {}),
  ...(o.smtDir !== undefined ? { smtDir: o.smtDir } : {}),
});

export const wantsReport = (o: ReportCliOptions): boolean => o.report !== undefined || o.html !== undefined || o.smtDir !== undefined;

/** The proof report files for one validation (nothing when no report flag was given). */
export async function proofReportFiles(
  o: ReportCliOptions,
  mod: LoadedInput,
  validation: ValidationReport,
  rest: Pick<ReportInput, 'command' | 'object' | 'target' | 'options'>,
): Promise<{ path: string; data: string }[]> {
  if (!wantsReport(o)) return [];
  const paths = reportPaths(o);
  if (paths.smtDir !== undefined) {
    try {
      mkdirSync(paths.smtDir, { recursive: true });
    } catch (e) {
      throw new UserError(`--smt-dir ${paths.smtDir}: cannot create: ${(e as Error).message}`);
    }
  }
  const report = buildReport({
    ...rest,
    date: new Date().toISOString(),
    versions: await toolVersions(),
    input: { path: mod.path, file: readInput(mod.path), wasm: mod.bytes },
    options: { ...rest.options, rlimit: rlimitOf(o) },
    validation,
    smtDir: smtDirAsRecorded(paths),
  });
  return reportFiles(report, validation, paths);
}

export async function verifyCommand(input: string, objPath: string, opts: { verbose?: boolean } & ReportCliOptions): Promise<number> {
  const mod = await loadInput(input);
  const obj = readInput(objPath);
  const report = await validate(mod.bytes, obj, objPath, { smt2: opts.smtDir !== undefined, rlimit: rlimitOf(opts) });
  writeFilesAtomic(
    await proofReportFiles(opts, mod, report, {
      command: 'warden verify',
      object: { path: objPath, bytes: obj, status: 'existing', note: 'an existing object, validated against its module' },
      target: 'as compiled (warden verify reads no target)',
      options: {},
    }),
  );
  for (const v of report.verdicts) console.log(formatVerdict(mod.module, v));
  if (opts.verbose) for (const a of report.assumptions) console.log(`assumption: ${a}`);
  const code = reportExit(report);
  const proved = report.verdicts.filter((v) => v.kind === 'proved').length;
  console.log(`${proved}/${report.verdicts.length} functions proved`);
  return code;
}
