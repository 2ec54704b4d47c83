/**
 * Pair acquisition from the ensemble members, DeltaUCB-style: the proxy's job is to rank the
 * responses to one prompt, so score pairs, not items. For responses a, b of one prompt, each
 * member m predicts a score difference delta_m = mu_m(a) - mu_m(b) (mu_m: the expected score
 * of member m's distribution); a pair's utility is the upper confidence bound on how far apart
 * they are, |mean delta| + std delta over members: a wide gap DPO could learn from, or one the
 * members cannot agree on. The oracle still scores single tuples, so a pair costs two queries
 * (one if a side is labelled already); pairs are taken best first until the budget is spent,
 * and the last query of an odd budget takes the pair's lower index. Related: double Thompson
 * sampling over an ensemble (Dwaracherla et al. 2024, "Efficient Exploration for LLMs").
 */
import { groupBy } from "../group-by";
import { SCORE_LEVELS } from "../proxy/types";
import { spendOnPairs } from "./pick";
import { checkPoolAndBudget, requireLabels, requireProxy, type Strategy } from "./types";

export const deltaUcb: Strategy = {
  name: "delta-ucb",
  needs: ["proxy.members", "prompts"],
  summary: "within-prompt pairs by |mean| + std of the members' score differences, both sides labelled (a pair costs two queries)",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("delta-ucb", poolSize, ctx);
    const proxy = requireProxy("delta-ucb", poolSize, ctx, { members: true });
    const prompts = requireLabels("delta-ucb", "prompts", poolSize, ctx);
    if (ctx.budget === 0) return [];
    const members = proxy.members!;
    const mu = members.map((dist) => {
      const out = new Float64Array(poolSize);
      for (let i = 0; i < poolSize; i++) for (let s = 0; s < SCORE_LEVELS; s++) out[i] += s * dist[i * SCORE_LEVELS + s];
      return out;
    });
    const pairs: { a: number; b: number; utility: number }[] = [];
    for (const group of groupBy(Array.from({ length: poolSize }, (_, i) => i), (i) => prompts[i]).values()) {
      for (let x = 0; x < group.length; x++) {
        for (let y = x + 1; y < group.length; y++) {
          const a = group[x];
          const b = group[y];
          if (labelled.has(a) && labelled.has(b)) continue;
          const deltas = mu.map((m) => m[a] - m[b]);
          const mean = deltas.reduce((s, d) => s + d, 0) / deltas.length;
          const sd = Math.sqrt(deltas.reduce((s, d) => s + (d - mean) ** 2, 0) / Math.max(1, deltas.length - 1));
          pairs.push({ a, b, utility: Math.abs(mean) + sd });
        }
      }
    }
    // Best first; equal utilities (within rounding) to the lower pair (a, then b).
    pairs.sort((p, q) => (Math.abs(p.utility - q.utility) > 1e-12 ? q.utility - p.utility : p.a - q.a || p.b - q.b));
    return spendOnPairs(pairs, poolSize, labelled, ctx.budget);
  },
};
