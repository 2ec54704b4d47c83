/**
 * Evaluation when the policy is an endpoint. No M2 is trained here (the pairs are exported), so
 * there is no win rate or retention to measure; what can be measured is the proxy: the judge
 * (the run's expert oracle) scores M1's held-out responses, paid through the gate under its own
 * ledger tag "eval" (not counted in expert_queries), and the proxy's agreement and calibration
 * are computed against those scores. A person as the expert is not asked again: those metrics
 * are then NaN. Metrics that need M2 (win rate, retention) are NaN; JSON writes NaN as null.
 */
import { calibration, pairAccuracy, spearman } from "../eval/metrics";
import { HumanOracle } from "../oracle/human";
import { ledgerCounts } from "../oracle/ledger";
import { readPairs, writeLabels } from "../store/arrow-tables";
import type { RunContext } from "./context";
import { histogram, mean, round, type Metrics } from "./evaluate";
import { proxyEvaluator } from "./proxy";
import { selectedIds } from "./query";

/** Ledger tag of the judge's calls on held-out responses. */
export const EVAL_TAG = "eval";

export async function evalExternal(ctx: RunContext): Promise<Metrics> {
  const held = ctx.responses().filter((r) => r.source === "policy-heldout");
  const items = ctx.judgeItems(held);
  const oracle = ctx.oracle();
  let judged: Map<string, number> | undefined;
  if (!(oracle instanceof HumanOracle) && held.length > 0) {
    const gate = ctx.gate(held.length, { tag: EVAL_TAG, onPaid: () => ctx.progress.tick(1) });
    ctx.progress.start("eval judge", held.length);
    try {
      ctx.progress.tick(gate.paid);
      const report = await gate.label(items, ctx.signal);
      writeLabels(ctx.file("eval_labels.arrow"), report.labels);
      judged = new Map(report.labels.map((l) => [l.response_id, l.score]));
    } finally {
      ctx.progress.end();
    }
  }
  const proxy = await proxyEvaluator(ctx, "proxy");
  const scored = judged ? held.filter((r) => judged!.has(r.response_id)) : [];
  const s = scored.length > 0 ? await proxy.predict(ctx.judgeItems(scored), ctx.signal) : undefined;
  const truth = scored.map((r) => judged!.get(r.response_id)!);
  const cal = s ? calibration(s.probs, truth) : undefined;

  const labels = ctx.labels();
  const paid = ledgerCounts(ctx.dir);
  const pairs = readPairs(ctx.file("pairs.arrow")).length;
  return {
    expert_queries: paid.paid,
    expert_cost: round(paid.cost),
    expert_failed_items: selectedIds(ctx).length - labels.length,
    expert_noscore_replies: paid.noScore,
    expert_unknown_calls: paid.unknown,
    pairs,
    pairs_per_query: round(pairs / Math.max(1, paid.paid)),
    gold_win_rate: NaN,
    gold_mean_sft: NaN,
    gold_mean_dpo: NaN,
    proxy_spearman: s ? round(spearman(s.mean, truth)) : NaN,
    proxy_pair_accuracy: s ? round(pairAccuracy(scored.map((r) => r.prompt_id), truth, s.mean)) : NaN,
    proxy_ece: cal ? round(cal.ece) : NaN,
    offpolicy_proxy_spearman: null,
    offpolicy_proxy_pair_accuracy: null,
    offpolicy_proxy_ece: null,
    retention_sft: NaN,
    retention_dpo: NaN,
    expert_only_gold_win_rate: null,
    expert_only_pairs: null,
    strategy: ctx.config.select.strategy,
    budget: ctx.config.select.budget,
    seed: ctx.config.seed,
    histograms: { seed_eft_labels: histogram([]), onpolicy_labels: histogram(labels.map((l) => l.score)), heldout_gold: histogram(truth) },
    reliability: { proxy: cal ? cal.bins : [], offpolicy: null },
    seconds: 0,
    backend: ctx.backend,
    policy_endpoint: true,
    judge_mean_heldout: truth.length > 0 ? round(mean(truth)) : null,
    judge_eval_calls: ledgerCounts(ctx.dir, EVAL_TAG).paid,
  };
}
