/**
 * The k-center benchmark's data, shared by bench/kcenter.ts and tests/select.kcenter.test.ts
 * so that what the tests prove exact is what the benchmark times: `clusters` Gaussian blobs of
 * unequal size (cluster c gets weight 1/(c+1)) and unequal spread, deterministic in `seed`.
 */
import { Rng } from "../src/rng";
import type { Matrix } from "../src/select/types";

export interface ClusteredOptions {
  rows: number;
  dim: number;
  /** Blobs; 0 means no structure at all (i.i.d. standard normal rows: pruning's worst case). */
  clusters: number;
  seed: number;
}

export function clusteredMatrix({ rows, dim, clusters, seed }: ClusteredOptions): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * dim);
  if (clusters === 0) {
    for (let k = 0; k < data.length; k++) data[k] = rng.normal();
    return { rows, dim, data };
  }
  const centres = new Float64Array(clusters * dim);
  for (let k = 0; k < centres.length; k++) centres[k] = 4 * rng.normal();
  // Spreads from 0.3 to 1.5: tight and loose blobs, so one radius does not fit all.
  const spread = Float64Array.from({ length: clusters }, () => 0.3 + 1.2 * rng.next());
  const weights = Float64Array.from({ length: clusters }, (_, c) => 1 / (c + 1));
  for (let i = 0; i < rows; i++) {
    const c = rng.weighted(weights);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[c * dim + j] + spread[c] * rng.normal();
  }
  return { rows, dim, data };
}
