/**
 * Uncertainty sampling (Lewis & Gale 1994; modAL's `entropy_sampling`): label what the proxy
 * is least sure of, measured as the entropy of its 0..5 score distribution. Single-model:
 * an ensemble's averaged distribution counts as one model here (see `disagreement`).
 */
import { topK, unlabelledIndices } from "./pick";
import { predictiveEntropy } from "./scores";
import { checkPoolAndBudget, requireProxy, type Strategy } from "./types";

export const uncertainty: Strategy = {
  name: "uncertainty",
  needs: ["proxy"],
  summary: "the budget items whose proxy score distribution has the highest entropy (most uncertain first)",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("uncertainty", poolSize, ctx);
    const proxy = requireProxy("uncertainty", poolSize, ctx, { probs: true });
    return topK(predictiveEntropy(proxy.probs!), ctx.budget, unlabelledIndices(poolSize, labelled));
  },
};
