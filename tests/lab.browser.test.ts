/// <reference lib="dom" />
/**
 * The JupyterLab extension in a real browser: `proxyrm lab` (Debian jupyter-server, the npm-built
 * front end, the prebuilt @proxyrm/labextension) driven by playwright-core with Debian chromium.
 * Saved outputs of every proxyrm kind come from a real tiny run made through the notebook API;
 * each must be drawn by its renderer, data text must stay text, a live cell must update its
 * figure in place, and the page must log no errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { capturePayloads, notebook, type Cell, type Payload } from "./helpers/lab-notebook";
import { readLabels } from "../src/store/arrow-tables";
import type { Page } from "playwright-core";
import { BIN, ROOT, openBrowser, openNotebook, startLab, waitKernelIdle, type Lab, type Session } from "./helpers/lab-browser";

const XSS_IMG = '<img src=x onerror="window.__proxyrmXss=1">';
const XSS_SCRIPT = "<script>window.__proxyrmXss=2</script>";
const KINDS = ["progress", "sft", "generate", "embed", "selection", "labels", "proxy", "pairs", "dpo", "metrics", "run", "table", "uncertainty", "calibration", "ledger", "training", "label-widget", "ablation"];
const PLOTTED = ["sft", "generate", "embed", "selection", "labels", "proxy", "pairs", "dpo", "metrics", "uncertainty", "calibration", "ledger", "training", "ablation"];
/** Cells of widgets.ipynb, run live in the proxyrm kernel by the widget tests (each test's cells stand alone). */
const WIDGET_CELLS = [
  'import { proxyrm } from "@proxyrm/kernel";\nconst human = await proxyrm.open({ preset: "tiny", seed: 7, out: "human-run", config: { oracle: { kind: "human", person: "alice" }, baselines: false } });\nawait human.labelWidget()',
  'await human.label();\n"label stage done"',
  'import { proxyrm as api } from "@proxyrm/kernel";\nconst explored = await api.open({ preset: "tiny", seed: 8, out: "explore-run" });\nconst explorer = await explored.explore();\nexplorer',
  'explorer.querySet().ids.join(" ")',
  'import { proxyrm as sweep } from "@proxyrm/kernel";\nawait sweep.ablate({ preset: "tiny", strategies: ["random", "coreset-eft"], budgets: [4], seeds: 1, seed: 3, proxyOnly: true, out: "sweep", jobs: 2 })',
];

let dir: string;
let lab: Lab;
let payloads: Map<string, Payload>;
const sessions: Session[] = [];

/** Puts the markup strings into the text fields a person or a model wrote. */
function withMarkup(kind: string, p: Payload): Payload {
  const c = JSON.parse(JSON.stringify(p));
  if (kind === "labels") Object.assign(c.rows[0], { prompt: XSS_IMG, response: XSS_SCRIPT, rationale: XSS_IMG });
  if (kind === "selection") {
    Object.assign(c.picks[0], { prompt: XSS_IMG, response: XSS_SCRIPT });
    c.tasks[0].task = XSS_IMG;
  }
  if (kind === "embed") {
    const first = c.projection.tasks[0];
    c.projection.tasks = c.projection.tasks.map((t: string) => (t === first ? XSS_IMG : t));
  }
  if (kind === "table") c.rows[0][0] = XSS_SCRIPT;
  return c;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(ROOT, "notebooks", ".test-lab-"));
  payloads = (await capturePayloads(dir)).byKind;
  assert.deepEqual([...payloads.keys()].sort(), [...KINDS].sort(), "the tiny run shows every kind");
  const saved: Cell[] = KINDS.map((k) => ({ source: `// saved ${k} output`, outputs: [[k, payloads.get(k)!]] }));
  saved.push({ source: "// a payload version this extension does not know", outputs: [["sft", { ...payloads.get("sft")!, version: 99 }]] });
  fs.writeFileSync(path.join(dir, "saved.ipynb"), notebook(saved));
  const markup: Cell[] = ["labels", "selection", "embed", "table"].map((k) => ({ source: `// ${k} with markup in its text`, outputs: [[k, withMarkup(k, payloads.get(k)!)]] }));
  fs.writeFileSync(path.join(dir, "markup.ipynb"), notebook(markup));
  const live = [
    'import { display } from "@proxyrm/kernel";',
    'const base = { kind: "progress", version: 1, run: "live", call: "sft", status: "running", stages: [{ name: "sft", state: "running" }], message: null };',
    "for (let step = 1; step <= 5; step++) {",
    '  const current = { label: "sft", done: step, total: 5, info: { loss: 5 - step / 2 } };',
    '  display({ "application/vnd.proxyrm.progress+json": { ...base, current, seconds: step / 10 }, "text/plain": `step ${step}` }, { displayId: "live-progress", update: step > 1 });',
    "  await new Promise((r) => setTimeout(r, 400));",
    "}",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "live.ipynb"), notebook([{ source: live }]));
  fs.writeFileSync(path.join(dir, "widgets.ipynb"), notebook(WIDGET_CELLS.map((source) => ({ source }))));
  lab = await startLab(dir);
});

after(async () => {
  for (const s of sessions) await s.browser.close().catch(() => undefined);
  await lab?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function session(): Promise<Session> {
  const s = await openBrowser();
  sessions.push(s);
  return s;
}

describe("proxyrm lab in chromium", () => {
  it("draws every kind from saved outputs with its renderer, and says so for an unknown payload version", async () => {
    const { page, problems } = await session();
    await openNotebook(page, lab, "saved.ipynb");
    await page.waitForFunction((n) => document.querySelectorAll('.jp-ProxyrmOutput[data-proxyrm-rendered="true"], .jp-ProxyrmOutput[data-proxyrm-rendered="message"]').length >= n, KINDS.length + 1, { timeout: 120_000 });
    const drawn = await page.$$eval(".jp-ProxyrmOutput", (nodes) =>
      nodes.map((n) => ({ kind: (n as HTMLElement).dataset.proxyrmKind, state: (n as HTMLElement).dataset.proxyrmRendered, figures: n.querySelectorAll(".main-svg").length, text: n.textContent ?? "" })),
    );
    assert.deepEqual(drawn.map((d) => d.kind), [...KINDS, "sft"]);
    for (const d of drawn.slice(0, KINDS.length)) assert.equal(d.state, "true", `${d.kind} rendered`);
    const figures = Object.fromEntries(drawn.slice(0, KINDS.length).map((d) => [d.kind, d.figures > 0]));
    for (const kind of PLOTTED) assert.ok(figures[kind], `${kind} draws a plotly figure`);
    assert.equal(drawn[KINDS.length].state, "message");
    assert.match(drawn[KINDS.length].text, /payload version 99, and this @proxyrm\/labextension draws version 1/);
    const labels = await page.$eval('.jp-ProxyrmOutput[data-proxyrm-kind="labels"]', (n) => n.textContent ?? "");
    assert.ok(labels.includes(String((payloads.get("labels")!.rows as { response_id: string }[])[0].response_id)), "the labels table shows the first label");
    assert.deepEqual(problems, []);
  });

  it("keeps markup from data as text: no element or script is made from it", async () => {
    const { page, problems } = await session();
    await openNotebook(page, lab, "markup.ipynb");
    await page.waitForFunction(() => document.querySelectorAll('.jp-ProxyrmOutput[data-proxyrm-rendered="true"]').length >= 4, null, { timeout: 120_000 });
    const seen = await page.evaluate(
      ([img, script]) => ({
        ran: (window as unknown as { __proxyrmXss?: number }).__proxyrmXss ?? null,
        images: document.querySelectorAll('.jp-ProxyrmOutput img, img[src="x"]').length,
        scripts: Array.from(document.querySelectorAll("script")).filter((s: HTMLScriptElement) => s.textContent?.includes("__proxyrmXss")).length,
        cells: Array.from(document.querySelectorAll(".jp-ProxyrmOutput td")).map((td) => td.textContent).filter((t) => t === img || t === script).length,
        legend: Array.from(document.querySelectorAll('.jp-ProxyrmOutput[data-proxyrm-kind="embed"] .legendtext')).map((t) => t.textContent),
        ticks: Array.from(document.querySelectorAll('.jp-ProxyrmOutput[data-proxyrm-kind="selection"] .xtick text')).map((t) => t.textContent),
      }),
      [XSS_IMG, XSS_SCRIPT],
    );
    assert.equal(seen.ran, null, "no injected handler or script ran");
    assert.equal(seen.images, 0);
    assert.equal(seen.scripts, 0);
    assert.equal(seen.cells, 6, "labels prompt/response/rationale, selection prompt/response and the table cell show the markup as text");
    assert.ok(seen.legend.includes(XSS_IMG), `the embed legend shows the task name as text: ${JSON.stringify(seen.legend)}`);
    assert.ok(seen.ticks.includes(XSS_IMG), `the selection axis shows the task name as text: ${JSON.stringify(seen.ticks)}`);
    assert.deepEqual(problems, []);
  });

  it("updates a live output's figure in place as update_display_data arrives", async () => {
    const { page, problems } = await session();
    await openNotebook(page, lab, "live.ipynb");
    await page.waitForSelector(".jp-Notebook .jp-Cell .cm-content", { timeout: 60_000 });
    await waitKernelIdle(page);
    await page.click(".jp-Notebook .jp-Cell .cm-content");
    await page.keyboard.press("Shift+Enter");
    const first = await page.waitForSelector('.jp-ProxyrmOutput[data-proxyrm-kind="progress"] [data-proxyrm-plot="true"]', { timeout: 120_000 });
    await first.evaluate((n) => ((n as HTMLElement).dataset.firstSeen = "yes"));
    await page.waitForFunction(() => (document.querySelector('.jp-ProxyrmOutput[data-proxyrm-kind="progress"]') as HTMLElement | null)?.dataset.proxyrmRenders === "5", null, { timeout: 60_000 });
    const state = await page.evaluate(() => {
      const outputs = document.querySelectorAll('.jp-ProxyrmOutput[data-proxyrm-kind="progress"]');
      const plot = outputs[0].querySelector('[data-proxyrm-plot="true"]') as HTMLElement & { data: { x: number[]; y: number[] }[] };
      return { outputs: outputs.length, same: plot.dataset.firstSeen === "yes", x: plot.data[0].x, y: plot.data[0].y, text: outputs[0].textContent };
    });
    assert.equal(state.outputs, 1, "one output, updated, not five");
    assert.ok(state.same, "the figure node seen after the first update is the one drawn after the last");
    assert.deepEqual(state.x, [1, 2, 3, 4, 5]);
    assert.deepEqual(state.y, [4.5, 4, 3.5, 3, 2.5]);
    assert.match(state.text ?? "", /sft 5\/5/);
    assert.deepEqual(problems, []);
  });
});

/** Runs cell `index` of the open notebook (click into it, Shift+Enter). */
async function runCell(page: Page, index: number): Promise<void> {
  await waitKernelIdle(page);
  await page.click(`.jp-Notebook .jp-Cell:nth-child(${index + 1}) .cm-content`);
  await page.keyboard.press("Shift+Enter");
}

async function cellText(page: Page, index: number, pattern: RegExp): Promise<string> {
  const sel = `.jp-Notebook .jp-Cell:nth-child(${index + 1}) .jp-OutputArea-output`;
  await page.waitForFunction(([s, re]) => Array.from(document.querySelectorAll(s as string)).some((n) => new RegExp(re as string).test(n.textContent ?? "")), [sel, pattern.source], { timeout: 180_000 });
  return page.$$eval(sel, (ns) => ns.map((n) => n.textContent ?? "").join("\n"));
}

describe("proxyrm lab widgets over the proxyrm comm", () => {
  it("a score given in the labelling widget lands in ledger.jsonl at once and in labels.arrow after the label stage", async () => {
    const { page, problems } = await session();
    await openNotebook(page, lab, "widgets.ipynb");
    await page.waitForSelector(".jp-Notebook .jp-Cell .cm-content", { timeout: 60_000 });
    await runCell(page, 0);
    const widget = '.jp-ProxyrmOutput[data-proxyrm-kind="label-widget"]';
    await page.waitForSelector(`${widget} .jp-proxyrm-label-item[data-response-id]`, { timeout: 180_000 });
    const given = new Map<string, { score: number; note: string }>();
    const scores = [4, 2, 5, 0, 3, 1, 4, 2];
    for (let i = 0; i < scores.length; i++) {
      const done = await page.$eval(widget, (n) => (n as HTMLElement).dataset.proxyrmLabelDone === "true");
      if (done) break;
      const id = await page.$eval(`${widget} .jp-proxyrm-label-item`, (n) => (n as HTMLElement).dataset.responseId!);
      const acks = await page.$eval(widget, (n) => Number((n as HTMLElement).dataset.proxyrmAcks ?? "0"));
      await page.click(`${widget} .jp-proxyrm-label-item`);
      await page.keyboard.press(String(scores[i]));
      let note = "";
      if (i === 0) {
        note = XSS_IMG;
        await page.fill(`${widget} textarea`, note);
        await page.focus(`${widget} textarea`);
        await page.keyboard.press("Control+Enter");
      } else {
        await page.keyboard.press("Enter");
      }
      await page.waitForFunction(([sel, n]) => Number((document.querySelector(sel as string) as HTMLElement).dataset.proxyrmAcks ?? "0") > (n as number), [widget, acks], { timeout: 60_000 });
      given.set(id, { score: scores[i], note });
      // Journal first: the paid call is on disk when the ack is shown.
      const ledger = fs.readFileSync(path.join(dir, "human-run", "ledger.jsonl"), "utf8");
      assert.ok(ledger.includes(id), `ledger.jsonl has ${id} once its ack arrived`);
    }
    await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLElement).dataset.proxyrmLabelDone === "true", widget, { timeout: 60_000 });
    assert.ok(given.size >= 1);
    const lines = fs.readFileSync(path.join(dir, "human-run", "ledger.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const paid = lines.filter((l) => l.oracle === "human:alice" && l.response_id && given.has(l.response_id));
    assert.equal(new Set(paid.map((l) => l.response_id)).size, given.size, "one paid human call per score");
    await runCell(page, 1);
    await cellText(page, 1, /label stage done/);
    const labels = readLabels(path.join(dir, "human-run", "labels.arrow"));
    assert.equal(labels.length, given.size);
    for (const l of labels) {
      assert.equal(l.oracle, "human:alice");
      assert.equal(l.score, given.get(l.response_id)!.score, `score of ${l.response_id}`);
    }
    const first = labels.find((l) => given.get(l.response_id)!.note !== "");
    assert.ok(first && first.rationale.includes(XSS_IMG), "the note is kept, as text, as the rationale");
    assert.equal(await page.evaluate(() => (window as unknown as { __proxyrmXss?: number }).__proxyrmXss ?? null), null);
    assert.deepEqual(problems, []);
  });

  it("a lasso selection in the uncertainty explorer reaches the kernel as the query set", async () => {
    const { page, problems } = await session();
    await openNotebook(page, lab, "widgets.ipynb");
    await page.waitForSelector(".jp-Notebook .jp-Cell .cm-content", { timeout: 60_000 });
    await runCell(page, 2);
    const explorer = '.jp-ProxyrmOutput[data-proxyrm-kind="uncertainty"]';
    await page.waitForSelector(`${explorer}[data-proxyrm-rendered="true"] .jp-proxyrm-explorer-plot .main-svg`, { timeout: 180_000 });
    // plotly's own selection event, as a lasso drag emits it: points of the pool trace.
    const ids = await page.$eval(`${explorer} .jp-proxyrm-explorer-plot`, (gd) => {
      const g = gd as unknown as { data: { x: ArrayLike<number> }[]; emit: (e: string, d: unknown) => void };
      const points = [0, 2, 5].map((i) => ({ curveNumber: 0, pointIndex: i, x: g.data[0].x[i] }));
      g.emit("plotly_selected", { points });
      return points.map((p) => p.pointIndex);
    });
    await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLElement).dataset.proxyrmLassoAck === "3", explorer, { timeout: 60_000 });
    await runCell(page, 3);
    const text = await cellText(page, 3, /pool-/);
    assert.equal((text.match(/pool-\d+-r\d+/g) ?? []).length, ids.length, `the kernel's query set: ${text}`);
    assert.deepEqual(problems, []);
  });

  it("a live proxyrm.ablate draws each finished cell into one display, updated in place", async () => {
    const { page, problems } = await session();
    await openNotebook(page, lab, "widgets.ipynb");
    await page.waitForSelector(".jp-Notebook .jp-Cell .cm-content", { timeout: 60_000 });
    await runCell(page, 4);
    const live = '.jp-Notebook .jp-Cell:nth-child(5) .jp-ProxyrmOutput[data-proxyrm-kind="ablation"]';
    await page.waitForSelector(`${live} [data-proxyrm-plot="true"]`, { timeout: 300_000 });
    await page.$eval(`${live} [data-proxyrm-plot="true"]`, (n) => ((n as HTMLElement).dataset.firstSeen = "yes"));
    await page.waitForFunction((sel) => /2 of 2 cells/.test(document.querySelector(sel)?.textContent ?? ""), live, { timeout: 300_000 });
    const state = await page.$eval(live, (n) => ({
      renders: Number((n as HTMLElement).dataset.proxyrmRenders),
      same: (n.querySelector('[data-proxyrm-plot="true"]') as HTMLElement).dataset.firstSeen === "yes",
      options: Array.from(n.querySelectorAll("select option")).map((o) => (o as HTMLOptionElement).value),
    }));
    assert.ok(state.renders >= 2, `at least two updates drawn, got ${state.renders}`);
    assert.ok(state.same, "updates redraw the same figure");
    assert.ok(state.options.includes("proxy_spearman") && state.options.length >= 2, "a metric selector");
    await page.selectOption(`${live} select`, state.options.find((o) => o !== "proxy_spearman")!);
    await page.waitForFunction((sel) => /against budget/.test(document.querySelector(`${sel} .gtitle`)?.textContent ?? ""), live);
    assert.deepEqual(problems, []);
  });
});

describe("proxyrm lab command", () => {
  it("without Debian's jupyter-server it prints the exact apt-get command and exits 2", () => {
    const r = spawnSync(process.execPath, [BIN, "lab", "--no-browser", "--notebook-dir", dir], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PROXYRM_LAB_PYTHON: "/bin/false" } });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /run: sudo apt-get update && sudo apt-get install -y --no-install-recommends python3-jupyter-server python3-jupyterlab-server python3-ipykernel$/m);
  });

  it("refuses a bad port or token in one line, exit 2", () => {
    for (const args of [["--port", "70000"], ["--token", "a b"]]) {
      const r = spawnSync(process.execPath, [BIN, "lab", "--no-browser", ...args], { cwd: ROOT, encoding: "utf8" });
      assert.equal(r.status, 2, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  });

  it("lab install --prefix puts the prebuilt extension and the kernelspec where JupyterLab 4 looks", () => {
    const prefix = path.join(dir, "prefix");
    const r = spawnSync(process.execPath, [BIN, "lab", "install", "--prefix", prefix], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const data = path.join(prefix, "share", "jupyter");
    const manifest = JSON.parse(fs.readFileSync(path.join(data, "labextensions", "@proxyrm", "labextension", "package.json"), "utf8"));
    assert.ok(fs.existsSync(path.join(data, "labextensions", "@proxyrm", "labextension", manifest.jupyterlab._build.load)));
    const kernel = JSON.parse(fs.readFileSync(path.join(data, "kernels", "proxyrm", "kernel.json"), "utf8"));
    assert.equal(kernel.argv[0], process.execPath);
    // What Jupyter itself finds there, asked through Debian's jupyter_core.
    const found = spawnSync("/usr/bin/python3", ["-c", "from jupyter_client.kernelspec import KernelSpecManager as K; print(sorted(K().find_kernel_specs()))"], { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: data } });
    assert.match(found.stdout, /'proxyrm'/);
  });
});
