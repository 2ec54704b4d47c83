/**
 * Score-balanced selection: stratify the pool by the proxy's predicted score and take the
 * same number from each score, so the labels are not skewed. The paper's point about the
 * seed EFT set (most of it scores 4-5, so an evaluator fitted on it rarely sees a bad
 * response) applies to labels bought by active selection too.
 */
import { SCORE_LEVELS } from "../proxy/types";
import { unlabelledIndices } from "./pick";
import { checkPoolAndBudget, requireProxy, type Strategy } from "./types";

export const balanced: Strategy = {
  name: "balanced",
  needs: ["proxy"],
  summary:
    "round-robin over the predicted-score buckets round(proxy mean) 0..5, lowest first, a seeded random item from each",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("balanced", poolSize, ctx);
    const proxy = requireProxy("balanced", poolSize, ctx);
    const buckets = scoreBuckets(proxy.mean, unlabelledIndices(poolSize, labelled));
    const taken = buckets.map(() => 0);
    const picks: number[] = [];
    while (picks.length < ctx.budget) {
      for (let b = 0; b < buckets.length && picks.length < ctx.budget; b++) {
        const bucket = buckets[b];
        const i = taken[b];
        if (i === bucket.length) continue;
        // One step of a partial Fisher-Yates per visit: each bucket is drawn without
        // replacement, uniformly, and a bucket holding the whole pool draws as `random` does.
        const j = i + ctx.rng.int(bucket.length - i);
        const drawn = bucket[j];
        bucket[j] = bucket[i];
        bucket[i] = drawn;
        taken[b] = i + 1;
        picks.push(drawn);
      }
    }
    return picks;
  },
};

/**
 * The candidates grouped by predicted score round(mean), clamped to 0..5 (an unclamped
 * regression head may predict 5.3), lowest score first, empty buckets left out; each bucket
 * ascending.
 */
export function scoreBuckets(mean: ArrayLike<number>, candidates: readonly number[]): number[][] {
  const byScore: number[][] = Array.from({ length: SCORE_LEVELS }, () => []);
  for (const index of candidates) {
    const score = Math.min(SCORE_LEVELS - 1, Math.max(0, Math.round(mean[index])));
    byScore[score].push(index);
  }
  return byScore.filter((bucket) => bucket.length > 0);
}
