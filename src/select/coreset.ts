/**
 * The coreset strategies' one body: exact k-center greedy over one embedding view, with the
 * labelled items as centres (or the first pick from the context when nothing is labelled).
 */
import { kCenterGreedy } from "./kcenter";
import { checkPoolAndBudget, requireEmbeddings, resolveFirst, type Strategy } from "./types";

export function coresetOver(view: "ift" | "eft", name: string, summary: string): Strategy {
  return {
    name,
    needs: [`embeddings.${view}`],
    summary,
    select(poolSize, ctx) {
      const labelled = checkPoolAndBudget(name, poolSize, ctx);
      const matrix = requireEmbeddings(name, view, poolSize, ctx);
      const first = resolveFirst(poolSize, labelled, ctx);
      if (ctx.budget === 0) return [];
      return kCenterGreedy(matrix, ctx.budget, { labelled: [...labelled], first });
    },
  };
}
