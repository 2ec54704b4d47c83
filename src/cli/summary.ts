/** The closing summary of `proxyrm run`: what was paid, what it bought, and the baselines beside it. */
import type { Metrics } from "../stages/evaluate";
import type { ProxyMetrics } from "../stages/evaluate-proxy";

const f = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? "n/a" : x.toFixed(digits));

export function formatSummary(out: string, m: Metrics, alreadyDone: boolean): string {
  if (m.policy_endpoint) return formatEndpointSummary(out, m, alreadyDone);
  const lines = [
    alreadyDone ? `${out}: finished earlier; nothing was rerun or paid.` : `${out}: done in ${m.seconds}s on ${m.backend}.`,
    `  expert queries paid   ${m.expert_queries} (cost ${m.expert_cost}), strategy ${m.strategy}`,
    ...((m.expert_failed_items ?? 0) > 0
      ? [`  items without a label ${m.expert_failed_items} (no score after a re-ask: ${m.expert_noscore_replies} replies; unknown outcome: ${m.expert_unknown_calls} calls; see ledger.jsonl)`]
      : []),
    `  preference pairs      ${m.pairs} (${f(m.pairs_per_query, 1)}x the queries)`,
    `  gold win rate M2 vs M1 ${f(m.gold_win_rate)}   (gold mean ${f(m.gold_mean_sft, 2)} -> ${f(m.gold_mean_dpo, 2)})`,
    `  expert-only DPO        ${f(m.expert_only_gold_win_rate)}   (baseline: pairs from the expert labels alone)`,
    `  proxy vs gold          spearman ${f(m.proxy_spearman)}  pair acc ${f(m.proxy_pair_accuracy)}  ECE ${f(m.proxy_ece)}`,
    `  off-policy evaluator   spearman ${f(m.offpolicy_proxy_spearman)}  pair acc ${f(m.offpolicy_proxy_pair_accuracy)}  ECE ${f(m.offpolicy_proxy_ece)}`,
    `  retention (greedy)     ${f(m.retention_sft)} -> ${f(m.retention_dpo)}`,
    `  report                 ${out}/report.html`,
  ];
  return `${lines.join("\n")}\n`;
}

/** A proxy-only run's summary: the proxies against gold, nothing downstream of them. */
export function formatProxySummary(out: string, m: ProxyMetrics, alreadyDone: boolean): string {
  const lines = [
    alreadyDone ? `${out}: finished earlier; nothing was rerun or paid.` : `${out}: proxy-only run done in ${m.seconds}s on ${m.backend}.`,
    `  expert queries paid   ${m.expert_queries} (cost ${m.expert_cost}), strategy ${m.strategy}`,
    `  proxy vs gold          spearman ${f(m.proxy_spearman)}  pair acc ${f(m.proxy_pair_accuracy)}  ECE ${f(m.proxy_ece)}`,
    `  off-policy evaluator   spearman ${f(m.offpolicy_proxy_spearman)}  pair acc ${f(m.offpolicy_proxy_pair_accuracy)}  ECE ${f(m.offpolicy_proxy_ece)}`,
    `  metrics                ${out}/proxy_metrics.json (no pairs, DPO or report: --proxy-only)`,
  ];
  return `${lines.join("\n")}\n`;
}
/** With an external policy: no M2 here; the pairs and judge data are exported, the proxy judged. */
function formatEndpointSummary(out: string, m: Metrics, alreadyDone: boolean): string {
  const lines = [
    alreadyDone ? `${out}: finished earlier; nothing was rerun or paid.` : `${out}: done in ${m.seconds}s on ${m.backend} (policy, embeddings and judge: endpoints).`,
    `  expert queries paid   ${m.expert_queries} (cost ${m.expert_cost}), strategy ${m.strategy}`,
    ...((m.expert_failed_items ?? 0) > 0 ? [`  items without a label ${m.expert_failed_items} (see ledger.jsonl)`] : []),
    `  preference pairs      ${m.pairs} (${f(m.pairs_per_query, 1)}x the queries) -> ${out}/pairs.jsonl (TRL DPOTrainer, OpenRLHF)`,
    `  judge dataset         ${out}/eft.jsonl (expert and proxy labels, chat format)`,
    `  judge on held-out     mean ${f(m.judge_mean_heldout, 2)} over M1's responses (${m.judge_eval_calls ?? 0} judge calls, tag eval)`,
    `  proxy vs judge        spearman ${f(m.proxy_spearman)}  pair acc ${f(m.proxy_pair_accuracy)}  ECE ${f(m.proxy_ece)}`,
    `  report                 ${out}/report.html`,
  ];
  return `${lines.join("\n")}\n`;
}
