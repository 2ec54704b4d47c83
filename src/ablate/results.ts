/**
 * ablation.json (DESIGN.md: a list of {strategy, budget, seed, metrics}) and its summary: the
 * mean and 95% Student-t interval over seeds of each metric, per strategy and budget.
 */
import { meanInterval } from "../eval/stats";
import type { Metrics } from "../stages/evaluate";
import type { ProxyMetrics } from "../stages/evaluate-proxy";

/** A whole run's metrics.json, or a proxy-only run's proxy_metrics.json. */
export type AblationMetrics = Metrics | ProxyMetrics;

/** What a sweep held fixed, for reading several sweeps side by side (the C2 map's axes). */
export type AblationSetting = Record<string, string | number | boolean>;

/** One cell of a sweep; `M` is Metrics for whole-run sweeps (the default), ProxyMetrics for --proxy-only ones. */
export interface AblationRow<M extends AblationMetrics = Metrics> {
  strategy: string;
  budget: number;
  seed: number;
  /** The sweep's preset, its --config fields (flattened, "world.clusterSkew"), rounds, proxy-only, and the world's task families. */
  setting?: AblationSetting;
  metrics: M;
}

/** A row of either kind of sweep. */
export type AnyAblationRow = AblationRow<AblationMetrics>;

/** The whole-run metrics, or undefined for a proxy-only row. */
export function wholeRun(m: AblationMetrics): Metrics | undefined {
  return "proxy_only" in m ? undefined : m;
}

export interface CellSummary {
  strategy: string;
  budget: number;
  metric: string;
  mean: number;
  halfWidth: number;
  n: number;
}

export interface AblationMetric {
  label: string;
  /** The value in one cell; null where the run has none (a proxy-only row's win rate). */
  value: (m: AblationMetrics) => number | null;
  /** Which way is better, for comparisons; absent for descriptive quantities. */
  higherIsBetter?: boolean;
}

/** A per-task metric, or null where the row predates it (or it was NaN, written as null). */
const finite = (x: number | null | undefined) => (typeof x === "number" && Number.isFinite(x) ? x : null);

const whole = (f: (m: Metrics) => number | null) => (m: AblationMetrics) => {
  const w = wholeRun(m);
  return w ? f(w) : null;
};

/** Metrics an ablation compares, with how to read them off a cell (derived ones included). */
export const ABLATION_METRICS: Record<string, AblationMetric> = {
  gold_win_rate: { label: "gold win rate, M2 vs M1", value: whole((m) => m.gold_win_rate), higherIsBetter: true },
  gold_gain: { label: "gold mean gain, M2 - M1", value: whole((m) => m.gold_mean_dpo - m.gold_mean_sft), higherIsBetter: true },
  expert_only_gold_win_rate: { label: "expert-only DPO win rate vs M1", value: whole((m) => m.expert_only_gold_win_rate), higherIsBetter: true },
  proxy_spearman: { label: "proxy Spearman vs gold", value: (m) => m.proxy_spearman, higherIsBetter: true },
  proxy_pair_accuracy: { label: "proxy pair accuracy", value: (m) => m.proxy_pair_accuracy, higherIsBetter: true },
  proxy_ece: { label: "proxy ECE (lower is better)", value: (m) => m.proxy_ece, higherIsBetter: false },
  offpolicy_proxy_spearman: { label: "off-policy evaluator Spearman", value: (m) => m.offpolicy_proxy_spearman, higherIsBetter: true },
  offpolicy_proxy_pair_accuracy: { label: "off-policy evaluator pair accuracy", value: (m) => m.offpolicy_proxy_pair_accuracy, higherIsBetter: true },
  offpolicy_proxy_ece: { label: "off-policy evaluator ECE", value: (m) => m.offpolicy_proxy_ece, higherIsBetter: false },
  worst_task_pair_accuracy: { label: "proxy pair accuracy, worst task family", value: (m) => finite(m.worst_task_pair_accuracy), higherIsBetter: true },
  task_uniform_pair_accuracy: { label: "proxy pair accuracy, task-uniform", value: (m) => finite(m.task_uniform_pair_accuracy), higherIsBetter: true },
  uniform_heldout_pair_accuracy: { label: "proxy pair accuracy, task-uniform held-out split", value: (m) => finite(m.uniform_heldout_pair_accuracy), higherIsBetter: true },
  uniform_heldout_spearman: { label: "proxy Spearman, task-uniform held-out split", value: (m) => finite(m.uniform_heldout_spearman), higherIsBetter: true },
  offpolicy_uniform_heldout_pair_accuracy: { label: "off-policy evaluator pair accuracy, task-uniform held-out split", value: (m) => finite(m.offpolicy_uniform_heldout_pair_accuracy), higherIsBetter: true },
  offpolicy_uniform_heldout_spearman: { label: "off-policy evaluator Spearman, task-uniform held-out split", value: (m) => finite(m.offpolicy_uniform_heldout_spearman), higherIsBetter: true },
  label_families: { label: "task families the labels cover", value: (m) => finite(m.label_families) },
  policy_pair_accuracy: { label: "M1's likelihood pair accuracy", value: (m) => finite(m.policy_pair_accuracy) },
  pairs_per_query: { label: "pairs per paid query", value: whole((m) => m.pairs_per_query) },
  label_balance: {
    label: "label entropy (nats; higher = less skewed)",
    value: (m) => {
      const h = m.histograms.onpolicy_labels;
      const n = h.reduce((a, b) => a + b, 0);
      return n === 0 ? null : -h.reduce((a, c) => (c > 0 ? a + (c / n) * Math.log(c / n) : a), 0);
    },
  },
};

export function summarise(rows: readonly AnyAblationRow[]): CellSummary[] {
  const out: CellSummary[] = [];
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const budgets = [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);
  for (const [metric, spec] of Object.entries(ABLATION_METRICS)) {
    for (const strategy of strategies) {
      for (const budget of budgets) {
        const values = rows
          .filter((r) => r.strategy === strategy && r.budget === budget)
          .map((r) => spec.value(r.metrics))
          .filter((v): v is number => v !== null && Number.isFinite(v));
        if (values.length === 0) continue;
        const { mean, halfWidth, n } = meanInterval(values);
        out.push({ strategy, budget, metric, mean, halfWidth, n });
      }
    }
  }
  return out;
}
