/**
 * Frame layout, prologue/epilogue, and the final rewrite of allocated
 * virtual code into `MInstr<PReg>`.
 *
 *   incoming stack params   [SP_entry + off]
 *   saved registers         PUSH {callee-saved used..., LR}
 *   padding                 (keeps SP 8-byte aligned)
 *   spill slots             [SP + outgoing + slot]
 *   outgoing call args      [SP + off]          <- SP in the body
 */
import { CALLEE_SAVED } from '../../spec/abi/aapcs.ts';
import { LR, PC, SP, type MInstr, type PReg } from '../target/insn.ts';
import { INCOMING_BASE, SPILL_BASE, isVirtual, mapRegs, type VFunction, type VInstr, type VReg } from '../isel/vcode.ts';
import type { Allocation } from '../regalloc/alloc.ts';
import { peephole } from './peephole.ts';
import { useDeadFlags } from './flags.ts';

export interface Frame {
  /** Registers pushed by the prologue, ascending (LR last when present). */
  saved: PReg[];
  /** Bytes subtracted from SP after the push. */
  size: number;
  outgoingBytes: number;
  spillBytes: number;
}

export interface Finalised {
  code: MInstr<PReg>[];
  frame: Frame;
  /** Index in `code` of each label instruction, by label. */
  labelIndex: Map<number, number>;
}

export function layoutFrame(fn: VFunction, alloc: Allocation): Frame {
  const used = new Set(alloc.assignment.values());
  const saved: PReg[] = CALLEE_SAVED.filter((r) => used.has(r));
  const hasCall = alloc.instrs.some((i) => i.op === 'bl' || i.op === 'blx');
  const body = fn.outgoingBytes + alloc.spillBytes;
  // A leaf that touches no callee-saved register, LR or frame returns with BX LR and pushes nothing.
  if (saved.length > 0 || used.has(LR) || hasCall || body > 0) saved.push(LR);
  const pushBytes = 4 * saved.length;
  // AAPCS wants SP 8-byte aligned at calls; a leaf only needs word alignment.
  const size = hasCall ? Math.ceil((pushBytes + body) / 8) * 8 - pushBytes : Math.ceil(body / 4) * 4;
  return { saved, size, outgoingBytes: fn.outgoingBytes, spillBytes: alloc.spillBytes };
}

export function finalise(fn: VFunction, alloc: Allocation): Finalised {
  const frame = layoutFrame(fn, alloc);
  const reg = (v: VReg): PReg => {
    if (!isVirtual(v)) return v;
    const r = alloc.assignment.get(v);
    if (r === undefined) throw new Error(`internal: v${v} of function ${fn.index} has no register`);
    return r;
  };
  const incomingDelta = frame.size + 4 * frame.saved.length;
  const code: MInstr<PReg>[] = [];
  if (frame.saved.length > 0) code.push({ op: 'push', regs: frame.saved });
  if (frame.size > 0) code.push({ op: 'alu', alu: 'sub', setFlags: false, rd: SP, rn: SP, op2: { kind: 'imm', value: frame.size } });
  for (const i of alloc.instrs) {
    if (i.op === 'nop' && alloc.implicit.has(i)) {
      // The exit marker becomes the epilogue.
      if (frame.size > 0) code.push({ op: 'alu', alu: 'add', setFlags: false, rd: SP, rn: SP, op2: { kind: 'imm', value: frame.size } });
      if (frame.saved.length > 0) code.push({ op: 'pop', regs: frame.saved.map((r) => (r === LR ? PC : r)) });
      else code.push({ op: 'bx', rm: LR });
      continue;
    }
    const fixed = fixBase(i, frame, incomingDelta);
    const m = mapRegs(fixed, reg);
    if (m.op === 'mov' && !m.setFlags && m.op2.kind === 'reg' && !m.op2.shift && m.op2.rm === m.rd) continue; // coalesced
    code.push(m);
  }
  const final = useDeadFlags(peephole(code));
  const labelIndex = new Map<number, number>();
  final.forEach((i, k) => {
    if (i.op === 'label') labelIndex.set(i.label, k);
  });
  return { code: final, frame, labelIndex };
}

/** Resolve the frame-base sentinels to SP-relative addresses now that the frame is known. */
function fixBase(i: VInstr, frame: Frame, incomingDelta: number): VInstr {
  if ((i.op === 'ldr' || i.op === 'str') && i.addr.kind === 'imm') {
    if (i.addr.base === SPILL_BASE) return { ...i, addr: { kind: 'imm', base: SP, offset: frame.outgoingBytes + i.addr.offset } };
    if (i.addr.base === INCOMING_BASE) return { ...i, addr: { kind: 'imm', base: SP, offset: incomingDelta + i.addr.offset } };
  }
  return i;
}
