/**
 * Proxy evaluators: the on-policy proxy (fit on the expert-labelled on-policy tuples) and the
 * off-policy baseline (the same recipe and the same number of examples, from the seed EFT set;
 * it also scores the first round of strategies that need a proxy, since it is free). Then the
 * proxy scores every pool response.
 */
import * as fs from "node:fs";
import { judgeFeatureDim, judgeFeatures } from "../embed/judge-features";
import { EftJudge, fitEftJudge, type LabelledQuery } from "../proxy/eft";
import { fitRewardHeads } from "../proxy/heads";
import type { JudgeQuery, ProxyEvaluator } from "../proxy/types";
import { writeProxyScores } from "../store/arrow-tables";
import { readEmbeddings } from "../store/embeddings";
import { isExternalPolicy } from "../config";
import { judgeUserMessage } from "../oracle/judge-prompt";
import type { LabelRow } from "../types";
import type { RunContext } from "./context";
import { embedEndpoint } from "./endpoints";
import { poolResponses } from "./query";

export type ProxyName = "proxy" | "offpolicy";

/** (prompt, response, score) for labelled response ids. */
function toQueries(ctx: RunContext, labels: LabelRow[]): LabelledQuery[] {
  const byId = new Map(ctx.responses().map((r) => [r.response_id, r]));
  const text = ctx.promptText();
  return labels.map((l) => ({ prompt: text.get(byId.get(l.response_id)!.prompt_id)!, response: byId.get(l.response_id)!.text, score: l.score }));
}

/** The off-policy evaluator's data: as many seed EFT examples as the expert budget buys. */
function offPolicyExamples(ctx: RunContext): LabelledQuery[] {
  const seed = ctx.labels("seed_eft_labels.arrow");
  return toQueries(ctx, ctx.rng("offpolicy-sample").shuffle(seed).slice(0, ctx.config.select.budget));
}

/**
 * Fits a proxy of the configured kind on `examples`. `name` keeps the EFT checkpoint and curve
 * (undefined for intermediate rounds, which are not kept).
 */
export async function fitProxyOn(ctx: RunContext, examples: LabelledQuery[], stage: string, name?: ProxyName): Promise<ProxyEvaluator> {
  const cfg = ctx.config.proxy;
  // Every evaluator draws the same minibatch stream: only their data differs.
  const rng = ctx.rng("fit");
  if (cfg.kind === "eft") {
    const model = ctx.model("sft");
    const { judge, losses } = await fitEftJudge(model, examples, cfg.eft, rng, stage, ctx.progress, ctx.signal);
    if (name) {
      await ctx.saveModel(name, judge.model);
      ctx.saveCurve(`eft_${name}`, losses);
    }
    return judge;
  }
  if (isExternalPolicy(ctx.config)) {
    // No tiny GPT to read: the heads learn on the embedder's view of the judge input (cached
    // in its reply journal for every pool response since the embed stage).
    const embedder = embedEndpoint(ctx);
    const features = async (items: JudgeQuery[], signal?: AbortSignal) => (await embedder.embed(items.map((q) => judgeUserMessage(q.prompt, q.response)), undefined, signal)).data;
    const dim = readEmbeddings(ctx.file("embeddings.arrow"), { view: "eft" }).dim;
    return fitRewardHeads(ctx.tf, features, dim, examples, cfg.heads, rng, ctx.progress, ctx.signal, stage);
  }
  const model = ctx.model("sft");
  const features = (items: JudgeQuery[], signal?: AbortSignal) => judgeFeatures(model, items, signal);
  return fitRewardHeads(ctx.tf, features, judgeFeatureDim(model), examples, cfg.heads, rng, ctx.progress, ctx.signal, stage);
}

const loaded = new WeakMap<RunContext, Map<ProxyName, ProxyEvaluator>>();

function cacheOf(ctx: RunContext): Map<ProxyName, ProxyEvaluator> {
  let cache = loaded.get(ctx);
  if (!cache) loaded.set(ctx, (cache = new Map()));
  return cache;
}

/**
 * The named evaluator: fitted in this process, loaded from its EFT checkpoint, or (reward
 * heads: seconds, deterministic; or a missing checkpoint) fitted now.
 */
export async function proxyEvaluator(ctx: RunContext, name: ProxyName): Promise<ProxyEvaluator> {
  const cache = cacheOf(ctx);
  let p = cache.get(name);
  if (!p) {
    if (ctx.config.proxy.kind === "eft" && fs.existsSync(ctx.file(`models/${name}.ckpt`))) p = new EftJudge(ctx.model(name));
    else {
      const examples = name === "proxy" ? toQueries(ctx, ctx.labels()) : offPolicyExamples(ctx);
      p = await fitProxyOn(ctx, examples, `fit ${name}`, name);
    }
    cache.set(name, p);
  }
  return p;
}

/** The proxy fit on labels paid so far (intermediate active-learning rounds). */
export function fitOnLabels(ctx: RunContext, labels: LabelRow[], round: number): Promise<ProxyEvaluator> {
  return fitProxyOn(ctx, toQueries(ctx, labels), `fit round ${round + 1}`);
}

export async function fitStage(ctx: RunContext): Promise<void> {
  cacheOf(ctx).set("proxy", await fitProxyOn(ctx, toQueries(ctx, ctx.labels()), "fit proxy", "proxy"));
}

export async function offpolicyStage(ctx: RunContext): Promise<void> {
  await proxyEvaluator(ctx, "offpolicy");
}

export async function scoreStage(ctx: RunContext): Promise<void> {
  const pool = poolResponses(ctx);
  const proxy = await proxyEvaluator(ctx, "proxy");
  ctx.progress.start("score", pool.length);
  try {
    const s = await proxy.predict(ctx.judgeItems(pool), ctx.signal);
    writeProxyScores(ctx.file("proxy_scores.arrow"), pool.map((r, i) => ({ response_id: r.response_id, mean: s.mean[i], std: s.std[i] })));
    ctx.progress.tick(pool.length);
  } finally {
    ctx.progress.end();
  }
}
