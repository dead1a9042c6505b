import { describe, expect, it } from 'vitest';
import { PROGRESS_FROM, validationProgress } from '../../cli/progress.ts';
import type { Verdict } from '../../validator/verdict.ts';

function fakeStream(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream };
}
const verdict = (func: number, kind: 'proved' | 'unknown'): Verdict =>
  kind === 'proved' ? { kind, func, symbol: `f${func}`, obligations: [], lemmas: [] } : { kind, func, symbol: `f${func}`, reason: { kind: 'spec-error', detail: 'x' }, obligations: [] };

describe('validation progress (cli/progress.ts)', () => {
  const n = PROGRESS_FROM + 2;
  const feed = (isTTY: boolean, total = n) => {
    const f = fakeStream(isTTY);
    const p = validationProgress(f.stream);
    for (let i = 0; i < total; i++) p({ done: i + 1, total, verdict: verdict(i, i === 1 ? 'unknown' : 'proved'), ms: 1500 });
    return f.out;
  };
  it('not a terminal: one plain line per function', () => {
    const out = feed(false);
    expect(out).toHaveLength(n);
    expect(out[0]).toBe(`[1/${n}] function 0: proved (1.5 s)\n`);
    expect(out[1]).toBe(`[2/${n}] function 1: unknown (1.5 s)\n`);
  });
  it('a terminal: a bar redrawn in place, cleared at the end', () => {
    const out = feed(true);
    expect(out).toHaveLength(n);
    expect(out.every((s) => s.startsWith('\r\x1b[K') && !s.includes('\n'))).toBe(true);
    expect(out[n - 2]).toMatch(new RegExp(`^\\r\\x1b\\[K\\[#+-*\\] ${n - 1}/${n} functions, 1 not proved, \\d+ s$`));
    expect(out[n - 1]).toBe('\r\x1b[K');
  });
  it('a small module: nothing', () => {
    expect(feed(false, PROGRESS_FROM - 1)).toEqual([]);
    expect(feed(true, PROGRESS_FROM - 1)).toEqual([]);
  });
});
