/**
 * Peepholes on allocated code (MInstr<PReg>), each local and obviously
 * flag-safe:
 * - `op rd, ...; cmp rd, #0; b{eq,ne,mi,pl}` -> `ops rd, ...; b..`: the
 *   flag-setting form sets N and Z from the same result, and the CMP would
 *   have overwritten any flags live before it anyway.
 */
import type { MInstr, PReg } from '../target/insn.ts';

const FOLDABLE = new Set(['add', 'sub', 'and', 'orr', 'eor', 'bic', 'orn', 'rsb']);

export function peephole(code: readonly MInstr<PReg>[]): MInstr<PReg>[] {
  const out: MInstr<PReg>[] = [];
  for (let k = 0; k < code.length; k++) {
    const i = code[k]!;
    const cmp = code[k + 1];
    const br = code[k + 2];
    if (
      i.op === 'alu' && !i.setFlags && FOLDABLE.has(i.alu) &&
      cmp?.op === 'cmp' && cmp.rn === i.rd && cmp.op2.kind === 'imm' && cmp.op2.value === 0 &&
      br?.op === 'b' && (br.cond === 'eq' || br.cond === 'ne' || br.cond === 'mi' || br.cond === 'pl')
    ) {
      out.push({ ...i, setFlags: true }, br);
      k += 2;
      continue;
    }
    out.push(i);
  }
  return out;
}
