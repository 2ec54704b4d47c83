/**
 * The notebook API (kernel-ext/src/notebook) on the tiny preset, in plain node with a recording
 * display sink: stage calls and their bundles (MIME types, schemas in kernel-ext/schemas), one
 * display id per call for progress, escaping of run data in text/html, plotly inlined once,
 * run.all() against runPipeline byte for byte, fork() from shared stages, interrupt and
 * resume, and tables as danfo data frames.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AbortedError, UserError } from "proxyrm/dist/errors";
import { resolveConfig, runPipeline } from "proxyrm/dist/pipeline";
import { readPrompts, writePrompts } from "proxyrm/dist/store/arrow-tables";
import { setDisplaySink, type MimeBundle } from "../kernel-ext/src/display";
import * as proxyrm from "../kernel-ext/src/notebook";
import { ProgressDisplay } from "../kernel-ext/src/notebook/progress";
import { FakeClock } from "./helpers/fake-clock";
import { loadSchema, validate } from "./helpers/schemas";

const SEED = 1;
const STAGE_KINDS = [
  ["sft", "sft"],
  ["generate", "generate"],
  ["embed", "embed"],
  ["select", "selection"],
  ["label", "labels"],
  ["fit", "proxy"],
  ["score", "proxy"],
  ["pairs", "pairs"],
  ["dpo", "dpo"],
  ["eval", "metrics"],
] as const;
type StageName = (typeof STAGE_KINDS)[number][0];

interface Shown {
  bundle: MimeBundle;
  displayId?: string;
  update?: boolean;
  at: number;
}

/** Every display the API made in this process, in order. */
const shown: Shown[] = [];
/** Called on each display (a test aborts from here when sft starts reporting). */
let onDisplay: ((bundle: MimeBundle) => void) | undefined;

let tmp: string;
/** Run A: every stage called in order. */
let runA: proxyrm.ProxyRun;
const resultsA = new Map<StageName, proxyrm.StageResult>();
/** The displays each of A's calls made. */
const displaysA = new Map<StageName, Shown[]>();

const kindOf = (bundle: MimeBundle) => {
  const types = Object.keys(bundle).filter((k) => k.startsWith("application/vnd.proxyrm."));
  assert.equal(types.length, 1, `one proxyrm MIME type per bundle, got ${types.join(", ")}`);
  return /^application\/vnd\.proxyrm\.(.+)\+json$/.exec(types[0])![1];
};

/** Checks a bundle's shape and validates its JSON against kernel-ext/schemas/<kind>.schema.json. */
function checkBundle(bundle: MimeBundle, kind?: string): Record<string, unknown> {
  const k = kindOf(bundle);
  if (kind) assert.equal(k, kind);
  assert.deepEqual(Object.keys(bundle).sort(), [proxyrm.mimeType(k as proxyrm.Kind), "text/html", "text/plain"].sort());
  const payload = bundle[proxyrm.mimeType(k as proxyrm.Kind)] as Record<string, unknown>;
  assert.deepEqual(validate(loadSchema(k), JSON.parse(JSON.stringify(payload))), [], `${k} payload breaks its schema`);
  assert.equal(payload.kind, k);
  const html = bundle["text/html"] as string;
  assert.match(html, new RegExp(`^<div class="proxyrm proxyrm-${k}" data-mime-type="application/vnd\\.proxyrm\\.${k}\\+json">`));
  assert.equal(typeof bundle["text/plain"], "string");
  assert.ok((bundle["text/plain"] as string).length > 0);
  return payload;
}

const CONFIG = resolveConfig("tiny", undefined, { seed: SEED });
const BUDGET = CONFIG.select.budget;
/** Pool responses: pool prompts x k. */
const POOL = CONFIG.world.poolPrompts * CONFIG.generate.k;

const tiny = (flags: Parameters<typeof resolveConfig>[2] = {}) => resolveConfig("tiny", undefined, { seed: SEED, ...flags });
const bytes = (dir: string, file: string) => fs.readFileSync(path.join(dir, file));
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { stages: Record<string, unknown>; config: { select: { strategy: string } } };
const PLOTLY_MARK = "plotly.js v";

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-notebook-"));
  setDisplaySink({
    display(bundle, options) {
      shown.push({ bundle, displayId: options.displayId, update: options.update, at: Date.now() });
      onDisplay?.(bundle);
    },
    clearOutput() {},
  });
  runA = await proxyrm.open({ preset: "tiny", seed: SEED, out: path.join(tmp, "a") });
  for (const [stage] of STAGE_KINDS) {
    const from = shown.length;
    resultsA.set(stage, await runA[stage]());
    displaysA.set(stage, shown.slice(from));
  }
});

after(() => {
  setDisplaySink(undefined);
  runA?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("stage calls", () => {
  it("each stage call returns a result whose bundle has its proxyrm MIME type, text/html and text/plain, valid against its schema", () => {
    for (const [stage, kind] of STAGE_KINDS) {
      const result = resultsA.get(stage)!;
      const payload = checkBundle(proxyrm.toMimeBundle(result), kind);
      assert.deepEqual(payload, JSON.parse(JSON.stringify(result.data)));
      assert.equal(payload.run, path.join(tmp, "a"));
    }
  });

  it("a call runs its unfinished predecessors first: world with sft, the baselines with score and eval", () => {
    const ran = Object.fromEntries([...resultsA].map(([stage, r]) => [stage, r.ran]));
    assert.deepEqual(ran, {
      sft: ["world", "sft"],
      generate: ["generate"],
      embed: ["embed"],
      select: ["select"],
      label: ["label"],
      fit: ["fit"],
      score: ["offpolicy", "score"],
      pairs: ["pairs"],
      dpo: ["dpo"],
      eval: ["expert-only", "eval"],
    });
  });

  it("results carry what their stage made: label paid the budget in this call, pairs count pairs.arrow, eval the metrics", () => {
    const labels = resultsA.get("label")!.data as proxyrm.LabelsPayload;
    assert.equal(labels.total, BUDGET);
    assert.equal(labels.paid_now, BUDGET);
    assert.equal(labels.expert_queries, BUDGET);
    const metrics = (resultsA.get("eval")!.data as proxyrm.MetricsPayload).metrics;
    assert.equal(metrics.expert_queries, BUDGET);
    assert.equal((resultsA.get("pairs")!.data as proxyrm.PairsPayload).pairs, metrics.pairs);
    assert.equal((resultsA.get("score")!.data as proxyrm.ProxyPayload).scores?.n, POOL);
    assert.equal((resultsA.get("fit")!.data as proxyrm.ProxyPayload).scores, null);
  });

  it("calling a finished stage again runs nothing, pays nothing and shows the same result", async () => {
    const again = await runA.label();
    assert.deepEqual(again.ran, []);
    assert.equal((again.data as proxyrm.LabelsPayload).paid_now, 0);
    const { ran: _r, seconds: _s, paid_now: _p, ...rest } = again.data as proxyrm.LabelsPayload;
    const { ran: _r0, seconds: _s0, paid_now: _p0, ...first } = resultsA.get("label")!.data as proxyrm.LabelsPayload;
    assert.deepEqual(rest, first);
    assert.deepEqual(runA.result("select").data.ran, []);
    assert.equal(runA.result("select").data.seconds, null);
  });

  it("a closed run reopens on its next call; display: false shows nothing", async () => {
    runA.close();
    const from = shown.length;
    const again = await runA.pairs({ display: false });
    assert.deepEqual(again.ran, []);
    assert.equal(shown.length, from);
  });

  it("the run object displays as kind run with every stage's state", () => {
    const payload = checkBundle(proxyrm.toMimeBundle(runA), "run") as unknown as proxyrm.RunPayload;
    assert.equal(payload.next, "report");
    assert.ok(payload.stages.filter((s) => s.name !== "report").every((s) => s.done));
  });

  it("toMimeBundle falls back to text/plain for other values", () => {
    assert.deepEqual(proxyrm.toMimeBundle({ a: 1 }), { "text/plain": "{ a: 1 }" });
  });
});

describe("progress displays", () => {
  it("each call updates one display id of its own: progress bundles, then the call's result", () => {
    const ids = new Set<string>();
    for (const [stage, kind] of STAGE_KINDS) {
      const displays = displaysA.get(stage)!;
      assert.ok(displays.length >= 2, `${stage}: at least an opening progress display and the result`);
      const id = displays[0].displayId!;
      assert.ok(id && !ids.has(id), `${stage}: a display id of its own`);
      ids.add(id);
      assert.ok(displays.every((d) => d.displayId === id), `${stage}: every update on one display id`);
      assert.deepEqual(displays.map((d) => Boolean(d.update)), displays.map((_, i) => i > 0), `${stage}: display first, then updates`);
      displays.slice(0, -1).forEach((d) => {
        const p = checkBundle(d.bundle, "progress") as unknown as proxyrm.ProgressPayload;
        assert.equal(p.call, stage);
        assert.equal(p.status, "running");
      });
      checkBundle(displays.at(-1)!.bundle, kind);
    }
  });

  it("progress reports the running stage and its reporter's counts on one display", () => {
    const sft = displaysA.get("sft")!.slice(0, -1).map((d) => d.bundle[proxyrm.mimeType("progress")] as proxyrm.ProgressPayload);
    assert.deepEqual(sft[0].stages, [{ name: "world", state: "running" }, { name: "sft", state: "pending" }]);
    const reporting = sft.filter((p) => p.current?.label === "sft");
    assert.ok(reporting.length > 0, "a progress update from the sft reporter");
    assert.ok(reporting.every((p) => p.current!.total === CONFIG.sft.steps && p.stages[1].state === "running"));
  });

  it("progress throttle, on a fake clock: a new step shows at once, ticks of one step at most one update per UPDATE_INTERVAL_MS, nothing after the end", () => {
    const clock = new FakeClock(10_000);
    const display = new ProgressDisplay("run", "sft", ["world", "sft"], () => false, true, clock);
    const seen: { at: number; label: string | undefined; done: number | undefined; status: string }[] = [];
    onDisplay = (bundle) => {
      const p = bundle[proxyrm.mimeType("progress")] as proxyrm.ProgressPayload | undefined;
      seen.push({ at: clock.now() - 10_000, label: p?.current?.label, done: p?.current?.done, status: p?.status ?? "result" });
    };
    try {
      display.open();
      display.start("sft", 100);
      // A tick every 7 ms for 700 ms: shown at 200, 400, 600 (the ticks so far), the rest at 800.
      for (let i = 0; i < 100; i++) {
        display.tick(1);
        clock.advance(7);
      }
      clock.advance(100);
      assert.deepEqual(seen.map((s) => [s.at, s.label, s.done]), [[0, undefined, undefined], [0, "sft", 0], [200, "sft", 29], [400, "sft", 58], [600, "sft", 86], [800, "sft", 100]]);
      // A new step 10 ms after a tick shows at once and drops the tick's deferred update.
      seen.length = 0;
      clock.advance(50);
      display.tick(1);
      clock.advance(10);
      display.start("score", 10);
      clock.advance(1000);
      assert.deepEqual(seen.map((s) => [s.at, s.label, s.done]), [[860, "score", 0]]);
      // UPDATE_INTERVAL_MS after the last update a tick shows at once; one tick sooner waits its turn.
      display.tick(1);
      clock.advance(proxyrm.UPDATE_INTERVAL_MS - 1);
      display.tick(1);
      assert.deepEqual(seen.map((s) => [s.at, s.done]), [[860, 0], [1860, 1]]);
      clock.advance(1);
      assert.deepEqual(seen.map((s) => [s.at, s.done]), [[860, 0], [1860, 1], [1860 + proxyrm.UPDATE_INTERVAL_MS, 2]]);
      // The result ends the display at once; later ticks show nothing and leave no timer.
      display.tick(1);
      display.finish({ "text/plain": "done" });
      display.tick(1);
      clock.advance(1000);
      assert.deepEqual(seen.slice(3).map((s) => s.status), ["result"]);
      assert.equal(clock.pending, 0);
    } finally {
      onDisplay = undefined;
    }
  });

  it("every bundle the API displayed validates against its kind's schema", () => {
    const proxyrmBundles = shown.filter((s) => Object.keys(s.bundle).some((k) => k.startsWith("application/vnd.proxyrm.")));
    assert.ok(proxyrmBundles.length > 20);
    for (const s of proxyrmBundles) checkBundle(s.bundle);
  });

  it("plotly is inlined once per process (in the first figure output); later figures reference window.Plotly", () => {
    const all = [...shown.map((s) => s.bundle["text/html"] as string | undefined), ...[...resultsA.values()].map((r) => proxyrm.toMimeBundle(r)["text/html"] as string)];
    const inlined = all.filter((h) => h?.includes(PLOTLY_MARK));
    assert.equal(inlined.length, 1);
    assert.ok(displaysA.get("sft")!.at(-1)!.bundle["text/html"]!.toString().includes(PLOTLY_MARK), "the first figure output carries it");
    const later = proxyrm.toMimeBundle(resultsA.get("eval")!)["text/html"] as string;
    assert.ok(later.includes("window.Plotly") && later.length < 200_000);
  });
});

describe("all() and fork()", () => {
  let fresh: string;
  before(async () => {
    fresh = path.join(tmp, "pipeline");
    await runPipeline({ config: tiny(), out: fresh });
  });

  it("run.all() on a fresh run writes the same bytes as runPipeline (and so do the stage calls)", async () => {
    const b = await proxyrm.open({ preset: "tiny", seed: SEED, out: path.join(tmp, "b") });
    try {
      const result = await b.all();
      checkBundle(proxyrm.toMimeBundle(result), "metrics");
      assert.equal(result.ran.at(-1), "report");
      assert.ok(fs.existsSync(path.join(tmp, "b", "report.html")));
    } finally {
      b.close();
    }
    for (const file of ["labels.arrow", "pairs.arrow", "prompts.arrow", "responses.arrow", "embeddings.arrow", "proxy_scores.arrow", "ledger.jsonl", "models/sft.ckpt"]) {
      assert.ok(bytes(fresh, file).equals(bytes(path.join(tmp, "b"), file)), `all(): ${file} differs from runPipeline's`);
      assert.ok(bytes(fresh, file).equals(bytes(path.join(tmp, "a"), file)), `stage calls: ${file} differs from runPipeline's`);
    }
  });

  it("fork() starts from the shared stages (same M1 bytes, world..embed done) and runs another strategy like a fresh run of it", async () => {
    const fork = await runA.fork({ strategy: "random" });
    try {
      const dir = path.join(tmp, `a-random-b${BUDGET}`);
      assert.equal(fork.dir, dir);
      assert.ok(bytes(dir, "models/sft.ckpt").equals(bytes(path.join(tmp, "a"), "models/sft.ckpt")));
      assert.deepEqual(Object.keys(manifestOf(dir).stages).sort(), ["embed", "generate", "sft", "world"]);
      const payload = checkBundle(proxyrm.toMimeBundle(fork), "run") as unknown as proxyrm.RunPayload;
      assert.equal(payload.forked_from, path.join(tmp, "a"));
      assert.equal(payload.next, "select");
      const selection = await fork.select();
      assert.deepEqual(selection.ran, ["select"], "the fork does not retrain or regenerate");
      assert.equal((selection.data as proxyrm.SelectionPayload).strategy, "random");
      await fork.all();
    } finally {
      fork.close();
    }
    const random = path.join(tmp, "random");
    await runPipeline({ config: tiny({ select: { strategy: "random" } }), out: random });
    for (const file of ["labels.arrow", "pairs.arrow", "responses.arrow", "proxy_scores.arrow", "ledger.jsonl"]) {
      assert.ok(bytes(random, file).equals(bytes(path.join(tmp, `a-random-b${BUDGET}`), file)), `fork: ${file} differs from a fresh random run's`);
    }
    assert.equal(manifestOf(path.join(tmp, "a")).config.select.strategy, "coreset-eft", "the parent is untouched");
  });

  it("a fork cannot change the shared stages' settings", async () => {
    await assert.rejects(runA.fork({ strategy: "random", out: path.join(tmp, "bad-fork"), config: { sft: { steps: 3 } } }), UserError);
  });
});

describe("interrupt, resume and escaping (a user pool with markup)", () => {
  // The built-in policy and rubric refuse prompts that are no built-in task (docs/endpoints.md),
  // so the pool file holds built-in prompts with markup in their task, and the markup prompts
  // are written into prompts.arrow once the world stage has run (what a run's data may hold).
  const hostile = [
    { prompt: "rev abcdefgh", task: "<b>bold-task</b>" },
    { prompt: "sort hgfedcba", task: "custom" },
  ];
  const markup: Record<string, string> = {
    "rev abcdefgh": '</script><script>alert("p")</script> reverse abc',
    "sort hgfedcba": "<img src=x onerror=alert(1)> sort cba",
  };
  let d: proxyrm.ProxyRun;
  const htmlOf: string[] = [];

  before(async () => {
    const file = path.join(tmp, "pool.jsonl");
    const plain = Array.from({ length: 10 }, (_, i) => ({ prompt: `rev gggh${"abcdefgh"[i % 8]}${"ab"[Math.floor(i / 8)]}` }));
    fs.writeFileSync(file, [...hostile, ...plain].map((r) => JSON.stringify(r)).join("\n"));
    d = await proxyrm.open({ preset: "tiny", seed: SEED, out: path.join(tmp, "d"), config: { prompts: file } });
  });
  after(() => d?.close());

  it("an AbortSignal fired once sft reports rejects with AbortedError, leaves the run resumable, and the same call completes", async () => {
    const controller = new AbortController();
    const from = shown.length;
    onDisplay = (bundle) => {
      const p = bundle[proxyrm.mimeType("progress")] as proxyrm.ProgressPayload | undefined;
      if (p?.current?.label === "sft") controller.abort();
    };
    try {
      await assert.rejects(d.sft({ signal: controller.signal }), AbortedError);
    } finally {
      onDisplay = undefined;
    }
    const last = checkBundle(shown.at(-1)!.bundle, "progress") as unknown as proxyrm.ProgressPayload;
    assert.equal(last.status, "interrupted");
    assert.match(last.message!, /run\.sft\(\) again/);
    assert.ok(shown.slice(from).every((s) => s.displayId === shown[from].displayId));
    assert.deepEqual(Object.keys(manifestOf(d.dir).stages), ["world"]);
    assert.ok(!fs.existsSync(path.join(d.dir, "models", "sft.ckpt")));
    const promptsFile = path.join(d.dir, "prompts.arrow");
    writePrompts(promptsFile, readPrompts(promptsFile).map((p) => ({ ...p, prompt: markup[p.prompt] ?? p.prompt })));

    const again = await d.sft();
    assert.deepEqual(again.ran, ["sft"]);
    assert.ok(fs.existsSync(path.join(d.dir, "models", "sft.ckpt")));
  });

  it("without a signal option a call takes the kernel's cell signal (currentSignal)", async () => {
    const key = Symbol.for("proxyrm.kernel.cellSignal");
    const controller = new AbortController();
    controller.abort();
    (globalThis as Record<symbol, unknown>)[key] = () => controller.signal;
    try {
      assert.equal(proxyrm.currentSignal(), controller.signal);
      await assert.rejects(d.generate(), AbortedError);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
    }
    assert.equal(proxyrm.currentSignal(), undefined);
    const generated = await d.generate();
    assert.deepEqual(generated.ran, ["generate"]);
    htmlOf.push(proxyrm.toMimeBundle(generated)["text/html"] as string);
  });

  it("text/html escapes every piece of run data (prompts, tasks, responses) in results and tables", async () => {
    for (const result of [await d.select(), await d.label(), await d.score(), await d.pairs()]) htmlOf.push(proxyrm.toMimeBundle(result)["text/html"] as string);
    for (const name of ["prompts", "responses", "pairs"]) htmlOf.push(proxyrm.toMimeBundle(d.table(name))["text/html"] as string);
    // The lab views' fallbacks too: the explorer's hover shows prompts.
    const explorer = proxyrm.toMimeBundle(await d.explore({ display: false }))["text/html"] as string;
    // Hover text is HTML-escaped, then sits in the figure's JSON script (where & is \u0026).
    assert.ok(explorer.includes("\\u0026lt;img src=x onerror=alert(1)\\u0026gt; sort cba"), "the explorer's hover shows the prompt, escaped");
    htmlOf.push(explorer, proxyrm.toMimeBundle(d.ledger())["text/html"] as string, proxyrm.toMimeBundle(d.curves())["text/html"] as string);
    const generated = htmlOf[0];
    assert.ok(generated.includes("&lt;/script&gt;&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt; reverse abc"), "the prompt shows, escaped");
    assert.ok(generated.includes("&lt;b&gt;bold-task&lt;/b&gt;"), "the task shows, escaped");
    for (const html of htmlOf) {
      assert.ok(!html.includes('<script>alert("p")'), "no raw script from data");
      assert.ok(!html.includes("<img src=x"), "no raw img from data");
      assert.ok(!html.includes("<b>bold-task"), "no raw markup from data");
      // Scripts in the output are only the API's own: figure data (JSON) and figure drawing.
      const scripts = html.match(/<script[^>]*>/g) ?? [];
      assert.ok(scripts.every((s) => s === "<script>" || /^<script type="application\/json" id="proxyrm-fig-[0-9a-f]+-\d+-data">$/.test(s)), scripts.join(" "));
      const closes = (html.match(/<\/script>/g) ?? []).length;
      assert.equal(closes, scripts.length, "every script element closes once: data never closes one early");
    }
  });
});

describe("tables", () => {
  it("run.table(name) gives danfo DataFrames with the run table's shape and columns", () => {
    const { DataFrame } = proxyrm.loadDanfo();
    const labels = runA.table("labels");
    assert.ok(labels instanceof DataFrame);
    assert.deepEqual(labels.shape, [BUDGET, 5]);
    assert.deepEqual(labels.columns, ["response_id", "score", "rationale", "oracle", "cost"]);
    const embeddings = runA.table("embeddings");
    assert.deepEqual(embeddings.shape, [2 * POOL, 2 + CONFIG.model.dModel]);
    assert.deepEqual(embeddings.columns.slice(0, 3), ["id", "view", "embedding_0"]);
    assert.equal(embeddings.columns.at(-1), `embedding_${CONFIG.model.dModel - 1}`);
    const pairs = runA.table("pairs");
    assert.deepEqual(pairs.columns, ["prompt", "chosen", "rejected", "margin"]);
    assert.equal(pairs.shape[0], (resultsA.get("pairs")!.data as proxyrm.PairsPayload).pairs);
    assert.deepEqual(runA.table("selection").columns, ["rank", "round", "response_id"]);
    const baseline = Math.floor(BUDGET / CONFIG.generate.k) * CONFIG.generate.k;
    // A pending record and the record closing it per call (docs/oracles.md).
    assert.deepEqual(runA.table("ledger").shape, [2 * (BUDGET + baseline), 10], "expert and baseline calls");
    assert.deepEqual(runA.table("ledger").columns, ["call", "status", "response_id", "oracle", "score", "rationale", "error", "cost", "reask", "tag"]);
    assert.ok(runA.tables().includes("proxy_scores"));
  });

  it("a result's frame() is its stage's table", () => {
    assert.deepEqual(resultsA.get("label")!.frame().shape, [BUDGET, 7]);
    assert.deepEqual(resultsA.get("score")!.frame().columns, ["response_id", "prompt", "response", "mean", "std", "expert_score"]);
    assert.deepEqual(resultsA.get("sft")!.frame().shape, [CONFIG.sft.steps, 2]);
    assert.equal(resultsA.get("eval")!.frame().shape[0], 1);
  });

  it("frames display as kind table (first rows, shape line), derived frames too", () => {
    const responses = runA.table("responses");
    const payload = checkBundle(proxyrm.toMimeBundle(responses), "table") as unknown as proxyrm.TablePayload;
    assert.equal(payload.name, "responses");
    assert.deepEqual(payload.shape, responses.shape);
    assert.equal(payload.rows.length, proxyrm.TABLE_ROWS);
    assert.equal(payload.truncated, true);
    assert.match(proxyrm.toMimeBundle(responses)["text/html"] as string, /responses: \d+ rows × 4 columns \(first 20 shown\)/);
    const derived = responses.head(3);
    const bundle = (derived as unknown as proxyrm.Displayable)[proxyrm.MIME_BUNDLE]();
    const p = checkBundle(bundle, "table") as unknown as proxyrm.TablePayload;
    assert.equal(p.name, null);
    assert.equal(p.rows.length, 3);
  });

  it("an unknown or not yet written table is a UserError that says what to do", async () => {
    assert.throws(() => runA.table("nope"), (err: Error) => err instanceof UserError && /no table "nope"/.test(err.message));
    const e = await proxyrm.open({ preset: "tiny", seed: SEED, out: path.join(tmp, "empty") });
    try {
      assert.throws(() => e.table("labels"), (err: Error) => err instanceof UserError && /run\.label\(\)/.test(err.message));
    } finally {
      e.close();
    }
  });
});

describe("schemas and docs", () => {
  it("every kind has a schema file and a docs/mime.md section whose schema equals it and whose example validates", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "mime.md"), "utf8");
    for (const kind of proxyrm.KINDS) {
      const schema = loadSchema(kind);
      const heading = `## \`${proxyrm.mimeType(kind)}\``;
      const start = doc.indexOf(heading);
      assert.ok(start >= 0, `docs/mime.md has no section ${heading}`);
      const section = doc.slice(start, doc.indexOf("\n## ", start + 1) < 0 ? undefined : doc.indexOf("\n## ", start + 1));
      const blocks = [...section.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]));
      assert.equal(blocks.length, 2, `${kind}: a schema block and an example block`);
      assert.deepEqual(blocks[0], schema, `${kind}: the documented schema is kernel-ext/schemas/${kind}.schema.json`);
      assert.deepEqual(validate(schema, blocks[1]), [], `${kind}: the documented example validates`);
    }
  });
});
