/**
 * `npm run conform -- wasm|arm [--cases N] [--seed S]`: the spec checked
 * against oracles nobody here wrote (V8 for WebAssembly, QEMU for Thumb-2).
 * Closes with `N passed, N failed`; exits non-zero on any failure.
 */
import { Command, InvalidArgumentError } from 'commander';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const program = new Command('conform')
  .argument('<side>', 'wasm (spec vs V8) or arm (spec vs qemu-system-arm)')
  .option('--cases <n>', 'wasm: total cases; arm: random states per instruction form', positiveInt)
  .option('--seed <s>', 'PRNG seed', positiveInt)
  .option('--forms <list>', "arm: only these instruction forms, separated by ';' (to re-run a failure)")
  .action(async (side: string, opts: { cases?: number; seed?: number; forms?: string }) => {
    const seed = opts.seed ?? Date.now() % 2 ** 31;
    const log = (line: string) => console.log(line);
    let result: { passed: number; failed: number };
    if (side === 'wasm') {
      const { runWasmConformance } = await import('./wasm.ts');
      log(`wasm conformance: seed ${seed}`);
      result = await runWasmConformance({ cases: opts.cases ?? 100_000, seed, log });
    } else if (side === 'arm') {
      const { runArmConformance } = await import('./arm.ts');
      log(`arm conformance: seed ${seed}`);
      result = await runArmConformance({ cases: opts.cases ?? 200, seed, log, forms: opts.forms?.split(';') });
    } else {
      return program.error(`conform: unknown side '${side}' (expected wasm or arm)`);
    }
    // The campaign itself prints its closing `N passed, N failed` line.
    process.exitCode = result.failed === 0 ? 0 : 1;
  });

await program.parseAsync();
