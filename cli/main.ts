/**
 * The `warden` command line. Each command lives in `cli/commands/`; this
 * file wires them up and turns errors into one-line messages with an exit
 * code (never a stack trace for bad input).
 */
import { Command, CommanderError } from 'commander';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';
import { EXIT_CODES_HELP } from './common.ts';
import { compileCommand } from './commands/compile.ts';
import { DEFAULT_TARGET, TARGETS } from '../compiler/target/cpu.ts';
import { runCommand } from './commands/run.ts';
import { disasmCommand } from './commands/disasm.ts';
import { WAST_MAX_PAGES, wastCommand } from './commands/wast.ts';
import { verifyCommand } from './commands/verify.ts';
import { DEFAULT_PROVE } from '../validator/prove.ts';
import { registerProofsCommand } from './commands/proofs.ts';
import { recheckCommand, SOLVERS } from './commands/recheck.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(setCode: (code: number) => void = (c) => (process.exitCode = c)): Command {
  const program = new Command('warden')
    .description('WebAssembly to ARM Cortex-M (Thumb-2), with every compile proved by a Z3 translation validator')
    .version(pkg.version)
    .showHelpAfterError(false)
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('compile')
    .description('compile a .wat/.wasm module to a relocatable ELF object (OUT) and a C header (OUT with .h); by default every function must be proved by the validator, else nothing is written')
    .argument('<in>', 'input module (.wat text or .wasm binary)')
    .option('-o, --output <out>', 'output object file (the header goes next to it: out.o -> out.h)')
    .option('--target <cpu>', `target CPU (${Object.keys(TARGETS).join(', ')}); the same ARMv7-M code for all, the object tagged ARMv7-M (m3) or ARMv7E-M (m4, m7)`, DEFAULT_TARGET)
    .option('--prefix <p>', 'prefix for every symbol the object defines (C identifier characters)')
    .option('--no-verify', 'skip translation validation (the output is UNVERIFIED; a warning says so)')
    .option('-v, --verbose', 'print the allocation ladder rung of each function and every verdict')
    .option('--report <file.json>', 'write the proof report (JSON, warden-proof-report/1), also when validation fails')
    .option('--html <file.html>', 'write the proof report as a self-contained HTML page, also when validation fails')
    .option('--rlimit <n>', `Z3 resource limit per obligation (default ${DEFAULT_PROVE.rlimit}); an obligation not decided within it makes the function unknown`)
    .option('--smt-dir <dir>', 'write every obligation as a standalone SMT-LIB2 file into <dir> (re-check with warden recheck)')
    .addHelpText('after', `\nExit codes: 0 written (all proved, or --no-verify); 1 bad input; 2 some function refuted; 3 some function unknown (2 and 3 write nothing but the proof report).`)
    .action(async (input: string, opts) => setCode(await compileCommand(input, opts)));

  program
    .command('run')
    .description('compile in memory and call one export on qemu-system-arm (mps2-an386, Cortex-M4); prints each result as <signed decimal>:<type>, e.g. -1:i32, nothing for no result; a trap prints "trap: <kind>" on stderr')
    .argument('<in>', 'input module (.wat or .wasm)')
    .argument('[args...]', 'arguments, parsed by the export\'s parameter types (i32/i64; decimal or 0x hex; negative allowed)')
    .option('--invoke <export>', 'the exported function to call')
    .option('--timeout <seconds>', 'QEMU wall-clock limit', '10')
    .addHelpText('after', `\nThe code is not validated (nothing is written). Exit codes: 0 returned; 1 bad input; 4 trapped; 5 faulted or timed out.`)
    .action(async (input: string, args: string[], opts) => setCode(await runCommand(input, args, opts)));

  program
    .command('disasm')
    .description('disassemble an object with the spec decoder: symbols, addresses, raw bytes, $d data as words, relocations')
    .argument('<obj>', 'ELF object (.o)')
    .action((file: string) => setCode(disasmCommand(file)));

  program
    .command('wast')
    .description('run WebAssembly spec test scripts on compiled code under QEMU; ends with "N passed, N failed, N skipped"')
    .argument('<files...>', '.wast scripts')
    .option('-v, --verbose', 'per-file totals, every skip with its reason, QEMU statistics')
    .option('--max-pages <n>', 'linear memory reserved per module instance, in 64 KiB pages', String(WAST_MAX_PAGES))
    .option('--timeout <seconds>', 'QEMU wall-clock limit per module instance', '20')
    .addHelpText('after', `\nExit codes: 0 no failure; 1 some assertion failed or bad input.`)
    .action(async (files: string[], opts) => setCode(await wastCommand(files, opts)));

  program
    .command('verify')
    .description('validate an existing object against its module and print one verdict per function')
    .argument('<in>', 'the module (.wat or .wasm)')
    .argument('<obj>', 'the object compiled from it (.o)')
    .option('-v, --verbose', 'also print the assumptions the proofs rest on')
    .option('--report <file.json>', 'write the proof report (JSON, warden-proof-report/1)')
    .option('--html <file.html>', 'write the proof report as a self-contained HTML page')
    .option('--rlimit <n>', `Z3 resource limit per obligation (default ${DEFAULT_PROVE.rlimit}); an obligation not decided within it makes the function unknown`)
    .option('--smt-dir <dir>', 'write every obligation as a standalone SMT-LIB2 file into <dir> (re-check with warden recheck)')
    .addHelpText('after', `\nExit codes: 0 all proved; 1 bad input; 2 some function refuted; 3 some function unknown.`)
    .action(async (input: string, obj: string, opts) => setCode(await verifyCommand(input, obj, opts)));

  program
    .command('recheck')
    .description('re-check the SMT-LIB2 obligations a proof report lists with another solver binary; prints agreement per obligation and ends with "N passed, N failed"')
    .argument('<report>', 'a proof report written with --report and --smt-dir')
    .option('--solver <name>', `the solver binary (${SOLVERS.join(', ')})`, 'cvc5')
    .option('--timeout <seconds>', 'per-query time limit', '60')
    .option('--jobs <n>', 'solver processes run at once (the lines keep the report\'s order)', '1')
    .option('--smt-dir <dir>', 'where the SMT-LIB2 files are (default: as the report names it, relative to the report)')
    .addHelpText('after', `\nExit codes: 0 every compared obligation agrees; 1 some disagreement, solver error, missing or changed file, or bad input.`)
    .action(async (report: string, opts) => setCode(await recheckCommand(report, opts)));

  registerProofsCommand(program, setCode);

  for (const c of program.commands) c.exitOverride().showHelpAfterError(false);
  return program;
}

/** Run the CLI on `argv` (node, script, args...) and return the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed the message (or help)
    if (e instanceof UserError) {
      console.error(`warden: ${e.message}`);
      return e.exitCode;
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    console.error(`warden: internal error (a bug in warden, please report it):\n${detail}`);
    return 70;
  }
}

// Run when this file is the entry script (`tsx cli/main.ts ...`); `bin/warden.js` calls `main` itself.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main(process.argv);
