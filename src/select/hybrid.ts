/**
 * Uncertainty, then diversity: k-center greedy over the EFT embeddings, restricted to the
 * more uncertain half of the unlabelled pool. Top-k entropy alone tends to pick near-copies
 * (one confusing prompt's k responses); the coreset step spreads the budget over them.
 */
import { kCenterGreedy } from "./kcenter";
import { topK, unlabelledIndices } from "./pick";
import { predictiveEntropy } from "./scores";
import { checkPoolAndBudget, requireEmbeddings, requireProxy, type Matrix, type Strategy } from "./types";

export const hybrid: Strategy = {
  name: "hybrid",
  needs: ["proxy", "embeddings.eft"],
  summary:
    "k-center greedy (squared L2) over the EFT embeddings of the most uncertain half of the unlabelled pool (by entropy)",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("hybrid", poolSize, ctx);
    const proxy = requireProxy("hybrid", poolSize, ctx, { probs: true });
    const matrix = requireEmbeddings("hybrid", "eft", poolSize, ctx);
    if (ctx.budget === 0) return [];
    const unlabelled = unlabelledIndices(poolSize, labelled);
    const size = Math.max(Math.ceil(unlabelled.length / 2), ctx.budget);
    const uncertain = topK(predictiveEntropy(proxy.probs!), size, unlabelled);
    // Rows in pool order, so k-center's ties to the lower row are ties to the lower pool index.
    const rows = [...uncertain, ...labelled].sort((a, b) => a - b);
    const rowOf = new Map(rows.map((poolIndex, row) => [poolIndex, row]));
    const picks = kCenterGreedy(subMatrix(matrix, rows), ctx.budget, {
      labelled: [...labelled].map((index) => rowOf.get(index)!),
      // With no centres, start from the most uncertain item (not ctx.first: it may lie outside the half).
      first: rowOf.get(uncertain[0]),
    });
    return picks.map((row) => rows[row]);
  },
};

function subMatrix(m: Matrix, rows: readonly number[]): Matrix {
  const data = new Float32Array(rows.length * m.dim);
  rows.forEach((poolIndex, row) => data.set(m.data.subarray(poolIndex * m.dim, (poolIndex + 1) * m.dim), row * m.dim));
  return { rows: rows.length, dim: m.dim, data };
}
