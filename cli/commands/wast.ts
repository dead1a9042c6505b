/**
 * `warden wast FILE.wast...`: the spec test scripts on compiled code under
 * QEMU. Prints every failure (file:line, expected vs got), the skips grouped
 * by reason, and `N passed, N failed, N skipped`.
 */
import { readFileSync } from 'node:fs';
import { WastSyntaxError } from '../wast/script.ts';
import { runWast, type AssertionResult } from '../wast/run.ts';
import { qemuEngine } from '../wast/qemu-engine.ts';
import { wabtTextToBinary } from '../../compiler/frontend/index.ts';
import { EXIT, readInput } from '../common.ts';
import { UserError } from '../errors.ts';

/** Linear memory reserved per module instance unless --max-pages says otherwise (also the spec-suite proving run). */
export const WAST_MAX_PAGES = 16;

export interface WastCliOptions {
  verbose?: boolean;
  maxPages: string;
  timeout: string;
}


export async function wastCommand(files: string[], opts: WastCliOptions): Promise<number> {
  if (files.length === 0) throw new UserError('wast: no .wast files given');
  const maxPages = Number(opts.maxPages);
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 48) throw new UserError(`wast: --max-pages '${opts.maxPages}' must be an integer in [1, 48] (mps2-an386 has 4 MiB of RAM)`);
  const timeoutSec = Number(opts.timeout);
  if (!(timeoutSec > 0 && timeoutSec <= 3600)) throw new UserError(`wast: --timeout '${opts.timeout}' is not a number of seconds in (0, 3600]`);
  const sources = files.map((f) => {
    readInput(f); // one-line error for a missing file, before running anything
    return { file: f, text: readFileSync(f, 'utf8') };
  });
  const textToBinary = await wabtTextToBinary();
  let qemuRuns = 0;
  let qemuCalls = 0;
  const engine = qemuEngine({ maxPages, timeoutSec, onRun: (n) => ((qemuRuns += 1), (qemuCalls += n)) });
  const all: AssertionResult[] = [];
  const started = Date.now();
  for (const { file, text } of sources) {
    let results: AssertionResult[];
    try {
      results = (await runWast(text, file, engine, textToBinary)).results;
    } catch (e) {
      if (e instanceof WastSyntaxError) throw new UserError(e.message);
      throw e;
    }
    all.push(...results);
    for (const r of results) if (r.kind === 'failed') console.log(`${r.file}:${r.line}: FAILED: ${r.message.replace(/\s*\n\s*/g, ' ')}`);
    if (opts.verbose) {
      for (const r of results) if (r.kind === 'skipped') console.log(`${r.file}:${r.line}: skipped: ${r.reason}`);
      console.log(`${file}: ${count(results)}`);
    }
  }
  const skips = new Map<string, number>();
  for (const r of all) if (r.kind === 'skipped') skips.set(skipGroup(r.reason), (skips.get(skipGroup(r.reason)) ?? 0) + 1);
  if (skips.size > 0) {
    console.log('skipped:');
    for (const [reason, n] of [...skips].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${n} x ${reason}`);
  }
  if (opts.verbose) console.log(`${qemuRuns} QEMU runs, ${qemuCalls} calls, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(count(all));
  return all.some((r) => r.kind === 'failed') ? EXIT.usage : EXIT.ok;
}

/** Skip reasons grouped for the summary (the exact reason of each skip is printed with --verbose). */
function skipGroup(reason: string): string {
  return reason
    .replace(/function \d+ \([^)]*\), offset 0x[0-9a-f]+: /, '')
    .replace(/offset 0x[0-9a-f]+: /, '')
    .replace(/^(\w+ values) \(.*\)$/, '$1')
    .replace(/^(trap ".*") \(floating point\)$/, 'floating-point trap');
}

function count(rs: AssertionResult[]): string {
  const n = (k: AssertionResult['kind']) => rs.filter((r) => r.kind === k).length;
  return `${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped`;
}
