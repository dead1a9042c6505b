import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileWat, differential, type Call } from './pipeline-harness.ts';

const DIR = 'examples/pressure';
const SAMPLES = [0n, 1n, 3n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x123456789abcdefn, 0xfedcba9876543210n, 0x8000000000000000n];

/** A few argument vectors per export, deterministic, mixing edge values. */
function callsFor(m: Awaited<ReturnType<typeof compileWat>>['module']): Call[] {
  const calls: Call[] = [];
  for (const e of m.exports) {
    if (e.kind !== 'func') continue;
    const params = m.types[m.funcTypeIndices[e.index]!]!.params;
    for (let k = 0; k < 6; k++) calls.push({ name: e.name, args: params.map((_, i) => SAMPLES[(k * 3 + i * 5) % SAMPLES.length]!) });
  }
  return calls;
}

describe('register pressure examples compile and agree with V8', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.wat')).sort()) {
    it(file, async () => {
      const c = await compileWat(readFileSync(`${DIR}/${file}`, 'utf8'), file);
      for (const f of c.out.functions) {
        // The rung is part of the report; a failed rung always names its reason.
        console.log(`${file} ${f.name}: rung ${f.rung}, frame ${f.frame.size} B, saved [${f.frame.saved}]${f.ladderLog.map((l) => `; ${l.rung} failed: ${l.failure}`).join('')}`);
        for (const l of f.ladderLog) expect(l.failure.length).toBeGreaterThan(0);
      }
      const rows = await differential(c, callsFor(c.module));
      expect(rows.filter((r) => r.arm !== r.v8)).toEqual([]);
      expect(rows.length).toBeGreaterThan(0);
    });
  }

  it('deep50 and live12 need spilling: the default rung fails with a named reason and the spill rung compiles them', async () => {
    for (const file of ['deep50.wat', 'live12.wat']) {
      const c = await compileWat(readFileSync(`${DIR}/${file}`, 'utf8'), file);
      const f = c.out.functions[0]!;
      expect(f.rung).toBe('spill');
      expect(f.ladderLog[0]!.rung).toBe('default');
      expect(f.ladderLog[0]!.failure).toMatch(/register pressure/);
      expect(f.frame.size).toBeGreaterThan(0);
    }
  });
});
