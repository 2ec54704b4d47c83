/**
 * `proxyrm report RUN`: one self-contained report.html per finished run (plotly inlined, so it
 * opens offline and can be mailed or attached to a CI run). The page holds no time or absolute
 * path, so the same run directory always gives the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../errors";
import { writeFileAtomic } from "../store/atomic";
import { headlineFigure, reliabilityFigure, scoreHistogramFigure, trainingCurvesFigure } from "./figures";
import { html, renderPage, SafeHtml, table, type PlacedFigure } from "./html";
import { readReportInputs, type ReportInputs, type ReportMetrics } from "./inputs";

/** The div ids of the report's figures (stable: tests and notebook code find figures by them). */
export const FIGURE_IDS = {
  headline: "fig-headline",
  scoreHistograms: "fig-score-histograms",
  reliability: "fig-reliability",
  trainingCurves: "fig-training-curves",
} as const;

/**
 * Reads RUN's metrics.json (required) and whatever else it has (curves.json, manifest.json,
 * pairs.arrow, labels.arrow), writes RUN/report.html atomically and returns its path. A missing
 * run directory or metrics.json, or a malformed input, is a UserError naming the file; then no
 * report is written.
 */
export function writeReport(runDir: string): string {
  const page = renderReport(readReportInputs(runDir));
  const file = path.join(runDir, "report.html");
  try {
    writeFileAtomic(file, page);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new UserError(`${file}: cannot write (${code})`, { code: "bad-file", blame: file });
  }
  return file;
}

/** The report page for already-read inputs, as one HTML string. */
export function renderReport(inputs: ReportInputs): string {
  const m = inputs.metrics;
  const runName = path.basename(path.resolve(inputs.runDir));
  const placed: PlacedFigure[] = [];
  const figure = (id: string, fig: PlacedFigure["figure"], wide = false) => {
    placed.push({ id, figure: fig });
    return html`<div class="figure${wide ? " wide" : ""}" id="${id}"></div>`;
  };
  const curves = inputs.curves && trainingCurvesFigure(inputs.curves);
  const body = html`
<h1>proxyrm report: ${runName}</h1>
<p class="sub">strategy ${m.strategy} · budget ${num(m.budget)} · seed ${num(m.seed)} · backend ${m.backend} · ${seconds(m.seconds)}${
    inputs.manifest && html` · proxyrm ${String(inputs.manifest.proxyrm)}`
  }</p>
<h2>Summary</h2>
<div class="summary-row">
  <div>${summaryTable(m)}${evaluatorTable(m)}${runTable(m)}</div>
  ${figure(FIGURE_IDS.headline, headlineFigure(m))}
</div>
<h2>Figures</h2>
<div class="figures">
  ${figure(FIGURE_IDS.scoreHistograms, scoreHistogramFigure(m.histograms))}
  ${figure(FIGURE_IDS.reliability, reliabilityFigure(m.reliability))}
  ${curves ? figure(FIGURE_IDS.trainingCurves, curves, true) : html`<p class="note">No curves.json in this run: no training curves to draw.</p>`}
</div>
${pairsSection(inputs)}
${labelsSection(inputs)}
${manifestSection(inputs)}`;
  return renderPage({ title: `proxyrm report: ${runName}`, body, figures: placed, plotlySource: plotlySource() });
}

export function plotlySource(): string {
  return fs.readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
}

// ---------------------------------------------------------------------------------------
// Tables

/** Integers as they are, other numbers to 3 decimals; null (NaN in the run) as "n/a". */
function num(x: number | null, digits = 3): string {
  if (x === null) return "n/a";
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(digits)));
}

/** Three significant digits: margins of a tenth or a thousandth of a point both stay visible. */
const significant = (x: number) => String(Number(x.toPrecision(3)));
const seconds = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(1)} s`);
const arrow = (a: number | null, b: number | null) => `${num(a)} → ${num(b)}`;

function summaryTable(m: ReportMetrics): SafeHtml {
  const rows: [string, string, string][] = [
    ["Expert queries paid", num(m.expert_queries), `cost ${num(m.expert_cost)}`],
    ["Preference pairs made", num(m.pairs), `${num(m.pairs_per_query)} pairs per query`],
    ["Gold win rate, M2 (DPO) vs M1 (SFT)", num(m.gold_win_rate), "held-out prompts, gold rubric, ties count half"],
    ["Gold mean score, M1 → M2", arrow(m.gold_mean_sft, m.gold_mean_dpo), "scores 0..5"],
    ["Retention, M1 → M2", arrow(m.retention_sft, m.retention_dpo), "greedy exact match on held-out prompts"],
  ];
  if (m.expert_only_gold_win_rate !== null) {
    const pairs = m.expert_only_pairs === null ? "" : `${num(m.expert_only_pairs)} expert-only pairs, `;
    rows.push(["Expert-only DPO win rate vs M1", num(m.expert_only_gold_win_rate), `${pairs}same budget`]);
  }
  return table(["Result", "Value", "Note"], rows, "summary");
}

/** The on-policy proxy beside the off-policy (seed EFT) evaluator; that column only if it was trained. */
function evaluatorTable(m: ReportMetrics): SafeHtml {
  const rows: [string, number | null, number | null][] = [
    ["Spearman vs gold", m.proxy_spearman, m.offpolicy_proxy_spearman],
    ["Pair accuracy", m.proxy_pair_accuracy, m.offpolicy_proxy_pair_accuracy],
    ["ECE (lower is better)", m.proxy_ece, m.offpolicy_proxy_ece],
  ];
  const withOffpolicy = rows.some(([, , off]) => off !== null);
  const headers = ["Evaluator on held-out responses", "On-policy proxy", ...(withOffpolicy ? ["Off-policy (seed EFT) evaluator"] : [])];
  return table(headers, rows.map(([name, on, off]) => [name, num(on), ...(withOffpolicy ? [num(off)] : [])]), "summary");
}

function runTable(m: ReportMetrics): SafeHtml {
  return table(
    ["Strategy", "Budget", "Seed", "Backend", "Seconds"],
    [[m.strategy, num(m.budget), num(m.seed), m.backend, m.seconds === null ? "n/a" : m.seconds.toFixed(1)]],
    "summary",
  );
}

function shown(total: number, rows: number): string {
  return rows < total ? `first ${rows} of ${total}` : `all ${total}`;
}

function pairsSection(inputs: ReportInputs): SafeHtml {
  if (!inputs.pairs) return html`<h2>Preference pairs</h2><p class="note">No pairs.arrow in this run.</p>`;
  const { total, first } = inputs.pairs;
  return html`<h2>Preference pairs (${shown(total, first.length)})</h2>
${table(["#", "prompt", "chosen", "rejected", "margin"], first.map((p, i) => [i, p.prompt, p.chosen, p.rejected, significant(p.margin)]), "rows")}`;
}

function labelsSection(inputs: ReportInputs): SafeHtml {
  if (!inputs.labels) return html`<h2>Expert labels</h2><p class="note">No labels.arrow in this run.</p>`;
  const { total, first } = inputs.labels;
  return html`<h2>Expert labels (${shown(total, first.length)})</h2>
${table(["#", "response_id", "score", "oracle", "cost", "rationale"], first.map((l, i) => [i, l.response_id, l.score, l.oracle, significant(l.cost), l.rationale]), "rows")}`;
}

function manifestSection(inputs: ReportInputs): SafeHtml {
  const manifest = inputs.manifest;
  if (!manifest) return html`<h2>Run manifest</h2><p class="note">No manifest.json in this run.</p>`;
  const versions = Object.entries(manifest.versions ?? {}).map(([name, version]) => [name, String(version)]);
  const stages = Object.entries(manifest.stages).map(([name, record]) => [name, String(record?.status ?? ""), seconds(typeof record?.seconds === "number" ? record.seconds : null)]);
  return html`<h2>Run manifest</h2>
<div class="summary-row">
  <div>${table(["Stage", "Status", "Seconds"], stages, "summary")}</div>
  <div>${versions.length > 0 && table(["Package", "Version"], versions, "summary")}</div>
</div>
<h3>Config</h3>
<pre>${JSON.stringify(manifest.config, null, 2) ?? "null"}</pre>`;
}
