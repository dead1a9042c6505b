/**
 * The frontend: `.wat` text through wabt (parse, resolve names, validate,
 * to binary), `.wasm` bytes validated by wabt, then decoded by the spec
 * decoder (the same view of the input the validator has). Module-level
 * constructs outside the supported subset are reported here; per-function
 * ones (instructions, local types) by instruction selection, with the same
 * error shape.
 */
import { decodeModule, WasmDecodeError } from '../../spec/wasm/decode.ts';
import type { Module } from '../../spec/wasm/ast.ts';

export type FrontendError =
  /** wabt's text errors keep `file:line:col`. */
  | { kind: 'parse'; message: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'decode'; section: string; offset: number; message: string }
  | { kind: 'unsupported'; func?: { index: number; name: string }; offset: number; feature: string };

export type Loaded = { ok: true; bytes: Uint8Array; module: Module } | { ok: false; errors: FrontendError[] };

const loadWabt = async () => (await import('wabt')).default();
type Wabt = Awaited<ReturnType<typeof loadWabt>>;
let wabtPromise: Promise<Wabt> | undefined;
function wabt(): Promise<Wabt> {
  wabtPromise ??= loadWabt();
  return wabtPromise;
}

/** Human-readable one-line rendering of a frontend error. */
export function formatFrontendError(e: FrontendError): string {
  switch (e.kind) {
    case 'parse':
    case 'invalid':
      return e.message;
    case 'decode':
      return `${e.message}`;
    case 'unsupported': {
      const where = e.func ? `function ${e.func.index} (${e.func.name}), ` : '';
      return `unsupported: ${where}offset 0x${e.offset.toString(16)}: ${e.feature}`;
    }
  }
}

/**
 * A synchronous text-to-binary converter with wabt's default (Wasm 2.0) features, for
 * script runners: it throws wabt's `file:line:col` message on malformed or invalid text.
 */
export async function wabtTextToBinary(): Promise<(text: string, filename: string) => Uint8Array> {
  const w = await wabt();
  return (text, filename) => {
    const m = w.parseWat(filename, text);
    try {
      m.resolveNames();
      m.validate();
      return m.toBinary({}).buffer;
    } finally {
      m.destroy();
    }
  };
}

function messageOf(e: unknown): string {
  return typeof e === 'string' ? e : e instanceof Error ? e.message : String(e);
}

export async function loadWat(text: string, filename = 'input.wat'): Promise<Loaded> {
  const w = await wabt();
  let mod: ReturnType<Wabt['parseWat']> | undefined;
  try {
    mod = w.parseWat(filename, text, { multi_value: true, mutable_globals: true, sign_extension: true });
  } catch (e) {
    return { ok: false, errors: [{ kind: 'parse', message: messageOf(e).trim() }] };
  }
  try {
    mod.resolveNames();
    mod.validate();
  } catch (e) {
    mod.destroy();
    return { ok: false, errors: [{ kind: 'invalid', message: messageOf(e).trim() }] };
  }
  const { buffer } = mod.toBinary({ write_debug_names: true });
  mod.destroy();
  return decodeChecked(new Uint8Array(buffer));
}

export async function loadWasm(bytes: Uint8Array, filename = 'input.wasm'): Promise<Loaded> {
  const w = await wabt();
  try {
    const mod = w.readWasm(bytes, { readDebugNames: true, multi_value: true, mutable_globals: true, sign_extension: true });
    try {
      mod.validate();
    } finally {
      mod.destroy();
    }
  } catch (e) {
    return { ok: false, errors: [{ kind: 'invalid', message: `${filename}: ${messageOf(e).trim()}` }] };
  }
  return decodeChecked(bytes);
}

function decodeChecked(bytes: Uint8Array): Loaded {
  let module: Module;
  try {
    module = decodeModule(bytes);
  } catch (e) {
    if (e instanceof WasmDecodeError) {
      if (e.feature) return { ok: false, errors: [{ kind: 'unsupported', offset: e.offset, feature: `${e.feature} (${e.detail})` }] };
      return { ok: false, errors: [{ kind: 'decode', section: e.section, offset: e.offset, message: e.message }] };
    }
    throw e;
  }
  const errors = checkModule(module);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, bytes, module };
}

/** Module-level constructs warden does not compile. */
export function checkModule(m: Module): FrontendError[] {
  const errors: FrontendError[] = [];
  const unsupported = (feature: string, offset = 0) => errors.push({ kind: 'unsupported', offset, feature });
  for (const imp of m.imports) {
    if (imp.desc.kind === 'global') {
      if (imp.desc.type !== 'i32' && imp.desc.type !== 'i64') unsupported(`imported global ${imp.module}.${imp.field} of type ${imp.desc.type}`);
    } else if (imp.desc.kind !== 'func') unsupported(`imported ${imp.desc.kind} ${imp.module}.${imp.field} (only function and global imports are supported)`);
  }
  if (m.memories.length > 1) unsupported(`${m.memories.length} memories (multi-memory)`);
  for (const t of m.tables) if (t.elemType !== 'funcref') unsupported(`table of ${t.elemType}`);
  m.globals.forEach((g, i) => {
    if (g.type !== 'i32' && g.type !== 'i64') unsupported(`global ${i} of type ${g.type}`);
    else if (g.init.kind !== 'i32.const' && g.init.kind !== 'i64.const') unsupported(`global ${i} initialiser ${g.init.kind === 'other' ? g.init.feature : g.init.kind}`);
  });
  for (const d of m.datas) {
    if (d.mode !== 'active') unsupported('passive data segment (bulk memory)', d.byteOffset);
    else if (d.offset?.kind !== 'i32.const') unsupported('data segment offset that is not an i32.const', d.byteOffset);
  }
  for (const e of m.elems) {
    if (e.mode === 'passive') unsupported('passive element segment (bulk memory)');
    else if (e.mode === 'active' && e.offset?.kind !== 'i32.const') unsupported('element segment offset that is not an i32.const');
  }
  if (m.start !== undefined) unsupported(`start function ${m.start} (exports are called by the host; run it explicitly)`);
  return errors;
}
