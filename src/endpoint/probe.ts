/**
 * The free fail-fast check of an endpoint, run before any training: `GET <base>/models`, which
 * OpenAI-compatible servers (vLLM, TGI, llama.cpp, hosted APIs) answer without generating
 * anything. A dead server, a rejected key, a wrong base URL or a model the server does not serve
 * is then one line and exit 2 within seconds, instead of an error after minutes of SFT,
 * generation and embedding.
 */
import { EndpointError } from "../errors";
import type { EndpointClient } from "./client";

/** The probe's own limits: a dead endpoint must fail in seconds, not after the judge's 60 s timeout. */
export const PROBE_TIMEOUT_MS = 10_000;
const PROBE_RETRIES = 1;

/**
 * Checks that the endpoint answers, accepts the key and serves `model`.
 * @param keyHint where the key comes from, for the 401/403 message (e.g. "PROXYRM_JUDGE_API_KEY").
 * @throws EndpointError naming the URL and what is wrong.
 */
export async function probeEndpoint(client: EndpointClient, model: string, keyHint?: string, signal?: AbortSignal): Promise<void> {
  const url = `${client.base}/models`;
  const reply = await client.get("/models", signal, { retries: PROBE_RETRIES, timeoutMs: PROBE_TIMEOUT_MS });
  if (!reply.billed) {
    const status = /: HTTP (\d{3})/.exec(reply.error)?.[1];
    if (status === "401" || status === "403") {
      throw new EndpointError(url, `the ${client.role} endpoint rejected the API key (HTTP ${status})${keyHint ? `; set ${keyHint}` : ""}`);
    }
    if (status === "404") throw new EndpointError(url, `not found (HTTP 404): is the ${client.role} base URL right? It usually ends in /v1`);
    throw new EndpointError(url, `the ${client.role} endpoint is not usable: ${reply.error.replace(`GET ${url}: `, "")}`);
  }
  if (reply.text === undefined) throw new EndpointError(url, `the ${client.role} endpoint's reply could not be read: ${reply.error}`);
  let ids: string[] | undefined;
  try {
    const data = (JSON.parse(reply.text) as { data?: { id?: unknown }[] }).data;
    if (Array.isArray(data)) ids = data.map((m) => m?.id).filter((id): id is string => typeof id === "string");
  } catch {
    ids = undefined;
  }
  if (ids === undefined) throw new EndpointError(url, `not an OpenAI-compatible model list (expected {"data":[{"id":...}]}); is the ${client.role} base URL right?`);
  if (!ids.includes(model)) {
    const served = ids.length === 0 ? "none" : ids.slice(0, 10).join(", ") + (ids.length > 10 ? ", ..." : "");
    throw new EndpointError(url, `model "${model}" is not served by the ${client.role} endpoint (it serves: ${served})`);
  }
}
