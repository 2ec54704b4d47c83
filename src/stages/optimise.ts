/**
 * From scores to a better policy: best-vs-worst pairs per pool prompt (expert score where
 * labelled, else the proxy's), DPO M1 -> M2, and the expert-only baseline (the same budget
 * spent on whole prompts, pairs from expert labels alone, DPO for the same number of epochs).
 */
import { trainDPO } from "../dpo/train";
import { buildPairs, type ScoredResponse } from "../pairs/build";
import { readPairs, readProxyScores, writePairs } from "../store/arrow-tables";
import type { PairRow, ResponseRow } from "../types";
import type { RunContext } from "./context";
import { isExternalPolicy } from "../config";
import { labelThroughGate, poolResponses } from "./query";

function scoredPairs(ctx: RunContext, responses: ResponseRow[], scoreOf: (r: ResponseRow) => number | undefined): PairRow[] {
  const text = ctx.promptText();
  const scored: ScoredResponse[] = [];
  for (const r of responses) {
    const score = scoreOf(r);
    if (score !== undefined) scored.push({ prompt_id: r.prompt_id, prompt: text.get(r.prompt_id)!, text: r.text, score });
  }
  return buildPairs(scored, ctx.config.pairs.minMargin);
}

export async function pairsStage(ctx: RunContext): Promise<void> {
  const expert = new Map(ctx.labels().map((l) => [l.response_id, l.score]));
  const proxy = new Map(readProxyScores(ctx.file("proxy_scores.arrow")).map((s) => [s.response_id, s.mean]));
  writePairs(ctx.file("pairs.arrow"), scoredPairs(ctx, poolResponses(ctx), (r) => expert.get(r.response_id) ?? proxy.get(r.response_id)));
}

async function dpoFrom(ctx: RunContext, pairs: PairRow[], name: string): Promise<void> {
  const policy = ctx.model("sft").clone();
  let result: Awaited<ReturnType<typeof trainDPO>>;
  try {
    result = await trainDPO(policy, pairs, ctx.config.dpo, ctx.rng(name), ctx.progress, ctx.signal, name);
  } catch (err) {
    // Interrupted (or failed) mid-training: the half-trained copy is nobody's.
    policy.dispose();
    throw err;
  }
  await ctx.saveModel(name, policy);
  ctx.saveCurve(name, result.losses);
}

export async function dpoStage(ctx: RunContext): Promise<void> {
  if (isExternalPolicy(ctx.config)) {
    // The policy is served elsewhere: train it where it lives. The pairs go out as TRL JSONL
    // (DPOTrainer, OpenRLHF) and the labels as an EFT judge dataset.
    // Loaded here: parquet-wasm (behind export.ts) need not load with every pipeline.
    const { exportPairs } = await import("../store/export");
    const { exportEftDataset } = await import("../store/export-eft");
    const pairs = exportPairs(ctx.dir, "trl-jsonl");
    const eft = exportEftDataset(ctx.dir);
    ctx.progress.log?.(`dpo: the policy is an endpoint, so it is not trained here; ${pairs.rows} pairs exported to ${pairs.file}, ${eft.rows} judge examples to ${eft.file}`);
    return;
  }
  await dpoFrom(ctx, readPairs(ctx.file("pairs.arrow")), "dpo");
}

/** floor(B/k) random pool prompts, all k responses labelled (ledger lines tagged "baseline"). */
export async function expertOnlyStage(ctx: RunContext): Promise<void> {
  const pool = poolResponses(ctx);
  const k = ctx.config.generate.k;
  const budget = ctx.config.select.budget;
  const promptIds = [...new Set(pool.map((r) => r.prompt_id))];
  const chosen = new Set(ctx.rng("expert-only").shuffle(promptIds).slice(0, Math.floor(budget / k)));
  const responses = pool.filter((r) => chosen.has(r.prompt_id));
  const items = ctx.judgeItems(responses);
  const labels = await labelThroughGate(ctx, items, { budget: items.length, stage: "expert-only label", file: "baseline_labels.arrow", tag: "baseline" });
  const score = new Map(labels.map((l) => [l.response_id, l.score]));
  const pairs = scoredPairs(ctx, responses, (r) => score.get(r.response_id));
  writePairs(ctx.file("expert_only_pairs.arrow"), pairs);
  await dpoFrom(ctx, pairs, "expert_only");
}
