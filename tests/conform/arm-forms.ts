/**
 * The catalogue of instruction forms the ARM conformance campaign covers:
 * one entry per encoding shape the spec models, each a generator of random
 * instances (registers, immediates, conditions, addresses) plus the initial
 * state constraints that keep the instance inside defined behaviour
 * (no UNPREDICTABLE register choices, memory accesses inside SCRATCH except
 * where a fault is the point).
 */
import { CaseBuilder, GP, LOW, hex, randomValue, rn, type Rng } from './arm-case.ts';

export interface Form {
  name: string;
  /** Encoding size of the instruction at the test label (the decoder must agree). */
  size: 2 | 4;
  gen(b: CaseBuilder): void;
}

const CONDS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'] as const;
const invCond = (c: string): string => CONDS[CONDS.indexOf(c as (typeof CONDS)[number]) ^ 1]!;

function ror32(v: number, r: number): number {
  return ((v >>> r) | (v << (32 - r))) >>> 0;
}

/** A value that ThumbExpandImm can produce, spread over all its patterns. */
function modImm(rng: Rng): number {
  const x = rng.int(0, 255);
  switch (rng.int(0, 4)) {
    case 0:
      return x;
    case 1:
      return (x | (x << 16)) >>> 0;
    case 2:
      return ((x << 8) | (x << 24)) >>> 0;
    case 3:
      return (x | (x << 8) | (x << 16) | (x << 24)) >>> 0;
    default:
      return ror32(0x80 | rng.int(0, 127), rng.int(8, 31));
  }
}

/** An immediate shift suffix for a register operand (including none and RRX). */
function shiftSuffix(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return '';
    case 1:
      return `, lsl #${rng.int(1, 31)}`;
    case 2:
      return `, lsr #${rng.int(1, 32)}`;
    case 3:
      return `, asr #${rng.int(1, 32)}`;
    case 4:
      return `, ror #${rng.int(1, 31)}`;
    default:
      return ', rrx';
  }
}

/** A shift amount register value: mostly around 0..40 (all interesting cases), sometimes any. */
function shiftAmount(rng: Rng): number {
  return rng.bool(0.7) ? rng.int(0, 40) | (rng.bool(0.2) ? rng.u32() & ~0xff : 0) : randomValue(rng);
}

/** An offset into SCRATCH for an access of `size` bytes; aligned to `align` with probability `pAligned`. */
function scratchOff(b: CaseBuilder, size: number, align: number, pAligned = 1): number {
  const max = b.layout.scratchSize - size;
  if (b.rng.bool(pAligned)) return align * b.rng.int(0, Math.floor(max / align));
  return b.rng.int(0, max);
}

const forms: Form[] = [];
const add = (name: string, size: 2 | 4, gen: (b: CaseBuilder) => void) => forms.push({ name, size, gen });

// ---------------------------------------------------------------- data processing, 32-bit
for (const op of ['add', 'adc', 'sub', 'sbc', 'rsb', 'and', 'orr', 'eor', 'bic', 'orn']) {
  for (const s of ['', 's']) {
    add(`${op}${s}.w imm`, 4, (b) => {
      const d = b.reg(GP);
      const n = b.reg(GP);
      b.simple(`${op}${s}.w ${rn(d)}, ${rn(n)}, #${hex(modImm(b.rng))}`);
    });
    add(`${op}${s}.w reg`, 4, (b) => {
      const d = b.reg(GP);
      const n = b.reg(GP);
      const m = b.reg(GP);
      b.simple(`${op}${s}.w ${rn(d)}, ${rn(n)}, ${rn(m)}${shiftSuffix(b.rng)}`);
    });
  }
}
for (const s of ['', 's']) {
  add(`mov${s}.w imm`, 4, (b) => b.simple(`mov${s}.w ${rn(b.reg(GP))}, #${hex(modImm(b.rng))}`));
  add(`mvn${s}.w imm`, 4, (b) => b.simple(`mvn${s}.w ${rn(b.reg(GP))}, #${hex(modImm(b.rng))}`));
  add(`mov${s}.w reg`, 4, (b) => b.simple(`mov${s}.w ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`));
  add(`mvn${s}.w reg`, 4, (b) => b.simple(`mvn${s}.w ${rn(b.reg(GP))}, ${rn(b.reg(GP))}${shiftSuffix(b.rng)}`));
}
add('addw', 4, (b) => b.simple(`addw ${rn(b.reg(GP))}, ${rn(b.reg(GP))}, #${b.rng.int(0, 4095)}`));
add('subw', 4, (b) => b.simple(`subw ${rn(b.reg(GP))}, ${rn(b.reg(GP))}, #${b.rng.int(0, 4095)}`));
add('movw', 4, (b) => b.simple(`movw ${rn(b.reg(GP))}, #${hex(b.rng.int(0, 0xffff))}`));
add('movt', 4, (b) => b.simple(`movt ${rn(b.reg(GP))}, #${hex(b.rng.int(0, 0xffff))}`));

// ---------------------------------------------------------------- multiply and divide
add('mul.w', 4, (b) => b.simple(`mul.w ${rn(b.reg(GP))}, ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`));
for (const op of ['mla', 'mls']) add(op, 4, (b) => b.simple(`${op} ${rn(b.reg(GP))}, ${rn(b.reg(GP))}, ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`));
for (const op of ['umull', 'smull', 'umlal', 'smlal']) {
  add(op, 4, (b) => {
    const lo = b.reg(GP);
    const hi = b.reg(GP, [lo]);
    b.simple(`${op} ${rn(lo)}, ${rn(hi)}, ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`);
  });
}
for (const op of ['sdiv', 'udiv']) {
  add(op, 4, (b) => {
    const d = b.reg(GP);
    const n = b.reg(GP);
    const m = b.reg(GP, [n]);
    // Division corner cases: by zero (result 0, DIV_0_TRP clear), INT_MIN / -1.
    const r = b.rng.int(0, 9);
    if (r === 0) b.set(m, 0);
    else if (r === 1) {
      b.set(n, 0x80000000);
      b.set(m, 0xffffffff);
    } else if (r === 2) b.set(m, b.rng.int(1, 16));
    b.simple(`${op} ${rn(d)}, ${rn(n)}, ${rn(m)}`);
  });
}

// ---------------------------------------------------------------- shifts
for (const s of ['', 's']) {
  for (const [op, lo, hi] of [
    ['lsl', 1, 31],
    ['lsr', 1, 32],
    ['asr', 1, 32],
    ['ror', 1, 31],
  ] as const) {
    add(`${op}${s}.w imm`, 4, (b) => b.simple(`${op}${s}.w ${rn(b.reg(GP))}, ${rn(b.reg(GP))}, #${b.rng.int(lo, hi)}`));
    add(`${op}${s}.w reg`, 4, (b) => {
      const d = b.reg(GP);
      const n = b.reg(GP);
      const m = b.reg(GP, [n]);
      b.set(m, shiftAmount(b.rng));
      b.simple(`${op}${s}.w ${rn(d)}, ${rn(n)}, ${rn(m)}`);
    });
  }
  add(`rrx${s}`, 4, (b) => b.simple(`rrx${s} ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`));
}
for (const [op, lo, hi] of [
  ['lsls', 1, 31],
  ['lsrs', 1, 32],
  ['asrs', 1, 32],
] as const) {
  add(`${op}.n imm`, 2, (b) => b.simple(`${op}.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}, #${b.rng.int(lo, hi)}`));
}
for (const op of ['lsls', 'lsrs', 'asrs', 'rors']) {
  add(`${op}.n reg`, 2, (b) => {
    const d = b.reg(LOW);
    const m = b.reg(LOW, [d]);
    b.set(m, shiftAmount(b.rng));
    b.simple(`${op}.n ${rn(d)}, ${rn(m)}`);
  });
}

// ---------------------------------------------------------------- bit and byte manipulation, extension
for (const op of ['clz', 'rbit', 'rev.w', 'rev16.w', 'revsh.w']) add(op, 4, (b) => b.simple(`${op} ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`));
for (const op of ['rev.n', 'rev16.n', 'revsh.n']) add(op, 2, (b) => b.simple(`${op} ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
for (const op of ['sxtb', 'sxth', 'uxtb', 'uxth']) {
  add(`${op}.w`, 4, (b) => {
    const rot = b.rng.pick([0, 8, 16, 24]);
    b.simple(`${op}.w ${rn(b.reg(GP))}, ${rn(b.reg(GP))}${rot ? `, ror #${rot}` : ''}`);
  });
  add(`${op}.n`, 2, (b) => b.simple(`${op}.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
}

// ---------------------------------------------------------------- comparisons
for (const op of ['cmp', 'cmn', 'tst', 'teq']) {
  add(`${op}.w imm`, 4, (b) => b.simple(`${op}.w ${rn(b.reg(GP))}, #${hex(modImm(b.rng))}`));
  add(`${op}.w reg`, 4, (b) => b.simple(`${op}.w ${rn(b.reg(GP))}, ${rn(b.reg(GP))}${shiftSuffix(b.rng)}`));
}
add('cmp.n imm', 2, (b) => b.simple(`cmp.n ${rn(b.reg(LOW))}, #${b.rng.int(0, 255)}`));
add('cmp.n reg', 2, (b) => b.simple(`cmp.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
add('cmp.n reg-high', 2, (b) => {
  // T2 needs at least one high register.
  const hiFirst = b.rng.bool();
  const a = b.reg(hiFirst ? [8, 9, 10, 11, 12, 14] : GP);
  const c = b.reg(hiFirst ? GP : [8, 9, 10, 11, 12, 14]);
  b.simple(`cmp.n ${rn(a)}, ${rn(c)}`);
});
add('cmn.n reg', 2, (b) => b.simple(`cmn.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
add('tst.n reg', 2, (b) => b.simple(`tst.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));

// ---------------------------------------------------------------- data processing, 16-bit
for (const op of ['adds', 'subs']) {
  add(`${op}.n imm3`, 2, (b) => b.simple(`${op}.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}, #${b.rng.int(0, 7)}`));
  add(`${op}.n imm8`, 2, (b) => b.simple(`${op}.n ${rn(b.reg(LOW))}, #${b.rng.int(8, 255)}`));
  add(`${op}.n reg`, 2, (b) => b.simple(`${op}.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
}
add('add.n reg-high', 2, (b) => {
  const dn = b.reg(GP);
  const m = b.reg(dn < 8 ? [8, 9, 10, 11, 12, 14] : GP);
  b.simple(`add.n ${rn(dn)}, ${rn(m)}`);
});
for (const op of ['adcs', 'sbcs', 'ands', 'orrs', 'eors', 'bics', 'mvns']) add(`${op}.n`, 2, (b) => b.simple(`${op}.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
add('rsbs.n #0', 2, (b) => b.simple(`rsbs.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}, #0`));
add('movs.n imm', 2, (b) => b.simple(`movs.n ${rn(b.reg(LOW))}, #${b.rng.int(0, 255)}`));
add('movs.n reg', 2, (b) => b.simple(`movs.n ${rn(b.reg(LOW))}, ${rn(b.reg(LOW))}`));
add('mov.n reg', 2, (b) => b.simple(`mov.n ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`));
add('muls.n', 2, (b) => {
  const dm = b.reg(LOW);
  b.simple(`muls.n ${rn(dm)}, ${rn(b.reg(LOW))}, ${rn(dm)}`);
});

// ---------------------------------------------------------------- SP arithmetic (frames)
/** SP at a word-aligned place in SCRATCH (kept aligned: bits 1:0 of SP are not writable state). */
const spInScratch = (b: CaseBuilder) => {
  b.sp = b.scratchAt(4 * b.rng.int(16, b.layout.scratchSize / 4));
};
add('add.n rd, sp, imm', 2, (b) => {
  spInScratch(b);
  b.simple(`add.n ${rn(b.reg(LOW))}, sp, #${4 * b.rng.int(0, 255)}`);
});
add('add.n sp, imm', 2, (b) => {
  spInScratch(b);
  b.simple(`add.n sp, sp, #${4 * b.rng.int(0, 127)}`);
});
add('sub.n sp, imm', 2, (b) => {
  spInScratch(b);
  b.simple(`sub.n sp, sp, #${4 * b.rng.int(0, 127)}`);
});
add('add.w rd, sp, imm', 4, (b) => {
  spInScratch(b);
  b.simple(`add.w ${rn(b.reg(GP))}, sp, #${hex(modImm(b.rng))}`);
});
add('sub.w sp, sp, imm', 4, (b) => {
  spInScratch(b);
  b.simple(`sub.w sp, sp, #${4 * b.rng.int(0, 63)}`);
});
add('addw rd, sp, imm', 4, (b) => {
  spInScratch(b);
  b.simple(`addw ${rn(b.reg(GP))}, sp, #${b.rng.int(0, 4095)}`);
});
add('mov.n rd, sp', 2, (b) => {
  spInScratch(b);
  b.simple(`mov.n ${rn(b.reg(GP))}, sp`);
});
// Writes of any value to SP: bits 1:0 are dropped (M-profile SP is word aligned).
add('mov.n sp, rm', 2, (b) => b.simple(`mov.n sp, ${rn(b.reg(GP))}`));
add('add.n sp, rm', 2, (b) => {
  spInScratch(b);
  b.simple(`add.n sp, ${rn(b.reg(GP))}`);
});
add('add.n rdm, sp, rdm', 2, (b) => {
  spInScratch(b);
  const dm = b.reg(LOW);
  b.simple(`add.n ${rn(dm)}, sp, ${rn(dm)}`);
});
add('add.w rd, sp, rm, shift', 4, (b) => {
  spInScratch(b);
  b.simple(`add.w ${rn(b.reg(GP))}, sp, ${rn(b.reg(GP))}, lsl #${b.rng.int(0, 3)}`);
});
add('sub.w rd, sp, imm', 4, (b) => {
  spInScratch(b);
  b.simple(`sub.w ${rn(b.reg(GP))}, sp, #${hex(modImm(b.rng))}`);
});
add('subw rd, sp, imm', 4, (b) => {
  spInScratch(b);
  b.simple(`subw ${rn(b.reg(GP))}, sp, #${b.rng.int(0, 4095)}`);
});
add('sub.w rd, sp, rm', 4, (b) => {
  spInScratch(b);
  b.simple(`sub.w ${rn(b.reg(GP))}, sp, ${rn(b.reg(GP))}`);
});

// ---------------------------------------------------------------- single loads and stores
const MEM_OPS = [
  { op: 'ldr', size: 4, load: true },
  { op: 'ldrb', size: 1, load: true },
  { op: 'ldrh', size: 2, load: true },
  { op: 'ldrsb', size: 1, load: true },
  { op: 'ldrsh', size: 2, load: true },
  { op: 'str', size: 4, load: false },
  { op: 'strb', size: 1, load: false },
  { op: 'strh', size: 2, load: false },
] as const;
/** Word and halfword accesses are unaligned a quarter of the time (allowed on the M4 with UNALIGN_TRP clear). */
const P_ALIGNED = 0.75;

for (const { op, size, load } of MEM_OPS) {
  add(`${op}.w [rn, #imm12]`, 4, (b) => {
    const t = b.reg(GP);
    const n = b.reg(GP);
    const imm = b.rng.int(0, 4095);
    const ea = scratchOff(b, size, size, P_ALIGNED);
    b.set(n, `${b.scratchAt(ea)}-${imm}`);
    b.simple(`${op}.w ${rn(t)}, [${rn(n)}, #${imm}]`);
  });
  add(`${op} [rn, #-imm8]`, 4, (b) => {
    const t = b.reg(GP);
    const n = b.reg(GP);
    const imm = b.rng.int(1, 255);
    b.set(n, `${b.scratchAt(scratchOff(b, size, size, P_ALIGNED))}+${imm}`);
    b.simple(`${op} ${rn(t)}, [${rn(n)}, #-${imm}]`);
  });
  add(`${op} [rn, #+-imm8]!`, 4, (b) => {
    const t = b.reg(GP);
    const n = b.reg(GP, [t]);
    const imm = b.rng.int(-255, 255);
    b.set(n, `${b.scratchAt(scratchOff(b, size, size, P_ALIGNED))}-(${imm})`);
    b.simple(`${op} ${rn(t)}, [${rn(n)}, #${imm}]!`);
  });
  add(`${op} [rn], #+-imm8`, 4, (b) => {
    const t = b.reg(GP);
    const n = b.reg(GP, [t]);
    const imm = b.rng.int(-255, 255);
    b.set(n, b.scratchAt(scratchOff(b, size, size, P_ALIGNED)));
    b.simple(`${op} ${rn(t)}, [${rn(n)}], #${imm}`);
  });
  add(`${op}.w [rn, rm, lsl #k]`, 4, (b) => {
    const t = b.reg(GP);
    const n = b.reg(GP);
    const m = b.reg(GP, [n]);
    const k = b.rng.int(0, 3);
    const index = b.rng.int(0, 15);
    b.set(m, index);
    b.set(n, `${b.scratchAt(scratchOff(b, size, size, P_ALIGNED))}-${index << k}`);
    b.simple(`${op}.w ${rn(t)}, [${rn(n)}, ${rn(m)}, lsl #${k}]`);
  });
  if (load) {
    add(`${op}.w literal`, 4, (b) => {
      // A block of known bytes before or after the code, at a random distance.
      const t = b.reg(GP);
      const data = b.label('lit');
      const off = size === 1 ? b.rng.int(0, 63) : size * b.rng.int(0, 64 / size - 1);
      const block = ['.align 2', `${data}:`, `.word ${Array.from({ length: 16 }, () => hex(b.rng.u32())).join(', ')}`];
      const gap = 2 * b.rng.int(0, 900);
      if (b.rng.bool()) {
        b.emit(...block);
        b.fill(gap);
        b.simple(`${op}.w ${rn(t)}, ${data}+${off}`);
      } else {
        b.simple(`${op}.w ${rn(t)}, ${data}+${off}`);
        b.fill(gap);
        b.emit(...block);
      }
    });
  }
}
// 16-bit immediate-offset forms: imm5 scaled by the access size, low registers.
for (const { op, size } of MEM_OPS.filter((m) => ['ldr', 'ldrb', 'ldrh', 'str', 'strb', 'strh'].includes(m.op))) {
  add(`${op}.n [rn, #imm5]`, 2, (b) => {
    const t = b.reg(LOW);
    const n = b.reg(LOW);
    const imm = size * b.rng.int(0, 31);
    const ea = scratchOff(b, size, size, P_ALIGNED);
    b.set(n, `${b.scratchAt(ea)}-${imm}`);
    b.simple(`${op}.n ${rn(t)}, [${rn(n)}, #${imm}]`);
  });
}
for (const { op, size, load } of MEM_OPS) {
  add(`${op}.n [rn, rm]`, 2, (b) => {
    const t = b.reg(LOW);
    const n = b.reg(LOW);
    const m = b.reg(LOW, [n]);
    const index = b.rng.int(0, 31);
    b.set(m, index);
    b.set(n, `${b.scratchAt(scratchOff(b, size, size, P_ALIGNED))}-${index}`);
    b.simple(`${op}.n ${rn(t)}, [${rn(n)}, ${rn(m)}]`);
  });
}
for (const op of ['ldr', 'str']) {
  add(`${op}.n [sp, #imm8]`, 2, (b) => {
    const t = b.reg(LOW);
    const imm = 4 * b.rng.int(0, 255);
    b.sp = `${b.scratchAt(scratchOff(b, 4, 4))}-${imm}`;
    b.simple(`${op}.n ${rn(t)}, [sp, #${imm}]`);
  });
}
// SP-based frame accesses (spills, i64 pairs, single-register push/pop). SP stays word aligned.
for (const { op, size } of MEM_OPS) {
  add(`${op}.w [sp, #imm12]`, 4, (b) => {
    const t = b.reg(GP);
    const ea = scratchOff(b, size, 4);
    const imm = 4 * b.rng.int(0, 1023);
    b.sp = `${b.scratchAt(ea)}-${imm}`;
    b.simple(`${op}.w ${rn(t)}, [sp, #${imm}]`);
  });
}
for (const op of ['ldrd', 'strd']) {
  add(`${op} [sp, #imm]`, 4, (b) => {
    const t = b.reg(GP);
    const t2 = op === 'ldrd' ? b.reg(GP, [t]) : b.reg(GP);
    const imm = 4 * b.rng.int(0, 255);
    b.sp = `${b.scratchAt(scratchOff(b, 8, 4))}-${imm}`;
    b.simple(`${op} ${rn(t)}, ${rn(t2)}, [sp, #${imm}]`);
  });
}
add('str [sp, #-4]!', 4, (b) => {
  b.sp = b.scratchAt(4 * b.rng.int(1, b.layout.scratchSize / 4));
  b.simple(`str ${rn(b.reg(GP))}, [sp, #-4]!`);
});
add('ldr [sp], #4', 4, (b) => {
  b.sp = b.scratchAt(scratchOff(b, 4, 4));
  b.simple(`ldr ${rn(b.reg(GP))}, [sp], #4`);
});

/**
 * Target word for a branch through memory or a register: the endpoint with
 * bit 0 set, or (one in eight) clear, which faults (INVSTATE).
 */
const branchWord = (b: CaseBuilder, k: number) => (b.rng.bool(0.125) ? b.E(k) : `${b.E(k)}+1`);
for (const mode of ['imm12', 'reg', 'post'] as const) {
  add(`ldr.w pc, ${mode === 'imm12' ? '[rn, #imm12]' : mode === 'reg' ? '[rn, rm, lsl #2]' : '[rn], #imm8'}`, 4, (b) => {
    const n = b.reg(GP);
    const k = b.ep();
    const ea = scratchOff(b, 4, 4);
    b.scratchWords.set(ea, branchWord(b, k));
    if (mode === 'imm12') {
      const imm = b.rng.int(0, 4095);
      b.set(n, `${b.scratchAt(ea)}-${imm}`);
      b.test(`ldr.w pc, [${rn(n)}, #${imm}]`);
    } else if (mode === 'reg') {
      const m = b.reg(GP, [n]);
      const index = b.rng.int(0, 15);
      b.set(m, index);
      b.set(n, `${b.scratchAt(ea)}-${4 * index}`);
      b.test(`ldr.w pc, [${rn(n)}, ${rn(m)}, lsl #2]`);
    } else {
      b.set(n, b.scratchAt(ea));
      b.test(`ldr pc, [${rn(n)}], #${b.rng.int(-255, 255)}`);
    }
    b.fill(2 + evenUpTo(b, 64));
    b.here(k);
  });
}
add('ldm.w with pc', 4, (b) => {
  const wback = b.rng.bool();
  const n = b.reg(GP);
  const list = regList(
    b,
    GP.filter((r) => r !== 14 && (r !== n || !wback)),
    1,
    7,
  );
  const k = b.ep();
  const offExpr = blockBase(b, list.length + 1, 'ia', 'sp');
  b.set(n, offExpr);
  b.scratchWords.set(Number(/^SCRATCH\+(\d+)$/.exec(offExpr)![1]) + 4 * list.length, branchWord(b, k));
  b.test(`ldm.w ${rn(n)}${wback ? '!' : ''}, {${[...list.map(rn), 'pc'].join(', ')}}`);
  b.fill(2);
  b.here(k);
});

add('ldr.n literal', 2, (b) => {
  const t = b.reg(LOW);
  const data = b.label('lit');
  b.simple(`ldr.n ${rn(t)}, ${data}+${4 * b.rng.int(0, 15)}`);
  b.fill(2 * b.rng.int(0, 300));
  b.emit('.align 2', `${data}:`, `.word ${Array.from({ length: 16 }, () => hex(b.rng.u32())).join(', ')}`);
});

// ---------------------------------------------------------------- LDRD / STRD
for (const op of ['ldrd', 'strd']) {
  for (const mode of ['offset', 'pre', 'post'] as const) {
    add(`${op} ${mode}`, 4, (b) => {
      const t = b.reg(GP);
      const t2 = op === 'ldrd' ? b.reg(GP, [t]) : b.reg(GP);
      const n = mode === 'offset' ? b.reg(GP) : b.reg(GP, [t, t2]);
      const imm = 4 * b.rng.int(-255, 255);
      // One in ten unaligned: LDRD/STRD always fault on that (UsageFault UNALIGNED).
      const ea = b.rng.bool(0.1) ? b.rng.int(0, b.layout.scratchSize - 8) : scratchOff(b, 8, 4);
      b.set(n, mode === 'post' ? b.scratchAt(ea) : `${b.scratchAt(ea)}-(${imm})`);
      const addr = mode === 'offset' ? `[${rn(n)}, #${imm}]` : mode === 'pre' ? `[${rn(n)}, #${imm}]!` : `[${rn(n)}], #${imm}`;
      b.simple(`${op} ${rn(t)}, ${rn(t2)}, ${addr}`);
    });
  }
}

// ---------------------------------------------------------------- LDM / STM / PUSH / POP
/** A sorted random register list of `lo..hi` registers drawn from `pool`. */
function regList(b: CaseBuilder, pool: readonly number[], lo: number, hi: number): number[] {
  const n = b.rng.int(lo, Math.min(hi, pool.length));
  const list = b.rng.shuffle([...pool]).slice(0, n).sort((x, y) => x - y);
  b.use(...list);
  return list;
}
const listText = (regs: number[]) => `{${regs.map(rn).join(', ')}}`;
/**
 * Base for a block transfer of `count` words; for a register base one in
 * twenty unaligned (always faults). SP is never unaligned: its bits 1:0 are
 * not state on M-profile (QEMU drops them on write).
 */
function blockBase(b: CaseBuilder, count: number, mode: 'ia' | 'db', base: 'reg' | 'sp' = 'reg'): string {
  const span = 4 * count;
  const off = mode === 'ia' ? scratchOff(b, span, 4) : span + scratchOff(b, span, 4);
  if (base === 'sp' || !b.rng.bool(0.05)) return b.scratchAt(off);
  // Misalign by 1-3 bytes, keeping the whole (never performed) transfer inside SCRATCH.
  const delta = b.rng.int(1, 3);
  const inside = (x: number) => (mode === 'ia' ? x >= 0 && x + span <= b.layout.scratchSize : x - span >= 0 && x <= b.layout.scratchSize);
  return b.scratchAt(inside(off + delta) ? off + delta : off - 4 + delta);
}
for (const [op, mode] of [
  ['ldm.w', 'ia'],
  ['ldmdb', 'db'],
  ['stm.w', 'ia'],
  ['stmdb', 'db'],
] as const) {
  add(op, 4, (b) => {
    const wback = b.rng.bool();
    const n = b.reg(GP);
    const pool = GP.filter((r) => r !== n || (!wback && op.startsWith('ldm')) || (!wback && b.rng.bool(0.5)));
    const list = regList(b, pool, 2, 9);
    b.set(n, blockBase(b, list.length, mode));
    b.simple(`${op} ${rn(n)}${wback ? '!' : ''}, ${listText(list)}`);
  });
}
add('ldm.n', 2, (b) => {
  const n = b.reg(LOW);
  const list = regList(b, LOW, 1, 6);
  const wback = !list.includes(n); // the 16-bit form writes back exactly when rn is not loaded
  b.set(n, blockBase(b, list.length, 'ia'));
  b.simple(`ldm.n ${rn(n)}${wback ? '!' : ''}, ${listText(list)}`);
});
add('stm.n', 2, (b) => {
  const n = b.reg(LOW);
  const list = regList(
    b,
    LOW.filter((r) => r !== n),
    1,
    6,
  );
  b.set(n, blockBase(b, list.length, 'ia'));
  b.simple(`stm.n ${rn(n)}!, ${listText(list)}`);
});
add('push.n', 2, (b) => {
  const list = [...regList(b, LOW, 0, 5), ...(b.rng.bool() ? [14] : [])];
  if (list.length === 0) list.push(b.reg(LOW));
  b.use(...list);
  list.sort((x, y) => x - y);
  b.sp = blockBase(b, list.length, 'db', 'sp');
  b.simple(`push.n ${listText(list)}`);
});
add('push.w', 4, (b) => {
  const list = regList(b, GP, 2, 9);
  b.sp = blockBase(b, list.length, 'db', 'sp');
  b.simple(`push.w ${listText(list)}`);
});
/** POP, optionally loading PC from a stacked endpoint address (a return). */
function genPop(b: CaseBuilder, pool: readonly number[], lo: number, wide: boolean): void {
  const withPc = b.rng.bool(0.4);
  // POP may load LR or PC, not both.
  const regs = regList(b, withPc ? pool.filter((r) => r !== 14) : pool, withPc ? lo - 1 : lo, 8);
  const count = regs.length + (withPc ? 1 : 0);
  const offExpr = blockBase(b, count, 'ia', 'sp');
  b.sp = offExpr;
  const text = `pop.${wide ? 'w' : 'n'} {${[...regs.map(rn), ...(withPc ? ['pc'] : [])].join(', ')}}`;
  if (!withPc) {
    b.simple(text);
    return;
  }
  const off = Number(/^SCRATCH\+(\d+)$/.exec(offExpr)![1]);
  const k = b.ep();
  b.scratchWords.set(off + 4 * regs.length, branchWord(b, k));
  b.test(text);
  b.fill(2);
  b.here(k);
}
add('pop.n', 2, (b) => genPop(b, LOW, 1, false));
add('pop.w', 4, (b) => genPop(b, GP.filter((r) => r !== 14 || b.rng.bool(0.3)), 2, true));

// ---------------------------------------------------------------- branches
/** Branch to endpoint `k`, placed `gap` bytes of filler away, forward or backward of the test. */
function branchTo(b: CaseBuilder, text: (target: string) => string, gap: number, backward: boolean, fallthrough: boolean): void {
  const target = b.ep();
  if (backward) {
    b.here(target);
    b.fill(gap);
  }
  b.test(text(b.E(target)));
  if (fallthrough) b.here(b.ep());
  else b.fill(2);
  if (!backward) {
    b.fill(gap);
    b.here(target);
  }
}
const evenUpTo = (b: CaseBuilder, max: number) => 2 * b.rng.int(0, max / 2);
add('b.n', 2, (b) => branchTo(b, (l) => `b.n ${l}`, evenUpTo(b, b.rng.bool() ? 64 : 1900), b.rng.bool(), false));
add('b.w', 4, (b) => branchTo(b, (l) => `b.w ${l}`, evenUpTo(b, b.rng.bool(0.8) ? 64 : 8000), b.rng.bool(), false));
add('bcc.n', 2, (b) => branchTo(b, (l) => `b${b.rng.pick(CONDS)}.n ${l}`, evenUpTo(b, 180), b.rng.bool(), true));
add('bcc.w', 4, (b) => branchTo(b, (l) => `b${b.rng.pick(CONDS)}.w ${l}`, evenUpTo(b, b.rng.bool(0.8) ? 64 : 8000), b.rng.bool(), true));
/**
 * A branch between the cases' code and the far section (~0.5-0.8 MB away),
 * either direction: the test near and its target far, or the other way round.
 */
function farBranch(b: CaseBuilder, text: (target: string) => string, fallthrough: boolean): void {
  const target = b.ep();
  const testHere = () => {
    b.test(text(b.E(target)));
    if (fallthrough) b.here(b.ep());
    else b.fill(2);
  };
  const testFar = b.rng.bool();
  const mark = b.lines.length;
  if (testFar) testHere();
  else b.here(target);
  const farLines = b.lines.splice(mark);
  b.far(...farLines);
  if (testFar) b.here(target);
  else testHere();
}
add('b.w far', 4, (b) => farBranch(b, (l) => `b.w ${l}`, false));
add('bl far', 4, (b) => farBranch(b, (l) => `bl ${l}`, false));
add('bcc.w far', 4, (b) => farBranch(b, (l) => `b${b.rng.pick(CONDS)}.w ${l}`, true));
for (const op of ['cbz', 'cbnz']) {
  add(op, 2, (b) => {
    const n = b.reg(LOW);
    if (b.rng.bool()) b.set(n, 0);
    branchTo(b, (l) => `${op} ${rn(n)}, ${l}`, evenUpTo(b, 90), false, true);
  });
}
add('bl', 4, (b) => branchTo(b, (l) => `bl ${l}`, evenUpTo(b, b.rng.bool(0.8) ? 64 : 8000), b.rng.bool(), false));
for (const op of ['bx', 'blx']) {
  add(op, 2, (b) => {
    const m = b.reg(GP);
    const target = b.ep();
    b.set(m, branchWord(b, target));
    b.test(`${op} ${rn(m)}`);
    b.fill(2 + evenUpTo(b, 64));
    b.here(target);
  });
}
for (const op of ['tbb', 'tbh'] as const) {
  for (const base of ['pc', 'reg'] as const) {
    add(`${op} [${base}, rm]`, 4, (b) => {
      const m = b.reg(GP);
      const entries = b.rng.int(1, 4);
      const eps = Array.from({ length: 4 }, () => b.ep());
      const table = Array.from({ length: entries }, () => `(${b.E(b.rng.pick(eps))}-(${b.T}+4))/2`);
      b.set(m, b.rng.int(0, entries - 1));
      const tab = b.label('tab');
      const tableLines = [op === 'tbh' ? '.align 1' : '', `${tab}:`, `${op === 'tbb' ? '.byte' : '.hword'} ${table.join(', ')}`, '.align 1'];
      if (base === 'pc') {
        b.test(`${op} [pc, ${rn(m)}${op === 'tbh' ? ', lsl #1' : ''}]`);
        b.emit(...tableLines);
      } else {
        const n = b.reg(GP, [m]);
        b.set(n, tab);
        b.test(`${op} [${rn(n)}, ${rn(m)}${op === 'tbh' ? ', lsl #1' : ''}]`);
        b.fill(2);
      }
      for (const k of eps) {
        b.fill(op === 'tbh' ? evenUpTo(b, 400) : evenUpTo(b, 16));
        b.here(k);
      }
      if (base === 'reg') b.emit(...tableLines);
    });
  }
}

// ---------------------------------------------------------------- IT blocks
/**
 * An instruction that may sit inside an IT block, executed under condition
 * `c`. Memory operations address SCRATCH through `base` (a high register no
 * instruction in the block writes).
 */
function itBody(b: CaseBuilder, c: string, base: number): string {
  const lo = () => rn(b.reg(LOW));
  const notBase = GP.filter((r) => r !== base);
  switch (b.rng.int(0, 13)) {
    case 0:
      return `add${c} ${lo()}, ${lo()}, ${lo()}`; // 16-bit, no flags inside IT
    case 1:
      return `sub${c} ${lo()}, ${lo()}, #${b.rng.int(0, 7)}`;
    case 2:
      return `mov${c} ${lo()}, #${b.rng.int(0, 255)}`;
    case 3:
      return `cmp${c} ${lo()}, ${lo()}`;
    case 4:
      return `cmp${c} ${lo()}, #${b.rng.int(0, 255)}`;
    case 5:
      return `adds${c}.w ${lo()}, ${lo()}, #${hex(modImm(b.rng))}`;
    case 6:
      return `lsl${c} ${lo()}, ${lo()}, #${b.rng.int(1, 31)}`;
    case 7:
      return `eor${c} ${lo()}, ${lo()}`;
    case 8:
      return `subs${c}.w ${rn(b.reg(notBase))}, ${rn(b.reg(GP))}, ${rn(b.reg(GP))}${shiftSuffix(b.rng)}`;
    case 9:
      return `ldr${c}.w ${rn(b.reg(notBase))}, [${rn(base)}, #${4 * b.rng.int(0, 15)}]`;
    case 10:
      return `str${c}.w ${rn(b.reg(GP))}, [${rn(base)}, #${b.rng.int(0, 60)}]`;
    case 11:
      return `ldrsh${c}.w ${rn(b.reg(notBase))}, [${rn(base)}, #${b.rng.int(0, 60)}]`;
    case 12:
      return `mul${c} ${rn(b.reg(notBase))}, ${rn(b.reg(GP))}, ${rn(b.reg(GP))}`;
    default:
      return `mvn${c} ${lo()}, ${lo()}`;
  }
}
/** IT with `len` instructions; the last one optionally a conditional branch. */
function genIt(b: CaseBuilder, len: number, lastBranch: boolean): void {
  const base = b.reg([8, 9, 10, 11, 12]);
  b.set(base, b.scratchAt(4 * b.rng.int(0, (b.layout.scratchSize - 64) / 4)));
  const first = b.rng.pick(CONDS);
  const pattern = Array.from({ length: len - 1 }, () => (b.rng.bool() ? 't' : 'e'));
  const conds = [first, ...pattern.map((p) => (p === 't' ? first : invCond(first)))];
  const lines = [`it${pattern.join('')} ${first}`];
  const taken = lastBranch ? b.ep() : -1;
  conds.forEach((c, i) => {
    if (lastBranch && i === len - 1) lines.push(`b${c}${b.rng.bool() ? '.n' : '.w'} ${b.E(taken)}`);
    else lines.push(itBody(b, c, base));
  });
  b.test(...lines);
  b.here(b.ep());
  if (lastBranch) {
    b.fill(evenUpTo(b, 100));
    b.here(taken);
  }
}
for (let len = 1; len <= 4; len++) add(`it x${len}`, 2, (b) => genIt(b, len, false));
add('it + branch', 2, (b) => genIt(b, b.rng.int(1, 4), true));

// ---------------------------------------------------------------- ADR, UDF, NOP
add('adr.n', 2, (b) => {
  const data = b.label('adr');
  b.simple(`adr.n ${rn(b.reg(LOW))}, ${data}+${4 * b.rng.int(0, 7)}`);
  b.fill(evenUpTo(b, 900));
  b.emit('.align 2', `${data}:`, '.space 32, 0xaa');
});
add('adr.w', 4, (b) => {
  const data = b.label('adr');
  const block = ['.align 2', `${data}:`, '.space 32, 0xaa'];
  const backward = b.rng.bool();
  if (backward) b.emit(...block), b.fill(evenUpTo(b, 3000));
  b.simple(`adr.w ${rn(b.reg(GP))}, ${data}+${b.rng.int(0, 31)}`);
  if (!backward) b.fill(evenUpTo(b, 3000)), b.emit(...block);
});
add('udf.n', 2, (b) => b.simple(`udf.n #${b.rng.int(0, 255)}`));
add('udf.w', 4, (b) => b.simple(`udf.w #${b.rng.int(0, 0xffff)}`));
add('nop.n', 2, (b) => b.simple('nop.n'));
add('nop.w', 4, (b) => b.simple('nop.w'));

export const FORMS: readonly Form[] = forms;
