/**
 * Validation for the fuzz campaign, out of process: validateObject runs in
 * a child process (validate-worker.ts), so a Z3 crash, an abort or Z3's
 * wasm heap growing over hundreds of modules can only cost the module being
 * validated, never the campaign. A child is replaced after it dies, after
 * a wall-clock limit (a hang), and every RECYCLE validations; the pool runs
 * up to `jobs` of them at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Verdict } from '../../validator/verdict.ts';

/** One function's verdict, reduced to what the campaign prints and groups. */
export interface FnVerdict {
  func: number;
  kind: 'proved' | 'refuted' | 'unknown';
  /** unknown: the reason's group (numbers and addresses stripped), for the tallies. */
  group?: string;
  /** unknown: the reason in full; refuted: the obligation, the replay and the counterexample. */
  detail?: string;
}

/** What validating one module gave: a verdict per function, or the validator process died or hung. */
export type ModuleVerdicts = { ok: true; functions: FnVerdict[] } | { ok: false; why: string };

const norm = (s: string) => s.replace(/0x[0-9a-f]+/gi, 'X').replace(/\d+/g, 'N');

export function summarize(v: Verdict): FnVerdict {
  if (v.kind === 'proved') return { func: v.func, kind: 'proved' };
  if (v.kind === 'refuted') {
    const r = v.counterexample.replay;
    const values = Object.entries(v.counterexample.values)
      .slice(0, 24)
      .map(([k, x]) => `${k}=${x}`)
      .join(' ');
    return { func: v.func, kind: 'refuted', detail: `${v.obligation.name}; replay ${r.kind}${'detail' in r ? `: ${r.detail}` : ''}; counterexample ${values}` };
  }
  const r = v.reason;
  const at = v.address !== undefined ? ` at 0x${v.address.toString(16)}` : '';
  if (r.kind === 'solver') {
    // The obligation's last clause ("linear memory", "same successor", ...) says what Z3 could not decide.
    const what = r.obligation.split(': ').slice(1).join(': ');
    return { func: v.func, kind: 'unknown', group: `solver: ${r.detail} on ${norm(what)}`, detail: `solver: ${r.obligation}: ${r.detail}${at}` };
  }
  const detail = 'detail' in r ? r.detail : '';
  return { func: v.func, kind: 'unknown', group: `${r.kind}: ${norm(detail)}`, detail: `${r.kind}: ${detail}${at}` };
}

const WORKER = fileURLToPath(new URL('./validate-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Validations per child process before it is replaced (bounds Z3's heap). */
const RECYCLE = 40;

/** One child process and how many modules it has validated. */
interface Slot {
  child: ChildProcess | undefined;
  done: number;
  busy: boolean;
}

/**
 * Up to `jobs` child processes, each validating one module at a time; a
 * validation asked for while all are busy waits for the first to be free.
 */
export class ValidatorPool {
  private readonly slots: Slot[];
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;

  constructor(
    private readonly rlimit: number,
    jobs = 1,
    /** Wall-clock limit per module (the rlimit bounds each query; this bounds a hang). */
    private readonly timeoutMs = 300_000,
  ) {
    this.slots = Array.from({ length: Math.max(1, jobs) }, () => ({ child: undefined, done: 0, busy: false }));
  }

  private spawn(): ChildProcess {
    const c = fork(WORKER, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    c.stderr?.resume();
    return c;
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  /**
   * Validate at the pool's rlimit, or at `rlimit` (the campaign's second look at the product's default),
   * every function or those in `functions`.
   */
  async validate(wasm: Uint8Array, object: Uint8Array, rlimit = this.rlimit, functions?: number[]): Promise<ModuleVerdicts> {
    const slot = await this.acquire();
    try {
      return await this.run(slot, wasm, object, rlimit, functions);
    } finally {
      this.release(slot);
    }
  }

  private run(slot: Slot, wasm: Uint8Array, object: Uint8Array, rlimit: number, functions?: number[]): Promise<ModuleVerdicts> {
    if (!slot.child || slot.done >= RECYCLE) {
      stop(slot.child);
      slot.child = this.spawn();
      slot.done = 0;
    }
    const child = slot.child;
    const id = this.nextId++;
    slot.done++;
    return new Promise((resolve) => {
      let stderr = '';
      const onErr = (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000));
      const finish = (r: ModuleVerdicts, kill: boolean) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.stderr?.off('data', onErr);
        if (kill) {
          child.kill('SIGKILL');
          if (slot.child === child) slot.child = undefined;
        }
        resolve(r);
      };
      const onMessage = (m: { id: number; functions: FnVerdict[] }) => {
        if (m.id === id) finish({ ok: true, functions: m.functions }, false);
      };
      const onExit = (code: number | null, signal: string | null) => {
        if (slot.child === child) slot.child = undefined;
        const line = stderr.split('\n').find((l) => /Error|Abort|abort|memory/.test(l));
        finish({ ok: false, why: `validator process died (${signal ?? `exit ${code}`})${line ? `: ${line.trim().slice(0, 200)}` : ''}` }, false);
      };
      // The wall-clock limit grows with the rlimit (a module at 50M may take minutes without hanging).
      const timeoutMs = this.timeoutMs * Math.max(1, rlimit / this.rlimit / 5);
      const timer = setTimeout(() => finish({ ok: false, why: `validator process hung (no verdict after ${timeoutMs / 1000} s)` }, true), timeoutMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.stderr?.on('data', onErr);
      child.send({ id, wasm, object, rlimit, ...(functions ? { functions } : {}) });
    });
  }

  /** Stop the child processes (the campaign's end). */
  close(): void {
    for (const s of this.slots) {
      stop(s.child);
      s.child = undefined;
    }
  }
}

function stop(child: ChildProcess | undefined): void {
  if (child) {
    if (child.connected) child.disconnect();
    child.kill();
  }
}
