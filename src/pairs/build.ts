/**
 * Best-vs-worst preference pairs, one per prompt (the paper's pseudo-labelled DPO data). A
 * response's score is the expert's where it was labelled, else the proxy's mean. Equal best and
 * worst scores make no pair, and so does a margin below `minMargin` (config `pairs.minMargin`,
 * default 0): with proxy means almost every prompt has some margin, so without a minimum the
 * pair count is simply the pool's prompt count. Ties among candidates go to the earlier
 * response, so the pairs are a pure function of the scores.
 */
import { groupBy } from "../group-by";
import type { PairRow } from "../types";

export interface ScoredResponse {
  prompt_id: string;
  prompt: string;
  text: string;
  score: number;
}

export interface PairsConfig {
  /** Smallest best-minus-worst score margin that makes a pair (0: any positive margin). */
  minMargin: number;
}

export function buildPairs(responses: ScoredResponse[], minMargin = 0): PairRow[] {
  const byPrompt = groupBy(responses, (r) => r.prompt_id);
  const pairs: PairRow[] = [];
  for (const group of byPrompt.values()) {
    let best = group[0];
    let worst = group[0];
    for (const r of group) {
      if (r.score > best.score) best = r;
      if (r.score < worst.score) worst = r;
    }
    const margin = best.score - worst.score;
    // Identical texts carry no preference even if noisy labels differ.
    if (margin > 0 && margin >= minMargin && best.text !== worst.text) {
      pairs.push({ prompt: best.prompt, chosen: best.text, rejected: worst.text, margin });
    }
  }
  return pairs;
}
