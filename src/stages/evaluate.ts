/**
 * Evaluation with the gold (noise-free, free, unledgered) rubric on held-out prompts: M2 vs M1
 * win rate from sampled answers, retention (greedy exact match), and the proxies' agreement and
 * calibration on M1's held-out responses. Definitions: shared/DESIGN.md.
 */
import { calibration, pairAccuracy, spearman, type ReliabilityBin } from "../eval/metrics";
import { perTaskAgreement } from "../eval/per-task";
import { judgeFeatureDim, judgeFeatures } from "../embed/judge-features";
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
import { misrankedFamilies, worldSeed } from "../world/world";
import { HELDOUT_SCORES_FILE, heldoutRows, writeHeldoutScores } from "./heldout-scores";

export interface Metrics extends Partial<TaskMetrics>, Partial<UniformHeldoutMetrics> {
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

/** Per-task agreement as metrics.json and proxy_metrics.json carry it (issue 11, item 3). */
export interface TaskMetrics {
  /** Per family: held-out prompts and responses, the proxy's and the off-policy evaluator's agreement, and (whole runs) M2's gold gain. */
  per_task: Record<string, { prompts: number; responses: number; proxy_pair_accuracy: number; proxy_spearman: number; offpolicy_pair_accuracy: number | null; gold_gain?: number }>;
  /** The proxy's pair accuracy on its worst family (among those with 3+ held-out prompts). */
  worst_task_pair_accuracy: number;
  worst_task: string | null;
  /** The proxy's pair accuracy and Spearman averaged over families with equal weight. */
  task_uniform_pair_accuracy: number;
  task_uniform_spearman: number;
  /** Task families the on-policy labels cover, and how many families the held-out set has. */
  label_families: number;
  heldout_families: number;
  /** M1's own likelihood (mean token log-probability) as a ranker of held-out responses; null with an external policy. */
  policy_pair_accuracy: number | null;
  /**
   * The same on the held-out responses of the families the misranking knob picked, and of the
   * others (docs/world.md): null where there is no such family or no pair to rank.
   */
  policy_pair_accuracy_misranked?: number | null;
  policy_pair_accuracy_other?: number | null;
}

/**
 * Agreement on the separately drawn task-uniform held-out split (world.heldoutUniformPrompts,
 * docs/world.md): present only when the run has that split; offpolicy_* null without baselines.
 */
export interface UniformHeldoutMetrics {
  uniform_heldout_pair_accuracy: number | null;
  uniform_heldout_spearman: number | null;
  offpolicy_uniform_heldout_pair_accuracy: number | null;
  offpolicy_uniform_heldout_spearman: number | null;
  uniform_heldout_prompts: number;
  uniform_heldout_families: number;
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
export async function proxyAgreement(ctx: RunContext, name: ProxyName, source: ResponseSource = "policy-heldout") {
  const text = ctx.promptText();
  const held = ctx.responses().filter((r) => r.source === source);
  const gold = held.map((r) => goldRubric(text.get(r.prompt_id)!, r.text).score);
  const proxy = await proxyEvaluator(ctx, name);
  const s = await proxy.predict(ctx.judgeItems(held), ctx.signal);
  const cal = calibration(s.probs, gold);
  const taskOf = new Map(ctx.prompts().map((p) => [p.prompt_id, p.task]));
  return {
    perTask: perTaskAgreement(held.map((r) => taskOf.get(r.prompt_id) ?? ""), held.map((r) => r.prompt_id), gold, s.mean),
    gold,
    rows: heldoutRows(name, held, gold, s),
    spearman: spearman(s.mean, gold),
    pairAccuracy: pairAccuracy(held.map((r) => r.prompt_id), gold, s.mean),
    ece: cal.ece,
    bins: cal.bins,
  };
}

/**
 * The per-task block of the metrics: the proxy's per-family agreement, the off-policy
 * evaluator's beside it, the families the labels cover, and M1's likelihood as a ranker
 * (what the misranking knob degrades). `goldGain` adds M2's per-family gold gain.
 */
export async function taskMetrics(
  ctx: RunContext,
  on: Awaited<ReturnType<typeof proxyAgreement>>,
  off: Awaited<ReturnType<typeof proxyAgreement>> | undefined,
  goldGain?: Map<string, number>,
): Promise<TaskMetrics> {
  const per_task: TaskMetrics["per_task"] = {};
  for (const [name, t] of Object.entries(on.perTask.per_task)) {
    per_task[name] = {
      prompts: t.prompts,
      responses: t.responses,
      proxy_pair_accuracy: round(t.pair_accuracy),
      proxy_spearman: round(t.spearman),
      offpolicy_pair_accuracy: off ? round(off.perTask.per_task[name].pair_accuracy) : null,
      ...(goldGain ? { gold_gain: round(goldGain.get(name) ?? NaN) } : {}),
    };
  }
  const taskOf = new Map(ctx.prompts().map((p) => [p.prompt_id, p.task]));
  const byId = new Map(ctx.responses().map((r) => [r.response_id, r]));
  const labelFamilies = new Set(ctx.labels().map((l) => taskOf.get(byId.get(l.response_id)?.prompt_id ?? "")));
  return {
    per_task,
    worst_task_pair_accuracy: round(on.perTask.worst_task_pair_accuracy),
    worst_task: on.perTask.worst_task,
    task_uniform_pair_accuracy: round(on.perTask.task_uniform_pair_accuracy),
    task_uniform_spearman: round(on.perTask.task_uniform_spearman),
    label_families: labelFamilies.size,
    heldout_families: Object.keys(per_task).length,
    ...(isExternalPolicy(ctx.config) ? { policy_pair_accuracy: null } : await policyPairAccuracy(ctx, taskOf)),
  };
}

const nullIfNaN = (x: number) => (Number.isNaN(x) ? null : round(x));

/**
 * The proxy's (and the off-policy evaluator's) agreement with gold on M1's responses to the
 * task-uniform held-out split; {} when the run has no such split, so metrics.json of a run
 * without it keeps its bytes.
 */
export async function uniformHeldoutMetrics(ctx: RunContext): Promise<Partial<UniformHeldoutMetrics>> {
  const prompts = ctx.prompts().filter((p) => p.split === "heldout-uniform");
  if (prompts.length === 0 || !ctx.responses().some((r) => r.source === "policy-heldout-uniform")) return {};
  const on = await proxyAgreement(ctx, "proxy", "policy-heldout-uniform");
  const off = ctx.config.baselines ? await proxyAgreement(ctx, "offpolicy", "policy-heldout-uniform") : undefined;
  return {
    uniform_heldout_pair_accuracy: nullIfNaN(on.pairAccuracy),
    uniform_heldout_spearman: nullIfNaN(on.spearman),
    offpolicy_uniform_heldout_pair_accuracy: off ? nullIfNaN(off.pairAccuracy) : null,
    offpolicy_uniform_heldout_spearman: off ? nullIfNaN(off.spearman) : null,
    uniform_heldout_prompts: prompts.length,
    uniform_heldout_families: new Set(prompts.map((p) => p.task)).size,
  };
}

/**
 * Within-prompt pair accuracy of M1's mean token log-probability on its held-out responses:
 * pooled, and split by whether the family is one the misranking knob picked.
 */
async function policyPairAccuracy(ctx: RunContext, taskOf: Map<string, string>): Promise<Pick<TaskMetrics, "policy_pair_accuracy" | "policy_pair_accuracy_misranked" | "policy_pair_accuracy_other">> {
  const text = ctx.promptText();
  const held = ctx.responses().filter((r) => r.source === "policy-heldout");
  const model = ctx.model("sft");
  const features = await judgeFeatures(model, ctx.judgeItems(held), ctx.signal);
  const dim = judgeFeatureDim(model);
  const likelihood = held.map((_, i) => features[i * dim + model.config.dModel]);
  const gold = held.map((r) => goldRubric(text.get(r.prompt_id)!, r.text).score);
  const misranked = misrankedFamilies(ctx.config.world, worldSeed(ctx.config.seed));
  const part = (keep: (i: number) => boolean) => {
    const idx = held.map((_, i) => i).filter(keep);
    return pairAccuracy(idx.map((i) => held[i].prompt_id), idx.map((i) => gold[i]), idx.map((i) => likelihood[i]));
  };
  const inMisranked = (i: number) => misranked.has(taskOf.get(held[i].prompt_id) ?? "");
  return {
    policy_pair_accuracy: round(pairAccuracy(held.map((r) => r.prompt_id), gold, likelihood)),
    policy_pair_accuracy_misranked: nullIfNaN(part(inMisranked)),
    policy_pair_accuracy_other: nullIfNaN(part((i) => !inMisranked(i))),
  };
}

/** Mean gold gain M2 - M1 per task family on matched held-out samples. */
function goldGainByTask(ctx: RunContext, prompts: string[], sft: string[], dpo: string[]): Map<string, number> {
  const sums = new Map<string, { gain: number; n: number }>();
  prompts.forEach((p, i) => {
    const family = p.slice(0, p.indexOf(" "));
    const s = sums.get(family) ?? { gain: 0, n: 0 };
    s.gain += goldRubric(p, dpo[i]).score - goldRubric(p, sft[i]).score;
    s.n++;
    sums.set(family, s);
  });
  return new Map([...sums].map(([k, v]) => [k, v.gain / v.n]));
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
    ...(await taskMetrics(ctx, on, off, goldGainByTask(ctx, sft.prompts, sft.texts, dpo.texts))),
    ...(await uniformHeldoutMetrics(ctx)),
  };
}
