/**
 * BADGE (Ash et al. 2020, "Deep Batch Active Learning by Diverse, Uncertain Gradient Lower
 * Bounds"): k-means++ seeding over gradient embeddings, so a batch is both uncertain (long
 * gradients) and diverse (far apart). The reward heads are regressors, so the last layer's
 * gradient for an unknown score y is (mean - y) x hidden activations; its expected size is the
 * predictive std, so an item's gradient embedding here is std x its last-layer features
 * (every member's, side by side). The first pick is the longest embedding, as in BADGE's code.
 */
import { kMeansPlusPlus } from "./kmeans";
import { unlabelledIndices } from "./pick";
import { checkPoolAndBudget, requireProxy, type Matrix, type Strategy } from "./types";

export const badge: Strategy = {
  name: "badge",
  needs: ["proxy", "proxy.features"],
  summary: "k-means++ seeding over gradient embeddings (predictive std x the reward heads' last-layer features)",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("badge", poolSize, ctx);
    const proxy = requireProxy("badge", poolSize, ctx, { features: true });
    if (ctx.budget === 0) return [];
    const f = proxy.features!;
    const grad: Matrix = { rows: f.rows, dim: f.dim, data: new Float32Array(f.data.length) };
    for (let i = 0; i < f.rows; i++) for (let d = 0; d < f.dim; d++) grad.data[i * f.dim + d] = proxy.std[i] * f.data[i * f.dim + d];
    const rows = unlabelledIndices(poolSize, labelled);
    let first = 0;
    let longest = -1;
    rows.forEach((i, p) => {
      let norm = 0;
      for (let d = 0; d < f.dim; d++) norm += grad.data[i * f.dim + d] ** 2;
      if (norm > longest) {
        longest = norm;
        first = p;
      }
    });
    return kMeansPlusPlus(grad, rows, ctx.budget, ctx.rng, first).map((p) => rows[p]);
  },
};
