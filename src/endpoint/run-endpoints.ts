/**
 * The endpoints a run's config names, checked for free before any training (probe.ts): a dead
 * or misconfigured endpoint is then one line and exit 2 in seconds, with nothing written.
 */
import type { RunConfig } from "../config";
import { EndpointClient } from "./client";
import { probeEndpoint } from "./probe";

/** API keys, from the environment via the CLI (or a notebook); never written anywhere. */
export interface EndpointKeys {
  judge?: string;
}

/** Where the CLI reads each key, for the message when an endpoint rejects it. */
const KEY_HINTS = { judge: "PROXYRM_JUDGE_API_KEY (or OPENAI_API_KEY)" };

/** Probes every endpoint in the config (GET <url>/models; nothing is billed). */
export async function probeRunEndpoints(config: RunConfig, keys: EndpointKeys, signal?: AbortSignal): Promise<void> {
  const o = config.oracle;
  if (o.kind === "llm") {
    const client = new EndpointClient({ role: "judge", url: o.url!, apiKey: keys.judge, breakerThreshold: o.breakerThreshold });
    await probeEndpoint(client, o.model!, KEY_HINTS.judge, signal);
  }
}
