/**
 * Evaluation with the gold (noise-free, free, unledgered) rubric on held-out prompts: M2 vs M1
 * win rate from sampled answers, retention (greedy exact match), and the proxies' agreement and
 * calibration on M1's held-out responses. Definitions: shared/DESIGN.md.
 */
import { calibration, pairAccuracy, spearman, type ReliabilityBin } from "../eval/metrics";
import { sampleCompletions } from "../policy/sample";
import type { TinyGPT } from "../policy/tinygpt";
import { SCORE_LEVELS } from "../proxy/types";
import { readPairs } from "../store/arrow-tables";
import type { ResponseRow, ResponseSource } from "../types";
import { goldRubric } from "../world/rubric";
import type { RunContext } from "./context";
import { proxyEvaluator, type ProxyName } from "./proxy";
import { selectedIds } from "./query";
import { ledgerCounts } from "../oracle/ledger";
import { isExternalPolicy } from "../config";
import { evalExternal } from "./evaluate-external";
import { HELDOUT_SCORES_FILE, heldoutRows, writeHeldoutScores } from "./heldout-scores";

export interface Metrics {
  /** Paid expert calls in the ledger (untagged): scored, paid failures, unknown outcomes. */
  expert_queries: number;
  /** What those calls cost. */
  expert_cost: number;
  // Optional: metrics.json files written before the journal-first gate lack them.
  /** Selected items left without a label: no score after the re-ask, unknown outcome, or budget spent. */
  expert_failed_items?: number;
  /** Paid calls whose reply had no score (each re-asked once while budget lasted). */
  expert_noscore_replies?: number;
  /** Paid calls of unknown outcome (pending when their process died). */
  expert_unknown_calls?: number;
  pairs: number;
  pairs_per_query: number;
  gold_win_rate: number;
  gold_mean_sft: number;
  gold_mean_dpo: number;
  proxy_spearman: number;
  proxy_pair_accuracy: number;
  proxy_ece: number;
  offpolicy_proxy_spearman: number | null;
  offpolicy_proxy_pair_accuracy: number | null;
  offpolicy_proxy_ece: number | null;
  retention_sft: number;
  retention_dpo: number;
  expert_only_gold_win_rate: number | null;
  expert_only_pairs: number | null;
  strategy: string;
  budget: number;
  seed: number;
  /** Score histograms 0..5: the paper's imbalance (seed EFT labels skew high). */
  histograms: { seed_eft_labels: number[]; onpolicy_labels: number[]; heldout_gold: number[] };
  reliability: { proxy: ReliabilityBin[]; offpolicy: ReliabilityBin[] | null };
  seconds: number;
  backend: string;
  /**
   * With an external policy (evaluate-external.ts): true; the gold_* and retention metrics are
   * NaN, written as null (no M2 is trained here), the proxy_* metrics are against the judge on held-out
   * responses, and histograms.heldout_gold holds the judge's scores.
   */
  policy_endpoint?: boolean;
  /** External policy: the judge's mean score of M1's held-out responses (null without a judge to call). */
  judge_mean_heldout?: number | null;
  /** External policy: paid judge calls on held-out responses (ledger tag "eval", not expert_queries). */
  judge_eval_calls?: number;
}

export function histogram(scores: number[]): number[] {
  const h = new Array(SCORE_LEVELS).fill(0);
  for (const s of scores) h[s]++;
  return h;
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
export const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

/** Samples per held-out prompt from a model with the eval stream (common random numbers across models). */
async function heldoutSamples(ctx: RunContext, model: TinyGPT, stage: string): Promise<{ prompts: string[]; texts: string[]; ids: string[] }> {
  const n = ctx.config.eval.samplesPerPrompt;
  const held = ctx.prompts().filter((p) => p.split === "heldout");
  const rep = held.flatMap((p) => Array.from({ length: n }, () => p));
  const cfg = { ...ctx.config.generate, temperature: ctx.config.eval.temperature };
  const texts = await sampleCompletions(model, rep.map((p) => p.prompt), cfg, ctx.rng("eval-samples"), ctx.progress, ctx.signal, stage);
  return { prompts: rep.map((p) => p.prompt), texts, ids: rep.map((p, i) => `${p.prompt_id}-e${i % n}`) };
}

/** Gold win rate of `b` over `a` on matched samples (ties half). */
function winRate(prompts: string[], a: string[], b: string[]): number {
  let w = 0;
  prompts.forEach((p, i) => {
    const sa = goldRubric(p, a[i]).score;
    const sb = goldRubric(p, b[i]).score;
    w += sb > sa ? 1 : sb === sa ? 0.5 : 0;
  });
  return w / prompts.length;
}

async function retention(ctx: RunContext, model: TinyGPT): Promise<number> {
  const held = ctx.prompts().filter((p) => p.split === "heldout");
  const greedy = await sampleCompletions(model, held.map((p) => p.prompt), { ...ctx.config.generate, temperature: 0 }, ctx.rng("greedy"));
  return mean(held.map((p, i) => (goldRubric(p.prompt, greedy[i]).score === 5 ? 1 : 0)));
}

/** A proxy's agreement with and calibration to the gold rubric on M1's held-out responses. */
export async function proxyAgreement(ctx: RunContext, name: ProxyName) {
  const text = ctx.promptText();
  const held = ctx.responses().filter((r) => r.source === "policy-heldout");
  const gold = held.map((r) => goldRubric(text.get(r.prompt_id)!, r.text).score);
  const proxy = await proxyEvaluator(ctx, name);
  const s = await proxy.predict(ctx.judgeItems(held), ctx.signal);
  const cal = calibration(s.probs, gold);
  return {
    gold,
    rows: heldoutRows(name, held, gold, s),
    spearman: spearman(s.mean, gold),
    pairAccuracy: pairAccuracy(held.map((r) => r.prompt_id), gold, s.mean),
    ece: cal.ece,
    bins: cal.bins,
  };
}

export async function evalStage(ctx: RunContext): Promise<Metrics> {
  if (isExternalPolicy(ctx.config)) return evalExternal(ctx);
  const baselines = ctx.config.baselines;
  const sft = await heldoutSamples(ctx, ctx.model("sft"), "eval sft");
  const dpo = await heldoutSamples(ctx, ctx.model("dpo"), "eval dpo");
  const expertOnly = baselines ? await heldoutSamples(ctx, ctx.model("expert_only"), "eval expert-only") : undefined;
  const evalRows: ResponseRow[] = [];
  const add = (s: { texts: string[]; ids: string[] }, source: ResponseSource) =>
    s.texts.forEach((t, i) => evalRows.push({ response_id: `${s.ids[i]}-${source}`, prompt_id: s.ids[i].replace(/-e\d+$/, ""), text: t, source }));
  add(sft, "eval-sft");
  add(dpo, "eval-dpo");
  if (expertOnly) add(expertOnly, "eval-expert-only");
  ctx.putResponses(["eval-sft", "eval-dpo", "eval-expert-only"], evalRows);

  const on = await proxyAgreement(ctx, "proxy");
  const off = baselines ? await proxyAgreement(ctx, "offpolicy") : undefined;
  writeHeldoutScores(ctx.file(HELDOUT_SCORES_FILE), [...on.rows, ...(off?.rows ?? [])]);
  const labels = ctx.labels();
  const paid = ledgerCounts(ctx.dir);
  const pairs = readPairs(ctx.file("pairs.arrow")).length;
  const expertOnlyPairs = baselines ? readPairs(ctx.file("expert_only_pairs.arrow")).length : 0;
  return {
    expert_queries: paid.paid,
    expert_cost: round(paid.cost),
    expert_failed_items: selectedIds(ctx).length - labels.length,
    expert_noscore_replies: paid.noScore,
    expert_unknown_calls: paid.unknown,
    pairs,
    pairs_per_query: round(pairs / Math.max(1, paid.paid)),
    gold_win_rate: round(winRate(sft.prompts, sft.texts, dpo.texts)),
    gold_mean_sft: round(mean(sft.texts.map((t, i) => goldRubric(sft.prompts[i], t).score))),
    gold_mean_dpo: round(mean(dpo.texts.map((t, i) => goldRubric(dpo.prompts[i], t).score))),
    proxy_spearman: round(on.spearman),
    proxy_pair_accuracy: round(on.pairAccuracy),
    proxy_ece: round(on.ece),
    offpolicy_proxy_spearman: off ? round(off.spearman) : null,
    offpolicy_proxy_pair_accuracy: off ? round(off.pairAccuracy) : null,
    offpolicy_proxy_ece: off ? round(off.ece) : null,
    retention_sft: round(await retention(ctx, ctx.model("sft"))),
    retention_dpo: round(await retention(ctx, ctx.model("dpo"))),
    expert_only_gold_win_rate: expertOnly ? round(winRate(sft.prompts, sft.texts, expertOnly.texts)) : null,
    expert_only_pairs: baselines ? expertOnlyPairs : null,
    strategy: ctx.config.select.strategy,
    budget: ctx.config.select.budget,
    seed: ctx.config.seed,
    histograms: {
      seed_eft_labels: histogram(ctx.labels("seed_eft_labels.arrow").map((l) => l.score)),
      onpolicy_labels: histogram(labels.map((l) => l.score)),
      heldout_gold: histogram(on.gold),
    },
    reliability: { proxy: on.bins, offpolicy: off ? off.bins : null },
    seconds: 0,
    backend: ctx.backend,
  };
}
