/**
 * Coreset over IFT embeddings: k-center greedy on each response's prompt embedding, so the
 * picks spread over the prompt space (the paper's IFT coreset). In embeddings.arrow the IFT
 * view repeats its prompt's vector for every response, so once every prompt is covered the
 * remaining picks are the lowest unpicked indices.
 */
import { kCenterGreedy } from "./kcenter";
import { checkPoolAndBudget, requireEmbeddings, resolveFirst, type Strategy } from "./types";

export const coresetIft: Strategy = {
  name: "coreset-ift",
  needs: ["embeddings.ift"],
  summary: "k-center greedy (squared L2) over the prompt (IFT) embeddings",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("coreset-ift", poolSize, ctx);
    const matrix = requireEmbeddings("coreset-ift", "ift", poolSize, ctx);
    const first = resolveFirst(poolSize, labelled, ctx);
    if (ctx.budget === 0) return [];
    return kCenterGreedy(matrix, ctx.budget, { labelled: [...labelled], first });
  },
};
