/**
 * An external policy M1 behind an OpenAI-compatible server (vLLM, TGI, a hosted API): k samples
 * per prompt at a temperature, asked as one request with `n = k` (`/chat/completions` with the
 * prompt as the user message, or `/completions` with the raw prompt). Each reply is journalled
 * (reply-journal.ts) before it is used, so a stage killed half way asks only for what is missing.
 * A `seed` per prompt is sent for servers that honour it (vLLM, OpenAI); others sample freshly.
 */
import { throwIfAborted } from "../abort";
import { EndpointError } from "../errors";
import type { PolicyEndpointConfig } from "../config";
import type { EndpointClient } from "../endpoint/client";
import { ReplyJournal, replyKey } from "../endpoint/reply-journal";
import type { Progress } from "../progress";

export interface SampleRequest {
  k: number;
  temperature: number;
  /** Seeds each prompt's request (with the prompt), for servers that honour `seed`. */
  seed: number;
}

/** The completions of an OpenAI chat or completions reply body, or why there are none. */
export function completionTexts(body: string, api: PolicyEndpointConfig["api"]): string[] | string {
  let parsed: { choices?: { index?: number; text?: unknown; message?: { content?: unknown } }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return "the reply is not JSON";
  }
  if (!Array.isArray(parsed?.choices)) return "the reply has no choices";
  const choices = [...parsed.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const texts = choices.map((c) => (api === "chat" ? c?.message?.content : c?.text));
  if (!texts.every((t): t is string => typeof t === "string")) return `a choice has no ${api === "chat" ? "message content" : "text"}`;
  return texts;
}

/** A stable 31-bit seed for one prompt's request. */
export function promptSeed(seed: number, prompt: string, attempt: number): number {
  return Number.parseInt(replyKey([seed, prompt, attempt]).slice(0, 7), 16);
}

/** The journal key of one completion request. */
export function completionKey(config: PolicyEndpointConfig, prompt: string, n: number, temperature: number, seed: number): string {
  return replyKey({ model: config.model, api: config.api, prompt, n, temperature, maxTokens: config.maxTokens, seed });
}

export class EndpointPolicy {
  constructor(
    private readonly client: EndpointClient,
    private readonly config: PolicyEndpointConfig,
    private readonly journal?: ReplyJournal<string[]>,
  ) {}

  /** k completions per prompt, in prompt order. */
  async sample(prompts: string[], request: SampleRequest, progress?: Progress, signal?: AbortSignal, stage = "generate"): Promise<string[][]> {
    progress?.start(stage, prompts.length);
    try {
      return await Promise.all(
        prompts.map(async (prompt) => {
          const texts = await this.samplePrompt(prompt, request, signal);
          progress?.tick(1);
          return texts;
        }),
      );
    } finally {
      progress?.end();
    }
  }

  private async samplePrompt(prompt: string, request: SampleRequest, signal?: AbortSignal): Promise<string[]> {
    const texts: string[] = [];
    // A server may return fewer than n choices: ask for the rest, a bounded number of times.
    for (let attempt = 0; texts.length < request.k; attempt++) {
      if (attempt >= request.k) throw new EndpointError(`${this.client.base}/${this.config.api === "chat" ? "chat/completions" : "completions"}`, `returned fewer than n = ${request.k} choices ${request.k} times`);
      throwIfAborted(signal, "generate");
      const n = request.k - texts.length;
      const seed = promptSeed(request.seed, prompt, attempt);
      const key = completionKey(this.config, prompt, n, request.temperature, seed);
      let got = this.journal?.get(key);
      if (got === undefined) {
        got = await this.ask(prompt, n, request.temperature, seed, signal);
        this.journal?.put([{ key, value: got }]);
      }
      texts.push(...got.slice(0, n));
    }
    return texts;
  }

  private async ask(prompt: string, n: number, temperature: number, seed: number, signal?: AbortSignal): Promise<string[]> {
    const chat = this.config.api === "chat";
    const path = chat ? "/chat/completions" : "/completions";
    const body = {
      model: this.config.model,
      ...(chat ? { messages: [{ role: "user", content: prompt }] } : { prompt }),
      n,
      temperature,
      max_tokens: this.config.maxTokens,
      seed,
    };
    const reply = await this.client.post(path, body, signal);
    const url = `${this.client.base}${path}`;
    if (!reply.billed) throw new EndpointError(url, `the policy failed: ${reply.error.replace(`POST ${url}: `, "")}`);
    if (reply.text === undefined) throw new EndpointError(url, `the policy's reply could not be read: ${reply.error.replace(`POST ${url}: `, "")}`);
    const texts = completionTexts(reply.text, this.config.api);
    if (typeof texts === "string") throw new EndpointError(url, `not an OpenAI ${chat ? "chat completion" : "completion"}: ${texts}`);
    return texts;
  }
}
