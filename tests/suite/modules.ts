/**
 * The spec-suite proving run, one module at a time: every module of a
 * `.wast` script, compiled as `warden wast` compiles it, then every defined
 * function validated from the object's bytes. Results are plain records so
 * that a worker process can send them to the parent line by line.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseWast } from '../../cli/wast/script.ts';
import { compileForWast, loadForWast } from '../../cli/wast/qemu-engine.ts';
import { WAST_MAX_PAGES } from '../../cli/commands/wast.ts';
import { formatVerdict } from '../../cli/commands/verify.ts';
import type { TextToBinary } from '../../cli/wast/run.ts';
import { validateObject, type ValidateOptions } from '../../validator/validate.ts';
import type { UnknownReason, ValidationReport } from '../../validator/verdict.ts';

/** A module of a script: `ordinal` counts the script's module commands from 0. */
export interface ModuleRef {
  file: string;
  line: number;
  ordinal: number;
}

/** What became of a module before validation. */
export type ModuleRecord = ModuleRef & ({ kind: 'compiled'; functions: number } | { kind: 'not-compiled'; reason: string });

export interface FunctionRecord {
  file: string;
  line: number;
  func: number;
  verdict: 'proved' | 'refuted' | 'unknown';
  /** formatVerdict's line (cli/commands/verify.ts): the function, the verdict and its reason or obligation. */
  text: string;
  /** For `unknown`: the reason with addresses and numbers blanked, to group like with like. */
  group?: string;
  /** For `refuted`: the obligation and the replay's outcome. */
  obligation?: string;
  ms: number;
  obligations: number;
}

export const moduleKey = (m: { file: string; line: number }): string => `${basename(m.file)}:${m.line}`;

/** The module commands of a script (including those inside `(module quote ...)` and binary modules). */
export function scriptModules(file: string): (ModuleRef & { source: ReturnType<typeof parseWast>[number] & { kind: 'module' } })[] {
  const out: (ModuleRef & { source: ReturnType<typeof parseWast>[number] & { kind: 'module' } })[] = [];
  for (const c of parseWast(readFileSync(file, 'utf8'), file)) if (c.kind === 'module') out.push({ file, line: c.line, ordinal: out.length, source: c });
  return out;
}

export interface ProveModuleOptions {
  textToBinary: TextToBinary;
  validate?: Pick<ValidateOptions, 'rlimit' | 'smt2'>;
  onModule(m: ModuleRecord): void;
  onFunction(f: FunctionRecord): void;
  /** Called with each validated module (where the proof-report writer plugs in). */
  onReport?(m: ModuleRef, wasm: Uint8Array, object: Uint8Array, report: ValidationReport): void | Promise<void>;
}

/** Compile one module of a script as `warden wast` does and validate every defined function. */
export async function proveModule(ref: ReturnType<typeof scriptModules>[number], o: ProveModuleOptions): Promise<void> {
  const { file, line, ordinal } = ref;
  const src = ref.source.source;
  let bytes: Uint8Array;
  try {
    bytes = src.kind === 'binary' ? src.bytes : o.textToBinary(src.text, `${file}:${line}`);
  } catch (e) {
    return o.onModule({ file, line, ordinal, kind: 'not-compiled', reason: `rejected by wabt: ${firstLine(e)}` });
  }
  const l = await loadForWast(bytes, `${file}:${line}`);
  if (l.kind !== 'ok') return o.onModule({ file, line, ordinal, kind: 'not-compiled', reason: outcomeText(l) });
  const c = compileForWast(l.instance.module, WAST_MAX_PAGES);
  if (c.kind !== 'ok') return o.onModule({ file, line, ordinal, kind: 'not-compiled', reason: outcomeText(c) });
  const module = l.instance.module;
  o.onModule({ file, line, ordinal, kind: 'compiled', functions: module.funcs.length });
  const report = await validateObject(l.instance.bytes, c.instance.object, {
    ...o.validate,
    onProgress: ({ verdict: v, ms }) => o.onFunction({
      file,
      line,
      func: v.func,
      verdict: v.kind,
      text: formatVerdict(module, v),
      ...(v.kind === 'unknown' ? { group: reasonGroup(v.reason) } : {}),
      ...(v.kind === 'refuted' ? { obligation: `${v.obligation.name} (replay: ${v.counterexample.replay.kind})` } : {}),
      ms: Math.round(ms),
      obligations: v.obligations.length,
    }),
  });
  await o.onReport?.({ file, line, ordinal }, l.instance.bytes, c.instance.object, report);
}

/** An unknown reason without what differs from one function to the next (addresses, offsets, counts). */
export function reasonGroup(r: UnknownReason): string {
  const detail = r.kind === 'no-cut-in-loop' ? `${r.side}: ${r.detail}` : r.detail;
  return `${r.kind}: ${detail.replace(/\s*\n\s*/g, ' ').replace(/0x[0-9a-f]+/gi, '0x_').replace(/\b\d+\b/g, 'N')}`;
}

/** A not-compiled module's reason, grouped the same way. */
export function notCompiledGroup(reason: string): string {
  return reason.replace(/^\S+\.wast:\d+(:\d+)?:\s*/, '').replace(/function \d+ \([^)]*\), /, '').replace(/offset 0x[0-9a-f]+: /, '');
}

function outcomeText(o: { kind: 'unsupported'; reason: string } | { kind: 'rejected' | 'error'; message: string } | { kind: 'trap'; trap: string }): string {
  return o.kind === 'unsupported' ? `unsupported: ${o.reason.replace(/^unsupported: /, '')}` : o.kind === 'trap' ? `trap: ${o.trap}` : `${o.kind}: ${o.message}`;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
