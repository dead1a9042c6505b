/**
 * Test harness for the validator on real compiler output (harness.ts builds
 * objects without the compiler): compile a `.wat` text and validate it.
 */
import { compileModule } from '../../compiler/compile.ts';
import { loadWat } from '../../compiler/frontend/index.ts';
import { validateObject } from '../../validator/validate.ts';
import type { ValidationReport } from '../../validator/verdict.ts';

export async function compiledVerdicts(wat: string): Promise<ValidationReport> {
  const fe = await loadWat(wat);
  if (!fe.ok) throw new Error(`does not load: ${wat}`);
  const c = compileModule(fe.module);
  if (!c.ok) throw new Error(`does not compile: ${wat}`);
  return validateObject(fe.bytes, c.output.object);
}
