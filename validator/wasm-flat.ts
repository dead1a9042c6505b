/**
 * WASM structured control flow, flattened into a list of instructions with
 * explicit jumps, so that any program point (a cut point) is one index and
 * a symbolic executor can start there.
 *
 * Each flat instruction keeps the byte offset of its opcode in the module
 * binary (markers included: `block`, `loop`, `else` and `end` opcodes have
 * their own offsets). A program point `{offset, position}` is the index of
 * the flat instruction at `offset` (`before`) or the next one (`after`).
 *
 * The static operand-stack types before every reachable instruction are
 * computed here (the module is valid: wabt or the decoder checked it), so
 * that a cut point's stack map can be checked against the real shape.
 */
import type { BlockType, FuncType, Instr, Module, ValType } from '../spec/wasm/ast.ts';
import { opInfo } from '../spec/wasm/opcodes.ts';
import { refuse } from './verdict.ts';

export type IntType = 'i32' | 'i64';

/** A branch target: jump to `target`, keeping the top `arity` values on top of the first `height` ones. */
export interface Label {
  target: number;
  arity: number;
  height: number;
}

export type FlatBody = { offset: number } & (
  | { k: 'op'; instr: Instr }
  | { k: 'mark'; what: 'block' | 'loop' | 'end' }
  | { k: 'br'; label: Label }
  | { k: 'br_if'; label: Label }
  | { k: 'br_table'; labels: Label[]; dflt: Label }
  /** `if`: pop the condition; zero jumps to `target` (the else arm or the end). */
  | { k: 'brz'; target: number }
  | { k: 'return' }
);

/** A flat instruction, with whether it is unreachable and the static operand-stack types before it. */
export type FlatInstr = FlatBody & { dead: boolean; types: IntType[] };

export interface FlatFunction {
  code: FlatInstr[];
  /** Byte offset of each block / loop / if -> the flat index just after its `end` (its join). */
  afterEnd: Map<number, number>;
  /** The function body's byte offset (`Func.byteOffset`): `after` it is the function's own end. */
  bodyOffset: number;
  params: IntType[];
  results: IntType[];
  /** Params then declared locals. */
  locals: IntType[];
}

function intType(t: ValType, where: number): IntType {
  if (t === 'i32' || t === 'i64') return t;
  return refuse({ kind: 'wasm-unsupported', detail: `value type ${t} at wasm offset ${where}` });
}

export function funcType(m: Module, index: number): { params: IntType[]; results: IntType[] } {
  const ti = m.funcTypeIndices[index];
  const t: FuncType | undefined = ti === undefined ? undefined : m.types[ti];
  if (!t) return refuse({ kind: 'wasm-unsupported', detail: `function ${index} has no type` });
  return { params: t.params.map((p) => intType(p, 0)), results: t.results.map((p) => intType(p, 0)) };
}

function blockSig(m: Module, bt: BlockType, at: number): { params: IntType[]; results: IntType[] } {
  if (bt.kind === 'empty') return { params: [], results: [] };
  if (bt.kind === 'value') return { params: [], results: [intType(bt.type, at)] };
  const t = m.types[bt.index];
  if (!t) return refuse({ kind: 'wasm-unsupported', detail: `block type index ${bt.index} at wasm offset ${at}` });
  return { params: t.params.map((p) => intType(p, at)), results: t.results.map((p) => intType(p, at)) };
}

/** Read an unsigned LEB128 at `pos`. */
function leb(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) return refuse({ kind: 'wasm-unsupported', detail: 'truncated function size' });
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value, next: pos };
  }
}

interface Ctl {
  kind: 'block' | 'loop' | 'if' | 'func';
  /** Flat index a branch jumps to (loop: its header; others: patched at the end). */
  target: number;
  branchArity: number;
  height: number;
  results: IntType[];
  /** Flat indices of branches whose label target is this block's end (patched). */
  fixups: Label[];
}

/** Flatten function `index` (a defined function) of module `m`, whose binary is `bytes`. */
export function flatten(m: Module, bytes: Uint8Array, index: number): FlatFunction {
  const nImports = m.funcTypeIndices.length - m.funcs.length;
  const f = m.funcs[index - nImports];
  if (!f) return refuse({ kind: 'wasm-unsupported', detail: `function ${index} is not a defined function` });
  const sig = funcType(m, index);
  const locals = [...sig.params, ...f.locals.map((t) => intType(t, f.byteOffset))];
  const size = leb(bytes, f.byteOffset);
  const bodyEnd = size.next + size.value; // one past the function's final `end`
  const globals = [...m.imports.flatMap((i) => (i.desc.kind === 'global' ? [i.desc.type] : [])), ...m.globals.map((g) => g.type)];

  const code: FlatInstr[] = [];
  const afterEnd = new Map<number, number>();
  let stack: IntType[] = [];
  let dead = false;
  const ctls: Ctl[] = [];

  const emit = (x: FlatBody): number => {
    code.push({ ...x, dead, types: [...stack] } as FlatInstr);
    return code.length - 1;
  };
  const pop = (n: number) => {
    stack = stack.slice(0, Math.max(0, stack.length - n));
  };
  const labelOf = (depth: number, at: number): Label => {
    const c = ctls[ctls.length - 1 - depth];
    if (!c) return refuse({ kind: 'wasm-unsupported', detail: `branch depth ${depth} out of range at wasm offset ${at}` });
    const l: Label = { target: c.target, arity: c.branchArity, height: c.height };
    if (c.kind !== 'loop') c.fixups.push(l);
    return l;
  };

  /** Walk a body; `terminator` is the offset of the opcode that ends it (`end` or `else`). */
  const walk = (body: Instr[], terminator: number): void => {
    body.forEach((ins, i) => {
      const next = i + 1 < body.length ? body[i + 1]!.offset : terminator;
      step(ins, next - 1);
    });
  };

  const enterBlock = (kind: Ctl['kind'], params: IntType[], results: IntType[], target: number): Ctl => {
    const c: Ctl = { kind, target, branchArity: kind === 'loop' ? params.length : results.length, height: stack.length - params.length, results, fixups: [] };
    ctls.push(c);
    return c;
  };
  const endBlock = (c: Ctl, endOffset: number): void => {
    stack = [...stack.slice(0, c.height), ...c.results];
    dead = wasDead.pop() ?? false;
    ctls.pop();
    const idx = emit({ k: 'mark', what: 'end', offset: endOffset });
    for (const l of c.fixups) l.target = idx + 1;
  };
  const wasDead: boolean[] = [];

  const step = (ins: Instr, endOffset: number): void => {
    const at = ins.offset;
    switch (ins.op) {
      case 'block':
      case 'loop': {
        const s = blockSig(m, ins.type, at);
        const idx = emit({ k: 'mark', what: ins.op, offset: at });
        wasDead.push(dead);
        const c = enterBlock(ins.op, s.params, s.results, idx);
        walk(ins.body, endOffset);
        endBlock(c, endOffset);
        afterEnd.set(at, code.length);
        return;
      }
      case 'if': {
        const s = blockSig(m, ins.type, at);
        // Types are recorded before the condition is popped: a cut point just before the `if` (e.g. the join of
        // a block computing the condition) has the condition on its stack.
        const brz = emit({ k: 'brz', target: -1, offset: at });
        pop(1);
        wasDead.push(dead);
        const c = enterBlock('if', s.params, s.results, -1);
        const entryStack = [...stack];
        const entryDead = dead;
        const elseOffset = ins.else.length > 0 ? ins.else[0]!.offset - 1 : endOffset;
        walk(ins.then, elseOffset);
        if (ins.else.length > 0) {
          // then-arm falls through to the end: a branch to the block's own label.
          const l: Label = { target: -1, arity: s.results.length, height: c.height };
          c.fixups.push(l);
          // The `else` opcode's offset names this jump; the else arm starts right after it.
          const br = emit({ k: 'br', label: l, offset: elseOffset });
          stack = entryStack;
          dead = entryDead;
          (code[brz] as { target: number }).target = br + 1;
          walk(ins.else, endOffset);
          endBlock(c, endOffset);
        } else {
          endBlock(c, endOffset);
          (code[brz] as { target: number }).target = code.length - 1; // the end marker
        }
        afterEnd.set(at, code.length);
        return;
      }
      case 'br': {
        emit({ k: 'br', label: labelOf(ins.depth, at), offset: at });
        dead = true;
        return;
      }
      case 'br_if': {
        emit({ k: 'br_if', label: labelOf(ins.depth, at), offset: at });
        pop(1);
        return;
      }
      case 'br_table': {
        emit({ k: 'br_table', labels: ins.depths.map((d) => labelOf(d, at)), dflt: labelOf(ins.default, at), offset: at });
        pop(1);
        dead = true;
        return;
      }
      case 'return':
        emit({ k: 'return', offset: at });
        dead = true;
        return;
      case 'unreachable':
        emit({ k: 'op', instr: ins, offset: at });
        dead = true;
        return;
      default: {
        emit({ k: 'op', instr: ins, offset: at });
        const [npop, push] = ins.op === 'select' ? [3, [stack[stack.length - 2] ?? 'i32']] as [number, IntType[]] : effect(ins, m, locals, globals);
        pop(npop);
        stack.push(...push);
      }
    }
  };

  const fctl: Ctl = { kind: 'func', target: -1, branchArity: sig.results.length, height: 0, results: sig.results, fixups: [] };
  ctls.push(fctl);
  wasDead.push(false);
  walk(f.body, bodyEnd - 1);
  endBlock(fctl, bodyEnd - 1);
  return { code, afterEnd, bodyOffset: f.byteOffset, params: sig.params, results: sig.results, locals };
}

/** Operands popped and result types pushed by a straight-line instruction. */
function effect(ins: Instr, m: Module, locals: IntType[], globals: ValType[]): [number, IntType[]] {
  const at = ins.offset;
  switch (ins.op) {
    case 'nop':
      return [0, []];
    case 'drop':
      return [1, []];
    case 'local.get':
      return [0, [localType(locals, ins.index, at)]];
    case 'local.set':
      return [1, []];
    case 'local.tee':
      return [1, [localType(locals, ins.index, at)]];
    case 'global.get':
      return [0, [intType(globals[ins.index] ?? 'v128', at)]];
    case 'global.set':
      return [1, []];
    case 'i32.const':
      return [0, ['i32']];
    case 'i64.const':
      return [0, ['i64']];
    case 'memory.size':
      return [0, ['i32']];
    case 'memory.grow':
      return [1, ['i32']];
    case 'call': {
      const t = funcType(m, ins.func);
      return [t.params.length, t.results];
    }
    case 'call_indirect': {
      const t = m.types[ins.typeIndex];
      if (!t) return refuse({ kind: 'wasm-unsupported', detail: `call_indirect type ${ins.typeIndex} at wasm offset ${at}` });
      return [t.params.length + 1, t.results.map((r) => intType(r, at))];
    }
    case 'unsupported':
      return refuse({ kind: 'wasm-unsupported', detail: `${ins.name} (${ins.feature}) at wasm offset ${at}` });
    default: {
      const info = opInfo(ins.op);
      if (info?.sig) return [info.sig.params.length, [...info.sig.results]];
      if (info?.accessBytes) return ins.op.includes('store') ? [2, []] : [1, [ins.op.startsWith('i64') ? 'i64' : 'i32']];
      return refuse({ kind: 'wasm-unsupported', detail: `${ins.op} at wasm offset ${at}` });
    }
  }
}

function localType(locals: IntType[], i: number, at: number): IntType {
  const t = locals[i];
  if (!t) return refuse({ kind: 'wasm-unsupported', detail: `local ${i} out of range at wasm offset ${at}` });
  return t;
}

/** The flat index of a program point, or undefined if no instruction sits at that offset. */
export function pointIndex(f: FlatFunction, offset: number, position: 'before' | 'after'): number | undefined {
  // spec/abi/certificate.ts: `after` a structured instruction is after its whole body (its `end`);
  // `after` the function body's offset is after the function's own `end`.
  if (position === 'after' && f.afterEnd.has(offset)) return f.afterEnd.get(offset);
  if (position === 'after' && offset === f.bodyOffset) return f.code.length;
  const i = f.code.findIndex((c) => c.offset === offset);
  if (i < 0) return undefined;
  return position === 'before' ? i : i + 1;
}
