/**
 * One conformance case under construction: the assembly of the code region
 * under test (the instruction(s) at `T_<id>`, endpoints, fillers, data), and
 * the initial state (registers, SP, flags, scratch words) as assembler
 * expressions, so label addresses resolve at link time and both QEMU and the
 * spec read the very same values from the linked image.
 */
import { Sfc32 } from '../rng.ts';

/** Harness constants, read from startup.s so there is one definition. */
export interface HarnessLayout {
  result: number;
  scratch: number;
  scratchSize: number;
  headerSize: number;
}

/** The campaign's PRNG, seeded from a string so cases are reproducible one by one. */
export class Rng extends Sfc32 {
  constructor(seedText: string) {
    // FNV-1a over the seed text, then splitmix-like spreading into four words.
    let h = 0x811c9dc5;
    for (let i = 0; i < seedText.length; i++) h = Math.imul(h ^ seedText.charCodeAt(i), 0x01000193) >>> 0;
    const next = () => {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    super(next(), next(), next(), next());
  }
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.chance(p);
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.u32() % (i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

const SPECIAL = [
  0, 1, 2, 3, 0xffffffff, 0xfffffffe, 0x80000000, 0x80000001, 0x7fffffff, 0x7ffffffe, 0xff, 0x80, 0x7f, 0x100, 0xffff, 0x8000, 0x7fff,
  0x10000, 0xffff0000, 0xffffff80, 0xffff8000, 31, 32, 33, 63, 64, 255, 256,
];

/** A register value biased towards corner cases. */
export function randomValue(rng: Rng): number {
  const r = rng.u32() % 100;
  if (r < 25) return rng.pick(SPECIAL);
  if (r < 35) return rng.int(0, 64);
  return rng.u32();
}

export const LOW = [0, 1, 2, 3, 4, 5, 6, 7];
/** Registers with no special meaning in 32-bit encodings (no SP, no PC). */
export const GP = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14];

export function rn(r: number): string {
  return r === 13 ? 'sp' : r === 14 ? 'lr' : r === 15 ? 'pc' : `r${r}`;
}

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** Marker line replaced by the endpoint's save sequence once the save register is known. */
const EP_MARK = '@@EP ';

export class CaseBuilder {
  readonly lines: string[] = [];
  /** Explicit initial register values (assembler expressions). */
  readonly regs = new Map<number, string>();
  /** Registers the case code reads or writes: never the save register. */
  readonly used = new Set<number>();
  readonly scratchWords = new Map<number, string>();
  sp: string | null = null;
  flags: number | null = null;
  endpoints = 0;
  testPlaced = false;
  /** The assembly of the instruction(s) under test, for failure reports. */
  testLines: string[] = [];

  constructor(
    readonly id: number,
    readonly rng: Rng,
    readonly layout: HarnessLayout,
  ) {}

  get T(): string {
    return `T_${this.id}`;
  }
  E(k: number): string {
    return `E_${this.id}_${k}`;
  }
  label(name: string): string {
    return `X_${this.id}_${name}`;
  }

  /** A random register from `pool` (marked used), optionally distinct from `not`. */
  reg(pool: readonly number[], not: readonly number[] = []): number {
    const choices = pool.filter((r) => !not.includes(r));
    const r = this.rng.pick(choices);
    this.used.add(r);
    return r;
  }
  use(...rs: number[]): void {
    for (const r of rs) this.used.add(r);
  }
  set(r: number, value: number | string): void {
    this.used.add(r);
    this.regs.set(r, typeof value === 'number' ? hex(value) : value);
  }
  /** An address expression inside the scratch area. */
  scratchAt(offset: number): string {
    return `SCRATCH+${offset}`;
  }

  emit(...lines: string[]): void {
    this.lines.push(...lines);
  }
  /** Place the test label; the instruction under test follows. */
  test(...lines: string[]): void {
    if (this.testPlaced) throw new Error('CaseBuilder.test: test label placed twice');
    this.testPlaced = true;
    this.testLines = lines;
    this.lines.push(`${this.T}:`, ...lines);
  }
  /** Allocate an endpoint; place it with `here`. */
  ep(): number {
    return this.endpoints++;
  }
  here(k: number): void {
    this.lines.push(`${EP_MARK}${k}`);
  }
  /** Emit `lines` into the far code section (see qemu/link.ld). */
  far(...lines: string[]): void {
    this.lines.push('.pushsection .text.far, "ax", %progbits', ...lines, '.popsection');
  }
  /** Never-executed bytes (UDF #255), so a wrong branch target faults instead of running on. */
  fill(bytes: number): void {
    if (bytes % 2 !== 0) throw new Error(`fill of odd size ${bytes}`);
    if (bytes > 0) this.lines.push(`.fill ${bytes / 2}, 2, 0xdeff`);
  }
  /** A fallthrough endpoint right after the test. */
  simple(...lines: string[]): void {
    this.test(...lines);
    this.here(this.ep());
  }

  /** Assemble the case: prologue, region, init block. `saveReg` holds RESULT and is untouched by the case. */
  render(): { code: string[]; data: string[]; saveReg: number } {
    if (!this.testPlaced) throw new Error(`case ${this.id}: form never placed its test`);
    const free = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((r) => !this.used.has(r));
    if (free.length === 0) throw new Error(`case ${this.id}: no register left for the save sequence`);
    const f = this.rng.pick(free);
    const tmp = f === 0 ? 1 : 0;
    const list = [...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((r) => r !== f).map(rn), 'lr'].join(', ');
    const id = this.id;
    const code: string[] = [
      '.align 1',
      '.thumb_func',
      `C_${id}:`,
      `movw r0, #:lower16:I_${id}`,
      `movt r0, #:upper16:I_${id}`,
      'ldm.w r0, {r0-r12}',
      `b.w ${this.T}`,
    ];
    for (const line of this.lines) {
      if (!line.startsWith(EP_MARK)) {
        code.push(line);
        continue;
      }
      const k = Number(line.slice(EP_MARK.length));
      code.push(
        '.align 1',
        `${this.E(k)}:`,
        `stm.w ${rn(f)}, {${list}}`,
        `str.w sp, [${rn(f)}, #56]`,
        `mrs ${rn(tmp)}, apsr`,
        `str.w ${rn(tmp)}, [${rn(f)}, #60]`,
        `mov.w ${rn(tmp)}, #${k}`,
        `str.w ${rn(tmp)}, [${rn(f)}, #64]`,
        'b.w case_done',
      );
    }
    const regs: string[] = [];
    for (let r = 0; r <= 12; r++) regs.push(r === f ? 'RESULT' : (this.regs.get(r) ?? hex(randomValue(this.rng))));
    const sp = this.sp ?? `SCRATCH+${4 * this.rng.int(16, this.layout.scratchSize / 4)}`;
    const lr = this.regs.get(14) ?? hex(randomValue(this.rng));
    const flags = (this.flags ?? this.rng.int(0, 15)) << 28;
    const data: string[] = ['.align 2', `I_${id}:`, `.word ${regs.join(', ')}`, `.word ${sp}, ${lr}, ${hex(flags)}, C_${id}+1, 0`];
    const words: string[] = [];
    for (let off = 0; off < this.layout.scratchSize; off += 4) words.push(this.scratchWords.get(off) ?? hex(this.rng.u32()));
    for (let i = 0; i < words.length; i += 16) data.push(`.word ${words.slice(i, i + 16).join(', ')}`);
    return { code, data, saveReg: f };
  }
}
