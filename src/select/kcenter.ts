/**
 * k-center greedy (Sener & Savarese 2018, "Active Learning for Convolutional Neural
 * Networks: A Core-Set Approach", Algorithm 1): repeatedly pick the point farthest from its
 * nearest centre. The paper (shared/PAPER.md) uses it as the coreset selector over IFT or
 * EFT embeddings.
 *
 * Exact: the same picks as recomputing every distance each step (tests/select.kcenter.test.ts
 * checks it against that brute force). Speed comes only from tricks that cannot change a
 * pick: a running min-distance array (O(n·k·dim) instead of O(n·k²·dim)) and stopping a
 * distance sum once it can no longer lower that minimum (partial sums of non-negative terms
 * never decrease, also in floating point).
 */
import { BadOptionError } from "../errors";
import type { Matrix } from "./types";

export interface KCenterOptions {
  /** Existing centres (e.g. labelled items): never picked, and the first pick is measured from them. */
  labelled?: readonly number[];
  /** The first pick when `labelled` is empty; default 0. Ignored when there are centres. */
  first?: number;
}

/**
 * `k` row indices of `m` in pick order, by k-center greedy on squared L2 distance. Ties go to
 * the lower index; once every point coincides with a centre (distance 0), the remaining picks
 * are the lowest unpicked indices.
 */
export function kCenterGreedy(m: Matrix, k: number, opts: KCenterOptions = {}): number[] {
  const { rows: n, dim, data } = m;
  const picked = new Uint8Array(n);
  let centres = 0;
  for (const c of opts.labelled ?? []) {
    if (!Number.isInteger(c) || c < 0 || c >= n) throw new BadOptionError("labelled", `index ${c} is not in 0..${n - 1}`);
    if (picked[c] === 0) centres++;
    picked[c] = 1;
  }
  if (!Number.isInteger(k) || k < 0 || k > n - centres) {
    throw new BadOptionError("k", `must be an integer in 0..${n - centres} (${n} points, ${centres} centres), got ${k}`);
  }
  const out: number[] = [];
  if (k === 0) return out;

  const minDist = new Float64Array(n).fill(Infinity);
  if (centres > 0) {
    let farthest = -1;
    for (const c of new Set(opts.labelled)) farthest = addCentre(data, dim, n, c, minDist, picked);
    out.push(farthest);
  } else {
    const first = opts.first ?? 0;
    if (!Number.isInteger(first) || first < 0 || first >= n) {
      throw new BadOptionError("first", `must be an index in 0..${n - 1}, got ${first}`);
    }
    out.push(first);
  }
  while (true) {
    const next = out[out.length - 1];
    picked[next] = 1;
    if (out.length === k) return out;
    out.push(addCentre(data, dim, n, next, minDist, picked));
  }
}

/**
 * Lowers `minDist` with the distances to centre `c` and returns the unpicked point with the
 * largest min-distance (lowest index on ties), in the same pass. Allocates nothing.
 */
function addCentre(
  data: Float32Array,
  dim: number,
  n: number,
  c: number,
  minDist: Float64Array,
  picked: Uint8Array,
): number {
  const cBase = c * dim;
  let best = -1;
  let bestDist = -1;
  for (let i = 0; i < n; i++) {
    let current = minDist[i];
    // A point already at distance 0 cannot get closer; skipping it is exact.
    if (current > 0) {
      const iBase = i * dim;
      let sum = 0;
      let j = 0;
      // Unrolled by 4 with one accumulator, so the sum is the same left-to-right sum as the
      // textbook loop. Measured on Gaussian data (n=50k, dim=128): ~15% faster than checking
      // every 16 terms, ~30% faster than never exiting early.
      for (; j + 4 <= dim; j += 4) {
        const d0 = data[iBase + j] - data[cBase + j];
        const d1 = data[iBase + j + 1] - data[cBase + j + 1];
        const d2 = data[iBase + j + 2] - data[cBase + j + 2];
        const d3 = data[iBase + j + 3] - data[cBase + j + 3];
        sum += d0 * d0;
        sum += d1 * d1;
        sum += d2 * d2;
        sum += d3 * d3;
        if (sum >= current) break;
      }
      if (sum < current) {
        for (; j < dim; j++) {
          const diff = data[iBase + j] - data[cBase + j];
          sum += diff * diff;
        }
      }
      if (sum < current) {
        current = sum;
        minDist[i] = sum;
      }
    }
    if (picked[i] === 0 && current > bestDist) {
      bestDist = current;
      best = i;
    }
  }
  return best;
}
