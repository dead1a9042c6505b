/** WebAssembly text to binary through wabt (parse, resolve names, validate), for tests. */
const wabt = await (await import('wabt')).default();

/**
 * The binary of `text`; wabt's `t.wat:line:col` error if it is malformed or invalid. `features` are wabt's
 * (beyond its Wasm 2.0 defaults); `names` writes the name section.
 */
export async function watToWasm(text: string, { features = {}, names = false }: { features?: Record<string, boolean>; names?: boolean } = {}): Promise<Uint8Array> {
  const m = wabt.parseWat('t.wat', text, features);
  try {
    m.resolveNames();
    m.validate();
    return new Uint8Array(m.toBinary({ write_debug_names: names }).buffer);
  } finally {
    m.destroy();
  }
}
