/**
 * Uniform random selection: the paper's baseline against which coreset selection is judged
 * (shared/PAPER.md). Uses only the context's rng, so a seed fixes the picks.
 */
import { checkPoolAndBudget, type Strategy } from "./types";

export const random: Strategy = {
  name: "random",
  needs: [],
  summary: "budget distinct unlabelled items drawn uniformly at random",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("random", poolSize, ctx);
    const candidates: number[] = [];
    for (let i = 0; i < poolSize; i++) if (!labelled.has(i)) candidates.push(i);
    // Partial Fisher-Yates: the first `budget` slots become a uniform sample, in draw order.
    for (let i = 0; i < ctx.budget; i++) {
      const j = i + ctx.rng.int(candidates.length - i);
      const drawn = candidates[j];
      candidates[j] = candidates[i];
      candidates[i] = drawn;
    }
    return candidates.slice(0, ctx.budget);
  },
};
