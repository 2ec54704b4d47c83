/** What every proxy evaluator gives for a (prompt, response): a 0..5 score distribution. */
export interface JudgeQuery {
  prompt: string;
  response: string;
}

export interface ProxyScores {
  /** Expected score under the distribution. */
  mean: Float64Array;
  /** Its standard deviation (the evaluator's uncertainty). */
  std: Float64Array;
  /** Row-major [n * 6]: probability of each score 0..5. */
  probs: Float64Array;
  /** Ensembles only: each member's [n * 6] distribution (disagreement strategies read these). */
  members?: Float64Array[];
}

export interface ProxyEvaluator {
  readonly kind: "eft" | "heads";
  predict(items: JudgeQuery[], signal?: AbortSignal): Promise<ProxyScores>;
  dispose(): void;
}

export const SCORE_LEVELS = 6;

/** mean and std of each row of a [n * 6] distribution. */
export function summarise(probs: Float64Array): ProxyScores {
  const n = probs.length / SCORE_LEVELS;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    let m2 = 0;
    for (let s = 0; s < SCORE_LEVELS; s++) {
      const p = probs[i * SCORE_LEVELS + s];
      m += p * s;
      m2 += p * s * s;
    }
    mean[i] = m;
    std[i] = Math.sqrt(Math.max(0, m2 - m * m));
  }
  return { mean, std, probs };
}
