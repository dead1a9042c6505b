/**
 * The `warden` command line. Each command lives in `cli/commands/`; this
 * file wires them up and turns errors into one-line messages with an exit
 * code (never a stack trace for bad input).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('warden')
    .description('WebAssembly to ARM Cortex-M (Thumb-2), with every compile proved by a Z3 translation validator')
    .version(pkg.version)
    .showHelpAfterError(false)
    .exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
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

process.exitCode = await main(process.argv);
