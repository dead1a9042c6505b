/** The lemma library: every lemma `warden proofs` proves. */
import type { Lemma } from './types.ts';
import { I32_LEMMAS } from './i32.ts';

export const LEMMAS: readonly Lemma[] = [...I32_LEMMAS];

export type { Lemma, Obligation, Theory } from './types.ts';
