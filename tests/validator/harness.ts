/**
 * Test harness: objects built WITHOUT the compiler. Hand-written Thumb-2
 * assembly (GNU as), a hand-written certificate added as the `.warden.cert`
 * section (objcopy), and the WASM module from wabt.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Certificate, CutPoint, FunctionCertificate } from '../../spec/abi/certificate.ts';
import type { Instr } from '../../spec/wasm/ast.ts';
import { decodeModule } from '../../spec/wasm/decode.ts';
import { validateObject, type ValidateOptions } from '../../validator/validate.ts';
import { hasTool } from '../tools.ts';
import { watToWasm } from '../wat.ts';
import type { ValidationReport } from '../../validator/verdict.ts';

/** GNU as and objcopy, which build the hand-written objects (CI installs them). */
export const hasToolchain = (): boolean => hasTool('arm-none-eabi-as', 'arm-none-eabi-objcopy');

const PRELUDE = '.syntax unified\n.thumb\n.text\n';

/** Assemble `asm` and add `cert` as the certificate section. */
export function buildObject(asm: string, cert: Certificate): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'warden-val-'));
  writeFileSync(join(dir, 'a.s'), PRELUDE + asm + '\n');
  writeFileSync(join(dir, 'cert.json'), JSON.stringify(cert));
  execFileSync('arm-none-eabi-as', ['-mcpu=cortex-m4', '-mthumb', join(dir, 'a.s'), '-o', join(dir, 'a.o')]);
  execFileSync('arm-none-eabi-objcopy', ['--add-section', `.warden.cert=${join(dir, 'cert.json')}`, join(dir, 'a.o'), join(dir, 'b.o')]);
  return new Uint8Array(readFileSync(join(dir, 'b.o')));
}

/** A global function symbol `name` with its size, around `body`. */
export function fn(name: string, body: string): string {
  return `.global ${name}\n.type ${name},%function\n.thumb_func\n${name}:\n${body}\n.size ${name}, .-${name}\n`;
}

export function funcCert(index: number, symbol: string, frame: FunctionCertificate['frame'], cutPoints: CutPoint[] = []): FunctionCertificate {
  return { index, symbol, rung: 'default', ladder: [], frame, cutPoints: [{ kind: 'entry', address: 0, wasm: { offset: 0, position: 'before' }, locals: [], stack: [] }, ...cutPoints] };
}

export function cert(functions: FunctionCertificate[], reservedPages = 1): Certificate {
  return { version: 1, prefix: '', reservedPages, functions };
}

/** The byte offsets of a defined function's instructions in body order (nested bodies flattened depth-first). */
export function instrOffsets(wasm: Uint8Array, definedIndex: number): { op: string; offset: number }[] {
  const m = decodeModule(wasm);
  const out: { op: string; offset: number }[] = [];
  const walk = (body: Instr[]) => {
    for (const i of body) {
      out.push({ op: i.op, offset: i.offset });
      if (i.op === 'block' || i.op === 'loop') walk(i.body);
      if (i.op === 'if') {
        walk(i.then);
        walk(i.else);
      }
    }
  };
  walk(m.funcs[definedIndex]!.body);
  return out;
}

export async function validate(wat: string, asm: string, c: Certificate | ((wasm: Uint8Array) => Certificate), options: ValidateOptions = {}): Promise<ValidationReport> {
  const wasm = await watToWasm(wat);
  const obj = buildObject(asm, typeof c === 'function' ? c(wasm) : c);
  return validateObject(wasm, obj, options);
}

export function summary(r: ValidationReport): string[] {
  return r.verdicts.map((v) => {
    if (v.kind === 'proved') return `proved (${v.obligations.length})`;
    if (v.kind === 'refuted') return `refuted: ${v.obligation.name}`;
    return `unknown: ${v.reason.kind}: ${'detail' in v.reason ? v.reason.detail : ''}`;
  });
}
