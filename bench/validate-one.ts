/**
 * Child process of `npm run bench`: validate one warden object against its
 * WASM with `validateObject`, print one JSON line
 * {ms, verdicts: {proved, refuted, unknown}, reasons}. Run in its own process
 * so a slow or failing validator is bounded by the parent's timeout.
 */
import { readFileSync } from 'node:fs';
import { validateObject } from '../validator/validate.ts';

const [wasmPath, objPath] = process.argv.slice(2);
if (!wasmPath || !objPath) throw new Error('usage: validate-one.ts <module.wasm> <object.o>');
const wasm = new Uint8Array(readFileSync(wasmPath));
const obj = new Uint8Array(readFileSync(objPath));
const t0 = performance.now();
const report = await validateObject(wasm, obj);
const ms = performance.now() - t0;
const count = { proved: 0, refuted: 0, unknown: 0 };
const reasons: string[] = [];
for (const v of report.verdicts) {
  count[v.kind]++;
  if (v.kind === 'unknown') reasons.push(`${v.symbol || v.func}: ${v.reason.kind}`);
  if (v.kind === 'refuted') reasons.push(`${v.symbol}: refuted ${v.obligation.name}`);
}
process.stdout.write(`${JSON.stringify({ ms, verdicts: count, reasons: reasons.slice(0, 5) })}\n`);
process.exit(0);
