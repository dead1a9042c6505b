/**
 * AAPCS (the ARM procedure call standard, base variant, soft-float) as the
 * contract both the compiler and the validator meet, for the value types of
 * the supported subset.
 *
 * - Params: core registers r0-r3 in order; an i64 takes an even-aligned
 *   register pair (low word in the even register). Once a param goes to the
 *   stack, every later param does too (no back-filling). Stack params are
 *   laid out upwards from the caller's SP at the call, 4-byte aligned, i64
 *   8-byte aligned.
 * - Results: i32 in r0, i64 in r0 (low) : r1 (high). Several results are a
 *   warden convention (`resultLocations`): laid out like params in r0-r3.
 * - Preserved by the callee: r4-r11 and SP. Clobbered by a call: r0-r3, r12,
 *   LR and the flags (N, Z, C, V).
 * - SP is 8-byte aligned at every public call boundary.
 */

export type IntType = 'i32' | 'i64';

export type ArgLocation =
  | { kind: 'reg'; reg: number }
  /** An i64 in two registers: `lo` is even, `hi` = `lo` + 1. */
  | { kind: 'regPair'; lo: number; hi: number }
  /** Byte offset from SP at the call instruction (= SP at callee entry). */
  | { kind: 'stack'; offset: number; size: 4 | 8 };

export const PARAM_REGS = [0, 1, 2, 3] as const;
export const CALLEE_SAVED = [4, 5, 6, 7, 8, 9, 10, 11] as const;
export const CALLER_SAVED = [0, 1, 2, 3, 12, 14] as const;
export const STACK_ALIGN = 8;

export interface CallLayout {
  params: ArgLocation[];
  /** Bytes of stack the caller reserves for outgoing params (a multiple of 8). */
  stackBytes: number;
}

export function paramLocations(params: readonly IntType[]): CallLayout {
  let ncrn = 0;
  let nsaa = 0;
  const out: ArgLocation[] = [];
  for (const t of params) {
    if (t === 'i32') {
      if (ncrn < 4) out.push({ kind: 'reg', reg: ncrn++ });
      else {
        out.push({ kind: 'stack', offset: nsaa, size: 4 });
        nsaa += 4;
      }
    } else {
      if (ncrn % 2 === 1) ncrn++;
      if (ncrn + 2 <= 4) {
        out.push({ kind: 'regPair', lo: ncrn, hi: ncrn + 1 });
        ncrn += 2;
      } else {
        ncrn = 4;
        nsaa = align(nsaa, 8);
        out.push({ kind: 'stack', offset: nsaa, size: 8 });
        nsaa += 8;
      }
    }
  }
  return { params: out, stackBytes: align(nsaa, STACK_ALIGN) };
}

/** Where one result lives: r0, or an even-aligned pair (low word in the even register). */
export type ResultLocation = { kind: 'reg'; reg: number } | { kind: 'regPair'; lo: number; hi: number };

/**
 * Where a function's results live. One result is plain AAPCS (r0, or r0:r1
 * for an i64). Several results (WASM multi-value) follow warden's own
 * convention, not AAPCS: they are laid out exactly like parameters in r0-r3,
 * which every call already clobbers, so callers need no result area. Such
 * functions cannot be called from C (AAPCS would return a struct through a
 * hidden pointer). Results needing more than r0-r3 are unsupported.
 */
export function resultLocations(results: readonly IntType[]): { ok: true; locs: ResultLocation[] } | { ok: false; reason: string } {
  const locs: ResultLocation[] = [];
  for (const l of paramLocations(results).params) {
    if (l.kind === 'stack') return { ok: false, reason: `${results.length} results (${results.join(', ')}) need more than r0-r3` };
    locs.push(l);
  }
  return { ok: true, locs };
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
