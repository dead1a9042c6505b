/**
 * Validation progress on stderr for modules with many functions: a bar
 * redrawn in place when stderr is a terminal, one plain line per function
 * otherwise (CI logs, pipes). A small module validates quickly and says
 * nothing until its verdicts.
 */
import type { ValidateProgress } from '../validator/validate.ts';

const WIDTH = 30;
/** From this many functions on, validation shows its progress. */
export const PROGRESS_FROM = 8;

export function validationProgress(stream: NodeJS.WriteStream = process.stderr): (p: ValidateProgress) => void {
  const started = Date.now();
  let notProved = 0;
  return (p) => {
    if (p.total < PROGRESS_FROM) return;
    if (p.verdict.kind !== 'proved') notProved++;
    if (!stream.isTTY) {
      stream.write(`[${p.done}/${p.total}] function ${p.verdict.func}: ${p.verdict.kind} (${(p.ms / 1000).toFixed(1)} s)\n`);
      return;
    }
    const filled = Math.round((WIDTH * p.done) / p.total);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    // \r and erase-line: the bar overwrites itself; cleared when done so the verdict lines start clean.
    stream.write(p.done < p.total ? `\r\x1b[K[${bar}] ${p.done}/${p.total} functions, ${notProved} not proved, ${secs} s` : '\r\x1b[K');
  };
}
