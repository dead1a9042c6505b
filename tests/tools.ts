/** Whether every named command-line tool is installed (each answers `--version`). */
import { execFileSync } from 'node:child_process';

export function hasTool(...tools: string[]): boolean {
  try {
    for (const t of tools) execFileSync(t, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
