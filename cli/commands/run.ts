/**
 * `warden run IN --invoke EXPORT [ARGS...]`: compile in memory, build a
 * firmware image that makes the one call, run it on qemu-system-arm
 * (mps2-an386, Cortex-M4) and print the result like a WebAssembly runtime.
 */
import { runFirmware } from '../../compiler/firmware/firmware.ts';
import { compileInput, EXIT, exportSignature, loadInput, parseIntArg, showValue } from '../common.ts';
import { UserError } from '../errors.ts';

export interface RunCliOptions {
  invoke?: string;
  timeout: string;
}

export async function runCommand(input: string, args: string[], opts: RunCliOptions): Promise<number> {
  if (!opts.invoke) throw new UserError('run: missing --invoke EXPORT');
  const timeoutSec = Number(opts.timeout);
  if (!(timeoutSec > 0 && timeoutSec <= 3600)) throw new UserError(`run: --timeout '${opts.timeout}' is not a number of seconds in (0, 3600]`);
  const mod = await loadInput(input);
  const sig = exportSignature(mod, opts.invoke);
  if (args.length !== sig.params.length) {
    throw new UserError(`run: '${opts.invoke}' takes ${sig.params.length} argument${sig.params.length === 1 ? '' : 's'} (${sig.params.join(', ') || 'none'}), got ${args.length}`);
  }
  if (sig.results.length > 1) throw new UserError(`run: '${opts.invoke}' returns ${sig.results.length} values; only one result is supported (AAPCS)`);
  const values = args.map((a, i) => parseIntArg(a, sig.params[i]!, `run: argument ${i + 1} of '${opts.invoke}'`));
  const imports = mod.module.imports.filter((i) => i.desc.kind === 'func');
  if (imports.length > 0) {
    const names = imports.map((i) => `${i.module}.${i.field}`).join(', ');
    throw new UserError(`run: ${input} imports ${names}; the QEMU firmware cannot provide imports (compile it and link with C instead)`);
  }
  const compiled = compileInput(mod, {});
  const fn = compiled.functions.find((f) => f.index === sig.index);
  if (!fn) throw new UserError(`run: '${opts.invoke}' is not a function defined by ${input}`);
  const run = runFirmware(
    {
      functions: compiled.objFunctions,
      data: compiled.data,
      calls: [{ symbol: fn.symbol, args: values.map((value, i) => ({ type: sig.params[i]!, value })), results: sig.results }],
    },
    { timeoutSec },
  );
  const o = run.outcomes[0]!;
  switch (o.kind) {
    case 'ok':
      o.values.forEach((v, i) => console.log(`${showValue(sig.results[i]!, v)}:${sig.results[i]}`));
      return EXIT.ok;
    case 'trap':
      console.error(`trap: ${o.trap ?? `unknown trap code ${o.code}`}`);
      return EXIT.trap;
    case 'fault':
      console.error(`fault: CFSR=0x${o.cfsr.toString(16).padStart(8, '0')} at pc=0x${o.pc.toString(16)} (the compiled code crashed on QEMU)`);
      return EXIT.fault;
    case 'missing':
      console.error(run.timedOut ? `timeout: no result after ${timeoutSec} s on QEMU` : `no result from QEMU (exit status ${run.exitCode}): ${run.stderr.trim().split('\n')[0] ?? ''}`);
      return EXIT.fault;
  }
}
