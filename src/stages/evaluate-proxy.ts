/**
 * Evaluation of a proxy-only run (`config.proxyOnly`, `proxyrm run|ablate --proxy-only`): the
 * proxy's and the off-policy evaluator's agreement with the gold rubric on M1's held-out
 * responses, without pairs, DPO or sampling from a trained policy. Proxy quality needs none of
 * them, so a many-seed sweep of selection strategies costs minutes instead of hours. Written to
 * proxy_metrics.json; metrics.json stays the contract of a whole run.
 */
import { ledgerCounts } from "../oracle/ledger";
import type { RunContext } from "./context";
import { HELDOUT_SCORES_FILE, writeHeldoutScores } from "./heldout-scores";
import { histogram, proxyAgreement, round, taskMetrics, uniformHeldoutMetrics, type Metrics, type TaskMetrics, type UniformHeldoutMetrics } from "./evaluate";

/** The proxy half of metrics.json, marked so no reader mistakes it for a whole run's. */
export type ProxyMetrics = Pick<
  Metrics,
  | "expert_queries"
  | "expert_cost"
  | "proxy_spearman"
  | "proxy_pair_accuracy"
  | "proxy_ece"
  | "offpolicy_proxy_spearman"
  | "offpolicy_proxy_pair_accuracy"
  | "offpolicy_proxy_ece"
  | "strategy"
  | "budget"
  | "seed"
  | "histograms"
  | "reliability"
  | "seconds"
  | "backend"
> & { proxy_only: true } & Partial<TaskMetrics> & Partial<UniformHeldoutMetrics>;

export const PROXY_METRICS_FILE = "proxy_metrics.json";

export async function proxyEvalStage(ctx: RunContext): Promise<ProxyMetrics> {
  const on = await proxyAgreement(ctx, "proxy");
  const off = ctx.config.baselines ? await proxyAgreement(ctx, "offpolicy") : undefined;
  writeHeldoutScores(ctx.file(HELDOUT_SCORES_FILE), [...on.rows, ...(off?.rows ?? [])]);
  const labels = ctx.labels();
  // Paid calls from the journal, as in metrics.json: not label rows (a cached duplicate is free).
  const paid = ledgerCounts(ctx.dir);
  return {
    proxy_only: true,
    expert_queries: paid.paid,
    expert_cost: round(paid.cost),
    proxy_spearman: round(on.spearman),
    proxy_pair_accuracy: round(on.pairAccuracy),
    proxy_ece: round(on.ece),
    offpolicy_proxy_spearman: off ? round(off.spearman) : null,
    offpolicy_proxy_pair_accuracy: off ? round(off.pairAccuracy) : null,
    offpolicy_proxy_ece: off ? round(off.ece) : null,
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
    ...(await taskMetrics(ctx, on, off)),
    ...(await uniformHeldoutMetrics(ctx)),
  };
}
