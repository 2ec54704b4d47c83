/**
 * Query by disagreement (BALD): label what the proxy ensemble's members disagree on. Unlike
 * `uncertainty`, an item every member finds equally ambiguous scores 0 here: more labels
 * would not settle it (aleatoric), whereas members that are each confident but disagree
 * point at what the proxy has not learnt yet (epistemic).
 */
import { topK, unlabelledIndices } from "./pick";
import { baldMutualInformation } from "./scores";
import { checkPoolAndBudget, requireProxy, type Strategy } from "./types";

export const disagreement: Strategy = {
  name: "disagreement",
  needs: ["proxy.members"],
  summary:
    "the budget items with the highest BALD mutual information between the ensemble members' score distributions",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("disagreement", poolSize, ctx);
    const proxy = requireProxy("disagreement", poolSize, ctx, { members: true });
    return topK(baldMutualInformation(proxy.members!), ctx.budget, unlabelledIndices(poolSize, labelled));
  },
};
