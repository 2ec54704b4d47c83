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
import { BIN, ROOT, openBrowser, openNotebook, startLab, type Lab, type Session } from "./helpers/lab-browser";

const XSS_IMG = '<img src=x onerror="window.__proxyrmXss=1">';
const XSS_SCRIPT = "<script>window.__proxyrmXss=2</script>";
const KINDS = ["progress", "run", "sft", "generate", "embed", "selection", "labels", "proxy", "pairs", "dpo", "metrics", "table"];

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
    for (const kind of ["sft", "generate", "embed", "selection", "labels", "proxy", "pairs", "dpo", "metrics"]) assert.ok(figures[kind], `${kind} draws a plotly figure`);
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
    // Wait for the proxyrm kernel to be idle before running the cell.
    await page.waitForFunction(() => document.querySelector(".jp-Notebook-ExecutionIndicator")?.getAttribute("data-status") === "idle", null, { timeout: 120_000 }).catch(() => undefined);
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
