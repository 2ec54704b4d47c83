/**
 * ablation.html: one plotly figure per metric, metric against budget with one line per strategy
 * and its 95% interval over seeds as a band; a table of the same numbers. Self-contained like
 * report.html (plotly inlined, all data text escaped).
 */
import * as path from "node:path";
import { writeFileAtomic } from "../store/atomic";
import { html, renderPage, table, type Figure, type PlacedFigure } from "../report/html";
import { plotlySource } from "../report/write";
import { ABLATION_METRICS, summarise, type AnyAblationRow, type CellSummary } from "./results";

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"];

/** metric vs budget per strategy, mean line plus interval band. */
export function curveFigure(summary: CellSummary[], metric: string): Figure {
  const rows = summary.filter((s) => s.metric === metric);
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const data: Record<string, unknown>[] = [];
  strategies.forEach((strategy, k) => {
    const pts = rows.filter((r) => r.strategy === strategy).sort((a, b) => a.budget - b.budget);
    const colour = COLOURS[k % COLOURS.length];
    const hw = pts.map((p) => (Number.isFinite(p.halfWidth) ? p.halfWidth : 0));
    data.push({
      x: [...pts.map((p) => p.budget), ...pts.map((p) => p.budget).reverse()],
      y: [...pts.map((p, i) => p.mean + hw[i]), ...pts.map((p, i) => p.mean - hw[i]).reverse()],
      fill: "toself",
      fillcolor: `${colour}22`,
      line: { width: 0 },
      hoverinfo: "skip",
      showlegend: false,
      type: "scatter",
    });
    data.push({
      x: pts.map((p) => p.budget),
      y: pts.map((p) => p.mean),
      error_y: { type: "data", array: hw, visible: true, thickness: 1 },
      mode: "lines+markers",
      name: strategy,
      line: { color: colour },
      text: pts.map((p) => `n=${p.n} seeds`),
      type: "scatter",
    });
  });
  return {
    data,
    layout: {
      title: { text: ABLATION_METRICS[metric].label },
      xaxis: { title: { text: "expert budget (queries)" } },
      yaxis: { title: { text: metric } },
      width: 560,
      height: 380,
      margin: { t: 50, l: 60, r: 20, b: 50 },
      legend: { orientation: "h", y: -0.25 },
    },
  };
}

export function renderAblation(rows: AnyAblationRow[], title: string): string {
  const summary = summarise(rows);
  const metrics = Object.keys(ABLATION_METRICS).filter((m) => summary.some((s) => s.metric === m));
  const placed: PlacedFigure[] = metrics.map((m) => ({ id: `fig-ablation-${m}`, figure: curveFigure(summary, m) }));
  const fmt = (s: CellSummary) => (Number.isFinite(s.halfWidth) ? `${s.mean.toFixed(3)} ± ${s.halfWidth.toFixed(3)}` : s.mean.toFixed(3));
  const body = html`
<h1>${title}</h1>
<p class="sub">${rows.length} runs · strategies ${[...new Set(rows.map((r) => r.strategy))].join(", ")} · seeds ${[...new Set(rows.map((r) => r.seed))].join(", ")} · mean ± 95% Student-t interval over seeds</p>
<div class="figures">${placed.map((p) => html`<div class="figure" id="${p.id}"></div>`)}</div>
<h2>Numbers</h2>
${table(
  ["metric", "strategy", "budget", "seeds", "mean ± 95% CI"],
  summary.map((s) => [s.metric, s.strategy, s.budget, s.n, fmt(s)]),
)}`;
  return renderPage({ title, body, figures: placed, plotlySource: plotlySource() });
}

export function writeAblationReport(out: string, rows: AnyAblationRow[]): string {
  const file = path.join(out, "ablation.html");
  writeFileAtomic(file, renderAblation(rows, `proxyrm ablation: ${path.basename(path.resolve(out))}`));
  return file;
}
