/**
 * The compiler's encoding of __warden_udivmod64 equals the canonical bytes
 * that proofs/runtime/udivmod64.ts publishes (and the lemma proves): a change
 * to the routine or the encoder without regenerating and re-proving fails here.
 */
import { describe, expect, it } from 'vitest';
import { UDIVMOD64_CODE, UDIVMOD64_SYMBOL } from '../../proofs/runtime/udivmod64.ts';
import { UDIVMOD64 } from '../../compiler/runtime/divmod64.ts';
import { compilerUdivmod64Bytes } from './udivmod64-gen.ts';

describe('canonical __warden_udivmod64 bytes', () => {
  it('the compiler encodes exactly the published bytes (else: npx tsx tests/proofs/udivmod64-gen.ts --write, then re-prove)', () => {
    expect(Buffer.from(compilerUdivmod64Bytes()).toString('hex')).toBe(Buffer.from(UDIVMOD64_CODE).toString('hex'));
  });

  it('names the same symbol as the compiler', () => {
    expect(UDIVMOD64_SYMBOL).toBe(UDIVMOD64);
  });
});
