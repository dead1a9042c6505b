/** sfc32, the small fast PRNG of the conformance campaigns; each campaign seeds it its own way (a case replays from its seed). */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  protected constructor(a: number, b: number, c: number, d: number) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Sfc32.pick: empty choice');
    return xs[this.u32() % xs.length]!;
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() < p * 2 ** 32;
  }
}
