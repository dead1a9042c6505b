/**
 * Firmware images for QEMU mps2-an386 (Cortex-M4), built without any
 * external tool: a vector table, a reset handler (copies .data, zeroes
 * .bss), a *driver* that performs a list of calls and reports each result
 * over semihosting, and fault handlers that turn `UDF #code` into a trap
 * report and resume the driver at the next call.
 *
 * Memory: flash at 0x0 (vectors, code, rodata, .data load image); RAM at
 * 0x20000000 (.data, .bss: linear memory and globals are the caller's data
 * blobs), stack downwards from 0x20400000.
 *
 * REPORTING PROTOCOL (semihosting SYS_WRITE0, one line per call, in order;
 * all numbers are 8 lowercase hex digits):
 *   ok <i>                    call i returned, no result
 *   ok <i> <r0>               i32 result
 *   ok <i> <r1><r0>           i64 result (16 digits, high word first)
 *   ok <i> <v1> <v2> ...      several results, each as above, from the
 *                             registers spec/abi/aapcs.ts `resultLocations` puts them in
 *   trap <i> <code>           call i executed UDF #code (spec/abi/traps.ts); the next call still runs
 *   fault <i> <cfsr> <pc>     any other fault (CFSR, faulting PC); the run stops (exit status 3)
 *   done                      all calls ran; exit status 0 (SYS_EXIT_EXTENDED)
 * A trap restores the driver's saved context (SP, r4, r5), so a trap in one
 * call never affects the next. `runFirmware` parses this into outcomes.
 *
 * Calls follow AAPCS: r0-r3, an i64 in an even-aligned register pair, the
 * rest on the stack (i64 8-byte aligned), no back-filling; SP is 8-byte
 * aligned at the call; results in r0 or r0:r1, several results in r0-r3
 * (spec/abi/aapcs.ts `resultLocations`).
 */
import type { Cond } from '../target/insn.ts';
import { encodeFunction, type TargetInstr } from '../target/encode.ts';
import type { ObjData, ObjFunction } from '../target/object.ts';
import { trapKindOfCode, type TrapKind } from '../../spec/abi/traps.ts';
import { resultLocations } from '../../spec/abi/aapcs.ts';
import { buildElf, SHF, SHT, type SectionSpec } from '../elf/elf32.ts';
import { link, RAM_BASE, RAM_SIZE } from './link.ts';
import { runOnQemu, runOnQemuAsync, type QemuOptions, type QemuResult } from './qemu.ts';

export type ValType = 'i32' | 'i64';

export interface FirmwareCall {
  symbol: string;
  args: { type: ValType; value: bigint }[];
  /** Results, in the registers of spec/abi/aapcs.ts `resultLocations` (r0-r3). */
  results: ValType[];
}

export interface FirmwareInput {
  functions: ObjFunction[];
  data?: ObjData[];
  calls: FirmwareCall[];
}

export type CallOutcome =
  /** Raw result bits: i32 as 0..2^32-1, i64 as 0..2^64-1. */
  | { kind: 'ok'; values: bigint[] }
  | { kind: 'trap'; code: number; trap: TrapKind | undefined }
  | { kind: 'fault'; cfsr: number; pc: number }
  /** No report (an earlier fault stopped the run, or a timeout). */
  | { kind: 'missing' };

export interface FirmwareRun {
  outcomes: CallOutcome[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Whether the driver printed `done`. */
  completed: boolean;
}

const STACK_TOP = RAM_BASE + RAM_SIZE;
const VECTORS = 16;
const FAULT_EXIT = 3;

// Registers of the runtime (the runtime is hand-written MInstr; r12 is left to the encoder).
const [R0, R1, R2, R3, R4, R5, R6, R7] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const SPR = 13;
const LRR = 14;
const PCR = 15;

type RI = TargetInstr;
const imm = (value: number) => ({ kind: 'imm' as const, value });
const reg = (rm: number) => ({ kind: 'reg' as const, rm });
const mov = (rd: number, v: number): RI => ({ op: 'movConst', rd, value: v });
const movr = (rd: number, rm: number): RI => ({ op: 'mov', setFlags: false, rd, op2: reg(rm) });
const ldr = (rt: number, base: number, offset = 0, size: 1 | 2 | 4 = 4): RI => ({ op: 'ldr', size, signed: false, rt, addr: { kind: 'imm', base, offset } });
const str = (rt: number, base: number, offset = 0, size: 1 | 2 | 4 = 4): RI => ({ op: 'str', size, rt, addr: { kind: 'imm', base, offset } });
const addi = (rd: number, rn: number, v: number): RI => ({ op: 'alu', alu: 'add', setFlags: false, rd, rn, op2: imm(v) });
const addr = (rd: number, symbol: string): RI => ({ op: 'addrOf', rd, symbol, addend: 0 });
const label = (l: number): RI => ({ op: 'label', label: l });
const b = (target: number, cond?: Cond): RI => (cond ? { op: 'b', cond, target } : { op: 'b', target });
const cmpi = (rn: number, v: number): RI => ({ op: 'cmp', rn, op2: imm(v) });
const bl = (symbol: string): RI => ({ op: 'bl', symbol });
const semihost = (op: number): RI[] => [mov(R0, op), { op: 'bkpt', imm: 0xab }];

/** Runtime functions (file-local names prefixed `__warden_`). */
function runtime(): { functions: ObjFunction[]; data: ObjData[]; resumeLabel: number } {
  const fn = (name: string, instrs: RI[]): ObjFunction => ({ name, global: false, code: encodeFunction(instrs) });
  // puts(r0 = zero-terminated string): SYS_WRITE0.
  const puts = fn('__warden_puts', [movr(R1, R0), ...semihost(0x04), { op: 'bx', rm: LRR }]);
  // puthex_fill(r0): hexbuf := " %08x\0"; puthex(r0) writes it, puthex_raw(r0) writes it without the space.
  const puthexFill = fn('__warden_puthex_fill', [
    addr(R1, '__warden_hexbuf'), mov(R2, 0x20), str(R2, R1, 0, 1), mov(R2, 0), str(R2, R1, 9, 1), mov(R2, 8),
    label(0), { op: 'alu', alu: 'and', setFlags: false, rd: R3, rn: R0, op2: imm(15) },
    cmpi(R3, 10), b(1, 'lo'), addi(R3, R3, 0x61 - 10), b(2), label(1), addi(R3, R3, 0x30), label(2),
    { op: 'str', size: 1, rt: R3, addr: { kind: 'reg', base: R1, index: R2, shift: 0 } },
    { op: 'mov', setFlags: false, rd: R0, op2: { kind: 'reg', rm: R0, shift: { kind: 'lsr', amount: 4 } } },
    { op: 'alu', alu: 'sub', setFlags: true, rd: R2, rn: R2, op2: imm(1) }, b(0, 'ne'),
    { op: 'bx', rm: LRR },
  ]);
  const writeHex = (name: string, skip: number): ObjFunction => fn(name, [
    { op: 'push', regs: [R4, LRR] }, bl('__warden_puthex_fill'),
    addr(R0, '__warden_hexbuf'), addi(R0, R0, skip), bl('__warden_puts'),
    { op: 'pop', regs: [R4, PCR] },
  ]);
  const puthex = writeHex('__warden_puthex', 0);
  const puthexRaw = writeHex('__warden_puthex_raw', 1);
  const exit = (block: string): RI[] => [addr(R1, block), ...semihost(0x20), label(99), b(99)];
  // The driver. r4 = current call descriptor, r5 = call index. Descriptor words:
  // [fn|1, r0, r1, r2, r3, nStackWords (even), printSpec, stack words...]; fn = 0 ends the table.
  // printSpec: up to 4 bytes from the low end, each 0x80 | reg (print " %08x" of that result
  // register) or 0x90 | reg (print "%08x", no space: the low word after an i64's high word); 0 ends.
  const LOOP = 10, DONE = 11, COPY = 12, COPIED = 13, NEXT = 14, RESUME = 15, ZERO = 17, ZEROED = 18, COPYD = 19, COPIEDD = 20, WORD = 21, RAW = 22, STEP = 23;
  const driver = fn('__warden_reset', [
    // .data from its load image, .bss zeroed.
    addr(R0, '__data_load'), addr(R1, '__data_start'), addr(R2, '__data_end'),
    label(COPYD), { op: 'cmp', rn: R1, op2: reg(R2) }, b(COPIEDD, 'hs'),
    ldr(R3, R0), str(R3, R1), addi(R0, R0, 4), addi(R1, R1, 4), b(COPYD),
    label(COPIEDD),
    addr(R1, '__bss_start'), addr(R2, '__bss_end'), mov(R3, 0),
    label(ZERO), { op: 'cmp', rn: R1, op2: reg(R2) }, b(ZEROED, 'hs'),
    str(R3, R1), addi(R1, R1, 4), b(ZERO),
    label(ZEROED),
    addr(R4, '__warden_calls'), mov(R5, 0),
    label(LOOP),
    ldr(R0, R4), { op: 'cbz', rn: R0, target: DONE },
    // Save the context a trap resumes from.
    addr(R1, '__warden_ctx'), movr(R2, SPR), str(R2, R1, 0), str(R4, R1, 4), str(R5, R1, 8),
    // Stack arguments.
    ldr(R7, R4, 20),
    { op: 'alu', alu: 'sub', setFlags: false, rd: SPR, rn: SPR, op2: { kind: 'reg', rm: R7, shift: { kind: 'lsl', amount: 2 } } },
    addi(R1, R4, 28), mov(R2, 0),
    label(COPY), { op: 'cmp', rn: R2, op2: reg(R7) }, b(COPIED, 'hs'),
    { op: 'ldr', size: 4, signed: false, rt: R3, addr: { kind: 'reg', base: R1, index: R2, shift: 2 } },
    { op: 'str', size: 4, rt: R3, addr: { kind: 'reg', base: SPR, index: R2, shift: 2 } },
    addi(R2, R2, 1), b(COPY),
    label(COPIED),
    { op: 'ldrd', rt: R0, rt2: R1, base: R4, offset: 4 },
    { op: 'ldrd', rt: R2, rt2: R3, base: R4, offset: 12 },
    ldr(R6, R4), { op: 'blx', rm: R6 },
    // Back: keep r0-r3, restore SP, report "ok <i> [results]".
    addr(R6, '__warden_results'),
    { op: 'strd', rt: R0, rt2: R1, base: R6, offset: 0 }, { op: 'strd', rt: R2, rt2: R3, base: R6, offset: 8 },
    addr(R2, '__warden_ctx'), ldr(R3, R2, 0), movr(SPR, R3),
    addr(R0, '__warden_str_ok'), bl('__warden_puts'),
    movr(R0, R5), bl('__warden_puthex'),
    ldr(R7, R4, 24),
    label(WORD),
    { op: 'alu', alu: 'and', setFlags: false, rd: R3, rn: R7, op2: imm(0xff) }, { op: 'cbz', rn: R3, target: NEXT },
    { op: 'alu', alu: 'and', setFlags: false, rd: R2, rn: R3, op2: imm(3) },
    { op: 'ldr', size: 4, signed: false, rt: R0, addr: { kind: 'reg', base: R6, index: R2, shift: 2 } },
    { op: 'tst', rn: R3, op2: imm(0x10) }, b(RAW, 'ne'),
    bl('__warden_puthex'), b(STEP),
    label(RAW), bl('__warden_puthex_raw'),
    label(STEP),
    { op: 'mov', setFlags: false, rd: R7, op2: { kind: 'reg', rm: R7, shift: { kind: 'lsr', amount: 8 } } }, b(WORD),
    label(NEXT),
    addr(R0, '__warden_str_nl'), bl('__warden_puts'),
    ldr(R7, R4, 20), addi(R4, R4, 28),
    { op: 'alu', alu: 'add', setFlags: false, rd: R4, rn: R4, op2: { kind: 'reg', rm: R7, shift: { kind: 'lsl', amount: 2 } } },
    addi(R5, R5, 1), b(LOOP),
    // A trap resumes here in thread mode with r0 = code.
    label(RESUME),
    addr(R1, '__warden_ctx'), ldr(R2, R1, 0), movr(SPR, R2), ldr(R4, R1, 4), ldr(R5, R1, 8),
    movr(R6, R0),
    addr(R0, '__warden_str_trap'), bl('__warden_puts'),
    movr(R0, R5), bl('__warden_puthex'),
    movr(R0, R6), bl('__warden_puthex'),
    b(NEXT),
    label(DONE),
    addr(R0, '__warden_str_done'), bl('__warden_puts'),
    ...exit('__warden_exit_ok'),
  ]);
  // Fault handler (all fault vectors). Stacked frame at SP: r0 r1 r2 r3 r12 lr pc xpsr.
  const NOT16 = 1, TRAP = 2, OTHER = 3;
  const fault = fn('__warden_fault', [
    ldr(R0, SPR, 24), ldr(R1, R0, 0, 2),
    { op: 'mov', setFlags: false, rd: R2, op2: { kind: 'reg', rm: R1, shift: { kind: 'lsr', amount: 8 } } },
    cmpi(R2, 0xde), b(NOT16, 'ne'),
    { op: 'alu', alu: 'and', setFlags: false, rd: R3, rn: R1, op2: imm(0xff) }, b(TRAP),
    label(NOT16),
    // UDF.W: hw1 = 0xF7F<imm4>, hw2 = 0xA<imm12>.
    { op: 'mov', setFlags: false, rd: R2, op2: { kind: 'reg', rm: R1, shift: { kind: 'lsr', amount: 4 } } },
    { op: 'cmp', rn: R2, op2: imm(0xf7f) }, b(OTHER, 'ne'),
    ldr(R2, R0, 2, 2),
    { op: 'mov', setFlags: false, rd: R3, op2: { kind: 'reg', rm: R2, shift: { kind: 'lsr', amount: 12 } } },
    cmpi(R3, 0xa), b(OTHER, 'ne'),
    { op: 'alu', alu: 'and', setFlags: false, rd: R3, rn: R1, op2: imm(0xf) },
    { op: 'movw', rd: R1, imm16: 0xfff },
    { op: 'alu', alu: 'and', setFlags: false, rd: R2, rn: R2, op2: reg(R1) },
    { op: 'alu', alu: 'orr', setFlags: false, rd: R3, rn: R2, op2: { kind: 'reg', rm: R3, shift: { kind: 'lsl', amount: 12 } } },
    label(TRAP),
    // Return from the exception into the driver's resume point with r0 = code.
    str(R3, SPR, 0),
    addr(R2, '__warden_trap_resume'), str(R2, SPR, 24),
    mov(R2, 0x01000000), str(R2, SPR, 28),
    { op: 'bx', rm: LRR },
    label(OTHER),
    movr(R6, R0),
    addr(R0, '__warden_str_fault'), bl('__warden_puts'),
    addr(R1, '__warden_ctx'), ldr(R0, R1, 8), bl('__warden_puthex'),
    mov(R1, 0xe000ed28), ldr(R0, R1), bl('__warden_puthex'),
    movr(R0, R6), bl('__warden_puthex'),
    addr(R0, '__warden_str_nl'), bl('__warden_puts'),
    ...exit('__warden_exit_fault'),
  ]);
  const str8 = (name: string, s: string): ObjData => ({ name, global: false, section: '.rodata', bytes: Uint8Array.from([...Buffer.from(s), 0]), align: 1, relocations: [] });
  const words = (name: string, ws: number[], section: '.rodata' | '.bss' = '.rodata'): ObjData => {
    const bytes = new Uint8Array(ws.length * 4);
    ws.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w >>> 0, true));
    return { name, global: false, section, bytes, align: 4, relocations: [] };
  };
  const data: ObjData[] = [
    str8('__warden_str_ok', 'ok'), str8('__warden_str_trap', 'trap'), str8('__warden_str_fault', 'fault'),
    str8('__warden_str_done', 'done\n'), str8('__warden_str_nl', '\n'),
    words('__warden_exit_ok', [0x20026, 0]), words('__warden_exit_fault', [0x20026, FAULT_EXIT]),
    words('__warden_hexbuf', [0, 0, 0], '.bss'), words('__warden_ctx', [0, 0, 0], '.bss'), words('__warden_results', [0, 0, 0, 0], '.bss'),
  ];
  return { functions: [driver, fault, puts, puthex, puthexRaw, puthexFill], data, resumeLabel: RESUME };
}

/** AAPCS argument placement: the four argument registers and the stack words (padded to 8 bytes). */
export function aapcsArgs(args: FirmwareCall['args']): { regs: number[]; stack: number[] } {
  const regs = [0, 0, 0, 0];
  const stack: number[] = [];
  let ncrn = 0;
  for (const a of args) {
    const bits = BigInt.asUintN(a.type === 'i32' ? 32 : 64, a.value);
    if (a.type === 'i32') {
      if (ncrn < 4) regs[ncrn++] = Number(bits);
      else stack.push(Number(bits));
    } else {
      const lo = Number(bits & 0xffffffffn);
      const hi = Number(bits >> 32n);
      if (ncrn % 2) ncrn++;
      if (ncrn <= 2) {
        regs[ncrn] = lo;
        regs[ncrn + 1] = hi;
        ncrn += 2;
      } else {
        ncrn = 4; // no back-filling once an argument went to the stack
        if (stack.length % 2) stack.push(0);
        stack.push(lo, hi);
      }
    }
  }
  if (stack.length % 2) stack.push(0);
  return { regs, stack };
}

/** The driver's print spec for a call's results (see the driver). */
function printSpec(i: number, c: FirmwareCall): number {
  const r = resultLocations(c.results);
  if (!r.ok) throw new Error(`call ${i} (${c.symbol}): ${r.reason}`);
  const bytes = r.locs.flatMap((l) => (l.kind === 'reg' ? [0x80 | l.reg] : [0x80 | l.hi, 0x90 | l.lo]));
  return bytes.reduce((acc, b, k) => acc + b * 2 ** (8 * k), 0);
}

function callTable(calls: FirmwareCall[]): ObjData {
  const words: number[] = [];
  const relocations: ObjData['relocations'] = [];
  calls.forEach((c, i) => {
    for (const a of c.args) if (a.type !== 'i32' && a.type !== 'i64') throw new Error(`call ${i} (${c.symbol}): bad argument type ${String(a.type)}`);
    const { regs, stack } = aapcsArgs(c.args);
    relocations.push({ offset: words.length * 4, type: 'R_ARM_ABS32', symbol: c.symbol, addend: 0 });
    words.push(0, ...regs, stack.length, printSpec(i, c), ...stack);
  });
  words.push(0);
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w >>> 0, true));
  return { name: '__warden_calls', global: false, section: '.rodata', bytes, align: 4, relocations };
}

export interface Firmware {
  image: Uint8Array;
  symbols: Map<string, number>;
}

/** Build the ELF32 ET_EXEC image. Function symbols must be unique and not clash with the driver's `__warden_*` names. */
export function buildFirmware(input: FirmwareInput): Firmware {
  const rt = runtime();
  // The compiler's own runtime routines (also `__warden_*`) may come in; the driver's names may not.
  const reserved = new Set([...rt.functions, ...rt.data].map((x) => x.name));
  const known = new Set(input.functions.flatMap((f) => [f.name, ...(f.aliases ?? [])]));
  for (const name of known) if (reserved.has(name)) throw new Error(`function name ${name} is reserved`);
  input.calls.forEach((c, i) => {
    if (!known.has(c.symbol)) throw new Error(`call ${i}: no function named ${c.symbol}`);
  });
  const functions = [...rt.functions, ...input.functions];
  const data = [...rt.data, ...(input.data ?? []), callTable(input.calls)];
  const driver = rt.functions[0]!;
  const linked = link(functions, data, VECTORS * 4, (syms) => {
    const at = syms.get(driver.name)! & ~1;
    return new Map([['__warden_trap_resume', at + driver.code.labelOffsets.get(rt.resumeLabel)!]]);
  });
  const reset = linked.symbols.get('__warden_reset')!;
  const faultH = linked.symbols.get('__warden_fault')!;
  const vectors = new Uint8Array(VECTORS * 4);
  const vdv = new DataView(vectors.buffer);
  vdv.setUint32(0, STACK_TOP, true);
  vdv.setUint32(4, reset, true);
  for (let i = 2; i < VECTORS; i++) vdv.setUint32(i * 4, faultH, true); // NMI, HardFault, MemManage, BusFault, UsageFault, ... all report
  const [text, rodata, dataSec, bss] = linked.sections as [typeof linked.sections[0], typeof linked.sections[0], typeof linked.sections[0], typeof linked.sections[0]];
  const sections: SectionSpec[] = [
    { name: '.vectors', type: SHT.PROGBITS, flags: SHF.ALLOC, data: vectors, align: 4, addr: 0 },
    { name: '.text', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXECINSTR, data: text.bytes, align: 4, addr: text.addr },
    { name: '.rodata', type: SHT.PROGBITS, flags: SHF.ALLOC, data: rodata.bytes, align: rodata.align, addr: rodata.addr },
    { name: '.data', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.WRITE, data: dataSec.bytes, align: dataSec.align, addr: dataSec.addr, loadAddr: dataSec.loadAddr },
    { name: '.bss', type: SHT.NOBITS, flags: SHF.ALLOC | SHF.WRITE, data: new Uint8Array(0), size: bss.bytes.length, align: bss.align, addr: bss.addr },
  ];
  const image = buildElf({ kind: 'exec', entry: reset, sections, symbols: linked.symbolSpecs });
  return { image, symbols: linked.symbols };
}

/** Parse the driver's report (see the protocol at the top of this file). */
export function parseReport(stdout: string, calls: FirmwareCall[]): { outcomes: CallOutcome[]; completed: boolean } {
  const outcomes: CallOutcome[] = calls.map(() => ({ kind: 'missing' }));
  let completed = false;
  for (const line of stdout.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t[0] === 'done') completed = true;
    const i = parseInt(t[1] ?? '', 16);
    if (!(i >= 0 && i < calls.length)) continue;
    if (t[0] === 'ok') {
      // One token per result (an i64 is one 16-digit token).
      outcomes[i] = { kind: 'ok', values: t.slice(2).map((w) => BigInt(`0x${w}`)) };
    } else if (t[0] === 'trap') {
      const code = parseInt(t[2]!, 16);
      outcomes[i] = { kind: 'trap', code, trap: trapKindOfCode(code) };
    } else if (t[0] === 'fault') {
      outcomes[i] = { kind: 'fault', cfsr: parseInt(t[2]!, 16), pc: parseInt(t[3]!, 16) };
    }
  }
  return { outcomes, completed };
}

function parseRun(input: FirmwareInput, r: QemuResult): FirmwareRun {
  const { outcomes, completed } = parseReport(r.stdout, input.calls);
  return { outcomes, completed, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
}

/** Build, run on QEMU once, and parse: one outcome per call. */
export function runFirmware(input: FirmwareInput, opts: QemuOptions = {}): FirmwareRun {
  return parseRun(input, runOnQemu(buildFirmware(input).image, opts));
}

/** runFirmware without blocking: several QEMU runs may be in flight. */
export async function runFirmwareAsync(input: FirmwareInput, opts: QemuOptions = {}): Promise<FirmwareRun> {
  return parseRun(input, await runOnQemuAsync(buildFirmware(input).image, opts));
}
