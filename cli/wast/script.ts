/**
 * A parser for WebAssembly spec test scripts (`.wast`, Wasm 2.0 era): the
 * script's commands, with module texts sliced verbatim for wabt, binary and
 * quoted modules decoded, and constants parsed to typed values.
 *
 * Values of types outside the integer subset are kept with their type so a
 * runner can skip them with a reason instead of misreading them.
 */

export class WastSyntaxError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`${file}:${line}:${col}: ${message}`);
    this.name = 'WastSyntaxError';
  }
}

/** An S-expression with its source span. */
export type SExpr =
  | { kind: 'list'; items: SExpr[]; start: number; end: number }
  | { kind: 'atom'; text: string; start: number; end: number }
  | { kind: 'string'; bytes: Uint8Array; start: number; end: number };

export type WastValue =
  | { type: 'i32'; value: number }
  | { type: 'i64'; value: bigint }
  /** Anything else (floats, vectors, references, `either`): kept as text. */
  | { type: 'other'; valueType: string; text: string };

export type ModuleSource = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'quote'; text: string };

export type WastAction =
  | { kind: 'invoke'; module?: string; name: string; args: WastValue[] }
  | { kind: 'get'; module?: string; name: string };

export type WastCommand = { line: number } & (
  | { kind: 'module'; name?: string; source: ModuleSource }
  | { kind: 'register'; as: string; module?: string }
  | { kind: 'action'; action: WastAction }
  | { kind: 'assert_return'; action: WastAction; expected: WastValue[] }
  | { kind: 'assert_trap'; action: WastAction; message: string }
  | { kind: 'assert_trap_module'; source: ModuleSource; message: string }
  | { kind: 'assert_exhaustion'; action: WastAction; message: string }
  | { kind: 'assert_invalid' | 'assert_malformed' | 'assert_unlinkable'; source: ModuleSource; message: string }
);

export function parseWast(src: string, file = '<wast>'): WastCommand[] {
  const lines = lineStarts(src);
  const where = (offset: number) => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - lines[lo]! + 1 };
  };
  const fail = (msg: string, offset: number): never => {
    const { line, col } = where(offset);
    throw new WastSyntaxError(msg, file, line, col);
  };
  const exprs = readSExprs(src, fail);
  return exprs.map((e) => toCommand(e, src, fail, (o) => where(o).line));
}

function lineStarts(src: string): number[] {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

type Fail = (msg: string, offset: number) => never;

function readSExprs(src: string, fail: Fail): SExpr[] {
  let i = 0;
  const n = src.length;
  const skipSpace = () => {
    for (;;) {
      while (i < n && /\s/.test(src[i]!)) i++;
      if (src.startsWith(';;', i)) {
        while (i < n && src[i] !== '\n') i++;
      } else if (src.startsWith('(;', i)) {
        const open = i;
        let depth = 0;
        do {
          if (src.startsWith('(;', i)) (depth++, (i += 2));
          else if (src.startsWith(';)', i)) (depth--, (i += 2));
          else if (i >= n) fail('unterminated block comment', open);
          else i++;
        } while (depth > 0);
      } else return;
    }
  };
  const readString = (): SExpr => {
    const start = i++;
    const out: number[] = [];
    const enc = new TextEncoder();
    while (i < n && src[i] !== '"') {
      const c = src[i]!;
      if (c !== '\\') {
        const cp = src.codePointAt(i)!;
        out.push(...enc.encode(String.fromCodePoint(cp)));
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
      const e = src[i + 1];
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };
      if (e !== undefined && e in simple) {
        out.push(simple[e]!);
        i += 2;
      } else if (e === 'u' && src[i + 2] === '{') {
        const close = src.indexOf('}', i);
        if (close < 0) fail('unterminated \\u{...} escape', i);
        out.push(...enc.encode(String.fromCodePoint(parseInt(src.slice(i + 3, close).replace(/_/g, ''), 16))));
        i = close + 1;
      } else if (e !== undefined && /[0-9a-fA-F]{2}/.test(src.slice(i + 1, i + 3))) {
        out.push(parseInt(src.slice(i + 1, i + 3), 16));
        i += 3;
      } else fail(`bad escape in string`, i);
    }
    if (i >= n) fail('unterminated string', start);
    i++;
    return { kind: 'string', bytes: Uint8Array.from(out), start, end: i };
  };
  const readOne = (): SExpr => {
    skipSpace();
    if (i >= n) fail('unexpected end of script', i);
    const c = src[i]!;
    if (c === '(') {
      const start = i++;
      const items: SExpr[] = [];
      for (;;) {
        skipSpace();
        if (i >= n) fail('unclosed parenthesis', start);
        if (src[i] === ')') {
          i++;
          return { kind: 'list', items, start, end: i };
        }
        items.push(readOne());
      }
    }
    if (c === ')') fail('unexpected )', i);
    if (c === '"') return readString();
    const start = i;
    while (i < n && !/[\s()";]/.test(src[i]!)) i++;
    return { kind: 'atom', text: src.slice(start, i), start, end: i };
  };
  const all: SExpr[] = [];
  for (;;) {
    skipSpace();
    if (i >= n) return all;
    all.push(readOne());
  }
}

const headOf = (e: SExpr): string | undefined => (e.kind === 'list' && e.items[0]?.kind === 'atom' ? e.items[0].text : undefined);

function toCommand(e: SExpr, src: string, fail: Fail, lineOf: (o: number) => number): WastCommand {
  const line = lineOf(e.start);
  const head = headOf(e);
  if (e.kind !== 'list' || head === undefined) return fail('expected a command', e.start);
  const items = e.items;
  const str = (x: SExpr | undefined, what: string): string => {
    if (x?.kind !== 'string') return fail(`expected ${what} (a string)`, x?.start ?? e.end);
    return new TextDecoder().decode(x.bytes);
  };
  const moduleSource = (m: SExpr): { name?: string; source: ModuleSource } => {
    if (headOf(m) !== 'module' || m.kind !== 'list') return fail('expected (module ...)', m.start);
    let k = 1;
    let name: string | undefined;
    if (m.items[k]?.kind === 'atom' && (m.items[k] as { text: string }).text.startsWith('$')) name = (m.items[k++] as { text: string }).text;
    const tag = m.items[k];
    if (tag?.kind === 'atom' && (tag.text === 'binary' || tag.text === 'quote')) {
      const parts = m.items.slice(k + 1).map((p) => {
        if (p.kind !== 'string') return fail(`expected strings in (module ${tag.text} ...)`, p.start);
        return p.bytes;
      });
      const bytes = concatBytes(parts);
      return { name, source: tag.text === 'binary' ? { kind: 'binary', bytes } : { kind: 'quote', text: `(module ${new TextDecoder().decode(bytes)})` } };
    }
    // Text module: hand wabt the verbatim text, without the script-level name (wabt names are per module).
    const text = name ? `(module ${src.slice(m.items[2]?.start ?? m.end - 1, m.end)}` : src.slice(m.start, m.end);
    return { name, source: { kind: 'text', text } };
  };
  const action = (a: SExpr | undefined): WastAction => {
    const h = a && headOf(a);
    if (!a || a.kind !== 'list' || (h !== 'invoke' && h !== 'get')) return fail('expected (invoke ...) or (get ...)', a?.start ?? e.end);
    let k = 1;
    let module: string | undefined;
    if (a.items[k]?.kind === 'atom') module = (a.items[k++] as { text: string }).text;
    const name = str(a.items[k++], 'an export name');
    if (h === 'get') return { kind: 'get', module, name };
    return { kind: 'invoke', module, name, args: a.items.slice(k).map((v) => constant(v, fail)) };
  };
  switch (head) {
    case 'module': {
      const { name, source } = moduleSource(e);
      return { line, kind: 'module', name, source };
    }
    case 'register': {
      const as = str(items[1], 'a registration name');
      const m = items[2];
      return { line, kind: 'register', as, module: m?.kind === 'atom' ? m.text : undefined };
    }
    case 'invoke':
    case 'get':
      return { line, kind: 'action', action: action(e) };
    case 'assert_return':
      return { line, kind: 'assert_return', action: action(items[1]), expected: items.slice(2).map((v) => constant(v, fail)) };
    case 'assert_trap': {
      const target = items[1];
      if (target && headOf(target) === 'module') return { line, kind: 'assert_trap_module', source: moduleSource(target).source, message: str(items[2], 'a trap message') };
      return { line, kind: 'assert_trap', action: action(target), message: str(items[2], 'a trap message') };
    }
    case 'assert_exhaustion':
      return { line, kind: 'assert_exhaustion', action: action(items[1]), message: str(items[2], 'a message') };
    case 'assert_invalid':
    case 'assert_malformed':
    case 'assert_unlinkable': {
      const m = items[1];
      if (!m) return fail(`${head}: expected a module`, e.start);
      return { line, kind: head, source: moduleSource(m).source, message: str(items[2], 'a message') };
    }
    default:
      return fail(`unknown command (${head} ...)`, e.start);
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

/** `(i32.const 0x8000_0000)` and friends. */
function constant(v: SExpr, fail: Fail): WastValue {
  const h = headOf(v);
  if (v.kind !== 'list' || h === undefined) return fail('expected a constant such as (i32.const 1)', v.start);
  const text = v.items
    .slice(1)
    .map((x) => (x.kind === 'atom' ? x.text : '?'))
    .join(' ');
  if (h === 'i32.const' || h === 'i64.const') {
    const width = h === 'i32.const' ? 32 : 64;
    const n = parseIntLiteral(text, width);
    if (n === undefined) return fail(`bad ${h} literal '${text}'`, v.start);
    return width === 32 ? { type: 'i32', value: Number(BigInt.asIntN(32, n)) } : { type: 'i64', value: BigInt.asIntN(64, n) };
  }
  return { type: 'other', valueType: h.split('.')[0]!, text: `(${h}${text ? ' ' + text : ''})` };
}

/** An integer literal of the text format (sign, hex, `_` separators), as its two's-complement bits. */
export function parseIntLiteral(text: string, width: number): bigint | undefined {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
  if (!m) return undefined;
  const magnitude = BigInt(m[2]!.replace(/_/g, ''));
  const value = m[1] === '-' ? -magnitude : magnitude;
  if (value < -(1n << BigInt(width - 1)) || value >= 1n << BigInt(width)) return undefined;
  return BigInt.asUintN(width, value);
}
