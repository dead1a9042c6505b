/**
 * Random VALID WebAssembly modules in warden's subset, as WAT text.
 *
 * fast-check generates a *choice stream* (an array of small naturals); a
 * deterministic, type-directed generator turns it into a module. Choice 0
 * is always the simplest option (a constant, no statement, no extra
 * parameter), and an exhausted stream reads as 0s, so fast-check's array
 * shrinking (drop elements, shrink values towards 0) shrinks the program.
 *
 * Valid by construction: every expression is built for a requested type;
 * branches target only enclosing `block`s (forward); loops only branch back
 * through a dedicated counter bounded by LOOP_BOUND; function k calls only
 * functions < k, and `call_indirect` in function k reaches only table slots
 * < k or slots out of the table's bounds, so every program terminates.
 *
 * Weighted towards the hard cases: i64 parameters (in registers and on the
 * stack), > 4 parameters, wide sums that keep many values live, nested
 * blocks/ifs/loops with results, br/br_if/br_table out of nested blocks,
 * direct and indirect calls with mixed arguments, every load/store width
 * near the end of memory, division traps, globals, memory.grow.
 */
import fc from 'fast-check';

export type T = 'i32' | 'i64';

/**
 * Which shapes the generator makes. `full` (the default): the whole
 * supported subset. `proved-subset`: leaves out the constructs in
 * NOT_VALIDATED, which the validator does not model yet, so that every
 * verdict other than `proved` is a finding. Empty since main's validator
 * proves i64 division (runtime routine), `memory.grow` and `call_indirect`
 * (eb84b09); the two shapes are then the same generator.
 */
export type Shapes = 'full' | 'proved-subset';
export const SHAPES: readonly Shapes[] = ['full', 'proved-subset'];
export type Construct = 'call_indirect' | 'memory.grow' | 'i64 div/rem';
export const NOT_VALIDATED: ReadonlySet<Construct> = new Set<Construct>();
const leftOut = (x: Ctx, k: Construct) => x.shapes === 'proved-subset' && NOT_VALIDATED.has(k);

export interface FuncSig {
  params: T[];
  result: T | null;
}

export interface GenModule {
  wat: string;
  funcs: FuncSig[];
}

const LOOP_BOUND = 5;
const PAGE = 65536;

/** Edge values of each type (as unsigned bit patterns are formed by the emitter). */
export const EDGES: Record<T, bigint[]> = {
  i32: [0n, 1n, -1n, -0x80000000n, 0x7fffffffn, 31n, 32n, 63n, 64n, 2n, 0x80n, 0xffffn],
  i64: [0n, 1n, -1n, -0x8000000000000000n, 0x7fffffffffffffffn, 31n, 32n, 63n, 64n, 0x100000000n, 0xffffffffn, -0x80000000n],
};

class Choices {
  private i = 0;
  constructor(private readonly xs: readonly number[]) {}
  /** 0..n-1; 0 once the stream is exhausted. */
  pick(n: number): number {
    const x = this.i < this.xs.length ? this.xs[this.i]! : 0;
    this.i++;
    return n <= 1 ? 0 : x % n;
  }
  /** Index by weight (index 0 is the default). */
  weighted(ws: readonly number[]): number {
    const total = ws.reduce((a, b) => a + b, 0);
    let x = this.pick(total);
    for (let i = 0; i < ws.length; i++) {
      if (x < ws[i]!) return i;
      x -= ws[i]!;
    }
    return 0;
  }
  bool(pTrueOf8: number): boolean {
    return this.pick(8) < pTrueOf8;
  }
  value(t: T): bigint {
    const k = this.pick(4);
    if (k < 2) return EDGES[t][this.pick(EDGES[t].length)]!;
    const words = t === 'i32' ? 1 : 2;
    let v = 0n;
    for (let w = 0; w < words * 2; w++) v = (v << 16n) | BigInt(this.pick(0x10000));
    return BigInt.asIntN(t === 'i32' ? 32 : 64, v);
  }
}

const UN: Record<T, string[]> = {
  i32: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'eqz'],
  i64: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'],
};
const BIN = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr', 'div_s', 'div_u', 'rem_s', 'rem_u'];
const CMP = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const LOADS: Record<T, [string, number][]> = {
  i32: [['i32.load', 4], ['i32.load8_s', 1], ['i32.load8_u', 1], ['i32.load16_s', 2], ['i32.load16_u', 2]],
  i64: [['i64.load', 8], ['i64.load8_s', 1], ['i64.load8_u', 1], ['i64.load16_s', 2], ['i64.load16_u', 2], ['i64.load32_s', 4], ['i64.load32_u', 4]],
};
const STORES: Record<T, [string, number][]> = {
  i32: [['i32.store', 4], ['i32.store8', 1], ['i32.store16', 2]],
  i64: [['i64.store', 8], ['i64.store8', 1], ['i64.store16', 2], ['i64.store32', 4]],
};

interface Label {
  name: string;
  /** Block result type; null for none. Loops are never branch targets except their own back-edge. */
  t: T | null;
}

interface Ctx {
  c: Choices;
  shapes: Shapes;
  funcs: FuncSig[];
  globals: T[];
  self: number;
  locals: T[];
  /** Loop counters, appended after `locals` when the function is emitted. */
  counters: number;
  labels: Label[];
  budget: number;
  nextLabel: number;
}

const lit = (t: T, v: bigint) => `(${t}.const ${BigInt.asIntN(t === 'i32' ? 32 : 64, v)})`;


function leaf(x: Ctx, t: T): string {
  const c = x.c;
  const ls = x.locals.map((lt, i) => [lt, i] as const).filter(([lt]) => lt === t);
  const gs = x.globals.map((gt, i) => [gt, i] as const).filter(([gt]) => gt === t);
  switch (c.weighted([3, 4, 1])) {
    case 1:
      if (ls.length) return `(local.get ${ls[c.pick(ls.length)]![1]})`;
      break;
    case 2:
      if (gs.length) return `(global.get ${gs[c.pick(gs.length)]![1]})`;
      break;
  }
  return lit(t, c.value(t));
}

/** An i32 address: near the end of the first or (after growing) second page, or computed. */
function address(x: Ctx, depth: number, width: number): string {
  const c = x.c;
  switch (c.weighted([3, 2, 2, 1])) {
    case 0:
      return lit('i32', BigInt(PAGE - width - 2 + c.pick(6)));
    case 1:
      return `(i32.add (i32.const ${PAGE - 16}) (i32.and ${expr(x, 'i32', depth)} (i32.const 31)))`;
    case 2:
      return `(i32.and ${expr(x, 'i32', depth)} (i32.const 0x1ffff))`;
    default:
      return lit('i32', BigInt(2 * PAGE - width - 2 + c.pick(6)));
  }
}

function args(x: Ctx, ps: T[], depth: number): string {
  return ps.map((p) => expr(x, p, depth)).join(' ');
}

function block(x: Ctx, t: T | null, f: (name: string) => string): string {
  const name = `$b${x.nextLabel++}`;
  x.labels.push({ name, t });
  try {
    return f(name);
  } finally {
    x.labels.pop();
  }
}

function bounded(x: Ctx, depth: number, t: T | null): string {
  const ctr = x.locals.length + x.counters++;
  const name = `$l${x.nextLabel++}`;
  const body = stmts(x, depth, 2);
  const tail = t ? ` ${expr(x, t, depth)}` : '';
  return `(local.set ${ctr} (i32.const 0)) (loop ${name}${t ? ` (result ${t})` : ''} ${body} (br_if ${name} (i32.lt_u (local.tee ${ctr} (i32.add (local.get ${ctr}) (i32.const 1))) (i32.const ${LOOP_BOUND})))${tail})`;
}

export function expr(x: Ctx, t: T, depth: number): string {
  const c = x.c;
  if (depth <= 0 || x.budget <= 0) return leaf(x, t);
  x.budget--;
  const d = depth - 1;
  const targets = x.labels.filter((l) => l.t === t);
  const callees = x.funcs.map((f, i) => [f, i] as const).filter(([f, i]) => i < x.self && f.result === t);
  // leaf, un, bin, cmp, convert, load, select, tee, call, call_indirect, block, if, loop, br_if value, wide sum, memory
  const kind = c.weighted([4, 2, 8, 2, 2, 3, 1, 1, 2, 2, 2, 2, 1, 1, 2, 1]);
  switch (kind) {
    case 1: {
      const op = UN[t][c.pick(UN[t].length)]!;
      if (op === 'eqz') {
        const u: T = c.bool(4) ? 'i64' : 'i32';
        return `(${u}.eqz ${expr(x, u, d)})`;
      }
      return `(${t}.${op} ${expr(x, t, d)})`;
    }
    case 2: {
    {
      let op = BIN[c.pick(BIN.length)]!;
      if (t === 'i64' && /^(div|rem)/.test(op) && leftOut(x, 'i64 div/rem')) op = op.startsWith('div') ? 'mul' : 'sub';
      return `(${t}.${op} ${expr(x, t, d)} ${expr(x, t, d)})`;
    }
    }
    case 3: {
      if (t !== 'i32') break;
      const u = c.bool(5) ? 'i64' : 'i32';
      return c.bool(1) ? `(${u}.eqz ${expr(x, u, d)})` : `(${u}.${CMP[c.pick(CMP.length)]} ${expr(x, u, d)} ${expr(x, u, d)})`;
    }
    case 4:
      if (t === 'i32') return `(i32.wrap_i64 ${expr(x, 'i64', d)})`;
      return `(i64.extend_i32_${c.bool(4) ? 's' : 'u'} ${expr(x, 'i32', d)})`;
    case 5: {
      const [op, w] = LOADS[t][c.pick(LOADS[t].length)]!;
      const offset = c.bool(2) ? ` offset=${c.pick(12)}` : '';
      return `(${op}${offset} ${address(x, d, w)})`;
    }
    case 6:
      return `(select ${expr(x, t, d)} ${expr(x, t, d)} ${expr(x, 'i32', d)})`;
    case 7: {
      const ls = x.locals.map((lt, i) => [lt, i] as const).filter(([lt]) => lt === t);
      if (ls.length) return `(local.tee ${ls[c.pick(ls.length)]![1]} ${expr(x, t, d)})`;
      break;
    }
    case 8:
      if (callees.length) {
        const [f, i] = callees[c.pick(callees.length)]!;
        return `(call ${i} ${args(x, f.params, d)})`;
      }
      break;
    case 9: {
      // Any signature with this result; the slot may hold another signature (trap) or be out of bounds (trap).
      const sigs = x.funcs.map((f, i) => [f, i] as const).filter(([f]) => f.result === t);
      if (sigs.length === 0 || (x.self === 0 && c.bool(6)) || leftOut(x, 'call_indirect')) break;
      const [f, ti] = sigs[c.pick(sigs.length)]!;
      const slot = x.self > 0 && c.bool(6) ? `(i32.rem_u ${expr(x, 'i32', d)} (i32.const ${x.self}))` : lit('i32', BigInt(x.self > 0 && c.bool(4) ? c.pick(x.self) : x.funcs.length + c.pick(3)));
      return `(call_indirect (type ${ti}) ${args(x, f.params, d)} ${slot})`;
    }
    case 10:
      return block(x, t, (name) => `(block ${name} (result ${t}) ${stmts(x, d, 3)} ${expr(x, t, d)})`);
    case 11:
      return `(if (result ${t}) ${expr(x, 'i32', d)} (then ${stmts(x, d, 2)} ${expr(x, t, d)}) (else ${expr(x, t, d)}))`;
    case 12:
      return `(block (result ${t}) ${bounded(x, d, t)})`;
    case 13:
      if (targets.length) return `(br_if ${targets[c.pick(targets.length)]!.name} ${expr(x, t, d)} ${expr(x, 'i32', d)})`;
      break;
    case 14: {
      // Right-nested: every operand stays live until the innermost one is computed.
      const n = 3 + c.pick(10);
      const parts = Array.from({ length: n }, () => expr(x, t, Math.min(d, 1)));
      const op = ['add', 'xor', 'sub'][c.pick(3)]!;
      return parts.reduceRight((acc, p) => `(${t}.${op} ${p} ${acc})`);
    }
    case 15:
      if (t === 'i32') return c.bool(4) || leftOut(x, 'memory.grow') ? '(memory.size)' : `(memory.grow (i32.and ${expr(x, 'i32', d)} (i32.const 1)))`;
      break;
  }
  return leaf(x, t);
}

function stmt(x: Ctx, depth: number): string {
  const c = x.c;
  const d = depth - 1;
  x.budget--;
  const t: T = c.bool(4) ? 'i64' : 'i32';
  const voids = x.labels.filter((l) => l.t === null);
  // local.set, global.set, store, drop, block, if, loop, br_if, br_table, br, call void, return
  switch (c.weighted([4, 2, 4, 1, 2, 2, 1, 2, 2, 1, 1, 1])) {
    case 0: {
      const ls = x.locals.length;
      if (ls === 0) break;
      const i = c.pick(ls);
      return `(local.set ${i} ${expr(x, x.locals[i]!, d)})`;
    }
    case 1: {
      if (x.globals.length === 0) break;
      const g = c.pick(x.globals.length);
      return `(global.set ${g} ${expr(x, x.globals[g]!, d)})`;
    }
    case 2: {
      const [op, w] = STORES[t][c.pick(STORES[t].length)]!;
      const offset = c.bool(2) ? ` offset=${c.pick(12)}` : '';
      return `(${op}${offset} ${address(x, d, w)} ${expr(x, t, d)})`;
    }
    case 3:
      return `(drop ${expr(x, t, d)})`;
    case 4:
      return block(x, null, (name) => `(block ${name} ${stmts(x, d, 3)})`);
    case 5:
      return `(if ${expr(x, 'i32', d)} (then ${stmts(x, d, 2)}) (else ${stmts(x, d, 2)}))`;
    case 6:
      return bounded(x, d, null);
    case 7:
      if (voids.length) return `(br_if ${voids[c.pick(voids.length)]!.name} ${expr(x, 'i32', d)})`;
      break;
    case 8:
      if (voids.length) {
        const n = 1 + c.pick(4);
        const ts = Array.from({ length: n }, () => voids[c.pick(voids.length)]!.name);
        return `(br_table ${ts.join(' ')} ${expr(x, 'i32', d)})`;
      }
      break;
    case 9:
      if (voids.length && c.bool(4)) return `(br ${voids[c.pick(voids.length)]!.name})`;
      break;
    case 10: {
      const vs = x.funcs.map((f, i) => [f, i] as const).filter(([f, i]) => i < x.self && f.result === null);
      if (vs.length) {
        const [f, i] = vs[c.pick(vs.length)]!;
        return `(call ${i} ${args(x, f.params, d)})`;
      }
      break;
    }
    case 11: {
      if (!c.bool(2)) break;
      const r = x.funcs[x.self]!.result;
      return r ? `(return ${expr(x, r, d)})` : '(return)';
    }
  }
  return `(drop ${leaf(x, t)})`;
}

function stmts(x: Ctx, depth: number, max: number): string {
  if (depth <= 0 || x.budget <= 0) return '';
  const n = x.c.pick(max + 1);
  return Array.from({ length: n }, () => stmt(x, depth)).join(' ');
}

/** Build the module a choice stream describes. */
export function buildModule(stream: readonly number[], shapes: Shapes = 'full'): GenModule {
  const c = new Choices(stream);
  const nFuncs = 1 + c.pick(4);
  const funcs: FuncSig[] = Array.from({ length: nFuncs }, () => {
    const n = [0, 1, 2, 3, 4, 5, 6, 7, 8][c.weighted([2, 2, 2, 2, 2, 3, 3, 3, 3])]!;
    const params = Array.from({ length: n }, (): T => (c.bool(3) ? 'i32' : 'i64'));
    const result: T | null = [null, 'i32', 'i64'][c.weighted([1, 4, 4])] as T | null;
    return { params, result };
  });
  const globals = Array.from({ length: c.pick(4) }, (): T => (c.bool(4) ? 'i32' : 'i64'));
  const parts: string[] = ['(module'];
  funcs.forEach((f, i) => parts.push(`  (type (;${i};) (func${sigText(f)}))`));
  parts.push(`  (table ${nFuncs} funcref)`, `  (memory 1 2)`);
  globals.forEach((g) => parts.push(`  (global (mut ${g}) ${lit(g, c.value(g))})`));
  funcs.forEach((f, i) => {
    const extra = Array.from({ length: c.pick(7) }, (): T => (c.bool(4) ? 'i32' : 'i64'));
    const x: Ctx = { c, shapes, funcs, globals, self: i, locals: [...f.params, ...extra], counters: 0, labels: [], budget: 60, nextLabel: 0 };
    const depth = 2 + c.pick(4);
    const body = stmts(x, depth, 4);
    const tail = f.result ? expr(x, f.result, depth) : '';
    const locals = [...extra, ...Array.from({ length: x.counters }, (): T => 'i32')];
    parts.push(`  (func (;${i};) (export "f${i}") (type ${i})${locals.length ? ` (local ${locals.join(' ')})` : ''}\n    ${body}\n    ${tail})`);
  });
  parts.push(`  (elem (i32.const 0) func ${funcs.map((_, i) => i).join(' ')})`);
  const bytes = Array.from({ length: 16 }, (_, i) => `\\${((i * 37 + 11) & 0xff).toString(16).padStart(2, '0')}`).join('');
  parts.push(`  (data (i32.const ${PAGE - 16}) "${bytes}"))`);
  return { wat: parts.join('\n'), funcs };
}

function sigText(f: FuncSig): string {
  return `${f.params.length ? ` (param ${f.params.join(' ')})` : ''}${f.result ? ` (result ${f.result})` : ''}`;
}

/** An argument value: an edge case or a random bit pattern (both types' widths are cut by the caller). */
export const argArb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGES.i64, ...EDGES.i32) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
);

export interface FuzzCase {
  stream: number[];
  args: bigint[];
}

/** Cases whose choice stream has at most `maxChoices` entries (the rest reads as 0s: smaller modules). */
export const caseArbOf = (maxChoices: number): fc.Arbitrary<FuzzCase> =>
  fc.record({
    stream: fc.array(fc.nat({ max: 0xffff }), { maxLength: maxChoices, size: 'max' }),
    args: fc.array(argArb, { minLength: 1, maxLength: 12 }),
  });

export const caseArb: fc.Arbitrary<FuzzCase> = caseArbOf(3000);


