/**
 * The proxy evaluator, after `fit` (what it learnt from) and after `score` (what it says about
 * the pool). One kind for both calls: `stage` says which, and `scores` is null until the pool
 * is scored.
 */
import { spearman } from "proxyrm/dist/eval/metrics";
import { trainingCurvesFigure } from "proxyrm/dist/report/figures";
import { frameFromColumns, type Cell } from "../frames";
import type { RunFiles } from "../files";
import { COLORS, escapeHtml, figures, html, keyValues, layout, num, kvText, rowsTable, textTable, type Figure } from "../html";
import { scoreHistogram, type CallInfo, type StagePayload, type View } from "../result";
import { head, histogramFigure } from "./common";

export interface ScoredItem {
  response_id: string;
  prompt: string;
  response: string;
  mean: number;
  std: number;
}

export interface ProxyPayload extends StagePayload {
  kind: "proxy";
  stage: "fit" | "score";
  /** "heads": reward-head ensemble on M1 features; "eft": M1 fine-tuned as a judge. */
  proxy_kind: "heads" | "eft";
  /** Ensemble members (heads), else null. */
  members: number | null;
  /** Expert labels the proxy was fit on, and their scores 0..5. */
  trained_on: number;
  label_histogram: number[];
  /** The EFT judge's loss per step (null for reward heads, which keep no curve). */
  curve: (number | null)[] | null;
  scores: null | {
    /** Pool responses scored. */
    n: number;
    /** Counts of the proxy mean rounded to 0..5. */
    mean_histogram: number[];
    mean_of_mean: number;
    mean_of_std: number;
    /** Spearman of the proxy mean against the expert label on the labelled responses (in-sample; null if undefined). */
    labelled_spearman: number | null;
    top: ScoredItem[];
    bottom: ScoredItem[];
  };
}

const EXTREMES = 5;
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function proxyView(stage: "fit" | "score", files: RunFiles, call: CallInfo): View<ProxyPayload> {
  const { config } = files;
  const labels = files.labels();
  const expert = new Map(labels.map((l) => [l.response_id, l.score]));
  const scored = Boolean(files.manifest()?.stages.score) && files.has("proxy_scores.arrow");
  const scores = scored ? files.proxyScores() : [];
  const item = (s: { response_id: string; mean: number; std: number }): ScoredItem => {
    const it = files.item(s.response_id);
    return { response_id: s.response_id, prompt: it.prompt, response: it.response, mean: r4(s.mean), std: r4(s.std) };
  };
  const byMean = [...scores].sort((a, b) => b.mean - a.mean || (a.response_id < b.response_id ? -1 : 1));
  const labelled = scores.filter((s) => expert.has(s.response_id));
  const rho = labelled.length > 1 ? spearman(labelled.map((s) => expert.get(s.response_id)!), labelled.map((s) => s.mean)) : NaN;
  const curve = config.proxy.kind === "eft" ? (files.curves().eft_proxy ?? null) : null;
  const data: ProxyPayload = {
    ...head("proxy", stage, files, call),
    stage,
    proxy_kind: config.proxy.kind,
    members: config.proxy.kind === "heads" ? config.proxy.heads.members : null,
    trained_on: labels.length,
    label_histogram: scoreHistogram(labels.map((l) => l.score)),
    curve,
    scores: scored
      ? {
          n: scores.length,
          mean_histogram: scoreHistogram(scores.map((s) => s.mean)),
          mean_of_mean: r4(avg(scores.map((s) => s.mean))),
          mean_of_std: r4(avg(scores.map((s) => s.std))),
          labelled_spearman: Number.isFinite(rho) ? r4(rho) : null,
          top: byMean.slice(0, EXTREMES).map(item),
          bottom: byMean.slice(-EXTREMES).reverse().map(item),
        }
      : null,
  };
  const rows = (): [string, string][] => [
    ["proxy", data.proxy_kind === "heads" ? `reward heads, ${data.members} members` : "EFT judge (M1 fine-tuned)"],
    ["trained on", `${data.trained_on} expert labels (scores 0..5: ${data.label_histogram.join(" ")})`],
    ...(data.scores
      ? ([
          ["pool scored", String(data.scores.n)],
          ["mean score / mean std", `${num(data.scores.mean_of_mean)} / ${num(data.scores.mean_of_std)}`],
          ["spearman vs labels (in-sample)", num(data.scores.labelled_spearman)],
        ] as [string, string][])
      : ([["pool scored", "not yet: run.score()"]] as [string, string][])),
  ];
  const headers = ["response_id", "prompt", "response", "mean", "std"];
  const itemRow = (s: ScoredItem) => [s.response_id, s.prompt, s.response, s.mean, s.std];
  return {
    data,
    html: () => {
      const figs: Figure[] = [];
      if (curve && curve.length) figs.push(trainingCurvesFigure({ eft_proxy: curve })!);
      if (data.scores) {
        figs.push(histogramFigure("Proxy mean score over the pool", scores.map((s) => r4(s.mean)), "proxy mean score"));
        figs.push(labelledScatter(labelled.map((s) => ({ id: s.response_id, expert: expert.get(s.response_id)!, mean: r4(s.mean), std: r4(s.std) }))));
      }
      const extremes = data.scores
        ? html`<p class="sub">Highest proxy scores</p>${rowsTable(headers, data.scores.top.map(itemRow))}<p class="sub">Lowest proxy scores</p>${rowsTable(headers, data.scores.bottom.map(itemRow))}`
        : html``;
      return html`${keyValues(rows())}${figures(figs)}${extremes}`;
    },
    text: () => {
      const top = data.scores ? `\n\nhighest:\n${textTable(headers, data.scores.top.map(itemRow))}` : "";
      return `${kvText(rows())}${top}`;
    },
    // fit: the labelled examples the proxy learnt from; score: the proxy's scores of the pool.
    frame: () => {
      if (stage === "fit") {
        const col = (name: string, get: (l: (typeof labels)[number]) => Cell) => ({ name, values: labels.map(get) });
        return frameFromColumns(
          [col("response_id", (l) => l.response_id), col("prompt", (l) => files.item(l.response_id).prompt), col("response", (l) => files.item(l.response_id).response), col("score", (l) => l.score)],
          { name: "proxy training labels", run: files.dir },
        );
      }
      const rowsOf = scores.map((s) => ({ ...item(s), mean: s.mean, std: s.std }));
      const col = (name: string, get: (s: ScoredItem) => Cell) => ({ name, values: rowsOf.map(get) });
      return frameFromColumns(
        [col("response_id", (s) => s.response_id), col("prompt", (s) => s.prompt), col("response", (s) => s.response), col("mean", (s) => s.mean), col("std", (s) => s.std), col("expert_score", (s) => expert.get(s.response_id) ?? null)],
        { name: "proxy_scores", run: files.dir },
      );
    },
  };
}

function avg(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Expert label against proxy mean (± std) on the labelled responses. */
function labelledScatter(points: readonly { id: string; expert: number; mean: number; std: number }[]): Figure {
  return {
    data: [
      { type: "scatter", mode: "lines", x: [0, 5], y: [0, 5], line: { dash: "dash", color: COLORS.neutral, width: 1 }, hoverinfo: "skip", showlegend: false },
      {
        type: "scatter",
        mode: "markers",
        x: points.map((p) => p.expert),
        y: points.map((p) => p.mean),
        error_y: { type: "data", array: points.map((p) => p.std), visible: true, thickness: 1 },
        text: points.map((p) => escapeHtml(p.id)),
        hovertemplate: "%{text}: expert %{x}, proxy %{y:.2f}<extra></extra>",
        marker: { color: COLORS.onpolicy, size: 7 },
        showlegend: false,
      },
    ],
    layout: layout("Proxy vs expert on the labelled responses", { xaxis: { title: { text: "expert score" }, range: [-0.3, 5.3] }, yaxis: { title: { text: "proxy mean" }, range: [-0.3, 5.3] } }),
  };
}
