/**
 * Regenerates docs/RESULTS.md (all of it), the README's results block and docs/proxy.md's
 * heads-vs-EFT block from the committed JSON listed in docs/ablation/sections.json
 * (scripts/results-doc.ts and scripts/proxy-kinds.ts build the text).
 *
 *   node --import tsx scripts/results.ts                     # rewrite RESULTS.md and the README block
 *   node --import tsx scripts/results.ts full=runs/ablate-full default=runs/default-runs
 *                                                            # first copy sweeps' ablation.json in, render their PNGs
 *   node --import tsx scripts/results.ts --png               # render every section's PNGs again
 *   node --import tsx scripts/results.ts --check             # exit 1 if the committed pages differ
 *
 * NAME must be a section of sections.json (or its default run); its data goes to
 * docs/ablation/NAME.json and its plots to docs/ablation/NAME-*.png, rendered from the same plotly
 * figures as ablation.html in headless Chromium.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { curveFigure } from "../src/ablate/report";
import { summarise, type AnyAblationRow } from "../src/ablate/results";
import { html, renderPage } from "../src/report/html";
import { plotlySource } from "../src/report/write";
import { withMarkedBlock } from "./doc-block";
import { buildProxyKindsBlock, loadProxyKindsRows, PROXY_KINDS_MARKERS } from "./proxy-kinds";
import { ablationDir, buildReadmeBlock, buildResultsPage, loadManifest, withReadmeBlock } from "./results-doc";

const ROOT = path.join(__dirname, "..");
const RESULTS = path.join(ROOT, "docs", "RESULTS.md");
const README = path.join(ROOT, "README.md");
const PROXY_DOC = path.join(ROOT, "docs", "proxy.md");
const PLOTS = ["gold_win_rate", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "label_balance"];

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

function renderPngs(name: string): void {
  const rows = JSON.parse(fs.readFileSync(path.join(ablationDir(ROOT), `${name}.json`), "utf8")) as AnyAblationRow[];
  // A --vary sweep's values would pool into one curve: its sections are tables only.
  if (new Set(rows.map((r) => JSON.stringify(r.setting ?? {}))).size > 1) return;
  const summary = summarise(rows);
  for (const metric of PLOTS.filter((m) => summary.some((s) => s.metric === m))) renderPng(curveFigure(summary, metric), path.join(ablationDir(ROOT), `${name}-${metric}.png`));
}

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const manifest = loadManifest(ROOT);
  const defaultName = manifest.default ? path.basename(manifest.default.json, ".json") : undefined;
  const known = new Set([...manifest.sections.map((s) => s.name), ...(defaultName ? [defaultName] : [])]);
  for (const arg of args.filter((a) => a.includes("="))) {
    if (check) throw new Error("--check takes no NAME=DIR");
    const [name, dir] = arg.split("=");
    if (!known.has(name)) throw new Error(`${name} is not a section of docs/ablation/sections.json (known: ${[...known].join(", ")})`);
    fs.copyFileSync(path.join(dir, "ablation.json"), path.join(ablationDir(ROOT), `${name}.json`));
    if (name !== defaultName) renderPngs(name);
  }
  if (args.includes("--png")) for (const s of manifest.sections) renderPngs(s.name);

  const results = buildResultsPage(ROOT);
  const readme = withReadmeBlock(fs.readFileSync(README, "utf8"), buildReadmeBlock(ROOT));
  const kinds = loadProxyKindsRows(ROOT);
  const proxyDoc = withMarkedBlock(fs.readFileSync(PROXY_DOC, "utf8"), PROXY_KINDS_MARKERS, buildProxyKindsBlock(kinds.heads, kinds.eft), "docs/proxy.md");
  if (check) {
    const stale = [
      [RESULTS, results],
      [README, readme],
      [PROXY_DOC, proxyDoc],
    ].filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text);
    if (stale.length) {
      process.stderr.write(`out of date with the committed JSON: ${stale.map(([f]) => path.relative(ROOT, f)).join(", ")}; run node --import tsx scripts/results.ts\n`);
      process.exitCode = 1;
    }
    return;
  }
  fs.writeFileSync(RESULTS, results);
  fs.writeFileSync(README, readme);
  fs.writeFileSync(PROXY_DOC, proxyDoc);
}

main();
