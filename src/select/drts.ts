/**
 * Pair acquisition by double Thompson sampling over the ensemble (Dwaracherla, Asghari, Hao &
 * Van Roy 2024, "Efficient Exploration for LLMs": each ensemble member is a posterior sample of
 * the reward). Per prompt, with mu_m the expected score of member m's distribution:
 *   - a seeded draw of member m1; its argmax response a;
 *   - a seeded draw of member m2, redrawn until its argmax response b is a valid partner of a,
 *     at most REDRAWS times; after that, b is the last member's best valid partner (its next
 *     best). A valid partner is any other response of the prompt, or only an unlabelled one
 *     when a is labelled (a pair whose sides are both labelled teaches nothing new).
 * Pairs are taken in order of the members' disagreement on them: the std over members
 * of mu_m(a) - mu_m(b), highest first (ties to the pair with the lower indices). The oracle
 * still scores single tuples, so a pair costs two queries (one if a side is labelled), lower
 * index first, and an odd budget's last query takes the next pair's lower index, as in
 * delta-ucb. A prompt's first pair is drawn from its responses; its next pair is drawn again
 * with the first pair's sides counted as labelled, and so on until each response is labelled or
 * in a pair, so a budget above one pair per prompt is still spent on pairs; all pairs are then
 * ordered together. Argmaxes tie to the lower index; draws go prompt by prompt in order of each
 * prompt's first response.
 */
import { groupBy } from "../group-by";
import { SCORE_LEVELS } from "../proxy/types";
import type { Rng } from "../rng";
import { spendOnPairs } from "./pick";
import { checkPoolAndBudget, requireLabels, requireProxy, type Strategy } from "./types";

/** How many times the second member is drawn before settling for its next-best response. */
export const REDRAWS = 16;

function argmax(scores: Float64Array, among: readonly number[]): number {
  let best = among[0];
  for (const i of among) if (scores[i] > scores[best]) best = i;
  return best;
}

/**
 * Every prompt's pairs: drawn as in the file comment, again and again with the sides drawn so far
 * counted as labelled, until each of its responses is labelled or in a pair. Sorted by
 * disagreement, highest first; equal ones (within rounding) to the lower pair (a, then b).
 */
function drawPairs(groups: readonly number[][], mu: readonly Float64Array[], labelled: ReadonlySet<number>, rng: Rng) {
  const pairs: { a: number; b: number; disagreement: number }[] = [];
  for (const responses of groups) {
    if (responses.length < 2) continue;
    const known = new Set(responses.filter((i) => labelled.has(i)));
    while (known.size < responses.length) {
      const a = argmax(mu[rng.int(mu.length)], responses);
      const partners = responses.filter((i) => i !== a && !(known.has(a) && known.has(i)));
      let b = -1;
      let second = 0;
      for (let draw = 0; draw < REDRAWS && b < 0; draw++) {
        second = rng.int(mu.length);
        const choice = argmax(mu[second], responses);
        if (partners.includes(choice)) b = choice;
      }
      if (b < 0) b = argmax(mu[second], partners);
      const deltas = mu.map((m) => m[a] - m[b]);
      const mean = deltas.reduce((s, d) => s + d, 0) / deltas.length;
      const sd = Math.sqrt(deltas.reduce((s, d) => s + (d - mean) ** 2, 0) / (deltas.length - 1));
      pairs.push({ a: Math.min(a, b), b: Math.max(a, b), disagreement: sd });
      known.add(a).add(b);
    }
  }
  return pairs.sort((p, q) => (Math.abs(p.disagreement - q.disagreement) > 1e-12 ? q.disagreement - p.disagreement : p.a - q.a || p.b - q.b));
}

export const drts: Strategy = {
  name: "drts",
  needs: ["proxy.members", "prompts"],
  summary: "per prompt, two seeded ensemble members' argmax responses as a pair; pairs by the members' disagreement, both sides labelled (a pair costs two queries)",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("drts", poolSize, ctx);
    const proxy = requireProxy("drts", poolSize, ctx, { members: true });
    const prompts = requireLabels("drts", "prompts", poolSize, ctx);
    if (ctx.budget === 0) return [];
    const mu = proxy.members!.map((dist) => {
      const out = new Float64Array(poolSize);
      for (let i = 0; i < poolSize; i++) for (let s = 0; s < SCORE_LEVELS; s++) out[i] += s * dist[i * SCORE_LEVELS + s];
      return out;
    });
    const groups = [...groupBy(Array.from({ length: poolSize }, (_, i) => i), (i) => prompts[i]).values()];
    return spendOnPairs(drawPairs(groups, mu, labelled, ctx.rng), poolSize, labelled, ctx.budget);
  },
};
