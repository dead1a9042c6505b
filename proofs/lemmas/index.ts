/** The lemma library: every lemma `warden proofs` proves. */
import type { Lemma } from './types.ts';
import { I32_LEMMAS } from './i32.ts';
import { I64_LEMMAS } from './i64.ts';
import { REWRITE_LEMMAS } from './rewrite.ts';
import { RUNTIME_LEMMAS } from '../runtime/udivmod64-proof.ts';

export const LEMMAS: readonly Lemma[] = [...I32_LEMMAS, ...I64_LEMMAS, ...REWRITE_LEMMAS, ...RUNTIME_LEMMAS];

export type { Lemma, Obligation, Theory } from './types.ts';
