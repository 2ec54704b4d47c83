/**
 * The expert oracle contract. An oracle scores one (prompt, response) tuple on the additive
 * 0-5 scale; the gate (gate.ts) is the only caller that pays for it. A failed call is a typed
 * outcome, never a magic score (TRL's judges return -1, which later arithmetic turns into a
 * plausible-looking 2), and it says whether it was billed: that decides whether the call counts
 * against the budget.
 */

/** One tuple to score: the response's id (for the ledger and labels.arrow) and its text. */
export interface JudgeItem {
  response_id: string;
  prompt: string;
  response: string;
}

/**
 * What one judge call produced:
 * - a score;
 * - a billed reply without a score (`billed: true`): a paid failure, `reply` kept verbatim;
 * - no billed reply (`billed: false`: network error, rate limit or 5xx after the retries, a 4xx):
 *   nothing was paid; `retryable` says whether asking again later may help;
 * - `billed: false` with `mayHaveBilled`: no reply came, but the request was sent and the
 *   provider may still bill it (a judge that timed out): the gate counts it as paid, of unknown
 *   outcome, and never asks that item again (a retry could pay twice).
 */
export type OracleOutcome =
  | { ok: true; score: number; rationale: string; cost: number }
  | { ok: false; billed: true; error: string; reply: string; cost: number }
  | { ok: false; billed: false; error: string; retryable: boolean; mayHaveBilled?: true };

/** How the gate asks: `reask` after a reply with no score (once, with a stricter format line). */
export interface JudgeRequest {
  reask?: boolean;
}

/** An expert that scores tuples. Implementations: RubricOracle, LlmJudgeOracle, HumanOracle. */
export interface Oracle {
  /** Stable id, recorded in labels.oracle and part of the cache key, e.g. "rubric" or "llm:gpt-4o-mini". */
  readonly name: string;
  /** What one call is expected to cost: the price a pending record carries (0 when absent). */
  readonly costPerCall?: number;
  /** The exact text the judge sees for an item: the cache key is sha256(name + "\n" + judgeInput(item)). */
  judgeInput(item: JudgeItem): string;
  /**
   * Scores one item. Resolves to a failed outcome when the judge fails. Rejects with a
   * CallAbortedError (errors.ts; or a plain AbortedError) only when `signal` fired, with an EndpointError
   * when the run must stop without this call having been billed (the circuit breaker is open),
   * and with anything else only on a bug.
   */
  judge(item: JudgeItem, signal?: AbortSignal, request?: JudgeRequest): Promise<OracleOutcome>;
}
