/**
 * The run's external policy and embedder (config.policy.url, config.embed.url), one of each per
 * run context, with their reply journals in the run directory. Kept off RunContext's public
 * surface so the notebook API's types stay small.
 */
import { EndpointEmbedder } from "../embed/endpoint-embedder";
import { ReplyJournal } from "../endpoint/reply-journal";
import { endpointClient } from "../endpoint/run-endpoints";
import { EndpointPolicy } from "../policy/endpoint-policy";
import type { RunContext } from "./context";

/** Journals of the external policy's completions and the embedder's vectors. */
export const POLICY_REPLIES = "policy_replies.jsonl";
export const EMBED_REPLIES = "embed_replies.jsonl";

const policies = new WeakMap<RunContext, EndpointPolicy>();
const embedders = new WeakMap<RunContext, EndpointEmbedder>();

export function policyEndpoint(ctx: RunContext): EndpointPolicy {
  let p = policies.get(ctx);
  if (!p) {
    const c = ctx.config.policy;
    policies.set(ctx, (p = new EndpointPolicy(endpointClient("policy", c, ctx.keys.policy), c, new ReplyJournal<string[]>(ctx.file(POLICY_REPLIES)))));
  }
  return p;
}

export function embedEndpoint(ctx: RunContext): EndpointEmbedder {
  let e = embedders.get(ctx);
  if (!e) {
    const c = ctx.config.embed;
    embedders.set(ctx, (e = new EndpointEmbedder(endpointClient("embedder", c, ctx.keys.embed), c, new ReplyJournal<number[]>(ctx.file(EMBED_REPLIES)))));
  }
  return e;
}
