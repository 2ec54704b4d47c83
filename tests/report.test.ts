import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BadFileError, UserError } from "../src/errors";
import { headlineFigure, reliabilityFigure, scoreHistogramFigure, trainingCurvesFigure } from "../src/report/figures";
import { escapeHtml, html, inlineScriptSource, jsonForScript } from "../src/report/html";
import { FIGURE_IDS, writeReport } from "../src/report/write";
import { writeLabels, writePairs } from "../src/store/arrow-tables";
import type { LabelRow, PairRow } from "../src/types";

const BIN = path.join(__dirname, "..", "src", "dist", "cli", "main.js");
const PLOTLY = fs.readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");

const HOSTILE = `<script>alert(1)</script>`;
const QUOTES = `"&'`;

const bins = (accuracy: number[]) =>
  accuracy.map((acc, b) => ({ lo: b / 10, hi: (b + 1) / 10, count: acc < 0 ? 0 : 3 + b, confidence: acc < 0 ? 0 : b / 10 + 0.05, accuracy: Math.max(0, acc) }));

const METRICS = {
  expert_queries: 40,
  expert_cost: 40,
  pairs: 96,
  pairs_per_query: 2.4,
  gold_win_rate: 0.6875,
  gold_mean_sft: 2.3125,
  gold_mean_dpo: 2.90625,
  proxy_spearman: 0.61234,
  proxy_pair_accuracy: 0.74,
  proxy_ece: 0.081,
  offpolicy_proxy_spearman: 0.2211,
  offpolicy_proxy_pair_accuracy: 0.55,
  offpolicy_proxy_ece: 0.31,
  retention_sft: 0.5,
  retention_dpo: 0.4375,
  expert_only_gold_win_rate: 0.53125,
  expert_only_pairs: 40,
  strategy: "coreset-eft",
  budget: 40,
  seed: 7,
  histograms: { seed_eft_labels: [1, 2, 3, 4, 30, 40], onpolicy_labels: [6, 8, 9, 7, 6, 4], heldout_gold: [10, 14, 16, 12, 8, 4] },
  reliability: { proxy: bins([-1, -1, 0.2, 0.3, 0.45, 0.5, 0.62, 0.7, -1, -1]), offpolicy: bins([-1, -1, -1, -1, 0.3, 0.25, 0.3, 0.35, 0.4, 0.3]) },
  seconds: 12.3456,
  backend: "wasm",
};

const CURVES = {
  sft: Array.from({ length: 60 }, (_, i) => 3 * Math.exp(-i / 15) + 0.4),
  eft_proxy: Array.from({ length: 20 }, (_, i) => 1.8 - i * 0.05),
  eft_offpolicy: Array.from({ length: 20 }, (_, i) => 1.8 - i * 0.04),
  dpo: [0.693, 0.69, 0.68, null, 0.66, 0.65],
};

const MANIFEST = {
  proxyrm: "0.1.0",
  seed: 7,
  backend: "wasm",
  versions: { node: "20.0.0", "@tensorflow/tfjs": "4.22.0" },
  config: { preset: "tiny", select: { strategy: "coreset-eft", budget: 40 }, note: `${HOSTILE} ${QUOTES}` },
  stages: { sft: { status: "done", seconds: 1.5 }, eval: { status: "done", seconds: 2.25 } },
};

const PAIRS: PairRow[] = [
  { prompt: "reverse: abc", chosen: "cba", rejected: HOSTILE, margin: 3 },
  { prompt: `upper: ${QUOTES}`, chosen: `"&'`, rejected: "x\ny", margin: 1.5 },
  ...Array.from({ length: 23 }, (_, i) => ({ prompt: `sort: p${i}`, chosen: `c${i}`, rejected: `r${i}`, margin: 1 })),
];

const LABELS: LabelRow[] = [
  { response_id: "p1-r0", score: 5, rationale: `looks fine ${HOSTILE}`, oracle: "rubric", cost: 1 },
  { response_id: "p1-r1", score: 0, rationale: `bad ${QUOTES} </script><img src=x onerror=alert(2)>`, oracle: "rubric", cost: 1 },
  ...Array.from({ length: 30 }, (_, i) => ({ response_id: `p${i + 2}-r0`, score: i % 6, rationale: `r${i}`, oracle: "rubric", cost: 1 })),
];

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A finished-looking run directory; `omit` leaves files out, `metrics` overrides fields. */
function fakeRun(options: { omit?: string[]; metrics?: Record<string, unknown> } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-report-"));
  tempDirs.push(dir);
  const omit = new Set(options.omit ?? []);
  const json = (name: string, value: unknown) => !omit.has(name) && fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  json("metrics.json", { ...METRICS, ...options.metrics });
  json("curves.json", CURVES);
  json("manifest.json", MANIFEST);
  if (!omit.has("pairs.arrow")) writePairs(path.join(dir, "pairs.arrow"), PAIRS);
  if (!omit.has("labels.arrow")) writeLabels(path.join(dir, "labels.arrow"), LABELS);
  return dir;
}

const count = (text: string, part: string) => text.split(part).length - 1;

/** The contents of every <script> element other than the plotly bundle. */
function pageScripts(page: string): string[] {
  return [...page.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]).filter((body) => !body.startsWith("/**\n* plotly.js"));
}

/** The figures as the page's own script would parse them. */
function pageFigures(page: string): Record<string, { data: Record<string, unknown>[]; layout: Record<string, unknown> }> {
  const match = /<script type="application\/json" id="proxyrm-figures">([\s\S]*?)<\/script>/.exec(page);
  assert.ok(match, "figures JSON block present");
  return JSON.parse(match[1]);
}

// ---------------------------------------------------------------------------------------
// Escaping primitives

test("escapeHtml escapes the five HTML-special characters and nothing else", () => {
  assert.equal(escapeHtml(`${HOSTILE} ${QUOTES} ü`), "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;&#39; ü");
  assert.equal(html`<td>${HOSTILE}</td>${html`<b>${QUOTES}</b>`}${null}${[1, "<"]}`.value, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><b>&quot;&amp;&#39;</b>1&lt;");
});

test("jsonForScript round-trips and cannot close a script element", () => {
  const value = { text: `</script><!-- ${HOSTILE} & \u2028` };
  const json = jsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028]/);
  assert.deepEqual(JSON.parse(json), value);
});

test("inlineScriptSource neutralises </script and refuses what cannot be neutralised", () => {
  assert.equal(inlineScriptSource(`var s = "</SCRIPT>";`, "x"), `var s = "<\\/SCRIPT>";`);
  assert.throws(() => inlineScriptSource(`/* <!-- */ var s = "<script>";`, "bundle.js"), /bundle\.js: contains "<!--" and "<script"/);
  assert.equal(inlineScriptSource(PLOTLY, "plotly").length, PLOTLY.length, "the installed plotly needs no change");
});

// ---------------------------------------------------------------------------------------
// Figures

test("score histograms are shares per set, grouped, with counts in the hover data", () => {
  const fig = scoreHistogramFigure(METRICS.histograms);
  assert.equal(fig.layout.barmode, "group");
  assert.equal(fig.data.length, 3);
  const seed = fig.data[0];
  assert.deepEqual(seed.customdata, METRICS.histograms.seed_eft_labels);
  assert.equal(seed.name, "seed EFT labels (off-policy), n=80");
  const shares = seed.y as number[];
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 0.01);
  assert.equal(shares[5], 0.5);
  assert.deepEqual(scoreHistogramFigure({ ...METRICS.histograms, onpolicy_labels: [0, 0, 0, 0, 0, 0] }).data[1].y, [0, 0, 0, 0, 0, 0], "an empty set gives zeros, not NaN");
});

test("reliability diagram: diagonal, one trace per evaluator, empty bins dropped, count in hover text", () => {
  const fig = reliabilityFigure(METRICS.reliability);
  assert.deepEqual(fig.data.map((t) => t.name), ["perfect calibration", "on-policy proxy", "off-policy (seed EFT) evaluator"]);
  assert.deepEqual(fig.data[0].x, [0, 1]);
  const proxy = fig.data[1];
  assert.equal((proxy.x as number[]).length, 6, "four empty bins left out");
  assert.equal((proxy.text as string[])[0], "bin [0.2, 0.3): 5 responses");
  const sizes = (proxy.marker as { size: number[] }).size;
  assert.ok(sizes[5] > sizes[0], "a bigger bin has a bigger marker");
  const onlyProxy = reliabilityFigure({ proxy: METRICS.reliability.proxy, offpolicy: null });
  assert.deepEqual(onlyProxy.data.map((t) => t.name), ["perfect calibration", "on-policy proxy"]);
});

test("training curves: one subplot per non-empty curve in file order, x = step, names escaped", () => {
  const fig = trainingCurvesFigure({ ...CURVES, [HOSTILE]: [1, 0.5], empty: [] });
  assert.ok(fig);
  assert.deepEqual(fig.data.map((t) => t.name), ["sft", "eft_proxy", "eft_offpolicy", "dpo", escapeHtml(HOSTILE)]);
  assert.deepEqual(fig.data[3].x, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(fig.data[3].y, CURVES.dpo);
  assert.deepEqual(fig.data.map((t) => t.xaxis), ["x", "x2", "x3", "x4", "x5"]);
  assert.deepEqual(fig.layout.grid, { rows: 2, columns: 3, pattern: "independent", xgap: 0.12, ygap: 0.3 });
  assert.equal(trainingCurvesFigure({}), undefined);
  assert.equal(trainingCurvesFigure({ sft: [] }), undefined);
});

test("headline bars: win rates and pair accuracies with a 0.5 reference line; null numbers get no bar", () => {
  const fig = headlineFigure(METRICS);
  assert.deepEqual(fig.data[0].y, [0.6875, 0.53125, 0.74, 0.55]);
  const shapes = fig.layout.shapes as { y0: number; y1: number }[];
  assert.deepEqual([shapes[0].y0, shapes[0].y1], [0.5, 0.5]);
  const noBaselines = headlineFigure({ ...METRICS, expert_only_gold_win_rate: null, offpolicy_proxy_pair_accuracy: null });
  assert.deepEqual(noBaselines.data[0].y, [0.6875, 0.74]);
});

// ---------------------------------------------------------------------------------------
// The page

test("writeReport writes RUN/report.html: plotly once, every figure, data escaped, safe JSON", () => {
  const run = fakeRun();
  const file = writeReport(run);
  assert.equal(file, path.join(run, "report.html"));
  const page = fs.readFileSync(file, "utf8");
  assert.equal(count(page, PLOTLY.slice(0, 2000)), 1, "plotly bundle inlined exactly once");
  assert.ok(page.includes(PLOTLY.slice(-2000)), "the whole bundle, to its end");
  assert.doesNotMatch(page, /<script[^>]+src=/, "no external scripts: works offline");
  for (const id of Object.values(FIGURE_IDS)) assert.equal(count(page, `<div class="figure${id === FIGURE_IDS.trainingCurves ? " wide" : ""}" id="${id}">`), 1, id);
  assert.deepEqual(Object.keys(pageFigures(page)).sort(), Object.values(FIGURE_IDS).sort());

  assert.ok(!page.includes("<script>alert(1)"), "no raw hostile markup anywhere");
  assert.ok(!page.includes("<img src=x"), "no raw hostile markup anywhere");
  assert.ok(page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "hostile text shown escaped");
  assert.ok(page.includes("bad &quot;&amp;&#39; &lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"), "rationale escaped");
  assert.ok(page.includes("upper: &quot;&amp;&#39;"), "prompt escaped");
  for (const script of pageScripts(page)) assert.doesNotMatch(script, /<\/script/i);
  const figuresJson = /id="proxyrm-figures">([\s\S]*?)<\/script>/.exec(page)![1];
  assert.doesNotMatch(figuresJson, /[<>&]/, "figure JSON carries markup (plotly's <br>) only as \\u escapes");
  assert.equal(count(page, "</script>"), 3, "only the bundle, the figures JSON and the drawing code close a script");
});

test("the page shows the summary numbers, both evaluators, and the first 20 pairs and labels", () => {
  const page = fs.readFileSync(writeReport(fakeRun()), "utf8");
  for (const text of [
    "<td>Expert queries paid</td><td>40</td>",
    "<td>Preference pairs made</td><td>96</td><td>2.4 pairs per query</td>",
    "<td>Gold win rate, M2 (DPO) vs M1 (SFT)</td><td>0.688</td>",
    "<td>Gold mean score, M1 → M2</td><td>2.313 → 2.906</td>",
    "<td>Retention, M1 → M2</td><td>0.5 → 0.438</td>",
    "<td>Expert-only DPO win rate vs M1</td><td>0.531</td>",
    "<th>Off-policy (seed EFT) evaluator</th>",
    "<td>Spearman vs gold</td><td>0.612</td><td>0.221</td>",
    "<td>ECE (lower is better)</td><td>0.081</td><td>0.31</td>",
    "<td>coreset-eft</td><td>40</td><td>7</td><td>wasm</td><td>12.3</td>",
    "Preference pairs (first 20 of 25)",
    "Expert labels (first 20 of 32)",
    "<td>sort: p17</td>",
  ]) {
    assert.ok(page.includes(text), text);
  }
  assert.ok(!page.includes("<td>sort: p18</td>"), "only the first 20 pairs");
  assert.ok(page.includes("<td>p19-r0</td>") && !page.includes("<td>p20-r0</td>"), "only the first 20 labels");
});

test("the same run gives the same bytes", () => {
  const run = fakeRun();
  const first = fs.readFileSync(writeReport(run));
  assert.ok(first.equals(fs.readFileSync(writeReport(run))));
});

test("optional inputs missing: no curves.json, manifest, tables, off-policy or expert-only numbers", () => {
  const run = fakeRun({
    omit: ["curves.json", "manifest.json", "pairs.arrow", "labels.arrow"],
    metrics: {
      offpolicy_proxy_spearman: null,
      offpolicy_proxy_pair_accuracy: null,
      offpolicy_proxy_ece: null,
      expert_only_gold_win_rate: null,
      expert_only_pairs: null,
      proxy_spearman: null,
      reliability: { proxy: METRICS.reliability.proxy, offpolicy: null },
    },
  });
  const page = fs.readFileSync(writeReport(run), "utf8");
  const figures = pageFigures(page);
  assert.deepEqual(Object.keys(figures).sort(), [FIGURE_IDS.headline, FIGURE_IDS.reliability, FIGURE_IDS.scoreHistograms].sort());
  assert.ok(!page.includes(`id="${FIGURE_IDS.trainingCurves}"`));
  assert.ok(page.includes("No curves.json in this run"));
  assert.ok(!page.includes("Off-policy (seed EFT) evaluator"), "no off-policy column");
  assert.ok(!page.includes("Expert-only DPO win rate"), "no expert-only row");
  assert.ok(page.includes("<td>Spearman vs gold</td><td>n/a</td></tr>"), "a NaN metric (null in JSON) shows as n/a");
  assert.ok(page.includes("No pairs.arrow in this run") && page.includes("No labels.arrow in this run"));
  assert.equal(figures[FIGURE_IDS.reliability].data.length, 2);
});

test("a missing run or metrics.json is a UserError naming the path, and no report is written", () => {
  const missing = path.join(os.tmpdir(), "proxyrm-report-no-such-run");
  assert.throws(() => writeReport(missing), (err: unknown) => err instanceof UserError && err.message === `${missing}: run directory not found`);
  const run = fakeRun({ omit: ["metrics.json"] });
  const metricsFile = path.join(run, "metrics.json");
  assert.throws(() => writeReport(run), (err: unknown) => err instanceof BadFileError && err.message.startsWith(`${metricsFile}: not found`));
  assert.ok(!fs.existsSync(path.join(run, "report.html")));
});

test("malformed inputs are BadFileErrors naming file and field, and no report is written", () => {
  const cases: { name: string; run: () => string; message: RegExp }[] = [
    { name: "bad JSON", run: () => withFile("metrics.json", "{nope"), message: /metrics\.json: not valid JSON/ },
    { name: "wrong type", run: () => fakeRun({ metrics: { gold_win_rate: "high" } }), message: /metrics\.json: field "gold_win_rate": expected a number or null, got "high"/ },
    { name: "missing field", run: () => fakeRun({ metrics: { backend: undefined } }), message: /metrics\.json: field "backend": expected a string, got missing/ },
    { name: "short histogram", run: () => fakeRun({ metrics: { histograms: { ...METRICS.histograms, heldout_gold: [1, 2] } } }), message: /field "histograms\.heldout_gold": expected 6 counts/ },
    { name: "bad bin", run: () => fakeRun({ metrics: { reliability: { proxy: [{ lo: 0 }], offpolicy: null } } }), message: /field "reliability\.proxy\[0\]\.hi": expected a number, got missing/ },
    { name: "bad curve", run: () => withFile("curves.json", JSON.stringify({ sft: [1, "x"] })), message: /curves\.json: curve "sft": expected a list of numbers/ },
    { name: "bad pairs", run: () => withFile("pairs.arrow", "not arrow"), message: /pairs\.arrow: not an Arrow IPC file/ },
  ];
  for (const { name, run, message } of cases) {
    const dir = run();
    assert.throws(() => writeReport(dir), (err: unknown) => err instanceof BadFileError && message.test(err.message), name);
    assert.ok(!fs.existsSync(path.join(dir, "report.html")), name);
  }
});

function withFile(name: string, contents: string): string {
  const run = fakeRun();
  fs.writeFileSync(path.join(run, name), contents);
  return run;
}

// ---------------------------------------------------------------------------------------
// The real bin (build first: npm run build)

test("proxyrm report RUN writes RUN/report.html and says so", () => {
  const run = fakeRun();
  const result = spawnSync(process.execPath, [BIN, "report", run], { encoding: "utf8" });
  assert.equal(result.stderr, "");
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `wrote ${path.join(run, "report.html")}\n`);
  assert.ok(fs.readFileSync(path.join(run, "report.html"), "utf8").includes(`id="${FIGURE_IDS.headline}"`));
});

test("proxyrm report on a missing RUN exits 2 with one stderr line and writes nothing", () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-report-"));
  tempDirs.push(parent);
  const run = path.join(parent, "missing");
  const result = spawnSync(process.execPath, [BIN, "report", run], { encoding: "utf8" });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, `proxyrm: ${run}: run directory not found\n`);
  assert.deepEqual(fs.readdirSync(parent), []);
});
