/// <reference lib="dom" />
/**
 * Render time of the uncertainty explorer in the lab at 10k and 100k points, in headless
 * Debian chromium with software WebGL (SwiftShader: --use-angle=swiftshader), against a peer
 * measured in the same browser: bare plotly.js drawing the same points as one scattergl trace.
 *
 *   npm run build && node --import tsx bench/lab-render.ts
 *   node --import tsx bench/run.ts --only lab      # the same, into docs/bench/results.json and docs/BENCHMARKS.md
 *
 * The ratio leaves out the one-off fetch and parse of plotly's chunk (its own entry,
 * `proxyrm:plotly-load`), which the bare peer has done before it is timed.
 * "explorer" is the renderer's own performance entry (`proxyrm:uncertainty`: decoding the base64
 * columns, building the traces, Plotly.react until the WebGL draw resolves), read from a saved
 * output in a notebook served by `proxyrm lab`. The payloads are synthetic (seeded), shaped
 * as run.explore() makes them; real runs cap nothing here (the explorer shows every pool point).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { float32Base64, int32Base64 } from "../kernel-ext/src/notebook/lab/b64";
import { Rng } from "../src/rng";
import { notebook } from "../tests/helpers/lab-notebook";
import { CHROMIUM, ROOT, openNotebook, startLab } from "../tests/helpers/lab-browser";
import { load } from "./machine";

const SIZES = [10_000, 100_000];
const PEER_RUNS = 3;
const ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function payload(n: number, seed: number): Record<string, unknown> {
  const rng = new Rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const prompts = Array.from({ length: Math.ceil(n / 4) }, (_, i) => `prompt ${i}: sort the list ${i % 97} ${i % 13}`);
  const x = new Float32Array(n), y = new Float32Array(n), mean = new Float32Array(n), std = new Float32Array(n), pi = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cluster = i % 6;
    x[i] = cluster * 2 + normal();
    y[i] = (cluster % 3) * 2 + normal();
    mean[i] = Math.min(5, Math.max(0, 2.5 + normal()));
    std[i] = Math.abs(normal()) * 0.8;
    pi[i] = Math.floor(i / 4);
  }
  return {
    kind: "uncertainty", version: 1, run: `bench-${n}`, widget: `bench-${n}`, view: "ift", projection: "pca", explained: [0.4, 0.2], n,
    x: float32Base64(x), y: float32Base64(y), color: "disagreement", mean: float32Base64(mean), std: float32Base64(std),
    response_ids: Array.from({ length: n }, (_, i) => `pool-${String(Math.floor(i / 4)).padStart(6, "0")}-r${i % 4}`),
    prompt_index: int32Base64(pi), prompts, tasks: prompts.map((_, i) => ["sort", "count", "dedup", "rev"][i % 4]),
    responses: Array.from({ length: n }, (_, i) => `response ${i}`),
    selected: Array.from({ length: 64 }, (_, k) => ({ index: (k * 7919) % n, round: 1 + (k % 2), rank: k + 1 })),
    labelled: Array.from({ length: 32 }, (_, k) => ({ index: (k * 7919) % n, score: k % 6, rationale: `rationale ${k}`, oracle: "rubric" })),
  };
}

async function peerMs(browser: Browser, p: Record<string, unknown>): Promise<number[]> {
  const page = await browser.newPage();
  await page.setContent("<div id=plot></div>");
  await page.addScriptTag({ path: require.resolve("plotly.js-dist-min") });
  // Plain JS in the page: tsx would wrap named functions inside page.evaluate with a helper the page lacks.
  await page.addScriptTag({
    content: `window.proxyrmPeer = async function (q) {
      function dec(t) { return new Float32Array(Uint8Array.from(atob(t), function (c) { return c.charCodeAt(0); }).buffer); }
      var div = document.getElementById("plot");
      var t0 = performance.now();
      Plotly.purge(div);
      await Plotly.newPlot(div, [{ type: "scattergl", mode: "markers", x: dec(q.x), y: dec(q.y), marker: { size: 5, color: dec(q.std), colorscale: "Viridis", showscale: true }, hoverinfo: "none" }], { width: 620, height: 480, dragmode: "lasso" });
      return performance.now() - t0;
    };`,
  });
  const times: number[] = [];
  for (let r = 0; r < PEER_RUNS; r++) times.push(await page.evaluate((q) => (window as unknown as { proxyrmPeer: (q: unknown) => Promise<number> }).proxyrmPeer(q), p));
  await page.close();
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface LabRenderRow {
  points: number;
  /** The renderer's own entry for the first draw, plotly's chunk load included. */
  explorerMs: number;
  plotlyLoadMs: number;
  /** Bare plotly.js, the same points as one scattergl trace, median of PEER_RUNS. */
  bareMs: number;
  /** (explorer - plotly load) / bare. */
  ratio: number;
  loadBefore: number;
  loadAfter: number;
}

export interface LabRenderResult {
  webgl: string;
  chromium: string;
  peerRuns: number;
  rows: LabRenderRow[];
}

/** The explorer at each of SIZES against bare plotly, in one lab and one browser. */
export async function benchLabRender(log: (line: string) => void): Promise<LabRenderResult> {
  const dir = fs.mkdtempSync(path.join(ROOT, "notebooks", ".test-bench-"));
  const payloads = new Map(SIZES.map((n) => [n, payload(n, 1)]));
  for (const [n, p] of payloads) fs.writeFileSync(path.join(dir, `explorer-${n}.ipynb`), notebook([{ source: `// ${n} points`, outputs: [["uncertainty", p]] }]));
  const lab = await startLab(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const probe = await browser.newPage();
    const webgl = await probe.evaluate(() => {
      const c = document.createElement("canvas").getContext("webgl");
      const ext = c?.getExtension("WEBGL_debug_renderer_info");
      return c ? String(ext ? c.getParameter(ext.UNMASKED_RENDERER_WEBGL) : c.getParameter(c.RENDERER)) : "no WebGL";
    });
    await probe.close();
    log(`lab: WebGL renderer ${webgl}`);
    const rows: LabRenderRow[] = [];
    for (const [n, p] of payloads) {
      const loadBefore = load();
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await openNotebook(page, lab, `explorer-${n}.ipynb`);
      await page.waitForSelector('.jp-ProxyrmOutput[data-proxyrm-kind="uncertainty"][data-proxyrm-rendered="true"]', { timeout: 300_000 });
      const explorer = await page.evaluate(() => performance.getEntriesByName("proxyrm:uncertainty").map((e) => e.duration));
      const plotlyLoad = await page.evaluate(() => performance.getEntriesByName("proxyrm:plotly-load").map((e) => e.duration));
      await page.close();
      const bareMs = median(await peerMs(browser, p));
      const explorerMs = explorer[explorer.length - 1];
      const plotlyLoadMs = plotlyLoad[0] ?? 0;
      const row = { points: n, explorerMs, plotlyLoadMs, bareMs, ratio: (explorerMs - plotlyLoadMs) / bareMs, loadBefore, loadAfter: load() };
      log(`lab: ${n} points: explorer ${explorerMs.toFixed(0)} ms (plotly load ${plotlyLoadMs.toFixed(0)} ms), bare plotly ${bareMs.toFixed(0)} ms, ratio ${row.ratio.toFixed(2)}`);
      rows.push(row);
    }
    return { webgl, chromium: browser.version(), peerRuns: PEER_RUNS, rows };
  } finally {
    await browser.close();
    await lab.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchLabRender((line) => process.stdout.write(`${line}\n`)).catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
