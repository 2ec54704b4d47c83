/**
 * Multi-round ensemble uncertainty that never leans on the off-policy evaluator: the first
 * round (nothing labelled) is TypiClust, typical items of the pool; later rounds take the
 * items with the highest BALD disagreement of the ensemble refit on the labels paid so far.
 * In the spirit of TypiClust's "opposite strategies suit low and high budgets" (Hacohen et
 * al. 2022) and BALD (Houlsby et al. 2011). With one round it is TypiClust.
 */
import { topK, unlabelledIndices } from "./pick";
import { baldMutualInformation } from "./scores";
import { typiclustPicks } from "./typiclust";
import { checkPoolAndBudget, requireEmbeddings, requireProxy, type Strategy } from "./types";

export const typiclustBald: Strategy = {
  name: "typiclust-bald",
  needs: ["embeddings.eft", "proxy.members"],
  proxyAfterFirstRound: true,
  summary: "first round TypiClust (no proxy); later rounds the highest BALD disagreement of the ensemble refit on the labels so far",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("typiclust-bald", poolSize, ctx);
    const matrix = requireEmbeddings("typiclust-bald", "eft", poolSize, ctx);
    if (labelled.size === 0) return typiclustPicks(matrix, poolSize, ctx.budget, labelled, ctx.rng);
    const proxy = requireProxy("typiclust-bald", poolSize, ctx, { members: true });
    return topK(baldMutualInformation(proxy.members!), ctx.budget, unlabelledIndices(poolSize, labelled));
  },
};
