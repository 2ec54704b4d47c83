/**
 * k-center greedy with a running minimum and nothing else: the textbook's picks (the same
 * float64 left-to-right sums) at O(n·k·dim), so that exactness can be checked on data large
 * enough for kCenterGreedy's pruning to matter, where the textbook loop is too slow.
 */
import type { Matrix } from "../../src/select/types";

export function plainKCenter(m: Matrix, k: number, opts: { centres?: readonly number[]; first: number }): number[] {
  const { rows, dim, data } = m;
  const minDist = new Float64Array(rows).fill(Infinity);
  const isCentre = new Uint8Array(rows);
  const lower = (c: number) => {
    isCentre[c] = 1;
    for (let i = 0; i < rows; i++) {
      let d = 0;
      for (let j = 0; j < dim; j++) {
        const diff = data[i * dim + j] - data[c * dim + j];
        d += diff * diff;
      }
      if (d < minDist[i]) minDist[i] = d;
    }
  };
  const picks: number[] = [];
  const centres = [...new Set(opts.centres ?? [])];
  if (centres.length === 0) {
    picks.push(opts.first);
    lower(opts.first);
  } else {
    centres.forEach(lower);
  }
  while (picks.length < k) {
    let best = -1;
    for (let i = 0; i < rows; i++) if (isCentre[i] === 0 && (best < 0 || minDist[i] > minDist[best])) best = i;
    picks.push(best);
    lower(best);
  }
  return picks;
}
