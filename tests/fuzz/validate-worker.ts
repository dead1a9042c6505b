/**
 * Child process of ValidatorPool (verdicts.ts): validates one compiled
 * module per message and answers with the per-function verdicts.
 */
import { validateObject } from '../../validator/validate.ts';
import { summarize } from './verdicts.ts';

process.on('message', (m: { id: number; wasm: Uint8Array; object: Uint8Array; rlimit: number; functions?: number[] }) => {
  void (async () => {
    try {
      const report = await validateObject(m.wasm, m.object, { rlimit: m.rlimit, ...(m.functions ? { functions: m.functions } : {}) });
      process.send!({ id: m.id, functions: report.verdicts.map(summarize) });
    } catch (e) {
      // validateObject turns what it meets into verdicts; an exception is a validator bug, reported as such.
      const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      process.send!({ id: m.id, functions: [{ func: -1, kind: 'unknown', group: `validateObject threw: ${detail.slice(0, 80)}`, detail }] });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
