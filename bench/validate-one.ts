/**
 * Child process of `npm run bench`: validate one warden object against its
 * WASM with `validateObject`. Run in its own process so a slow validator is
 * bounded by the parent's timeout without losing what was measured before it.
 *
 * Prints JSON lines as it goes, so a timed-out run still tells how far it got:
 *   {"functions": [{symbol, bytes}]}    the functions in the order they are validated
 *   {"init": {wallMs, cpuMs, startedAt}} Z3 start-up (excluded from the figures below);
 *                                       startedAt (Date.now()) is when validateObject was called
 *   {"fn": FnFigures}                   one per function, as its verdict comes in
 *   {"done": {wallMs, cpuMs}}           the whole validateObject call
 * Times: wall (performance.now) and CPU (process.cpuUsage, user + system of
 * every thread of this process; less sensitive than wall time to other
 * processes on a shared machine). `rlimit` is Z3's own work counter summed
 * over the obligations: it does not depend on the machine or its load.
 */
import { readFileSync } from 'node:fs';
import { validateObject } from '../validator/validate.ts';
import { withContext } from '../validator/context.ts';
import { readElf } from '../validator/elf.ts';
import { decodeModule } from '../spec/wasm/decode.ts';
import { CERT_SECTION, decodeCertificate } from '../spec/abi/certificate.ts';

export interface FnFigures {
  symbol: string;
  verdict: 'proved' | 'refuted' | 'unknown';
  /** Why, for refuted / unknown. */
  reason?: string;
  wallMs: number;
  cpuMs: number;
  obligations: number;
  /** Sum of the obligations' Z3 check() wall times (the rest of wallMs is symbolic execution and term building). */
  solverMs: number;
  rlimit: number;
  /** The obligation with the largest rlimit. */
  costliest?: { name: string; rlimit: number; ms: number };
}

const [wasmPath, objPath] = process.argv.slice(2);
if (!wasmPath || !objPath) throw new Error('usage: validate-one.ts <module.wasm> <object.o>');
const wasm = new Uint8Array(readFileSync(wasmPath));
const obj = new Uint8Array(readFileSync(objPath));
const line = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

// Which function a timed-out run was in: validateObject goes through the defined functions in index order.
const elf = readElf(obj);
const certBytes = elf.sections.find((x) => x.name === CERT_SECTION)?.data;
const cert = certBytes ? decodeCertificate(certBytes) : undefined;
const functions = decodeModule(wasm).funcs.map((f) => {
  const symbol = (cert?.ok ? cert.cert.functions.find((c) => c.index === f.index)?.symbol : undefined) ?? `func ${f.index}`;
  return { symbol, bytes: elf.symbols.find((x) => x.name === symbol && x.type === 'func')?.size };
});
line({ functions });

// Z3's wasm start-up and its first check() (~200 ms of warm-up), outside the measured call.
let c0 = process.cpuUsage();
let t0 = performance.now();
await withContext(async (ctx) => {
  const s = new ctx.Solver('QF_BV');
  s.add(ctx.BitVec.const('x', 32).eq(ctx.BitVec.val(1, 32)));
  await s.check();
  s.release();
});
line({ init: { wallMs: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(c0)), startedAt: Date.now() } });

c0 = process.cpuUsage();
t0 = performance.now();
let cFn = c0;
await validateObject(wasm, obj, {
  onProgress: ({ verdict: v, ms }) => {
    const obs = v.obligations;
    const costliest = obs.reduce<(typeof obs)[number] | undefined>((a, o) => (!a || o.rlimit > a.rlimit ? o : a), undefined);
    const reason = v.kind === 'unknown' ? `${v.reason.kind}${'obligation' in v.reason ? ` (${v.reason.obligation})` : ''}` : v.kind === 'refuted' ? `refuted ${v.obligation.name}` : undefined;
    const f: FnFigures = {
      symbol: v.symbol || `func ${v.func}`,
      verdict: v.kind,
      ...(reason ? { reason } : {}),
      wallMs: ms,
      cpuMs: cpuMs(process.cpuUsage(cFn)),
      obligations: obs.length,
      solverMs: obs.reduce((a, o) => a + o.ms, 0),
      rlimit: obs.reduce((a, o) => a + o.rlimit, 0),
      ...(costliest ? { costliest: { name: costliest.name, rlimit: costliest.rlimit, ms: costliest.ms } } : {}),
    };
    cFn = process.cpuUsage();
    line({ fn: f });
  },
});
line({ done: { wallMs: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(c0)) } });
process.exit(0);
