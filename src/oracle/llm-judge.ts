/**
 * An LLM judge behind any OpenAI-compatible chat completions endpoint (vLLM, TGI, hosted
 * APIs), prompted with the Self-Rewarding additive rubric (judge-prompt.ts). HTTP (retries,
 * backoff, Retry-After, the circuit breaker) is the shared EndpointClient's job; this module
 * turns replies into outcomes and says which were billed. The caller hands in the API key; this
 * module never reads the environment, and never lets the key into an error or an outcome.
 */
import { BadOptionError } from "../errors";
import { EndpointClient, type EndpointOptions } from "../endpoint/client";
import { JUDGE_PROMPT, REASK_LINE, judgeUserMessage, parseScore } from "./judge-prompt";
import type { JudgeItem, JudgeRequest, Oracle, OracleOutcome } from "./types";

export interface LlmJudgeOptions extends Omit<EndpointOptions, "role"> {
  model: string;
  /** What one call costs, recorded in the ledger and labels.cost. Default 0. */
  costPerCall?: number;
}

/** The judge's reply text from an OpenAI chat completion body, or undefined if it has none. */
export function chatContent(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const content = (parsed as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
  return typeof content === "string" ? content : undefined;
}

/** An expert that asks an LLM to score with the additive 0-5 rubric. */
export class LlmJudgeOracle implements Oracle {
  readonly name: string;
  readonly costPerCall: number;
  readonly model: string;
  /** The HTTP client (exposed for the fail-fast probe, which shares its breaker). */
  readonly client: EndpointClient;

  constructor(options: LlmJudgeOptions) {
    if (!options.model) throw new BadOptionError("judge model", "must not be empty");
    // A judge bills what it finishes: a timed-out ask is never retried (it may be paid already).
    this.client = new EndpointClient({ ...options, role: "judge", timeoutsMayBill: true });
    this.model = options.model;
    this.name = `llm:${options.model}`;
    this.costPerCall = options.costPerCall ?? 0;
    if (!(Number.isFinite(this.costPerCall) && this.costPerCall >= 0)) throw new BadOptionError("judge costPerCall", `must be a number >= 0, got ${this.costPerCall}`);
  }

  /** The system prompt and the user message: everything the model is shown. */
  judgeInput(item: JudgeItem): string {
    return `${JUDGE_PROMPT}\n\n${judgeUserMessage(item.prompt, item.response)}`;
  }

  async judge(item: JudgeItem, signal?: AbortSignal, request: JudgeRequest = {}): Promise<OracleOutcome> {
    const user = judgeUserMessage(item.prompt, item.response);
    const reply = await this.client.post(
      "/chat/completions",
      {
        model: this.model,
        messages: [
          { role: "system", content: JUDGE_PROMPT },
          // The re-ask repeats the request with a stricter format line: at temperature 0 the
          // same request would most likely get the same unscored reply.
          { role: "user", content: request.reask ? `${user}\n\n${REASK_LINE}` : user },
        ],
        temperature: 0,
      },
      signal,
    );
    if (!reply.billed) return { ok: false, billed: false, error: reply.error, retryable: reply.retryable, ...(reply.mayHaveBilled ? { mayHaveBilled: true as const } : {}) };
    if (reply.text === undefined) return { ok: false, billed: true, error: reply.error, reply: "", cost: this.costPerCall };
    // Stored verbatim in the ledger and labels.arrow, less the key if a server echoed it.
    const raw = chatContent(reply.text);
    if (raw === undefined) {
      return { ok: false, billed: true, error: "reply is not a chat completion with message content", reply: this.client.redact(reply.text), cost: this.costPerCall };
    }
    const content = this.client.redact(raw);
    const score = parseScore(content);
    if (score === undefined) return { ok: false, billed: true, error: "reply has no 'Score: N' line", reply: content, cost: this.costPerCall };
    return { ok: true, score, rationale: content, cost: this.costPerCall };
  }
}
