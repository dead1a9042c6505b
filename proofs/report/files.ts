/**
 * What a driver needs around buildReport: the tool versions (impure: reads
 * package.json and asks z3-solver), and the list of files to write for the
 * requested outputs. Writing them (atomically) is the driver's job.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { z3FullVersion } from '../../spec/bv/z3.ts';
import type { ValidationReport } from '../../validator/verdict.ts';
import { smtFiles } from './build.ts';
import type { ProofReport } from './format.ts';
import { renderHtml } from './html.ts';

export async function toolVersions(): Promise<{ warden: string; z3Package: string; z3: string }> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const require = createRequire(import.meta.url);
  const z3pkg = JSON.parse(readFileSync(require.resolve('z3-solver/package.json'), 'utf8')) as { version: string };
  return { warden: own.version, z3Package: `z3-solver ${z3pkg.version}`, z3: await z3FullVersion() };
}

export interface ReportPaths {
  json?: string;
  html?: string;
  smtDir?: string;
}

/** How the report names the SMT directory: relative to the JSON report's directory when there is one. */
export function smtDirAsRecorded(paths: ReportPaths): string | null {
  if (paths.smtDir === undefined) return null;
  const base = paths.json !== undefined ? dirname(resolve(paths.json)) : process.cwd();
  return relative(base, resolve(paths.smtDir)) || '.';
}

/** The files for the requested outputs (the SMT files first, so a report never names a file that is not there). */
export function reportFiles(report: ProofReport, validation: ValidationReport, paths: ReportPaths): { path: string; data: string }[] {
  const out: { path: string; data: string }[] = [];
  if (paths.smtDir !== undefined) for (const f of smtFiles(report, validation)) out.push({ path: join(paths.smtDir, f.name), data: f.text });
  if (paths.json !== undefined) out.push({ path: paths.json, data: `${JSON.stringify(report, null, 2)}\n` });
  if (paths.html !== undefined) out.push({ path: paths.html, data: renderHtml(report) });
  return out;
}
