/**
 * Best-vs-worst preference pairs, one per prompt (the paper's pseudo-labelled DPO data). A
 * response's score is the expert's where it was labelled, else the proxy's mean. Equal best and
 * worst scores make no pair. Ties among candidates go to the earlier response, so the pairs are
 * a pure function of the scores.
 */
import { groupBy } from "../group-by";
import type { PairRow } from "../types";

export interface ScoredResponse {
  prompt_id: string;
  prompt: string;
  text: string;
  score: number;
}

export function buildPairs(responses: ScoredResponse[]): PairRow[] {
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
    if (margin > 0 && best.text !== worst.text) {
      pairs.push({ prompt: best.prompt, chosen: best.text, rejected: worst.text, margin });
    }
  }
  return pairs;
}
