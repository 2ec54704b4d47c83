/**
 * Sener & Savarese's k-center greedy (Algorithm 1) as written: no caching, every distance
 * recomputed at every step, ties to the lower index. The reference the fast kCenterGreedy and
 * the strategies built on it are checked against.
 */
import type { Matrix } from "../../src/select/types";

/**
 * `k` picks among `rows` (default: every row) with `centres` as the starting centres; with
 * none, `first` is the first pick.
 */
export function textbookKCenter(m: Matrix, k: number, opts: { centres?: readonly number[]; first: number; rows?: readonly number[] }): number[] {
  const rows = opts.rows ? [...opts.rows].sort((a, b) => a - b) : Array.from({ length: m.rows }, (_, i) => i);
  const centres = [...new Set(opts.centres ?? [])];
  const picks: number[] = [];
  if (centres.length === 0) {
    picks.push(opts.first);
    centres.push(opts.first);
  }
  while (picks.length < k) {
    let best = -1;
    let bestDist = -1;
    for (const i of rows) {
      if (centres.includes(i)) continue;
      let nearest = Infinity;
      for (const c of centres) {
        let d = 0;
        for (let j = 0; j < m.dim; j++) {
          const diff = m.data[i * m.dim + j] - m.data[c * m.dim + j];
          d += diff * diff;
        }
        nearest = Math.min(nearest, d);
      }
      if (nearest > bestDist) {
        bestDist = nearest;
        best = i;
      }
    }
    picks.push(best);
    centres.push(best);
  }
  return picks;
}
