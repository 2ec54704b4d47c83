/**
 * Coreset over EFT embeddings: k-center greedy on each tuple's judge-input embedding
 * (criterion + prompt + response), so the picks spread over what the policy actually wrote
 * (Chen et al. 2024's coresetEFT, the selector their claim C2 singles out over random).
 */
import { kCenterGreedy } from "./kcenter";
import { checkPoolAndBudget, requireEmbeddings, resolveFirst, type Strategy } from "./types";

export const coresetEft: Strategy = {
  name: "coreset-eft",
  needs: ["embeddings.eft"],
  summary: "k-center greedy (squared L2) over the judge-input (EFT: criterion + prompt + response) embeddings",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("coreset-eft", poolSize, ctx);
    const matrix = requireEmbeddings("coreset-eft", "eft", poolSize, ctx);
    const first = resolveFirst(poolSize, labelled, ctx);
    if (ctx.budget === 0) return [];
    return kCenterGreedy(matrix, ctx.budget, { labelled: [...labelled], first });
  },
};
