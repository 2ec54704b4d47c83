/**
 * The report's plotly figures as plain JSON ({data, layout}), built from metrics.json and
 * curves.json. Pure functions of their inputs: the same run gives the same figures, and a
 * notebook renderer can reuse them.
 *
 * Plotly renders trace names, titles and hover text as a small subset of HTML (it decodes
 * entities and honours tags such as <a href>), so every string that comes from run data goes
 * through escapeHtml before it reaches a figure, like the rest of the page.
 */
import { escapeHtml, type Figure } from "./html";
import type { Curves, ReportMetrics } from "./inputs";

const SCORES = [0, 1, 2, 3, 4, 5];
const FONT = { family: "system-ui, -apple-system, Segoe UI, sans-serif", size: 12 };
const MARGIN = { l: 60, r: 40, t: 50, b: 60 };
/** A vertical mode bar sits in the right margin instead of over a left-aligned title. */
const BASE_LAYOUT = { font: FONT, margin: MARGIN, modebar: { orientation: "v" } };
/** Below the x axis title, with room kept for it in the bottom margin. */
const LEGEND_BELOW = { orientation: "h", x: 0, y: -0.25, yanchor: "top" };
const title = (text: string) => ({ text, x: 0.01, xanchor: "left" });
const COLORS = { seed: "#d62728", onpolicy: "#1f77b4", gold: "#2ca02c", neutral: "#6e7781" };

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * (1) The paper's imbalance: score shares of the seed EFT labels (skewed to 4-5), the
 * on-policy expert labels, and the gold scores of M1's held-out samples, as grouped bars.
 * Shares rather than counts because the three sets differ in size by an order of magnitude.
 */
export function scoreHistogramFigure(histograms: ReportMetrics["histograms"]): Figure {
  const series = [
    { counts: histograms.seed_eft_labels, name: "seed EFT labels (off-policy)", color: COLORS.seed },
    { counts: histograms.onpolicy_labels, name: "on-policy expert labels", color: COLORS.onpolicy },
    { counts: histograms.heldout_gold, name: "held-out gold (M1 samples)", color: COLORS.gold },
  ];
  return {
    data: series.map(({ counts, name, color }) => {
      const total = counts.reduce((a, b) => a + b, 0);
      return {
        type: "bar",
        name: `${name}, n=${total}`,
        x: SCORES,
        y: counts.map((c) => (total > 0 ? round3(c / total) : 0)),
        customdata: counts,
        hovertemplate: `score %{x}: %{y:.1%} (%{customdata} of ${total})<extra>${name}</extra>`,
        marker: { color },
      };
    }),
    layout: {
      title: title("Score distribution: seed EFT vs on-policy vs held-out gold"),
      barmode: "group",
      ...BASE_LAYOUT,
      xaxis: { title: { text: "score" }, tickmode: "array", tickvals: SCORES },
      yaxis: { title: { text: "share of examples" }, tickformat: ".0%", rangemode: "tozero" },
      margin: { ...MARGIN, b: 110 },
      legend: LEGEND_BELOW,
    },
  };
}

/**
 * (2) Reliability diagram: accuracy (top class equals the gold score) against mean confidence
 * per bin, for the on-policy proxy and, when it was trained, the seed-EFT evaluator; the
 * diagonal is perfect calibration. Empty bins are left out; marker area follows the bin's
 * count (on one scale for both, so sizes compare) and the hover text states it.
 */
export function reliabilityFigure(reliability: ReportMetrics["reliability"]): Figure {
  const evaluators = [
    { bins: reliability.proxy, name: "on-policy proxy", color: COLORS.onpolicy },
    ...(reliability.offpolicy ? [{ bins: reliability.offpolicy, name: "off-policy (seed EFT) evaluator", color: COLORS.seed }] : []),
  ];
  const maxCount = Math.max(1, ...evaluators.flatMap((e) => e.bins.map((b) => b.count)));
  const diagonal = {
    type: "scatter",
    mode: "lines",
    name: "perfect calibration",
    x: [0, 1],
    y: [0, 1],
    line: { dash: "dash", color: COLORS.neutral, width: 1 },
    hoverinfo: "skip",
  };
  return {
    data: [
      diagonal,
      ...evaluators.map(({ bins, name, color }) => {
        const filled = bins.filter((b) => b.count > 0);
        return {
          type: "scatter",
          mode: "lines+markers",
          name,
          x: filled.map((b) => round3(b.confidence)),
          y: filled.map((b) => round3(b.accuracy)),
          text: filled.map((b) => `bin [${round3(b.lo)}, ${round3(b.hi)}): ${b.count} responses`),
          hovertemplate: `%{text}<br>confidence %{x:.3f}<br>accuracy %{y:.3f}<extra>${name}</extra>`,
          marker: { color, size: filled.map((b) => round3(6 + 22 * Math.sqrt(b.count / maxCount))) },
          line: { color, width: 1.5 },
        };
      }),
    ],
    layout: {
      title: title("Reliability: accuracy vs confidence per bin"),
      ...BASE_LAYOUT,
      xaxis: { title: { text: "confidence (top-class probability)" }, range: [-0.03, 1.03], zeroline: false },
      yaxis: { title: { text: "accuracy (top class = gold score)" }, range: [-0.03, 1.03], zeroline: false },
      margin: { ...MARGIN, b: 110 },
      legend: LEGEND_BELOW,
    },
  };
}

/** Legend names for the curves the pipeline writes; other names are shown as they are. */
const CURVE_LABELS: Record<string, string> = {
  sft: "sft: M1 (SFT) loss",
  eft_proxy: "eft_proxy: on-policy proxy loss",
  eft_offpolicy: "eft_offpolicy: seed-EFT evaluator loss",
  dpo: "dpo: M2 (DPO) loss",
  expert_only: "expert_only: expert-only DPO loss",
};

/**
 * (3) Training loss per step, one subplot per curve in file order: SFT runs for hundreds of
 * steps and DPO for tens, so on one shared x axis the short curves would be unreadable.
 * Returns undefined when there is no non-empty curve.
 */
export function trainingCurvesFigure(curves: Curves): Figure | undefined {
  const named = Object.entries(curves).filter(([, series]) => series.length > 0);
  if (named.length === 0) return undefined;
  const columns = Math.min(3, named.length);
  const rows = Math.ceil(named.length / columns);
  const layout: Record<string, unknown> = {
    title: title("Training curves"),
    ...BASE_LAYOUT,
    margin: { ...MARGIN, t: 70 },
    height: 120 + 260 * rows,
    showlegend: false,
    grid: { rows, columns, pattern: "independent", xgap: 0.12, ygap: 0.3 },
    annotations: named.map(([name], index) => ({
      text: escapeHtml(CURVE_LABELS[name] ?? name),
      xref: `${axisName("x", index)} domain`,
      yref: `${axisName("y", index)} domain`,
      x: 0.5,
      y: 1.02,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
    })),
  };
  named.forEach((_, index) => {
    layout[axisKey("xaxis", index)] = { title: { text: "step" } };
    layout[axisKey("yaxis", index)] = { title: { text: "loss" } };
  });
  return {
    data: named.map(([name, series], index) => ({
      type: "scatter",
      mode: "lines",
      name: escapeHtml(name),
      x: series.map((_, step) => step + 1),
      y: series,
      xaxis: axisName("x", index),
      yaxis: axisName("y", index),
      line: { width: 1.5 },
    })),
    layout,
  };
}

/** Plotly's axis ids: the first subplot's are "x"/"y", then "x2", "x3", ... */
const axisName = (axis: "x" | "y", index: number) => (index === 0 ? axis : `${axis}${index + 1}`);
const axisKey = (axis: "xaxis" | "yaxis", index: number) => (index === 0 ? axis : `${axis}${index + 1}`);

/**
 * (4) The headline numbers that have 0.5 as their no-effect level: the gold win rates against
 * M1 (ties count half) and the evaluators' pair accuracies (a coin flip scores 0.5). Missing
 * (null) numbers get no bar.
 */
export function headlineFigure(metrics: ReportMetrics): Figure {
  const bars = [
    { label: "M2 (DPO) vs M1<br>gold win rate", value: metrics.gold_win_rate, color: COLORS.onpolicy },
    { label: "expert-only DPO vs M1<br>gold win rate", value: metrics.expert_only_gold_win_rate, color: COLORS.neutral },
    { label: "on-policy proxy<br>pair accuracy", value: metrics.proxy_pair_accuracy, color: COLORS.onpolicy },
    { label: "off-policy evaluator<br>pair accuracy", value: metrics.offpolicy_proxy_pair_accuracy, color: COLORS.seed },
  ].filter((bar): bar is typeof bar & { value: number } => bar.value !== null);
  return {
    data: [
      {
        type: "bar",
        x: bars.map((b) => b.label),
        y: bars.map((b) => b.value),
        text: bars.map((b) => b.value.toFixed(3)),
        textposition: "outside",
        marker: { color: bars.map((b) => b.color) },
        hovertemplate: "%{x}: %{y:.3f}<extra></extra>",
      },
    ],
    layout: {
      title: title("Headline numbers (0.5 = no better than M1 / chance)"),
      ...BASE_LAYOUT,
      yaxis: { range: [0, 1.1], title: { text: "rate" } },
      showlegend: false,
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: 0.5, y1: 0.5, line: { dash: "dash", color: COLORS.neutral, width: 1.5 } }],
    },
  };
}
