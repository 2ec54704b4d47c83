/**
 * Proxy evaluators: the on-policy proxy (fit on the expert-labelled on-policy tuples) and the
 * off-policy baseline (the same recipe and the same number of examples, from the seed EFT set).
 * Then the proxy scores every pool response.
 */
import { judgeFeatureDim, judgeFeatures } from "../embed/judge-features";
import { EftJudge, fitEftJudge, type LabelledQuery } from "../proxy/eft";
import { fitRewardHeads } from "../proxy/heads";
import type { JudgeQuery, ProxyEvaluator } from "../proxy/types";
import { writeProxyScores } from "../store/arrow-tables";
import type { RunContext } from "./context";
import { poolResponses } from "./query";

export type ProxyName = "proxy" | "offpolicy";

/** The training examples of a proxy: on-policy expert labels, or a same-size seed EFT sample. */
export function proxyExamples(ctx: RunContext, name: ProxyName): LabelledQuery[] {
  const byId = new Map(ctx.responses().map((r) => [r.response_id, r]));
  const text = ctx.promptText();
  const toQuery = (id: string, score: number) => ({ prompt: text.get(byId.get(id)!.prompt_id)!, response: byId.get(id)!.text, score });
  const onPolicy = ctx.labels().map((l) => toQuery(l.response_id, l.score));
  if (name === "proxy") return onPolicy;
  const seed = ctx.labels("seed_eft_labels.arrow");
  const sample = ctx.rng("offpolicy-sample").shuffle(seed).slice(0, onPolicy.length);
  return sample.map((l) => toQuery(l.response_id, l.score));
}

async function fitProxy(ctx: RunContext, name: ProxyName): Promise<ProxyEvaluator> {
  const examples = proxyExamples(ctx, name);
  const cfg = ctx.config.proxy;
  // Both evaluators draw the same minibatch stream: only their data differs.
  const rng = ctx.rng("fit");
  if (cfg.kind === "eft") {
    const { judge, losses } = await fitEftJudge(ctx.model("sft"), examples, cfg.eft, rng, `fit ${name}`, ctx.progress, ctx.signal);
    ctx.saveModel(name, judge.model);
    ctx.saveCurve(`eft_${name}`, losses);
    return judge;
  }
  const model = ctx.model("sft");
  const features = (items: JudgeQuery[], signal?: AbortSignal) => judgeFeatures(model, items, signal);
  return fitRewardHeads(ctx.tf, features, judgeFeatureDim(model), examples, cfg.heads, rng, ctx.progress, ctx.signal, `fit ${name}`);
}

const loaded = new WeakMap<RunContext, Map<ProxyName, ProxyEvaluator>>();

/** The evaluator, fitted in this process or loaded from its checkpoint (reward heads refit: seconds, deterministic). */
export async function proxyEvaluator(ctx: RunContext, name: ProxyName): Promise<ProxyEvaluator> {
  const cache = loaded.get(ctx) ?? new Map<ProxyName, ProxyEvaluator>();
  loaded.set(ctx, cache);
  let p = cache.get(name);
  if (!p) {
    p = ctx.config.proxy.kind === "eft" ? new EftJudge(ctx.model(name)) : await fitProxy(ctx, name);
    cache.set(name, p);
  }
  return p;
}

export async function fitStage(ctx: RunContext): Promise<void> {
  const cache = loaded.get(ctx) ?? new Map<ProxyName, ProxyEvaluator>();
  loaded.set(ctx, cache);
  cache.set("proxy", await fitProxy(ctx, "proxy"));
}

export async function offpolicyStage(ctx: RunContext): Promise<void> {
  const cache = loaded.get(ctx) ?? new Map<ProxyName, ProxyEvaluator>();
  loaded.set(ctx, cache);
  cache.set("offpolicy", await fitProxy(ctx, "offpolicy"));
}

export async function scoreStage(ctx: RunContext): Promise<void> {
  const pool = poolResponses(ctx);
  const text = ctx.promptText();
  const proxy = await proxyEvaluator(ctx, "proxy");
  ctx.progress.start("score", pool.length);
  try {
    const s = await proxy.predict(pool.map((r) => ({ prompt: text.get(r.prompt_id)!, response: r.text })), ctx.signal);
    writeProxyScores(ctx.file("proxy_scores.arrow"), pool.map((r, i) => ({ response_id: r.response_id, mean: s.mean[i], std: s.std[i] })));
    ctx.progress.tick(pool.length);
  } finally {
    ctx.progress.end();
  }
}
