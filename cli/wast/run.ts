/**
 * Runs a parsed `.wast` script against an engine: the compiled code on QEMU
 * (`warden wast`), or the spec's reference interpreter (tests). Actions on
 * one module instance are batched, in script order, into one `run` call, so
 * an engine that starts an emulator pays for it once per module.
 *
 * Every assertion ends passed, failed or skipped; a skip always names its
 * reason (an unsupported feature), never silently drops an assertion.
 */
import type { TrapKind } from '../../spec/abi/traps.ts';
import { parseWast, type ModuleSource, type WastAction, type WastCommand, type WastValue } from './script.ts';

export type IntValue = { type: 'i32' | 'i64'; value: bigint };

export type EngineCall = { kind: 'invoke'; name: string; args: IntValue[] } | { kind: 'get'; name: string };

export type CallOutcome =
  /** Result bits, each normalised to an unsigned value of its type's width. */
  | { kind: 'values'; values: IntValue[] }
  | { kind: 'trap'; trap: TrapKind }
  | { kind: 'unsupported'; reason: string }
  | { kind: 'error'; message: string };

export type LoadOutcome<I> =
  | { kind: 'ok'; instance: I }
  | { kind: 'unsupported'; reason: string }
  /** Rejected as malformed or invalid. */
  | { kind: 'rejected'; message: string }
  /** Instantiation trapped (start function, segment out of bounds). */
  | { kind: 'trap'; trap: TrapKind }
  /** The engine failed on a valid module (e.g. a compiler error): always a failure, never a rejection. */
  | { kind: 'error'; message: string };

export interface WastEngine<I> {
  load(bytes: Uint8Array, label: string): Promise<LoadOutcome<I>>;
  /** Run the calls in order on one instance; state persists from one call to the next. */
  run(instance: I, calls: EngineCall[]): Promise<CallOutcome[]>;
}

/** Text to binary (wabt); throws with wabt's `file:line:col` message when the text is malformed or invalid. */
export type TextToBinary = (text: string, label: string) => Uint8Array;

export type Verdict = { kind: 'passed' } | { kind: 'failed'; message: string } | { kind: 'skipped'; reason: string };

export type AssertionResult = { file: string; line: number } & Verdict;

export interface WastTotals {
  passed: number;
  failed: number;
  skipped: number;
  results: AssertionResult[];
}

const TRAP_MESSAGES: [prefix: string, trap: TrapKind][] = [
  ['unreachable', 'unreachable'],
  ['integer divide by zero', 'integer divide by zero'],
  ['integer overflow', 'integer overflow'],
  ['out of bounds memory access', 'out of bounds memory access'],
  ['undefined element', 'undefined element'],
  ['uninitialized element', 'uninitialized element'],
  ['indirect call type mismatch', 'indirect call type mismatch'],
  ['call stack exhausted', 'call stack exhausted'],
];

/** The trap kind a script's message names, if it is one of ours. */
export function trapOfMessage(message: string): TrapKind | undefined {
  return TRAP_MESSAGES.find(([p]) => message.startsWith(p))?.[1];
}

function intValue(v: WastValue): IntValue | { unsupported: string } {
  if (v.type === 'i32') return { type: 'i32', value: BigInt.asUintN(32, BigInt(v.value)) };
  if (v.type === 'i64') return { type: 'i64', value: BigInt.asUintN(64, v.value) };
  return { unsupported: `${v.valueType} values ${v.text}` };
}

const show = (vs: IntValue[]) => `[${vs.map((v) => `${v.type}:${BigInt.asIntN(v.type === 'i32' ? 32 : 64, v.value)}`).join(', ')}]`;
const showOutcome = (o: CallOutcome) => (o.kind === 'values' ? show(o.values) : o.kind === 'trap' ? `trap: ${o.trap}` : `${o.kind}: ${o.kind === 'unsupported' ? o.reason : o.message}`);

interface Pending {
  line: number;
  call: EngineCall;
  judge: (o: CallOutcome) => Verdict;
}

export async function runWast<I>(src: string, file: string, engine: WastEngine<I>, textToBinary: TextToBinary): Promise<WastTotals> {
  const results: AssertionResult[] = [];
  const record = (line: number, r: Verdict) => results.push({ file, line, ...r });

  type Slot = { load: LoadOutcome<I>; pending: Pending[] };
  const named = new Map<string, Slot>();
  let current: Slot | undefined;
  const batches: Slot[] = [];

  const toBytes = (source: ModuleSource, label: string): Uint8Array => (source.kind === 'binary' ? source.bytes : textToBinary(source.text, label));

  const loadModule = async (source: ModuleSource, line: number): Promise<LoadOutcome<I>> => {
    let bytes: Uint8Array;
    try {
      bytes = toBytes(source, `${file}:${line}`);
    } catch (e) {
      return { kind: 'rejected', message: e instanceof Error ? e.message : String(e) };
    }
    return engine.load(bytes, `${file}:${line}`);
  };

  const enqueue = (line: number, action: WastAction, judge: Pending['judge']) => {
    const slot = action.module ? named.get(action.module) : current;
    if (!slot) return record(line, { kind: 'failed', message: `no module ${action.module ?? '(current)'} to run ${action.name} on` });
    if (slot.load.kind !== 'ok') {
      const why =
        slot.load.kind === 'unsupported'
          ? slot.load.reason
          : slot.load.kind === 'trap'
            ? `module trapped at instantiation (${slot.load.trap})`
            : slot.load.kind === 'error'
              ? `module failed to load (${slot.load.message})`
              : `module rejected: ${slot.load.message}`;
      return slot.load.kind === 'unsupported' ? record(line, { kind: 'skipped', reason: why }) : record(line, { kind: 'failed', message: why });
    }
    let call: EngineCall;
    if (action.kind === 'get') call = { kind: 'get', name: action.name };
    else {
      const args: IntValue[] = [];
      for (const a of action.args) {
        const v = intValue(a);
        if ('unsupported' in v) return record(line, { kind: 'skipped', reason: v.unsupported });
        args.push(v);
      }
      call = { kind: 'invoke', name: action.name, args };
    }
    slot.pending.push({ line, call, judge });
  };

  for (const cmd of parseWast(src, file) as WastCommand[]) {
    switch (cmd.kind) {
      case 'module': {
        const slot: Slot = { load: await loadModule(cmd.source, cmd.line), pending: [] };
        if (slot.load.kind === 'rejected') record(cmd.line, { kind: 'failed', message: `module rejected: ${slot.load.message}` });
        if (slot.load.kind === 'trap') record(cmd.line, { kind: 'failed', message: `module trapped at instantiation: ${slot.load.trap}` });
        if (slot.load.kind === 'error') record(cmd.line, { kind: 'failed', message: slot.load.message });
        current = slot;
        if (cmd.name) named.set(cmd.name, slot);
        batches.push(slot);
        break;
      }
      case 'register':
        // Registration only matters to modules that import from it; those are skipped as linking.
        if (cmd.module) named.set(cmd.as, named.get(cmd.module)!);
        break;
      case 'action':
        enqueue(cmd.line, cmd.action, (o) => (o.kind === 'values' ? { kind: 'passed' } : unexpected(o)));
        break;
      case 'assert_return': {
        const expected: IntValue[] = [];
        let skip: string | undefined;
        for (const e of cmd.expected) {
          const v = intValue(e);
          if ('unsupported' in v) skip ??= v.unsupported;
          else expected.push(v);
        }
        if (skip) {
          record(cmd.line, { kind: 'skipped', reason: skip });
          break;
        }
        enqueue(cmd.line, cmd.action, (o) => {
          if (o.kind !== 'values') return unexpected(o);
          const same = o.values.length === expected.length && o.values.every((v, i) => v.type === expected[i]!.type && v.value === expected[i]!.value);
          return same ? { kind: 'passed' } : { kind: 'failed', message: `expected ${show(expected)}, got ${show(o.values)}` };
        });
        break;
      }
      case 'assert_trap':
      case 'assert_exhaustion': {
        const want = trapOfMessage(cmd.message);
        if (!want) {
          record(cmd.line, { kind: 'skipped', reason: `trap "${cmd.message}" (floating point)` });
          break;
        }
        enqueue(cmd.line, cmd.action, (o) => (o.kind === 'trap' && o.trap === want ? { kind: 'passed' } : o.kind === 'unsupported' ? unexpected(o) : { kind: 'failed', message: `expected trap: ${want}, got ${showOutcome(o)}` }));
        break;
      }
      case 'assert_trap_module': {
        const want = trapOfMessage(cmd.message);
        const load = await loadModule(cmd.source, cmd.line);
        if (load.kind === 'unsupported') record(cmd.line, { kind: 'skipped', reason: load.reason });
        else if (load.kind === 'trap' && load.trap === want) record(cmd.line, { kind: 'passed' });
        else record(cmd.line, { kind: 'failed', message: `expected instantiation trap: ${cmd.message}, got ${load.kind === 'error' ? `error: ${load.message}` : load.kind}` });
        break;
      }
      case 'assert_invalid':
      case 'assert_malformed': {
        const load = await loadModule(cmd.source, cmd.line);
        if (load.kind === 'rejected') record(cmd.line, { kind: 'passed' });
        else if (load.kind === 'unsupported') record(cmd.line, { kind: 'passed' }); // refused either way; nothing compiled
        else if (load.kind === 'error') record(cmd.line, { kind: 'failed', message: `${cmd.kind}: expected rejection (${cmd.message}), got an engine error: ${load.message}` });
        else record(cmd.line, { kind: 'failed', message: `${cmd.kind}: module was accepted, expected rejection (${cmd.message})` });
        break;
      }
      case 'assert_unlinkable':
        record(cmd.line, { kind: 'skipped', reason: 'linking several modules (assert_unlinkable)' });
        break;
    }
  }

  for (const slot of batches) {
    if (slot.load.kind !== 'ok' || slot.pending.length === 0) continue;
    const outcomes = await engine.run(slot.load.instance, slot.pending.map((p) => p.call));
    slot.pending.forEach((p, i) => {
      const o = outcomes[i] ?? { kind: 'error', message: 'the engine returned no outcome for this call' };
      record(p.line, p.judge(o));
    });
  }

  results.sort((a, b) => a.line - b.line);
  return {
    passed: results.filter((r) => r.kind === 'passed').length,
    failed: results.filter((r) => r.kind === 'failed').length,
    skipped: results.filter((r) => r.kind === 'skipped').length,
    results,
  };
}

function unexpected(o: CallOutcome): Verdict {
  if (o.kind === 'unsupported') return { kind: 'skipped', reason: o.reason };
  return { kind: 'failed', message: `unexpected ${showOutcome(o)}` };
}
