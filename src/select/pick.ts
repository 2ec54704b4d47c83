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
