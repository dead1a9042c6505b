/**
 * Run `work` on every item with at most `jobs` calls in flight, and hand
 * each result to `emit` in item order, as soon as it and every earlier one
 * are done: what `emit` prints and counts does not depend on `jobs`.
 */
export async function inOrder<I, R>(items: readonly I[], jobs: number, work: (item: I) => Promise<R>, emit: (item: I, result: R) => void): Promise<void> {
  const done = new Map<number, R>();
  let next = 0;
  let emitted = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      done.set(k, await work(items[k]!));
      for (; done.has(emitted); emitted++) {
        const r = done.get(emitted)!;
        done.delete(emitted);
        emit(items[emitted]!, r);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, lane));
}
