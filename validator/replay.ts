/**
 * Replay of a counterexample on the two concrete interpreters
 * (spec/wasm/interp.ts and spec/arm/interp.ts): the same params, run from
 * the function's entry on both sides, then compare results / trap codes.
 *
 * Only refutations found in the entry region of a function that needs no
 * link-time state (no relocations in its code, no imports called, memory
 * left at its initial contents) can be replayed from the entry: everything
 * else is `not-applicable`, with the reason. A replay that finds no
 * difference is `not-reproduced`: the refutation then comes from a hint
 * (a cut point map) or from the abstraction (e.g. a call's havoc), not from
 * a behaviour the two programs really differ on.
 */
import { paramLocations } from '../spec/abi/aapcs.ts';
import { trapCode } from '../spec/abi/traps.ts';
import { SparseMemory } from '../spec/bv/concrete.ts';
import { runThumb } from '../spec/arm/interp.ts';
import type { Module } from '../spec/wasm/ast.ts';
import { instantiate } from '../spec/wasm/interp.ts';
import type { Counterexample } from './verdict.ts';
import type { IntType } from './wasm-flat.ts';

export interface ReplayInput {
  module: Module;
  func: number;
  params: IntType[];
  results: IntType[];
  /** Name of the refuted obligation (only `entry -> ...` ones replay from the entry). */
  obligation: string;
  values: Record<string, string>;
  /** The code section's bytes (addresses are section offsets) and the function's range. */
  text: Uint8Array;
  start: number;
  end: number;
  relocated: boolean;
}

const STACK_TOP = 0x2010_0000;
const RETURN = 0x0fff_fff0;

/** Parse a Z3 numeral (`#x..`, `#b..`, decimal, or the validator's `0x..`). */
export function z3Value(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (text.startsWith('#x')) return BigInt(`0x${text.slice(2)}`);
  if (text.startsWith('#b')) return BigInt(`0b${text.slice(2)}`);
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return BigInt(text);
  return undefined;
}

export function replayEntry(inp: ReplayInput): Counterexample['replay'] {
  if (!inp.obligation.startsWith('entry ->')) return { kind: 'not-applicable', detail: 'the refuted region starts at a cut point, not at the entry' };
  if (inp.relocated) return { kind: 'not-applicable', detail: 'the function has relocations (link-time state or calls)' };
  if (inp.module.imports.length > 0) return { kind: 'not-applicable', detail: 'the module has imports' };
  const args: bigint[] = [];
  for (let i = 0; i < inp.params.length; i++) {
    const v = z3Value(inp.values[`param ${i}`]);
    if (v === undefined) return { kind: 'not-applicable', detail: `no model value for param ${i}` };
    args.push(v);
  }
  // WASM side.
  let wasm: { kind: 'values'; values: bigint[] } | { kind: 'trap'; code: number };
  try {
    const r = instantiate(inp.module).callFunction(inp.func, args);
    if (r.kind === 'exhausted') return { kind: 'not-applicable', detail: 'the WASM run did not finish' };
    wasm = r.kind === 'trap' ? { kind: 'trap', code: trapCode(r.trap) } : { kind: 'values', values: r.values.map((v) => v.v) };
  } catch (e) {
    return { kind: 'not-applicable', detail: `WASM interpreter: ${e instanceof Error ? e.message : String(e)}` };
  }
  // ARM side: AAPCS params, a fresh stack, a return address outside the code.
  const r = Array.from({ length: 15 }, () => 0);
  const mem = new SparseMemory();
  for (let k = 4; k <= 11; k++) r[k] = 0x5a5a_0000 + k;
  r[13] = STACK_TOP;
  r[14] = RETURN | 1;
  paramLocations(inp.params).params.forEach((loc, i) => {
    const v = args[i]!;
    if (loc.kind === 'reg') r[loc.reg] = Number(BigInt.asUintN(32, v));
    else if (loc.kind === 'regPair') {
      r[loc.lo] = Number(BigInt.asUintN(32, v));
      r[loc.hi] = Number(BigInt.asUintN(32, v >> 32n));
    } else for (let b = 0; b < loc.size; b++) mem.write(STACK_TOP + loc.offset + b, Number((v >> BigInt(8 * b)) & 0xffn));
  });
  const code = { bytes: inp.text.subarray(0, inp.end), base: 0 };
  const out = runThumb({ r, n: false, z: false, c: false, v: false, mem }, code, { start: inp.start, stopAt: (pc) => pc === RETURN, maxSteps: 1_000_000 });
  let arm: string;
  let same: boolean;
  if (out.kind === 'stopped') {
    const got = inp.results.length === 0 ? [] : inp.results[0] === 'i32' ? [BigInt(r[0]! >>> 0)] : [(BigInt(r[1]! >>> 0) << 32n) | BigInt(r[0]! >>> 0)];
    const clobbered = [4, 5, 6, 7, 8, 9, 10, 11].filter((k) => r[k] !== 0x5a5a_0000 + k);
    arm = `returned ${got.map((g) => `0x${g.toString(16)}`).join(', ') || 'nothing'}${r[13] === STACK_TOP ? '' : ', sp NOT restored'}${clobbered.length ? `, ${clobbered.map((k) => `r${k}`).join(' ')} NOT preserved` : ''}`;
    same =
      wasm.kind === 'values' &&
      got.length === wasm.values.length &&
      got.every((g, i) => g === BigInt.asUintN(inp.results[i] === 'i32' ? 32 : 64, wasm.values[i]!)) &&
      r[13] === STACK_TOP &&
      clobbered.length === 0;
  } else if (out.kind === 'udf') {
    arm = `udf #${out.imm} at 0x${out.pc.toString(16)}`;
    same = wasm.kind === 'trap' && wasm.code === out.imm;
  } else {
    return { kind: 'not-applicable', detail: `ARM interpreter: ${out.kind} at 0x${out.pc.toString(16)}` };
  }
  const w = wasm.kind === 'trap' ? `trap code ${wasm.code}` : `returned ${wasm.values.map((v) => `0x${BigInt.asUintN(64, v).toString(16)}`).join(', ') || 'nothing'}`;
  const detail = `params ${args.map((a) => `0x${BigInt.asUintN(64, a).toString(16)}`).join(', ')}: WASM ${w}; ARM ${arm}`;
  return same ? { kind: 'not-reproduced', detail } : { kind: 'confirmed', detail };
}
