/**
 * Calibration (`run.calibration()`), after eval: is the on-policy proxy calibrated, compared
 * with the off-policy evaluator, on held-out responses? Reliability bins and ECE (the same
 * computation as metrics.json's proxy_ece), |error| against std with the share inside ±1σ and
 * ±2σ, and score histograms of the seed EFT set, the on-policy expert labels and gold. Read
 * from heldout_scores.arrow, which the eval stage writes.
 */
import { calibration, spearman } from "proxyrm/dist/eval/metrics";
import { UserError } from "proxyrm/dist/errors";
import { HELDOUT_SCORES_FILE, readHeldoutScores, type HeldoutScoreRow } from "proxyrm/dist/stages/heldout-scores";
import type { MimeBundle } from "../../display";
import type { RunFiles } from "../files";
import { COLORS, figures, html, keyValues, kvText, layout, num, section } from "../html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Displayable } from "../mime";
import { scoreHistogram } from "../result";
import { scoreSharesFigure } from "../views/common";
import type { CalibrationPayload, EvaluatorCalibration } from "./payloads";

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export class Calibration implements Displayable {
  constructor(readonly data: CalibrationPayload) {}

  [MIME_BUNDLE](): MimeBundle {
    return makeBundle(this.data, calibrationHtml(this.data), calibrationText(this.data));
  }
}

export function calibrationPayload(files: RunFiles): CalibrationPayload {
  if (!files.has(HELDOUT_SCORES_FILE)) {
    throw new UserError(`${files.dir} has no ${HELDOUT_SCORES_FILE}: run.eval() writes it (runs evaluated by an earlier proxyrm lack it: evaluate a new run)`, {
      code: "bad-file",
      blame: HELDOUT_SCORES_FILE,
    });
  }
  const rows = readHeldoutScores(files.file(HELDOUT_SCORES_FILE));
  const proxyRows = rows.filter((r) => r.evaluator === "proxy");
  const offRows = rows.filter((r) => r.evaluator === "offpolicy");
  const gold = proxyRows.map((r) => r.gold);
  return {
    kind: "calibration",
    version: PAYLOAD_VERSION,
    run: files.dir,
    heldout: { response_ids: proxyRows.map((r) => r.response_id), gold },
    proxy: evaluatorCalibration(proxyRows),
    offpolicy: offRows.length ? evaluatorCalibration(offRows) : null,
    histograms: {
      seed_eft: scoreHistogram(files.labels("seed_eft_labels.arrow").map((l) => l.score)),
      expert: scoreHistogram(files.labels().map((l) => l.score)),
      gold: scoreHistogram(gold),
    },
  };
}

/** Reliability, coverage and std-vs-error of one evaluator's held-out rows. */
export function evaluatorCalibration(rows: readonly HeldoutScoreRow[]): EvaluatorCalibration {
  const probs = new Float64Array(rows.length * 6);
  rows.forEach((r, i) => [r.p0, r.p1, r.p2, r.p3, r.p4, r.p5].forEach((p, s) => (probs[i * 6 + s] = p)));
  const gold = rows.map((r) => r.gold);
  const cal = calibration(probs, gold);
  const errors = rows.map((r) => Math.abs(r.mean - r.gold));
  const within = (k: number) => (rows.length ? rows.filter((r, i) => errors[i] <= k * r.std).length / rows.length : 0);
  const rho = spearman(Float64Array.from(rows.map((r) => r.std)), Float64Array.from(errors));
  return {
    ece: r4(cal.ece),
    bins: cal.bins.map((b) => ({ lo: r4(b.lo), hi: r4(b.hi), count: b.count, confidence: r4(b.confidence), accuracy: r4(b.accuracy) })),
    mean: rows.map((r) => r4(r.mean)),
    std: rows.map((r) => r4(r.std)),
    coverage: { one_sigma: r4(within(1)), two_sigma: r4(within(2)) },
    std_error_spearman: Number.isFinite(rho) ? r4(rho) : null,
  };
}

function reliabilityFigure(p: CalibrationPayload) {
  const trace = (name: string, e: EvaluatorCalibration, color: string) => {
    const bins = e.bins.filter((b) => b.count > 0);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: `${name} (ECE ${num(e.ece)})`,
      x: bins.map((b) => b.confidence),
      y: bins.map((b) => b.accuracy),
      customdata: bins.map((b) => b.count),
      hovertemplate: "confidence %{x:.2f}, accuracy %{y:.2f} (n=%{customdata})",
      marker: { color },
    };
  };
  return {
    data: [
      { type: "scatter", mode: "lines", name: "perfect", x: [0, 1], y: [0, 1], line: { dash: "dot", color: COLORS.neutral } },
      trace("on-policy proxy", p.proxy, COLORS.onpolicy),
      ...(p.offpolicy ? [trace("off-policy (seed EFT)", p.offpolicy, COLORS.seed)] : []),
    ],
    layout: layout("Reliability on held-out responses", { xaxis: { title: { text: "confidence (top class)" }, range: [0, 1] }, yaxis: { title: { text: "accuracy" }, range: [0, 1] }, legend: { orientation: "h", y: -0.25 } }),
  };
}

function errorFigure(p: CalibrationPayload) {
  const trace = (name: string, e: EvaluatorCalibration, color: string) => ({
    type: "scatter",
    mode: "markers",
    name: `${name} (ρ ${num(e.std_error_spearman, 2)})`,
    x: e.std,
    y: e.mean.map((m, i) => Math.abs(m - p.heldout.gold[i])),
    marker: { color, size: 5, opacity: 0.6 },
  });
  const top = Math.max(0.1, ...p.proxy.std, ...(p.offpolicy?.std ?? []));
  return {
    data: [
      trace("on-policy proxy", p.proxy, COLORS.onpolicy),
      ...(p.offpolicy ? [trace("off-policy", p.offpolicy, COLORS.seed)] : []),
      { type: "scatter", mode: "lines", name: "|error| = σ", x: [0, top], y: [0, top], line: { dash: "dot", color: COLORS.neutral } },
      { type: "scatter", mode: "lines", name: "|error| = 2σ", x: [0, top], y: [0, 2 * top], line: { dash: "dash", color: COLORS.neutral } },
    ],
    layout: layout("|error| vs std, held-out", { xaxis: { title: { text: "proxy std" }, rangemode: "tozero" }, yaxis: { title: { text: "|mean - gold|" }, rangemode: "tozero" }, legend: { orientation: "h", y: -0.25 } }),
  };
}

function summaryRows(p: CalibrationPayload): [string, string][] {
  const e = (x: EvaluatorCalibration) => `ECE ${num(x.ece)} · within ±1σ ${num(x.coverage.one_sigma * 100, 0)}% · ±2σ ${num(x.coverage.two_sigma * 100, 0)}% · ρ(std, |err|) ${num(x.std_error_spearman, 2)}`;
  return [
    ["held-out responses", String(p.heldout.gold.length)],
    ["on-policy proxy", e(p.proxy)],
    ["off-policy evaluator", p.offpolicy ? e(p.offpolicy) : "not run (baselines off)"],
  ];
}

function calibrationHtml(p: CalibrationPayload): string {
  const hist = scoreSharesFigure("Scores: seed EFT vs expert vs gold", [
    { name: "seed EFT", counts: p.histograms.seed_eft, color: COLORS.seed },
    { name: "on-policy expert", counts: p.histograms.expert, color: COLORS.onpolicy },
    { name: "held-out gold", counts: p.histograms.gold, color: COLORS.gold },
  ]);
  return section("calibration", html`<p class="title">calibration · ${p.run}</p>${keyValues(summaryRows(p))}${figures([reliabilityFigure(p), errorFigure(p), hist])}`);
}

function calibrationText(p: CalibrationPayload): string {
  return `calibration · ${p.run}\n${kvText(summaryRows(p))}`;
}
