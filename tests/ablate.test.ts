/**
 * `proxyrm ablate` through the real bin on the tiny preset: the grid's files, sharing of the
 * per-seed stages (a cell gives the same artefacts as a standalone run), resuming a killed
 * sweep without recomputing finished cells, the summary's intervals, and bad grids refused
 * before anything is written.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { summarise, wholeRun, type AblationRow, type AnyAblationRow } from "../src/ablate/results";
import type { ProxyMetrics } from "../src/stages/evaluate-proxy";
import { readManifest } from "../src/store/manifest";
import { readPrompts } from "../src/store/arrow-tables";
import { snapshot } from "./helpers/tree";
import { build } from "./helpers/build";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");

function proxyrm(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
}

const GRID = ["ablate", "--preset", "tiny", "--strategies", "random,coreset-eft", "--budgets", "4", "--seeds", "2", "--seed", "101", "--jobs", "2"];

let tmp: string;
let sweep: string;

before(() => {
  const built = build();
  assert.equal(built.status, 0, built.output);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-ablate-"));
  sweep = path.join(tmp, "sweep");
  const r = proxyrm([...GRID, "--out", sweep], tmp);
  assert.equal(r.status, 0, r.stderr);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cellDirIn = (dir: string, strategy: string, budget: number, seed: number) => path.join(dir, "cells", `${strategy}-b${budget}-s${seed}`);
const cellDir = (strategy: string, seed: number) => cellDirIn(sweep, strategy, 4, seed);
const poolTasks = (seed: number) => new Set(readPrompts(path.join(cellDir("random", seed), "prompts.arrow")).filter((p) => p.split === "pool").map((p) => p.task)).size;

describe("proxyrm ablate", () => {
  it("writes ablation.json (one row per cell, with metrics) and ablation.html with a figure per metric", () => {
    const rows = JSON.parse(fs.readFileSync(path.join(sweep, "ablation.json"), "utf8")) as AblationRow[];
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => `${r.strategy}/${r.budget}/${r.seed}`).sort(), ["coreset-eft/4/101", "coreset-eft/4/102", "random/4/101", "random/4/102"]);
    for (const r of rows) assert.equal(typeof wholeRun(r.metrics)?.gold_win_rate, "number");
    // What the sweep held fixed travels with each row: preset and the task families in the pool.
    for (const r of rows) assert.deepEqual(r.setting, { preset: "tiny", task_families: poolTasks(r.seed) });
    const page = fs.readFileSync(path.join(sweep, "ablation.html"), "utf8");
    assert.match(page, /id="fig-ablation-gold_win_rate"/);
    assert.match(page, /id="fig-ablation-proxy_spearman"/);
  });

  it("cells of a seed share its world, SFT model, generations and embeddings", () => {
    for (const seed of [101, 102]) {
      const a = cellDir("random", seed);
      const b = cellDir("coreset-eft", seed);
      for (const f of ["prompts.arrow", "embeddings.arrow", "models/sft.ckpt"]) {
        assert.deepEqual(fs.readFileSync(path.join(a, f)), fs.readFileSync(path.join(b, f)), f);
      }
      const m = readManifest(a)!;
      for (const s of ["world", "sft", "generate", "embed"]) assert.ok(m.stages[s], s);
    }
    assert.notDeepEqual(fs.readFileSync(path.join(cellDir("random", 101), "prompts.arrow")), fs.readFileSync(path.join(cellDir("random", 102), "prompts.arrow")));
  });

  it("a cell gives the same artefacts as the same run made standalone", () => {
    const alone = path.join(tmp, "alone");
    const r = proxyrm(["run", "--preset", "tiny", "--seed", "101", "--strategy", "coreset-eft", "--budget", "4", "--out", alone], tmp);
    assert.equal(r.status, 0, r.stderr);
    for (const f of ["labels.arrow", "pairs.arrow", "proxy_scores.arrow", "responses.arrow"]) {
      assert.deepEqual(fs.readFileSync(path.join(alone, f)), fs.readFileSync(path.join(cellDir("coreset-eft", 101), f)), f);
    }
  });

  it("a rerun recomputes nothing; a killed sweep reruns only its unfinished cells", () => {
    const before = snapshot(path.join(sweep, "cells"));
    let r = proxyrm([...GRID, "--out", sweep], tmp);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshot(path.join(sweep, "cells")), before);

    // A sweep killed during one cell's eval: that cell's manifest lacks its last stages.
    const victim = cellDir("random", 102);
    const m = readManifest(victim)!;
    delete m.stages.eval;
    delete m.stages.report;
    fs.writeFileSync(path.join(victim, "manifest.json"), JSON.stringify(m));
    fs.rmSync(path.join(victim, "metrics.json"));
    const untouched = snapshot(cellDir("coreset-eft", 101));
    r = proxyrm([...GRID, "--out", sweep], tmp);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /3 done earlier/);
    assert.ok(fs.existsSync(path.join(victim, "metrics.json")));
    assert.deepEqual(snapshot(cellDir("coreset-eft", 101)), untouched);
  });

  it("a sweep resumed with a budget added keeps its shared stages and finished cells and runs only the new cells", () => {
    const grown = path.join(tmp, "grown");
    fs.cpSync(sweep, grown, { recursive: true });
    // The stages' artefacts (bytes and mtimes); config.json is rewritten with the same bytes and run.log notes the resume.
    const artefacts = (dir: string) => Object.fromEntries(Object.entries(snapshot(dir)).filter(([f]) => !/(config\.json|run\.log)$/.test(f)));
    const shared = artefacts(path.join(grown, "shared"));
    const finished = snapshot(cellDirIn(grown, "random", 4, 101));
    // The first cell of the grown plan is budget 2, not the budget 4 the shared stages were made with.
    const r = proxyrm([...GRID.map((a) => (a === "4" ? "2,4" : a)), "--out", grown], tmp);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /8 cells \(4 done earlier\)/);
    assert.deepEqual(artefacts(path.join(grown, "shared")), shared, "the shared stages were rerun or rewritten");
    assert.deepEqual(snapshot(cellDirIn(grown, "random", 4, 101)), finished);
    const rows = JSON.parse(fs.readFileSync(path.join(grown, "ablation.json"), "utf8")) as AblationRow[];
    assert.deepEqual([...new Set(rows.map((row) => row.budget))].sort(), [2, 4]);
    // A new cell at budget 2 starts from the same shared stages as the old ones.
    assert.deepEqual(fs.readFileSync(path.join(cellDirIn(grown, "coreset-eft", 2, 102), "models", "sft.ckpt")), fs.readFileSync(path.join(cellDirIn(grown, "coreset-eft", 4, 102), "models", "sft.ckpt")));
  });

  it("--proxy-only stops each cell after the proxy, with the same proxy metrics as the whole run", () => {
    const proxySweep = path.join(tmp, "proxy-sweep");
    const r = proxyrm([...GRID, "--proxy-only", "--out", proxySweep], tmp);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(fs.readFileSync(path.join(proxySweep, "ablation.json"), "utf8")) as AnyAblationRow[];
    const whole = JSON.parse(fs.readFileSync(path.join(sweep, "ablation.json"), "utf8")) as AblationRow[];
    assert.equal(rows.length, 4);
    for (const row of rows) {
      const m = row.metrics as ProxyMetrics;
      assert.equal(m.proxy_only, true);
      assert.deepEqual(row.setting, { preset: "tiny", proxy_only: true, task_families: poolTasks(row.seed) });
      const dir = path.join(proxySweep, "cells", `${row.strategy}-b4-s${row.seed}`);
      for (const f of ["metrics.json", "pairs.arrow", "proxy_scores.arrow", "report.html", "models/dpo.ckpt", "models/expert_only.ckpt"]) {
        assert.ok(!fs.existsSync(path.join(dir, f)), `a proxy-only cell wrote ${f}`);
      }
      // Proxy quality does not depend on what would have come after it.
      const full = whole.find((w) => w.strategy === row.strategy && w.seed === row.seed)!.metrics;
      for (const k of ["expert_queries", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "offpolicy_proxy_spearman", "offpolicy_proxy_pair_accuracy", "offpolicy_proxy_ece"] as const) {
        assert.equal(m[k], full[k], `${row.strategy} s${row.seed} ${k}`);
      }
      assert.deepEqual(m.histograms, full.histograms);
    }
    assert.ok(summarise(rows).some((s) => s.metric === "proxy_spearman"));
    assert.ok(!summarise(rows).some((s) => s.metric === "gold_win_rate"), "a proxy-only sweep has no win rate");
    assert.match(fs.readFileSync(path.join(proxySweep, "ablation.html"), "utf8"), /id="fig-ablation-proxy_spearman"/);
  });

  it("refuses bad grids with one line and exit 2, writing nothing", () => {
    const cases: [string[], RegExp][] = [
      [["--strategies", "random,nope", "--budgets", "4"], /nope/],
      [["--strategies", "random,random", "--budgets", "4"], /twice/],
      [["--strategies", "random", "--budgets", "4,4"], /twice/],
      [["--strategies", "random", "--budgets", "4,abc"], /--budgets/],
      [["--strategies", "random", "--budgets", "1000"], /--budget/],
      [["--strategies", "random", "--budgets", "4", "--seeds", "0"], /--seeds/],
      [["--strategies", "random", "--budgets", "4", "--vary", "world.misrank"], /--vary/],
      [["--strategies", "random", "--budgets", "4", "--vary", "world.misrank=0,abc"], /world\.misrank/],
      [["--strategies", "random", "--budgets", "4", "--select-space", "nope"], /--select-space/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(tmp, "bad");
      const r = proxyrm(["ablate", "--preset", "tiny", ...args, "--out", out], tmp);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^proxyrm: /);
      assert.match(lines[0], message);
      assert.ok(!fs.existsSync(out), `${args.join(" ")} left ${out}`);
    }
  });
});

describe("ablation summary", () => {
  it("gives the mean and the 95% Student-t half-width over seeds per strategy and budget", () => {
    const row = (strategy: string, seed: number, win: number) =>
      ({ strategy, budget: 10, seed, metrics: { gold_win_rate: win, gold_mean_dpo: 1, gold_mean_sft: 0, histograms: { onpolicy_labels: [1, 1, 1, 1, 1, 1] } } }) as unknown as AblationRow;
    const s = summarise([row("a", 1, 0.5), row("a", 2, 0.6), row("a", 3, 0.7), row("b", 1, 0.4)]);
    const a = s.find((x) => x.metric === "gold_win_rate" && x.strategy === "a")!;
    assert.ok(Math.abs(a.mean - 0.6) < 1e-12);
    assert.ok(Math.abs(a.halfWidth - (4.302652729911275 * 0.1) / Math.sqrt(3)) < 1e-9); // scipy.stats.t.ppf(0.975, 2)
    const b = s.find((x) => x.metric === "gold_win_rate" && x.strategy === "b")!;
    assert.equal(b.n, 1);
    assert.ok(Number.isNaN(b.halfWidth));
    const balance = s.find((x) => x.metric === "label_balance" && x.strategy === "a")!;
    assert.ok(Math.abs(balance.mean - Math.log(6)) < 1e-12);
  });
});
