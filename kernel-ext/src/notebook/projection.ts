/**
 * A 2-D view of embeddings for plots: the top two principal components, by power iteration on
 * the d x d covariance (d is the policy width, tens to hundreds), deterministic (fixed start,
 * sign fixed so the largest coordinate of each component is positive).
 */

export interface Projection {
  x: number[];
  y: number[];
  /** Share of the total variance each component explains. */
  explained: [number, number];
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** `data` is row-major [rows x dim]. */
export function pca2(data: Float32Array, rows: number, dim: number): Projection {
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, rows);
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) centred[j] = data[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += cov[a * dim + a];
  const components: Float64Array[] = [];
  const values: number[] = [];
  for (let c = 0; c < 2; c++) {
    const { vector, value } = topEigen(cov, dim, components);
    components.push(vector);
    values.push(value);
  }
  const x: number[] = new Array(rows);
  const y: number[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    let px = 0;
    let py = 0;
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j] - mean[j];
      px += v * components[0][j];
      py += v * components[1][j];
    }
    x[i] = round4(px);
    y[i] = round4(py);
  }
  const share = (v: number) => (trace > 0 ? round4(v / trace) : 0);
  return { x, y, explained: [share(values[0]), share(values[1])] };
}

/** The leading eigenvector of symmetric `m` orthogonal to `found`, by power iteration. */
function topEigen(m: Float64Array, dim: number, found: Float64Array[]): { vector: Float64Array; value: number } {
  let v = new Float64Array(dim).map((_, j) => 1 + j / dim);
  const orthogonalise = (u: Float64Array) => {
    for (const f of found) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += u[j] * f[j];
      for (let j = 0; j < dim; j++) u[j] -= dot * f[j];
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += u[j] * u[j];
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < dim; j++) u[j] /= norm;
    return norm;
  };
  orthogonalise(v);
  let value = 0;
  for (let iter = 0; iter < 200; iter++) {
    const next = new Float64Array(dim);
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += m[a * dim + b] * v[b];
      next[a] = s;
    }
    value = orthogonalise(next);
    let change = 0;
    for (let j = 0; j < dim; j++) change = Math.max(change, Math.abs(next[j] - v[j]));
    v = next;
    if (value === 0 || change < 1e-9) break;
  }
  let big = 0;
  for (let j = 0; j < dim; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
  if (v[big] < 0) for (let j = 0; j < dim; j++) v[j] = -v[j];
  return { vector: v, value };
}
