/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007) and Lloyd's iterations over a row-major
 * matrix, deterministic for a seeded rng: TypiClust clusters with both, BADGE uses the seeding.
 * When every remaining distance is 0 (duplicates), the next seed is the lowest unchosen row,
 * so equal inputs give the lowest indices as the contract asks.
 */
import type { Rng } from "../rng";
import type { Matrix } from "./types";

export function squaredDistance(m: Matrix, i: number, other: Float32Array | Float64Array, offset: number): number {
  let d = 0;
  const base = i * m.dim;
  for (let k = 0; k < m.dim; k++) {
    const x = m.data[base + k] - other[offset + k];
    d += x * x;
  }
  return d;
}

/**
 * k-means++ over `rows` (indices into `m`): the first seed is `first` (a position in `rows`),
 * each next one drawn with probability proportional to its squared distance to the nearest
 * seed so far. `centres` are extra rows (e.g. labelled items) that count as seeds but are
 * never returned. Returns positions in `rows`, in seeding order.
 */
export function kMeansPlusPlus(m: Matrix, rows: readonly number[], k: number, rng: Rng, first: number, centres: readonly number[] = []): number[] {
  const nearest = new Float64Array(rows.length).fill(Infinity);
  const chosen = new Uint8Array(rows.length);
  const update = (centre: number) => {
    for (let p = 0; p < rows.length; p++) {
      const d = squaredDistance(m, rows[p], m.data, centre * m.dim);
      if (d < nearest[p]) nearest[p] = d;
    }
  };
  for (const c of centres) update(c);
  const out: number[] = [];
  let next = centres.length > 0 ? -1 : first;
  while (out.length < k) {
    if (next < 0) {
      let total = 0;
      for (let p = 0; p < rows.length; p++) if (!chosen[p]) total += nearest[p];
      if (total > 0) {
        let u = rng.next() * total;
        for (let p = 0; p < rows.length; p++) {
          if (chosen[p] || nearest[p] === 0) continue;
          u -= nearest[p];
          next = p;
          if (u < 0) break;
        }
      } else {
        next = chosen.indexOf(0);
      }
    }
    chosen[next] = 1;
    out.push(next);
    update(rows[next]);
    next = -1;
  }
  return out;
}

/** Lloyd's k-means from k-means++ seeds: each row's cluster (ties to the lower cluster). */
export function kMeans(m: Matrix, rows: readonly number[], k: number, rng: Rng, iterations = 20): Int32Array {
  const seeds = kMeansPlusPlus(m, rows, k, rng, rng.int(rows.length));
  const centroids = new Float64Array(k * m.dim);
  seeds.forEach((p, c) => {
    for (let d = 0; d < m.dim; d++) centroids[c * m.dim + d] = m.data[rows[p] * m.dim + d];
  });
  const assign = new Int32Array(rows.length).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let moved = false;
    for (let p = 0; p < rows.length; p++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(m, rows[p], centroids, c * m.dim);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assign[p] !== best) moved = true;
      assign[p] = best;
    }
    if (!moved) break;
    const counts = new Float64Array(k);
    const sums = new Float64Array(k * m.dim);
    for (let p = 0; p < rows.length; p++) {
      counts[assign[p]]++;
      for (let d = 0; d < m.dim; d++) sums[assign[p] * m.dim + d] += m.data[rows[p] * m.dim + d];
    }
    // An emptied cluster keeps its centroid (it may win rows back next iteration).
    for (let c = 0; c < k; c++) if (counts[c] > 0) for (let d = 0; d < m.dim; d++) centroids[c * m.dim + d] = sums[c * m.dim + d] / counts[c];
  }
  return assign;
}
