import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIntLiteral, parseWast, WastSyntaxError } from '../../cli/wast/script.ts';

const SUITE = new URL('../../../shared/wasm-testsuite/', import.meta.url);

describe('parseWast', () => {
  it('parses every script of the bundled spec suite, and wabt accepts every text module', async () => {
    const wabt = await (await import('wabt')).default();
    const files = readdirSync(SUITE).filter((f) => f.endsWith('.wast'));
    expect(files.length).toBeGreaterThan(20);
    let modules = 0;
    for (const f of files) {
      for (const c of parseWast(readFileSync(new URL(f, SUITE), 'utf8'), f)) {
        if (c.kind !== 'module' || c.source.kind === 'binary') continue;
        const m = wabt.parseWat(f, c.source.text);
        m.resolveNames();
        m.validate();
        m.destroy();
        modules++;
      }
    }
    expect(modules).toBeGreaterThan(40);
  });

  it('reads commands, names, binary modules and typed constants', () => {
    const cmds = parseWast(`
      (module $M (func (export "f") (param i32) (result i32) (local.get 0)))
      ;; a comment (; and a block comment ;)
      (register "m" $M)
      (assert_return (invoke $M "f" (i32.const 0xffff_ffff)) (i32.const -1))
      (assert_return (invoke "g" (i64.const -0x8000000000000000)) (f32.const nan:canonical))
      (assert_trap (invoke "f" (i32.const 0)) "integer divide by zero")
      (assert_malformed (module binary "\\00asm" "\\01\\00\\00\\00") "x")
    `);
    expect(cmds.map((c) => c.kind)).toEqual(['module', 'register', 'assert_return', 'assert_return', 'assert_trap', 'assert_malformed']);
    expect(cmds[0]).toMatchObject({ name: '$M', source: { kind: 'text' } });
    expect((cmds[0] as { source: { text: string } }).source.text).toMatch(/^\(module \(func/);
    expect(cmds[2]).toMatchObject({ action: { module: '$M', name: 'f', args: [{ type: 'i32', value: -1 }] }, expected: [{ type: 'i32', value: -1 }] });
    expect(cmds[3]).toMatchObject({ action: { args: [{ type: 'i64', value: -(1n << 63n) }] }, expected: [{ type: 'other', valueType: 'f32' }] });
    expect(cmds[5]).toMatchObject({ source: { kind: 'binary', bytes: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) } });
  });

  it('reports syntax errors with file, line and column', () => {
    expect(() => parseWast('(module)\n  (assert_return (invoke "f"', 'x.wast')).toThrow(WastSyntaxError);
    expect(() => parseWast('(module)\n  (assert_return (invoke "f"', 'x.wast')).toThrow(/^x\.wast:2:18: unclosed parenthesis/);
    expect(() => parseWast('(frobnicate)', 'y.wast')).toThrow(/y\.wast:1:1: unknown command/);
  });

  it('parses integer literals as two\'s-complement bits, rejecting out-of-range ones', () => {
    expect(parseIntLiteral('-1', 32)).toBe(0xffffffffn);
    expect(parseIntLiteral('0x8000_0000', 32)).toBe(0x80000000n);
    expect(parseIntLiteral('+42', 32)).toBe(42n);
    expect(parseIntLiteral('0x1_0000_0000', 32)).toBeUndefined();
    expect(parseIntLiteral('-0x8000_0001', 32)).toBeUndefined();
    expect(parseIntLiteral('1__0', 32)).toBeUndefined();
  });
});
