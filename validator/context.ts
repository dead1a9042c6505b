/**
 * Z3 contexts for the validator: one per function, deleted as soon as the
 * function's verdict is in. They are spec/bv/z3.ts's explicit-lifetime
 * contexts (read its comment for why z3-solver's finalizers are not used).
 * Solvers, models and statistics are released explicitly by their users
 * (prove.ts); everything else dies with the context.
 */
export { withZ3Context as withContext } from '../spec/bv/z3.ts';
