/**
 * Regenerates docs/RESULTS.md's ablation sections from sweeps' ablation.json: claim tables
 * (C1 on- vs off-policy evaluator, C2 coreset vs random, C3 proxy pairs vs expert-only DPO) with
 * paired 95% Student-t intervals over seeds, and PNG plots rendered from the same plotly figures
 * as ablation.html in headless Chromium.
 *
 *   node --import tsx scripts/results.ts NAME=runs/ablate-smoke [NAME=DIR ...]
 *
 * Each NAME becomes the section between `<!-- ablation:NAME:start -->` and
 * `<!-- ablation:NAME:end -->` in docs/RESULTS.md (appended if missing) and docs/ablation/NAME-*.png.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { curveFigure } from "../src/ablate/report";
import { ABLATION_METRICS, summarise, wholeRun, type AblationRow } from "../src/ablate/results";
import { meanInterval } from "../src/eval/metrics";
import { html, renderPage } from "../src/report/html";
import { plotlySource } from "../src/report/write";
import type { Metrics } from "../src/stages/evaluate";

const ROOT = path.join(__dirname, "..");
const RESULTS = path.join(ROOT, "docs", "RESULTS.md");
const PNG_DIR = path.join(ROOT, "docs", "ablation");
const PLOTS = ["gold_win_rate", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "label_balance"];

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
function ci(values: number[]): string {
  const { mean, halfWidth, n } = meanInterval(values);
  return n > 1 ? `${f3(mean)} ± ${f3(halfWidth)}` : f3(mean);
}

/** Paired difference a - b over the seeds both have, for one budget. */
type WholeRow = AblationRow & { metrics: Metrics };

function paired(rows: WholeRow[], a: string, b: string, budget: number, value: (m: Metrics) => number | null): number[] {
  const out: number[] = [];
  for (const ra of rows.filter((r) => r.strategy === a && r.budget === budget)) {
    const rb = rows.find((r) => r.strategy === b && r.budget === budget && r.seed === ra.seed);
    const va = value(ra.metrics);
    const vb = rb && value(rb.metrics);
    if (va !== null && vb !== null && vb !== undefined) out.push(va - vb);
  }
  return out;
}

function renderPng(figure: ReturnType<typeof curveFigure>, file: string): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-png-"));
  const page = path.join(tmp, "figure.html");
  fs.writeFileSync(page, renderPage({ title: "figure", body: html`<style>.modebar-container { display: none; }</style><div id="fig"></div>`, figures: [{ id: "fig", figure }], plotlySource: plotlySource() }));
  const r = spawnSync(
    "/usr/bin/chromium",
    ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${path.join(tmp, "profile")}`, "--hide-scrollbars", "--window-size=600,420", "--virtual-time-budget=5000", `--screenshot=${file}`, `file://${page}`],
    { encoding: "utf8" },
  );
  fs.rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0 || !fs.existsSync(file)) throw new Error(`chromium could not render ${file}: ${r.stderr.slice(-500)}`);
}

function section(name: string, dir: string): string {
  const all = JSON.parse(fs.readFileSync(path.join(dir, "ablation.json"), "utf8")) as AblationRow[];
  const rows: WholeRow[] = all.flatMap((r) => {
    const m = wholeRun(r.metrics);
    return m ? [{ ...r, metrics: m }] : [];
  });
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const budgets = [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);
  const seeds = [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
  const preset = (rows[0]?.metrics as unknown as { preset?: string })?.preset;
  const lines: string[] = [];
  lines.push(`### ${name}: ${rows.length} runs, strategies ${strategies.join(", ")}, budgets ${budgets.join(", ")}, seeds ${seeds.join(", ")}${preset ? `, preset ${preset}` : ""}`);
  lines.push("");
  lines.push(`Source: \`docs/ablation/${name}.json\` (a copy of \`${path.relative(ROOT, dir)}/ablation.json\`). Mean ± 95% Student-t half-width over seeds; differences are paired by seed.`);
  lines.push("");

  lines.push("**Per strategy and budget**");
  lines.push("");
  const cols = ["gold_win_rate", "gold_gain", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "label_balance"];
  lines.push(`| strategy | budget | ${cols.join(" | ")} |`);
  lines.push(`|---|---|${cols.map(() => "---").join("|")}|`);
  const summary = summarise(rows);
  for (const s of strategies) {
    for (const b of budgets) {
      const cell = (m: string) => {
        const x = summary.find((y) => y.metric === m && y.strategy === s && y.budget === b);
        return x ? (x.n > 1 ? `${f3(x.mean)} ± ${f3(x.halfWidth)}` : f3(x.mean)) : "";
      };
      lines.push(`| ${s} | ${b} | ${cols.map(cell).join(" | ")} |`);
    }
  }
  lines.push("");

  lines.push("**C1: on-policy proxy vs off-policy (seed EFT) evaluator, same recipe and example count** (all cells)");
  lines.push("");
  lines.push("| metric | on-policy | off-policy | on - off (paired) |");
  lines.push("|---|---|---|---|");
  for (const [label, on, off] of [
    ["Spearman vs gold", (m: Metrics) => m.proxy_spearman, (m: Metrics) => m.offpolicy_proxy_spearman],
    ["pair accuracy", (m: Metrics) => m.proxy_pair_accuracy, (m: Metrics) => m.offpolicy_proxy_pair_accuracy],
    ["ECE (lower is better)", (m: Metrics) => m.proxy_ece, (m: Metrics) => m.offpolicy_proxy_ece],
  ] as const) {
    const ok = rows.filter((r) => off(r.metrics) !== null);
    lines.push(`| ${label} | ${ci(ok.map((r) => on(r.metrics) as number))} | ${ci(ok.map((r) => off(r.metrics) as number))} | ${ci(ok.map((r) => (on(r.metrics) as number) - (off(r.metrics) as number)))} |`);
  }
  const share45 = (h: number[]) => (h[4] + h[5]) / Math.max(1, h.reduce((a, b) => a + b, 0));
  lines.push(`| labels scoring 4-5 | ${ci(rows.map((r) => share45(r.metrics.histograms.onpolicy_labels)))} (on-policy expert labels) | ${ci(rows.map((r) => share45(r.metrics.histograms.seed_eft_labels)))} (seed EFT labels) | |`);
  lines.push("");

  if (strategies.includes("random")) {
    lines.push("**C2: each strategy minus random at the same budget and seed**");
    lines.push("");
    lines.push("| strategy | budget | Δ gold win rate | Δ proxy Spearman | Δ proxy pair accuracy | Δ proxy ECE |");
    lines.push("|---|---|---|---|---|---|");
    for (const s of strategies.filter((x) => x !== "random")) {
      for (const b of budgets) {
        const d = (v: (m: Metrics) => number | null) => ci(paired(rows, s, "random", b, v));
        lines.push(`| ${s} | ${b} | ${d((m) => m.gold_win_rate)} | ${d((m) => m.proxy_spearman)} | ${d((m) => m.proxy_pair_accuracy)} | ${d((m) => m.proxy_ece)} |`);
      }
    }
    lines.push("");
  }

  lines.push("**C3: DPO on proxy-labelled pairs vs DPO on the expert labels alone (same budget, same epochs)**");
  lines.push("");
  lines.push("| budget | pairs per query | proxy-pairs win rate | expert-only win rate | difference (paired) |");
  lines.push("|---|---|---|---|---|");
  for (const b of budgets) {
    const rs = rows.filter((r) => r.budget === b && r.metrics.expert_only_gold_win_rate !== null);
    lines.push(`| ${b} | ${ci(rs.map((r) => r.metrics.pairs_per_query))} | ${ci(rs.map((r) => r.metrics.gold_win_rate))} | ${ci(rs.map((r) => r.metrics.expert_only_gold_win_rate as number))} | ${ci(rs.map((r) => r.metrics.gold_win_rate - (r.metrics.expert_only_gold_win_rate as number)))} |`);
  }
  lines.push("");

  fs.mkdirSync(PNG_DIR, { recursive: true });
  // The data behind the section, kept beside the plots so the tables can be regenerated.
  fs.copyFileSync(path.join(dir, "ablation.json"), path.join(PNG_DIR, `${name}.json`));
  for (const metric of PLOTS.filter((m) => summary.some((s) => s.metric === m))) {
    const file = path.join(PNG_DIR, `${name}-${metric}.png`);
    renderPng(curveFigure(summary, metric), file);
    lines.push(`![${ABLATION_METRICS[metric].label}](ablation/${path.basename(file)})`);
  }
  lines.push("");
  return lines.join("\n");
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.length === 0) throw new Error("usage: scripts/results.ts NAME=DIR [NAME=DIR ...]");
  let doc = fs.readFileSync(RESULTS, "utf8");
  for (const arg of args) {
    const [name, dir] = arg.split("=");
    const start = `<!-- ablation:${name}:start -->`;
    const end = `<!-- ablation:${name}:end -->`;
    const block = `${start}\n${section(name, dir)}\n${end}`;
    const i = doc.indexOf(start);
    const j = doc.indexOf(end);
    doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  }
  fs.writeFileSync(RESULTS, doc);
}

main();
