/**
 * Z3 contexts for the validator: one per function, deleted as soon as the
 * function's verdict is in.
 *
 * z3-solver deletes a context, and releases each term, from JS finalizers.
 * Finalizers run late (JS sees only small wrapper objects, so it rarely
 * collects them): contexts piled up in Z3's fixed 2 GiB wasm heap (a
 * 300-function run reached it). And they run in no set order: a term's
 * `dec_ref` after its context's `del_context` writes to freed memory
 * (Z3's wasm once failed with "memory access out of bounds").
 *
 * So the validator builds its contexts through z3-solver's own `createApi`
 * over the shared Z3 instance, with the finalizers' two calls made inert:
 * terms are never released one by one (a context lives for one function;
 * its terms die with it), and `del_context` is called here, once, when the
 * function is done. Solvers, models and statistics are released explicitly
 * by their users (prove.ts); any other release for a context that is no
 * longer live is dropped rather than touching freed memory.
 *
 * A context per function also keeps verdicts reproducible: Z3's term ids,
 * on which its simplifications depend, never carry over from one function
 * to another (with one shared context the rlimit spent on the same
 * obligation varied up to 3x with what was validated before).
 */
import { createApi } from 'z3-solver/build/high-level/index.js';
import { z3Api, type Z3Context } from '../spec/bv/z3.ts';

type LowLevel = Awaited<ReturnType<typeof z3Api>>['Z3'];

let scoped: Promise<{ Context: (name: string) => Z3Context; Z3: LowLevel; live: Set<number> }> | undefined;

function scopedApi() {
  scoped ??= z3Api().then(({ Z3, em }) => {
    const live = new Set<number>();
    const inert = () => {};
    const quiet = new Proxy(Z3, {
      get(target, key, receiver) {
        if (key === 'dec_ref' || key === 'del_context') return inert;
        const f = Reflect.get(target, key, receiver) as unknown;
        if (typeof key === 'string' && key.endsWith('_dec_ref') && typeof f === 'function') {
          return (ctx: number, ...rest: unknown[]) => (live.has(ctx) ? (f as (...a: unknown[]) => unknown).call(target, ctx, ...rest) : undefined);
        }
        return f;
      },
    });
    const api = createApi(quiet, em);
    return { Context: (name: string) => new api.Context(name) as unknown as Z3Context, Z3, live };
  });
  return scoped;
}

let made = 0;

/** Run `f` with a fresh Z3 context, deleted (with every term made in it) when `f` settles. */
export async function withContext<T>(f: (ctx: Z3Context) => Promise<T>): Promise<T> {
  const { Context, Z3, live } = await scopedApi();
  const ctx = Context(`warden-validator-${made++}`);
  const ptr = ctx.ptr as unknown as number;
  live.add(ptr);
  try {
    return await f(ctx);
  } finally {
    live.delete(ptr);
    Z3.del_context(ctx.ptr);
  }
}
