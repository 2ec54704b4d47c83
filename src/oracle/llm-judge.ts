/**
 * An LLM judge behind any OpenAI-compatible chat completions endpoint (vLLM, TGI, hosted
 * APIs), prompted with the Self-Rewarding additive rubric (judge-prompt.ts). The caller hands
 * in the API key; this module never reads the environment, and never lets the key into an
 * error, an outcome or anything it returns.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, BadOptionError } from "../errors";
import { JUDGE_PROMPT, judgeUserMessage, parseScore } from "./judge-prompt";
import type { JudgeItem, Oracle, OracleOutcome } from "./types";

export interface LlmJudgeOptions {
  /** Base URL, e.g. http://127.0.0.1:8000/v1; requests go to `${url}/chat/completions`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer <key>` only when given. */
  apiKey?: string;
  /** Per attempt, covering the reply body too. Default 60000. */
  timeoutMs?: number;
  /** Extra attempts after the first on network errors, timeouts, 429 and 5xx. Default 3. */
  retries?: number;
  /** What one successful call costs, recorded in the ledger and labels.cost. Default 0. */
  costPerCall?: number;
  /** First backoff; it doubles per retry. Default 500. */
  backoffMs?: number;
}

/** Longest wait between attempts, whatever Retry-After asks for. */
const MAX_BACKOFF_MS = 60_000;
/** How much of an error reply's body goes into the error message. */
const BODY_SNIPPET_CHARS = 200;

/** The result of one HTTP attempt: a reply text, or why not and whether to try again. */
type Attempt = { ok: true; text: string } | { ok: false; error: string; retryable: boolean; retryAfterMs?: number };

function checkCount(field: string, value: number, min: number): void {
  if (!(Number.isSafeInteger(value) && value >= min)) throw new BadOptionError(field, `must be an integer >= ${min}, got ${value}`);
}

/** Retry-After in delta-seconds (the form rate limiters send); an HTTP date is ignored. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/** Node's fetch hides the socket error under `cause` ("fetch failed" alone says nothing). */
function networkErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return cause.message || (cause as NodeJS.ErrnoException).code || error.message;
  return error.message;
}

/** The judge's reply text from an OpenAI chat completion body, or undefined if it has none. */
function replyContent(body: string): string | undefined {
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
  private readonly endpoint: string;
  private readonly model: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly costPerCall: number;
  private readonly backoffMs: number;

  constructor(options: LlmJudgeOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new BadOptionError("judge url", `not a URL: ${options.url}`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new BadOptionError("judge url", `must be http or https: ${options.url}`);
    if (!options.model) throw new BadOptionError("judge model", "must not be empty");
    this.endpoint = `${options.url.replace(/\/+$/, "")}/chat/completions`;
    this.model = options.model;
    this.name = `llm:${options.model}`;
    this.apiKey = options.apiKey || undefined;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retries = options.retries ?? 3;
    this.costPerCall = options.costPerCall ?? 0;
    this.backoffMs = options.backoffMs ?? 500;
    checkCount("judge timeoutMs", this.timeoutMs, 1);
    checkCount("judge retries", this.retries, 0);
    checkCount("judge backoffMs", this.backoffMs, 0);
    if (!(Number.isFinite(this.costPerCall) && this.costPerCall >= 0)) throw new BadOptionError("judge costPerCall", `must be a number >= 0, got ${this.costPerCall}`);
  }

  /** The system prompt and the user message: everything the model is shown. */
  judgeInput(item: JudgeItem): string {
    return `${JUDGE_PROMPT}\n\n${judgeUserMessage(item.prompt, item.response)}`;
  }

  async judge(item: JudgeItem, signal?: AbortSignal): Promise<OracleOutcome> {
    const body = JSON.stringify({
      model: this.model,
      messages: [
        { role: "system", content: JUDGE_PROMPT },
        { role: "user", content: judgeUserMessage(item.prompt, item.response) },
      ],
      temperature: 0,
    });
    const tries = this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const result = await this.post(body, signal);
      if (result.ok) {
        const score = parseScore(result.text);
        if (score === undefined) return { ok: false, error: "reply has no 'Score: N' line", retryable: false };
        return { ok: true, score, rationale: result.text, cost: this.costPerCall };
      }
      if (!result.retryable) return { ok: false, error: this.redact(`POST ${this.endpoint}: ${result.error}`), retryable: false };
      if (attempt === tries) {
        return { ok: false, error: this.redact(`POST ${this.endpoint}: ${result.error} after ${tries} ${tries === 1 ? "try" : "tries"}`), retryable: true };
      }
      const backoff = Math.min(result.retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      try {
        await sleep(backoff, undefined, { signal });
      } catch (error) {
        if (signal?.aborted) throw new AbortedError("judge");
        throw error;
      }
    }
  }

  /** One HTTP attempt, bounded by timeoutMs and the caller's signal. */
  private async post(body: string, signal?: AbortSignal): Promise<Attempt> {
    if (signal?.aborted) throw new AbortedError("judge");
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    try {
      const response = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await response.text();
      if (response.ok) {
        const content = replyContent(text);
        if (content === undefined) return { ok: false, error: "reply is not a chat completion with message content", retryable: false };
        return { ok: true, text: content };
      }
      const status = `HTTP ${response.status}${text ? ` ${text.slice(0, BODY_SNIPPET_CHARS).replace(/\s+/g, " ").trim()}` : ""}`;
      const retryable = response.status === 429 || response.status >= 500;
      return { ok: false, error: status, retryable, retryAfterMs: retryable ? retryAfterMs(response.headers.get("retry-after")) : undefined };
    } catch (error) {
      if (signal?.aborted) throw new AbortedError("judge");
      if (timeout.aborted) return { ok: false, error: `timeout after ${this.timeoutMs} ms`, retryable: true };
      return { ok: false, error: networkErrorText(error), retryable: true };
    }
  }

  /** Belt and braces: a server may echo request headers in an error body. */
  private redact(text: string): string {
    return this.apiKey === undefined ? text : text.split(this.apiKey).join("***");
  }
}
