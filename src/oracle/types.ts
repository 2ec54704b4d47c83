/**
 * The expert oracle contract. An oracle scores one (prompt, response) tuple on the additive
 * 0-5 scale; the gate (gate.ts) is the only caller that pays for it. A failed call is a typed
 * outcome, never a magic score (TRL's judges return -1, which later arithmetic turns into a
 * plausible-looking 2).
 */

/** One tuple to score: the response's id (for the ledger and labels.arrow) and its text. */
export interface JudgeItem {
  response_id: string;
  prompt: string;
  response: string;
}

/**
 * What one judge call produced. `ok: false` means no label: `retryable` says whether asking
 * again later might succeed (network, timeout, rate limit) or not (bad request, unparsable reply).
 */
export type OracleOutcome =
  | { ok: true; score: number; rationale: string; cost: number }
  | { ok: false; error: string; retryable: boolean };

/** An expert that scores tuples. Implementations: RubricOracle, LlmJudgeOracle. */
export interface Oracle {
  /** Stable id, recorded in labels.oracle and part of the cache key, e.g. "rubric" or "llm:gpt-4o-mini". */
  readonly name: string;
  /** The exact text the judge sees for an item: the cache key is sha256(name + "\n" + judgeInput(item)). */
  judgeInput(item: JudgeItem): string;
  /**
   * Scores one item. Resolves to a failed outcome when the judge fails; rejects with
   * AbortedError only when `signal` fired, and with anything else only on a bug.
   */
  judge(item: JudgeItem, signal?: AbortSignal): Promise<OracleOutcome>;
}
