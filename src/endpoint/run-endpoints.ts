/**
 * The endpoints a run's config names: one EndpointClient each, built from the config and a key
 * from the environment (via the CLI), and checked for free before any training (probe.ts): a dead
 * or misconfigured endpoint is then one line and exit 2 in seconds, with nothing written.
 */
import type { EndpointConfig, RunConfig } from "../config";
import { EndpointClient } from "./client";
import { probeEndpoint } from "./probe";

/** API keys, from the environment via the CLI (or a notebook); never written anywhere. */
export interface EndpointKeys {
  judge?: string;
  policy?: string;
  embed?: string;
}

/** Where the CLI reads each key, for the message when an endpoint rejects it. */
export const KEY_ENV = {
  judge: "PROXYRM_JUDGE_API_KEY (or OPENAI_API_KEY)",
  policy: "PROXYRM_POLICY_API_KEY (or OPENAI_API_KEY)",
  embed: "PROXYRM_EMBED_API_KEY (or OPENAI_API_KEY)",
};

/** A client for a policy or embedder endpoint config. */
export function endpointClient(role: string, e: EndpointConfig, apiKey?: string): EndpointClient {
  return new EndpointClient({
    role,
    url: e.url!,
    apiKey,
    concurrency: e.concurrency,
    timeoutMs: e.timeoutMs,
    retries: e.retries,
    backoffMs: e.backoffMs,
    breakerThreshold: e.breakerThreshold,
  });
}

/** Probes every endpoint in the config (GET <url>/models; nothing is billed). */
export async function probeRunEndpoints(config: RunConfig, keys: EndpointKeys, signal?: AbortSignal): Promise<void> {
  const o = config.oracle;
  if (o.kind === "llm") {
    const client = new EndpointClient({ role: "judge", url: o.url!, apiKey: keys.judge, breakerThreshold: o.breakerThreshold });
    await probeEndpoint(client, o.model!, KEY_ENV.judge, signal);
  }
  if (config.policy.url !== undefined) await probeEndpoint(endpointClient("policy", config.policy, keys.policy), config.policy.model!, KEY_ENV.policy, signal);
  if (config.embed.url !== undefined) await probeEndpoint(endpointClient("embedder", config.embed, keys.embed), config.embed.model!, KEY_ENV.embed, signal);
}
