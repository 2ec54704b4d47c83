/**
 * Pickers: given a utility per pool item, which items to label (modAL's selectors, e.g.
 * `multi_argmax`). Unlike modAL's `shuffled_argmax`, ties never draw from a random source:
 * they go to the lower index, so the picks depend only on the utilities.
 */
import { BadOptionError } from "../errors";

/** The pool indices not in `labelled`, ascending. */
export function unlabelledIndices(poolSize: number, labelled: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < poolSize; i++) if (!labelled.has(i)) out.push(i);
  return out;
}

/**
 * The `k` indices among `candidates` (default: every index of `utility`) with the highest
 * utility, highest first; equal utilities go to the lower index. Utilities must be finite
 * or ±Infinity (a NaN has no place in an order); the strategies check their inputs first.
 */
export function topK(utility: ArrayLike<number>, k: number, candidates?: readonly number[]): number[] {
  const pool = candidates ? candidates.slice() : Array.from({ length: utility.length }, (_, i) => i);
  if (!Number.isInteger(k) || k < 0 || k > pool.length) {
    throw new BadOptionError("k", `must be an integer in 0..${pool.length} (${pool.length} candidates), got ${k}`);
  }
  pool.sort((a, b) => (utility[a] === utility[b] ? a - b : utility[a] > utility[b] ? -1 : 1));
  return pool.slice(0, k);
}

/**
 * Spends `budget` queries on pairs in the given order (a pair costs two queries, or one when a
 * side is labelled or already picked; an odd budget's last query takes the next pair's first
 * side), then, when the pairs run out (prompts with one response form none), on the remaining
 * unlabelled items, lowest index first. The pair strategies (delta-ucb, drts) share it.
 */
export function spendOnPairs(pairs: Iterable<{ a: number; b: number }>, poolSize: number, labelled: ReadonlySet<number>, budget: number): number[] {
  const taken = new Set(labelled);
  const picks: number[] = [];
  for (const { a, b } of pairs) {
    for (const i of [a, b]) {
      if (picks.length < budget && !taken.has(i)) {
        picks.push(i);
        taken.add(i);
      }
    }
    if (picks.length === budget) return picks;
  }
  for (let i = 0; i < poolSize && picks.length < budget; i++) if (!taken.has(i)) picks.push(i), taken.add(i);
  return picks;
}
