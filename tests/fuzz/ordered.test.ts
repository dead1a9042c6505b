import { describe, expect, it } from 'vitest';
import { inOrder } from './ordered.ts';

/** Work items finished by hand, in a chosen order, to see what inOrder emits and how many run at once. */
async function scenario(jobs: number, finishOrder: number[]): Promise<{ emitted: string[]; maxInFlight: number }> {
  const items = [0, 1, 2, 3, 4, 5];
  const pending = new Map<number, () => void>();
  const emitted: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = inOrder(
    items,
    jobs,
    (i) =>
      new Promise<string>((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        pending.set(i, () => {
          inFlight--;
          resolve(`r${i}`);
        });
      }),
    (i, r) => emitted.push(`${i}:${r}`),
  );
  const order = [...finishOrder];
  while (order.length) {
    await new Promise((r) => setImmediate(r)); // let the lanes start what they can
    const k = order.findIndex((i) => pending.has(i));
    if (k < 0) throw new Error(`none of ${order} is running`);
    const [i] = order.splice(k, 1);
    pending.get(i!)!();
    pending.delete(i!);
  }
  await run;
  return { emitted, maxInFlight };
}

describe('fuzz: inOrder (the campaign with --jobs)', () => {
  const inSequence = ['0:r0', '1:r1', '2:r2', '3:r3', '4:r4', '5:r5'];

  it('emits results in item order whatever order the work finishes in', async () => {
    for (const finish of [[0, 1, 2, 3, 4, 5], [2, 1, 0, 5, 4, 3], [1, 3, 0, 2, 5, 4]]) {
      const r = await scenario(3, finish);
      expect(r.emitted).toEqual(inSequence);
      expect(r.maxInFlight).toBe(3);
    }
  });

  it('runs one at a time with jobs 1, and never more than there are items', async () => {
    expect(await scenario(1, [0, 1, 2, 3, 4, 5])).toEqual({ emitted: inSequence, maxInFlight: 1 });
    expect(await scenario(10, [5, 4, 3, 2, 1, 0])).toEqual({ emitted: inSequence, maxInFlight: 6 });
  });

  it('emits an item as soon as it and every earlier one are done', async () => {
    const seen: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const run = inOrder([0, 1, 2], 2, async (i) => (i === 0 ? gate.then(() => i) : i), (i) => seen.push(i));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]); // 1 (and then 2) finished, but 0 has not
    release();
    await run;
    expect(seen).toEqual([0, 1, 2]);
  });
});
