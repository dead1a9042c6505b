/**
 * `warden compile IN -o OUT`: a relocatable ELF object and its C header,
 * written only when every function is proved (unless `--no-verify`, which
 * says loudly that the output is unverified).
 */
import { compileInput, EXIT, headerPathFor, loadInput, writeFilesAtomic } from '../common.ts';
import { UserError } from '../errors.ts';
import { isTarget, TARGETS } from '../../compiler/target/cpu.ts';
import { formatVerdict, proofReportFiles, reportExit, rlimitOf, validate, wantsReport, type ReportCliOptions } from './verify.ts';

export interface CompileCliOptions extends ReportCliOptions {
  output?: string;
  target: string;
  prefix?: string;
  verify: boolean;
  verbose?: boolean;
}

export async function compileCommand(input: string, opts: CompileCliOptions): Promise<number> {
  if (!opts.output) throw new UserError('compile: missing output file (-o OUT)');
  const target = opts.target;
  if (!isTarget(target)) throw new UserError(`compile: unknown target '${target}' (expected one of ${Object.keys(TARGETS).join(', ')})`);
  if (opts.prefix !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.prefix)) throw new UserError(`compile: prefix '${opts.prefix}' is not a C identifier prefix`);
  if (!opts.verify && (wantsReport(opts) || opts.rlimit !== undefined)) throw new UserError('compile: --report, --html, --smt-dir and --rlimit need validation; drop --no-verify');
  if (opts.verify) rlimitOf(opts); // a bad --rlimit is reported before compiling
  const out = opts.output;
  const header = headerPathFor(out);
  if (header === input || out === input) throw new UserError(`compile: output ${out} would overwrite the input`);
  const mod = await loadInput(input);
  const compiled = compileInput(mod, { prefix: opts.prefix ?? '', target });
  if (opts.verbose) {
    for (const f of compiled.functions) {
      const tried = f.ladderLog.filter((l) => l.rung !== f.rung).map((l) => `${l.rung}: ${l.failure}`);
      console.log(`function ${f.index} (${f.name}) -> ${f.symbol}: rung ${f.rung}${tried.length ? ` (after ${tried.join('; ')})` : ''}`);
    }
  }
  let reports: { path: string; data: string }[] = [];
  if (opts.verify) {
    const report = await validate(mod.bytes, compiled.object, out, { smt2: opts.smtDir !== undefined, rlimit: rlimitOf(opts) });
    const code = reportExit(report);
    for (const v of report.verdicts) if (opts.verbose || v.kind !== 'proved') (v.kind === 'proved' ? console.log : console.error)(formatVerdict(mod.module, v));
    const bad = report.verdicts.filter((v) => v.kind !== 'proved').length;
    reports = await proofReportFiles(opts, mod, report, {
      command: 'warden compile',
      object: {
        path: out,
        bytes: compiled.object,
        ...(code === EXIT.ok ? { status: 'written', note: `written with its header ${header}` } : { status: 'not-written', note: `${bad} of ${report.verdicts.length} functions not proved; the object was not written (the hash is of the bytes that were validated)` }),
      },
      target: opts.target,
      options: { prefix: opts.prefix ?? '', verify: true },
    });
    if (code !== EXIT.ok) {
      writeFilesAtomic(reports);
      console.error(`warden: ${input}: ${bad} of ${report.verdicts.length} functions not proved; nothing written${reports.length ? ' but the proof report' : ''}`);
      return code;
    }
  } else {
    console.error(`warden: warning: --no-verify: ${out} is UNVERIFIED (translation validation skipped)`);
  }
  writeFilesAtomic([
    { path: out, data: compiled.object },
    { path: header, data: compiled.header },
    ...reports,
  ]);
  if (opts.verbose) console.log(`wrote ${out} (${compiled.object.length} bytes) and ${header}`);
  return EXIT.ok;
}
