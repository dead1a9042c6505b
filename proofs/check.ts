/**
 * The correctness statement shared by the selection-rule lemmas: every path
 * of the ARM sequence does what the WASM rule says.
 *
 * - a path reaching the end of the sequence: no WASM trap holds, and the
 *   result registers hold the WASM results;
 * - a path ending in `udf #k`: the first WASM trap that holds (the rules list
 *   them in priority order) has code k (spec/abi/traps.ts);
 * - any other path (a fault, an unknown instruction): impossible.
 * Every call precondition met on the way must hold too.
 */
import type { Z3Algebra, ZBool, ZBV } from '../spec/bv/z3.ts';
import type { Outcome } from '../spec/wasm/semantics.ts';
import { trapCode } from '../spec/abi/traps.ts';
import { condHolds } from '../spec/arm/semantics.ts';
import type { Cond } from '../spec/arm/ast.ts';
import type { Path, State } from './arm-run.ts';

/** The value read from the result registers: one register (32 bits) or a hi:lo pair (64 bits). */
export type ResultRegs = number | { lo: number; hi: number };

export function readResult(A: Z3Algebra, s: State, r: ResultRegs): ZBV {
  return typeof r === 'number' ? s.r[r]! : A.concat(s.r[r.hi]!, s.r[r.lo]!);
}

/** The WASM outcome's first holding trap is the one with `code`. */
export function firstTrapIs(A: Z3Algebra, expected: Outcome<ZBV, ZBool>, code: number): ZBool {
  const cases: ZBool[] = [];
  expected.traps.forEach((t, i) => {
    if (trapCode(t.trap) !== code) return;
    cases.push(A.boolAnd(t.when, ...expected.traps.slice(0, i).map((e) => A.boolNot(e.when))));
  });
  return A.boolOr(...cases);
}

export function noTrap(A: Z3Algebra, expected: Outcome<ZBV, ZBool>): ZBool {
  return A.boolAnd(...expected.traps.map((t) => A.boolNot(t.when)));
}

/** The goal: every path agrees with `expected`, under `hyp` (e.g. the constant is not 0). */
export function agrees(A: Z3Algebra, run: { paths: Path[]; requires: ZBool[] }, expected: Outcome<ZBV, ZBool>, result: ResultRegs, hyp: ZBool = A.bool(true)): ZBool {
  const { Implies } = A.ctx;
  const goals: ZBool[] = run.requires.map((r) => Implies(hyp, r));
  for (const p of run.paths) {
    const pre = A.boolAnd(hyp, p.pc);
    switch (p.exit.kind) {
      case 'end':
        goals.push(Implies(pre, A.boolAnd(noTrap(A, expected), A.eq(readResult(A, p.state, result), expected.results[0]!))));
        break;
      case 'udf':
        goals.push(Implies(pre, firstTrapIs(A, expected, p.exit.imm)));
        break;
      case 'bad':
        goals.push(A.boolNot(pre));
        break;
    }
  }
  return A.boolAnd(...goals);
}

/** For a lazy condition (flags + cond): on every path, `cond` holds after the flags iff the WASM i32 result is non-zero. */
export function condAgrees(A: Z3Algebra, run: { paths: Path[] }, expected: Outcome<ZBV, ZBool>, cond: Cond, zero?: { reg: number; ifZero: boolean }, hyp: ZBool = A.bool(true)): ZBool {
  const { Implies } = A.ctx;
  const goals: ZBool[] = [];
  for (const p of run.paths) {
    const pre = A.boolAnd(hyp, p.pc);
    if (p.exit.kind !== 'end') {
      goals.push(A.boolNot(pre));
      continue;
    }
    const truth = A.boolNot(A.eq(expected.results[0]!, A.bv(0, 32)));
    goals.push(Implies(pre, A.boolEq(condHolds(A, p.state, cond), truth)));
    if (zero) goals.push(Implies(pre, A.boolEq(A.eq(p.state.r[zero.reg]!, A.bv(0, 32)), zero.ifZero ? truth : A.boolNot(truth))));
  }
  return A.boolAnd(...goals);
}
