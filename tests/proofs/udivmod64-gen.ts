/**
 * Encodes compiler/runtime/divmod64.ts with the compiler's encoder and prints
 * the bytes as hex; with --write, replaces the generated block of
 * proofs/runtime/udivmod64.ts. Run: npx tsx tests/proofs/udivmod64-gen.ts [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeFunction } from '../../compiler/target/encode.ts';
import { udivmod64 } from '../../compiler/runtime/divmod64.ts';

/** The routine as compile.ts emits it; the routine must be position-independent data-free code. */
export function compilerUdivmod64Bytes(): Uint8Array {
  const e = encodeFunction(udivmod64());
  if (e.relocations.length > 0 || e.dataRanges.length > 0) throw new Error('udivmod64-gen: the routine must have no relocations and no literal pools');
  return e.bytes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const hex = Buffer.from(compilerUdivmod64Bytes()).toString('hex');
  if (process.argv.includes('--write')) {
    const file = fileURLToPath(new URL('../../proofs/runtime/udivmod64.ts', import.meta.url));
    const text = readFileSync(file, 'utf8');
    const out = text.replace(/(\/\/ GENERATED[^\n]*\nconst HEX =\n  ')[0-9a-f]*(';)/, `$1${hex}$2`);
    if (out === text && !text.includes(hex)) throw new Error(`udivmod64-gen: generated block not found in ${file}`);
    writeFileSync(file, out);
    console.log(`wrote ${hex.length / 2} bytes to ${file}`);
  } else console.log(hex);
}
