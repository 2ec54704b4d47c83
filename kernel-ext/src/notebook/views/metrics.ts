/** The eval stage: metrics.json (shared/DESIGN.md "metrics.json contract") with the report's figures. */
import * as path from "node:path";
import { headlineFigure, reliabilityFigure, scoreHistogramFigure } from "proxyrm/dist/report/figures";
import type { ReportMetrics } from "proxyrm/dist/report/inputs";
import type { Metrics } from "proxyrm/dist/stages/evaluate";
import { frameFromColumns, type Cell } from "../frames";
import type { RunFiles } from "../files";
import { figures, html, keyValues, kvText, num } from "../html";
import type { CallInfo, StagePayload, View } from "../result";
import { head } from "./common";

export interface MetricsPayload extends StagePayload {
  kind: "metrics";
  /** metrics.json as written (NaN written as null). */
  metrics: Metrics;
  /** report.html's path when the report stage has written it, else null. */
  report: string | null;
}

const arrow = (a: number | null, b: number | null) => `${num(a)} → ${num(b)}`;

export function metricsView(files: RunFiles, call: CallInfo): View<MetricsPayload> {
  const m = files.metrics();
  const data: MetricsPayload = {
    ...head("metrics", "eval", files, call),
    metrics: m,
    report: files.has("report.html") && files.manifest()?.stages.report ? path.join(files.dir, "report.html") : null,
  };
  const r = m as unknown as ReportMetrics;
  const rows = (): [string, string][] => [
    ["expert queries paid", `${m.expert_queries} (cost ${num(m.expert_cost)}), strategy ${m.strategy}`],
    ["preference pairs", `${m.pairs} (${num(m.pairs_per_query)} per query)`],
    ["gold win rate M2 vs M1", `${num(r.gold_win_rate)} (gold mean ${arrow(r.gold_mean_sft, r.gold_mean_dpo)})`],
    ["expert-only DPO win rate", num(r.expert_only_gold_win_rate)],
    ["proxy vs gold", `spearman ${num(r.proxy_spearman)}, pair acc ${num(r.proxy_pair_accuracy)}, ECE ${num(r.proxy_ece)}`],
    ["off-policy evaluator", `spearman ${num(r.offpolicy_proxy_spearman)}, pair acc ${num(r.offpolicy_proxy_pair_accuracy)}, ECE ${num(r.offpolicy_proxy_ece)}`],
    ["retention (greedy)", arrow(r.retention_sft, r.retention_dpo)],
    ["seconds, backend", `${num(r.seconds, 1)}, ${m.backend}`],
    ...(data.report ? ([["report", data.report]] as [string, string][]) : []),
  ];
  return {
    data,
    html: () =>
      html`${keyValues(rows())}${figures([headlineFigure(r), scoreHistogramFigure(r.histograms), reliabilityFigure(r.reliability)], { width: 560, height: 440 })}`,
    text: () => kvText(rows()),
    // One row, a column per scalar metric: frames of several runs concatenate into a comparison.
    frame: () => {
      const scalars = Object.entries(m).filter(([, v]) => v === null || typeof v !== "object") as [string, Cell][];
      return frameFromColumns(
        scalars.map(([name, value]) => ({ name, values: [value] })),
        { name: "metrics", run: files.dir },
      );
    },
  };
}
