/**
 * Shifted-operand folding on virtual code, before allocation:
 *
 *   mov vT, vM, <shift> #n ; ... ; op vD, vN, vT   ->   op vD, vN, vM, <shift> #n
 *
 * when vT is a virtual register with that one definition and that one use
 * (no cut point names it), the use follows in the same straight-line stretch
 * (no label, branch or call between) and vM is not written in between. The
 * MOV is left for dead-definition elimination. A commutative op with vT as
 * its first operand swaps its operands. Flag-setting logical ops keep their
 * MOV: a shifted operand would set C from the shifter.
 */
import type { AluOp, MInstr, Operand2 } from '../target/insn.ts';
import { isVirtual, usesDefs, type VFunction, type VInstr, type VReg } from './vcode.ts';

const COMMUTATIVE = new Set<AluOp>(['add', 'and', 'orr', 'eor', 'adc']);
/** Ops whose flags (when set) do not come from the shifter: C is the carry of the arithmetic. */
const ARITHMETIC = new Set<AluOp>(['add', 'sub', 'adc', 'sbc', 'rsb']);

function endsStretch(i: VInstr): boolean {
  return i.op === 'label' || i.op === 'b' || i.op === 'cbz' || i.op === 'cbnz' || i.op === 'tbb' || i.op === 'tbh' || i.op === 'bx' || i.op === 'blx' || i.op === 'bl' || i.op === 'udf';
}

export function foldShiftedOperands(fn: VFunction): VFunction {
  const defs = new Map<VReg, number>();
  const uses = new Map<VReg, number>();
  const count = (m: Map<VReg, number>, v: VReg) => m.set(v, (m.get(v) ?? 0) + 1);
  for (const i of fn.instrs) {
    const ud = usesDefs(i);
    for (const v of ud.uses) count(uses, v);
    for (const v of ud.defs) count(defs, v);
    const im = fn.implicit.get(i);
    for (const v of im?.uses ?? []) count(uses, v);
    for (const v of im?.defs ?? []) count(defs, v);
  }
  const named = new Set<VReg>();
  for (const c of fn.cutPoints) {
    for (const l of [...c.locals.map((x) => x.loc), ...c.stack]) {
      for (const w of l.type === 'i32' ? [l.loc] : [l.lo, l.hi]) if (w.kind === 'vreg') named.add(w.v);
    }
  }
  for (const v of fn.facts.keys()) named.add(v);

  const instrs = fn.instrs.slice();
  let changed = false;
  for (let k = 0; k < instrs.length; k++) {
    const d = instrs[k]!;
    if (d.op !== 'mov' || d.setFlags || d.op2.kind !== 'reg' || !d.op2.shift || d.op2.shift.amount === 0) continue;
    const t = d.rd;
    const m = d.op2.rm;
    if (!isVirtual(t) || named.has(t) || defs.get(t) !== 1 || uses.get(t) !== 1 || t === m) continue;
    for (let j = k + 1; j < instrs.length; j++) {
      const u = instrs[j]!;
      const ud = usesDefs(u);
      if (ud.uses.includes(t)) {
        const folded = fold(u, t, d.op2);
        if (folded) {
          instrs[j] = folded;
          const im = fn.implicit.get(u);
          if (im) fn.implicit.set(folded, im);
          changed = true;
        }
        break;
      }
      if (endsStretch(u) || ud.defs.includes(m) || fn.implicit.get(u)?.defs.includes(m)) break;
    }
  }
  return changed ? { ...fn, instrs } : fn;
}

/** `u` with its use of `t` replaced by the shifted operand, or undefined if no form takes it. */
function fold(u: VInstr, t: VReg, op2: Operand2<VReg>): VInstr | undefined {
  const plain = (o: Operand2<VReg>) => o.kind === 'reg' && o.rm === t && !o.shift;
  if (u.op === 'alu') {
    if (u.setFlags && !ARITHMETIC.has(u.alu)) return undefined;
    if (plain(u.op2) && u.rn !== t) return { ...u, op2 };
    if (u.rn === t && COMMUTATIVE.has(u.alu) && u.op2.kind === 'reg' && !u.op2.shift && u.op2.rm !== t) return { ...u, rn: u.op2.rm, op2 };
    return undefined;
  }
  if ((u.op === 'cmp' || u.op === 'cmn') && plain(u.op2) && u.rn !== t) return { ...u, op2 } as MInstr<VReg>;
  return undefined;
}
