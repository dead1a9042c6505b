/**
 * `npx tsx tests/suite/z3-heap.ts FILE.wast...`: Z3's memory as the validator works through the
 * modules of spec scripts in one process (compiled as `warden wast` does). One line per module:
 * functions validated so far, bytes Z3 holds (its allocator's count), the process RSS and time.
 * A measurement of validator/context.ts, not a test.
 */
import { z3AllocatedBytes } from '../../spec/bv/z3.ts';
import { wabtTextToBinary } from '../../compiler/frontend/index.ts';
import { moduleKey, proveModule, scriptModules } from './modules.ts';

const textToBinary = await wabtTextToBinary();
const MiB = 2 ** 20;
let fns = 0;
const t0 = Date.now();
for (const f of process.argv.slice(2)) {
  for (const ref of scriptModules(f)) {
    let compiled = false;
    await proveModule(ref, { textToBinary, onModule: (m) => (compiled = m.kind === 'compiled'), onFunction: () => fns++ });
    if (!compiled) continue;
    const z3 = await z3AllocatedBytes();
    console.log(`${moduleKey(ref)}: ${fns} functions, Z3 ${(z3 / MiB).toFixed(1)} MiB, rss ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
process.exit(0);
