/**
 * ProbCover (Yehuda, Dekel, Hacohen & Weinshall 2022, "Active Learning Through a Covering Lens",
 * NeurIPS): at low budgets, pick the items whose delta-balls cover the most of the pool. Rows
 * are L2-normalised, so a ball is a cosine threshold: y is in x's ball when cos(x, y) > s, with
 * s = 1 - delta^2 / 2 (x is always in its own ball). Greedy max coverage: each pick is the
 * unlabelled item whose ball holds the most uncovered items (ties to the lower index); its ball
 * is then covered. Items in a labelled item's ball start covered. Once all is covered, the rest
 * are the lowest unpicked indices (the paper's code draws them at random; the contract breaks
 * ties to the lower index, as k-center does).
 *
 * delta without labels, as the paper does: k-means (k = labelled + budget, i.e. the budget in a
 * first round) over the normalised rows, and
 * the largest delta whose purity (the share of items whose ball holds no item of another
 * cluster) is at least 0.95. Purity falls as delta grows, so that delta is exact, not a grid:
 * with M(x) the highest cosine from x to another cluster, x's ball is pure iff s >= M(x), so s
 * is the ceil(0.95 n)-th smallest M(x).
 *
 * Memory: no n x n matrix. The graph is never stored: the cosine pass is redone per row when
 * needed (each item's neighbours are listed once, when it becomes covered), so the cost is
 * about three n^2 dim passes and the memory the normalised copy (4 bytes x n x dim) plus a few
 * n-long arrays (~35 bytes a row) and k-means' centroids: 3600 x 384 rows take 5.5 MiB,
 * 10k x 384 15 MiB.
 */
import { kMeans } from "./kmeans";
import { checkPoolAndBudget, requireEmbeddings, type Matrix, type Strategy } from "./types";

/** The paper's purity target alpha. */
export const PURITY = 0.95;

/** Each row scaled to unit L2 length (an all-zero row stays zero: cosine 0 to everything). */
export function normaliseRows(m: Matrix): Matrix {
  const data = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    let norm = 0;
    for (let d = 0; d < m.dim; d++) norm += m.data[i * m.dim + d] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < m.dim; d++) data[i * m.dim + d] = m.data[i * m.dim + d] * scale;
  }
  return { rows: m.rows, dim: m.dim, data };
}

/** Cosine of rows i and j of a normalised matrix (float64 sum, same order both ways: symmetric). */
function cosine(m: Matrix, i: number, j: number): number {
  let dot = 0;
  const a = i * m.dim;
  const b = j * m.dim;
  for (let d = 0; d < m.dim; d++) dot += m.data[a + d] * m.data[b + d];
  return dot;
}

/**
 * The ball threshold from cluster labels: s = the ceil(alpha n)-th smallest M(x) (M(x): highest
 * cosine from x to an item of another cluster, -Infinity with one cluster), and delta =
 * sqrt(2 - 2s), the Euclidean radius on the unit sphere (Infinity when s is -Infinity).
 */
export function probCoverThreshold(normalised: Matrix, clusters: ArrayLike<number>, alpha = PURITY): { cosine: number; delta: number } {
  const n = normalised.rows;
  const nearestOther = new Float64Array(n).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (clusters[i] === clusters[j]) continue;
      const c = cosine(normalised, i, j);
      if (c > nearestOther[i]) nearestOther[i] = c;
      if (c > nearestOther[j]) nearestOther[j] = c;
    }
  }
  const sorted = Float64Array.from(nearestOther).sort();
  const s = sorted[Math.max(0, Math.ceil(alpha * n) - 1)];
  return { cosine: s, delta: s === -Infinity ? Infinity : Math.sqrt(Math.max(0, 2 - 2 * s)) };
}

/** Greedy max coverage with balls cos > `threshold` (see the file comment). */
export function probCoverPicks(normalised: Matrix, threshold: number, budget: number, labelled: ReadonlySet<number>): number[] {
  const n = normalised.rows;
  const inBall = (x: number, y: number) => x === y || cosine(normalised, x, y) > threshold;
  const covered = new Uint8Array(n);
  // degree[x]: uncovered items in x's ball.
  const degree = new Int32Array(n);
  const cover = (y: number) => {
    covered[y] = 1;
    for (let x = 0; x < n; x++) if (inBall(x, y)) degree[x]--;
  };
  for (let x = 0; x < n; x++) {
    degree[x]++;
    for (let y = x + 1; y < n; y++) {
      if (inBall(x, y)) {
        degree[x]++;
        degree[y]++;
      }
    }
  }
  const coverBallOf = (c: number) => {
    for (let y = 0; y < n; y++) if (!covered[y] && inBall(c, y)) cover(y);
  };
  for (const c of labelled) coverBallOf(c);
  const taken = new Uint8Array(n);
  for (const c of labelled) taken[c] = 1;
  const picks: number[] = [];
  while (picks.length < budget) {
    let best = -1;
    for (let x = 0; x < n; x++) if (!taken[x] && (best < 0 || degree[x] > degree[best])) best = x;
    if (degree[best] === 0) break;
    picks.push(best);
    taken[best] = 1;
    coverBallOf(best);
  }
  // Everything covered: the paper's code fills the budget at random; the contract wants ties
  // (every ball now holds 0 uncovered items) to the lower index, as k-center does.
  for (let x = 0; x < n && picks.length < budget; x++) if (!taken[x]) picks.push(x), (taken[x] = 1);
  return picks;
}

export const probcover: Strategy = {
  name: "probcover",
  needs: ["embeddings.eft"],
  summary: "greedy max coverage of cosine balls over normalised rows; delta the largest with 95% ball purity w.r.t. k-means (k = labelled + budget)",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("probcover", poolSize, ctx);
    const matrix = requireEmbeddings("probcover", "eft", poolSize, ctx);
    if (ctx.budget === 0) return [];
    const normalised = normaliseRows(matrix);
    const all = Array.from({ length: poolSize }, (_, i) => i);
    // k = the labels there will be (labelled + budget), as typiclust: in one round, the budget.
    const clusters = kMeans(normalised, all, Math.min(poolSize, labelled.size + ctx.budget), ctx.rng);
    const { cosine: threshold } = probCoverThreshold(normalised, clusters);
    return probCoverPicks(normalised, threshold, ctx.budget, labelled);
  },
};
