/**
 * Greedy D-optimal design on the reward heads' last layer (Fisher information of a linear
 * readout with Gaussian noise; Pukelsheim 1993; as an active-learning acquisition, e.g.
 * BAIT, Ash et al. 2021, and the "Fisher" baselines there). The design matrix starts at
 * lambda I + sum over labelled items of phi phi^T; each pick maximises the log-determinant
 * gain log(1 + phi^T A^-1 phi), then A takes the rank-one update (Sherman-Morrison), so the
 * batch spreads over directions the labels have not pinned down yet. phi: every member's
 * hidden activations side by side; lambda: the mean squared entry of phi (one "average"
 * example's worth of prior), so the scale of the features does not matter.
 */
import { unlabelledIndices } from "./pick";
import { checkPoolAndBudget, requireProxy, type Strategy } from "./types";

export const dOptimal: Strategy = {
  name: "d-optimal",
  needs: ["proxy.features"],
  summary: "greedy D-optimal design (max log-det gain of the Fisher information) on the reward heads' last-layer features",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("d-optimal", poolSize, ctx);
    const proxy = requireProxy("d-optimal", poolSize, ctx, { features: true });
    if (ctx.budget === 0) return [];
    const { dim, data } = proxy.features!;
    let square = 0;
    for (let k = 0; k < data.length; k++) square += data[k] * data[k];
    const lambda = square / Math.max(1, data.length) || 1;
    // A^-1 and each item's phi^T A^-1 phi, kept exact under rank-one updates.
    const inverse = new Float64Array(dim * dim);
    for (let d = 0; d < dim; d++) inverse[d * dim + d] = 1 / lambda;
    const gain = new Float64Array(poolSize);
    for (let i = 0; i < poolSize; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += data[i * dim + d] ** 2;
      gain[i] = s / lambda;
    }
    const u = new Float64Array(dim);
    const add = (j: number) => {
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += inverse[a * dim + b] * data[j * dim + b];
        u[a] = s;
      }
      let denom = 1;
      for (let a = 0; a < dim; a++) denom += data[j * dim + a] * u[a];
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) inverse[a * dim + b] -= (u[a] * u[b]) / denom;
      for (let i = 0; i < poolSize; i++) {
        let dot = 0;
        for (let a = 0; a < dim; a++) dot += data[i * dim + a] * u[a];
        gain[i] -= (dot * dot) / denom;
      }
    };
    for (const j of labelled) add(j);
    const candidates = unlabelledIndices(poolSize, labelled);
    const taken = new Uint8Array(poolSize);
    const picks: number[] = [];
    while (picks.length < ctx.budget) {
      let best = -1;
      // Rounding can leave 1e-16 differences between equal items: compare with a tolerance so ties go to the lower index.
      for (const i of candidates) if (!taken[i] && (best < 0 || gain[i] > gain[best] + 1e-12 * Math.max(1, Math.abs(gain[best])))) best = i;
      picks.push(best);
      taken[best] = 1;
      add(best);
    }
    return picks;
  },
};
