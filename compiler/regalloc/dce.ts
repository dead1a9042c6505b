/**
 * Dead-definition elimination on virtual code, before allocation: an
 * instruction with no effect other than writing registers that are dead
 * afterwards is removed (e.g. the zero-initialisation of a local that is
 * written before it is read). Iterated to a fixed point.
 */
import { isVirtual, type VFunction, type VInstr } from '../isel/vcode.ts';
import { liveness } from './liveness.ts';

/** Instructions whose only effect is their register result (no flags, memory, control or implicit effects). */
function pure(i: VInstr): boolean {
  switch (i.op) {
    case 'alu':
    case 'mov':
    case 'mvn':
    case 'shiftReg':
      return !i.setFlags;
    case 'movConst':
    case 'movw':
    case 'addrOf':
    case 'mul':
    case 'mla':
    case 'mls':
    case 'umull':
    case 'smull':
    case 'udiv':
    case 'sdiv':
    case 'clz':
    case 'rbit':
    case 'rev':
    case 'sxtb':
    case 'sxth':
    case 'uxtb':
    case 'uxth':
      return true;
    default:
      return false;
  }
}

export function eliminateDeadDefs(fn: VFunction): VFunction {
  let instrs = fn.instrs;
  for (;;) {
    const lv = liveness(instrs, fn.implicit);
    const dead = new Set<number>();
    for (const [bi, blk] of lv.blocks.entries()) {
      const live = new Set(lv.liveOut[bi]!);
      for (let k = blk.last; k >= blk.first; k--) {
        const i = instrs[k]!;
        const defs = lv.defs[k]!;
        if (pure(i) && !fn.implicit.has(i) && defs.length > 0 && defs.every((d) => isVirtual(d) && !live.has(d))) {
          dead.add(k);
          continue;
        }
        for (const d of defs) live.delete(d);
        for (const u of lv.uses[k]!) live.add(u);
      }
    }
    if (dead.size === 0) return { ...fn, instrs };
    instrs = instrs.filter((_, k) => !dead.has(k));
  }
}
