/**
 * runPipeline end to end on the tiny preset: the run directory contract (shared/DESIGN.md "Run
 * directory contract", "metrics.json contract", "Definitions"), byte-identical reruns for a
 * seed, a finished run that changes nothing, a config mismatch that writes nothing, resume
 * after a crash or a kill without paying twice, and abort. One finished run is made in
 * `before`; tests that mutate a run work on copies of it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AbortedError, UserError } from "../src/errors";
import { resolveConfig, runPipeline, STAGES, type RunResult } from "../src/pipeline";
import type { Progress } from "../src/progress";
import { readLabels, readPairs, readPrompts, readProxyScores, readResponses } from "../src/store/arrow-tables";
import { readEmbeddings } from "../src/store/embeddings";
import type { LabelRow, PromptRow, ResponseRow } from "../src/types";
import { ledgerRecords, paidCalls, type LedgerRecord, type ScoredRecord } from "../src/oracle/ledger";
import { listTree, snapshot } from "./helpers/tree";

const SEED = 3;
/** Passed to the finished run although the rubric oracle needs none: it must not be written anywhere. */
const API_KEY = "sk-test-PIPELINE-0123456789abcdef";

const tiny = (seed = SEED, flags: Parameters<typeof resolveConfig>[2] = {}) => resolveConfig("tiny", undefined, { seed, ...flags });

let tmp: string;
/** The finished run every test reads (never mutated) and its result. */
let finished: string;
let finishedResult: RunResult;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-pipeline-"));
  finished = path.join(tmp, "finished");
  finishedResult = await runPipeline({ config: tiny(), out: finished, judgeApiKey: API_KEY });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------- helpers

/** A copy of the finished run to mutate. */
function copyOfFinished(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(finished, dir, { recursive: true });
  return dir;
}

const bytes = (dir: string, name: string) => fs.readFileSync(path.join(dir, name));
const arrowFiles = (dir: string) => listTree(dir).filter((n) => n.endsWith(".arrow")).sort();

/** The records that close a call with a score: one per label paid for. */
type LedgerLine = ScoredRecord;

function ledgerLines(dir: string): LedgerLine[] {
  return ledgerRecords(path.join(dir, "ledger.jsonl")).filter((r): r is ScoredRecord => r.status === "scored");
}

/** Any ledger field whose value is "baseline" tags the line (DESIGN.md "Definitions"). */
const isBaseline = (l: LedgerRecord) => Object.values(l).includes("baseline");
const paidLines = (dir: string) => ledgerLines(dir).filter((l) => !isBaseline(l));

function readManifestJson(dir: string): { proxyrm: string; seed: number; backend: string; versions: Record<string, string>; config: unknown; stages: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
}

/** Simulates a crash before `stage` finished: the manifest forgets it and every later stage. */
function forgetStagesFrom(dir: string, stage: string): string[] {
  const names = STAGES.map((s) => s.name);
  const from = names.indexOf(stage);
  assert.ok(from >= 0, `no stage ${stage}`);
  const manifest = readManifestJson(dir);
  for (const name of names.slice(from)) delete manifest.stages[name];
  fs.writeFileSync(path.join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return names.slice(from);
}

const tempLeftovers = (dir: string) => listTree(dir).filter((n) => /\.tmp-/.test(path.basename(n)));

const METRICS_KEYS = [
  "expert_queries",
  "pairs",
  "gold_win_rate",
  "gold_mean_sft",
  "gold_mean_dpo",
  "proxy_spearman",
  "proxy_pair_accuracy",
  "proxy_ece",
  "offpolicy_proxy_spearman",
  "offpolicy_proxy_pair_accuracy",
  "offpolicy_proxy_ece",
  "retention_sft",
  "retention_dpo",
  "expert_only_gold_win_rate",
  "seconds",
  "backend",
];

// ---------------------------------------------------------------- the contract

describe("a finished tiny run", () => {
  const config = tiny();
  let prompts: PromptRow[];
  let responses: ResponseRow[];
  let pool: ResponseRow[];
  let labels: LabelRow[];

  before(() => {
    prompts = readPrompts(path.join(finished, "prompts.arrow"));
    responses = readResponses(path.join(finished, "responses.arrow"));
    pool = responses.filter((r) => r.source === "policy");
    labels = readLabels(path.join(finished, "labels.arrow"));
  });

  it("has every file of the run directory contract and no temp file", () => {
    const names = listTree(finished);
    for (const name of [
      "manifest.json",
      "prompts.arrow",
      "responses.arrow",
      "embeddings.arrow",
      "labels.arrow",
      "baseline_labels.arrow",
      "proxy_scores.arrow",
      "pairs.arrow",
      "metrics.json",
      "ledger.jsonl",
      "report.html",
    ]) {
      assert.ok(names.includes(name), `${name} missing (have ${names.join(", ")})`);
    }
    const checkpoints = names.filter((n) => /^models\/.+\.ckpt$/.test(n));
    for (const model of ["sft", "dpo"]) assert.ok(checkpoints.includes(`models/${model}.ckpt`), `models/${model}.ckpt missing`);
    assert.deepEqual(tempLeftovers(finished), []);
    assert.match(fs.readFileSync(path.join(finished, "report.html"), "utf8").slice(0, 500).toLowerCase(), /<!doctype html>|<html/);
  });

  it("prompts.arrow: the three splits, sized by the preset, with disjoint prompt texts", () => {
    const bySplit = (s: string) => prompts.filter((p) => p.split === s);
    assert.deepEqual([...new Set(prompts.map((p) => p.split))].sort(), ["heldout", "pool", "seed"]);
    assert.equal(bySplit("pool").length, config.world.poolPrompts);
    assert.equal(bySplit("heldout").length, config.world.heldoutPrompts);
    assert.equal(new Set(prompts.map((p) => p.prompt_id)).size, prompts.length, "prompt_id not unique");
    const texts = (s: string) => new Set(bySplit(s).map((p) => p.prompt));
    const [seed, poolTexts, held] = [texts("seed"), texts("pool"), texts("heldout")];
    for (const t of poolTexts) assert.ok(!seed.has(t) && !held.has(t), `pool prompt ${JSON.stringify(t)} also in seed/heldout`);
    for (const t of held) assert.ok(!seed.has(t), `held-out prompt ${JSON.stringify(t)} also in seed`);
  });

  it("responses.arrow: seed, k policy samples per pool and held-out prompt, and eval samples", () => {
    const sources = new Set(responses.map((r) => r.source));
    for (const s of ["seed", "policy", "policy-heldout", "eval-sft", "eval-dpo"]) assert.ok(sources.has(s as ResponseRow["source"]), `no ${s} rows`);
    assert.equal(new Set(responses.map((r) => r.response_id)).size, responses.length, "response_id not unique");
    const ids = new Map(prompts.map((p) => [p.prompt_id, p.split]));
    for (const r of responses) assert.ok(ids.has(r.prompt_id), `${r.response_id}: unknown prompt_id ${r.prompt_id}`);
    const k = config.generate.k;
    assert.equal(pool.length, config.world.poolPrompts * k);
    assert.ok(pool.every((r) => ids.get(r.prompt_id) === "pool"), "a policy response is not on a pool prompt");
    const held = responses.filter((r) => r.source === "policy-heldout");
    assert.equal(held.length, config.world.heldoutPrompts * k);
    assert.ok(held.every((r) => ids.get(r.prompt_id) === "heldout"));
    for (const s of ["eval-sft", "eval-dpo"]) {
      const rows = responses.filter((r) => r.source === s);
      assert.equal(rows.length, config.world.heldoutPrompts * config.eval.samplesPerPrompt, s);
      assert.ok(rows.every((r) => ids.get(r.prompt_id) === "heldout"), `${s} row not on a held-out prompt`);
    }
  });

  it("embeddings.arrow: pool response ids in both views; the IFT view repeats its prompt's vector", () => {
    const file = path.join(finished, "embeddings.arrow");
    const poolIds = pool.map((r) => r.response_id);
    const all = readEmbeddings(file);
    assert.equal(all.ids.length, 2 * pool.length);
    const ift = readEmbeddings(file, { view: "ift" });
    const eft = readEmbeddings(file, { view: "eft" });
    assert.deepEqual([...ift.ids].sort(), [...poolIds].sort());
    assert.deepEqual([...eft.ids].sort(), [...poolIds].sort());
    assert.equal(ift.dim, config.model.dModel);
    const promptOf = new Map(pool.map((r) => [r.response_id, r.prompt_id]));
    const firstRow = new Map<string, number[]>();
    ift.ids.forEach((id, i) => {
      const vec = Array.from(ift.data.subarray(i * ift.dim, (i + 1) * ift.dim));
      const seen = firstRow.get(promptOf.get(id)!);
      if (seen) assert.deepEqual(vec, seen, `IFT row of ${id} differs from its prompt's other response`);
      else firstRow.set(promptOf.get(id)!, vec);
    });
    // The EFT view sees the response too: two different responses to a prompt get different vectors.
    const eftDistinct = new Set(eft.ids.map((_, i) => Array.from(eft.data.subarray(i * eft.dim, (i + 1) * eft.dim)).join(",")));
    assert.ok(eftDistinct.size > firstRow.size, "EFT view carries no more information than the IFT view");
  });

  it("labels.arrow: budget distinct pool responses, 0..5 from the rubric, rationale ends with its score", () => {
    assert.equal(labels.length, config.select.budget);
    const poolIds = new Set(pool.map((r) => r.response_id));
    assert.equal(new Set(labels.map((l) => l.response_id)).size, labels.length, "a response labelled twice");
    for (const l of labels) {
      assert.ok(poolIds.has(l.response_id), `${l.response_id} is not a pool response`);
      assert.ok(Number.isInteger(l.score) && l.score >= 0 && l.score <= 5, `score ${l.score}`);
      assert.equal(l.oracle, "rubric");
      assert.ok(l.cost >= 0);
      assert.match(l.rationale, new RegExp(`Score: ${l.score}$`));
    }
  });

  it("baseline_labels.arrow: floor(B/k) whole prompts, all k responses, none counted as expert queries", () => {
    const base = readLabels(path.join(finished, "baseline_labels.arrow"));
    const k = config.generate.k;
    assert.equal(base.length, Math.floor(config.select.budget / k) * k);
    const promptOf = new Map(pool.map((r) => [r.response_id, r.prompt_id]));
    const perPrompt = new Map<string, number>();
    for (const l of base) {
      assert.ok(promptOf.has(l.response_id), `${l.response_id} is not a pool response`);
      perPrompt.set(promptOf.get(l.response_id)!, (perPrompt.get(promptOf.get(l.response_id)!) ?? 0) + 1);
    }
    assert.ok([...perPrompt.values()].every((n) => n === k), `not all k responses of each chosen prompt: ${JSON.stringify([...perPrompt])}`);
  });

  it("proxy_scores.arrow: one row per pool response, finite mean, std >= 0", () => {
    const scores = readProxyScores(path.join(finished, "proxy_scores.arrow"));
    assert.equal(scores.length, pool.length);
    assert.deepEqual(scores.map((s) => s.response_id).sort(), pool.map((r) => r.response_id).sort());
    for (const s of scores) {
      assert.ok(Number.isFinite(s.mean), `${s.response_id}: mean ${s.mean}`);
      assert.ok(Number.isFinite(s.std) && s.std >= 0, `${s.response_id}: std ${s.std}`);
    }
  });

  it("pairs.arrow: at most one pair per pool prompt, chosen != rejected, margin > 0", () => {
    const pairs = readPairs(path.join(finished, "pairs.arrow"));
    assert.ok(pairs.length > 0, "no pairs");
    const poolPrompts = new Set(prompts.filter((p) => p.split === "pool").map((p) => p.prompt));
    assert.equal(new Set(pairs.map((p) => p.prompt)).size, pairs.length, "two pairs for one prompt");
    const poolTexts = new Map<string, Set<string>>();
    const text = new Map(prompts.map((p) => [p.prompt_id, p.prompt]));
    for (const r of pool) {
      const t = text.get(r.prompt_id)!;
      poolTexts.set(t, (poolTexts.get(t) ?? new Set()).add(r.text));
    }
    for (const p of pairs) {
      assert.ok(poolPrompts.has(p.prompt), `pair prompt ${JSON.stringify(p.prompt)} is not a pool prompt`);
      assert.notEqual(p.chosen, p.rejected);
      assert.ok(p.margin > 0, `margin ${p.margin}`);
      assert.ok(poolTexts.get(p.prompt)!.has(p.chosen) && poolTexts.get(p.prompt)!.has(p.rejected), "pair text is not one of the prompt's responses");
    }
  });

  it("metrics.json: every contract key; expert_queries == labels == budget; pairs == pairs.arrow rows", () => {
    const metrics = JSON.parse(fs.readFileSync(path.join(finished, "metrics.json"), "utf8")) as Record<string, unknown>;
    for (const key of METRICS_KEYS) assert.ok(key in metrics, `metrics.json lacks ${key}`);
    assert.equal(metrics.expert_queries, labels.length);
    assert.equal(metrics.expert_queries, config.select.budget);
    assert.equal(metrics.pairs, readPairs(path.join(finished, "pairs.arrow")).length);
    assert.equal(metrics.backend, finishedResult.backend);
    assert.deepEqual(finishedResult.metrics, metrics);
    for (const key of METRICS_KEYS.filter((k) => k !== "backend")) {
      // Baselines are on with the built-in expert, so nothing may be null here.
      assert.ok(typeof metrics[key] === "number" && Number.isFinite(metrics[key]), `${key} = ${JSON.stringify(metrics[key])}`);
    }
    for (const key of ["gold_win_rate", "expert_only_gold_win_rate", "proxy_pair_accuracy", "proxy_ece", "retention_sft", "retention_dpo"]) {
      const v = metrics[key] as number;
      assert.ok(v >= 0 && v <= 1, `${key} = ${v} outside [0, 1]`);
    }
  });

  it("ledger.jsonl: untagged paid calls == expert_queries; baseline-tagged calls exist and are not counted", () => {
    const lines = ledgerLines(finished);
    const paid = lines.filter((l) => !isBaseline(l));
    const baseline = lines.filter(isBaseline);
    assert.equal(paid.length, finishedResult.metrics!.expert_queries);
    assert.equal(paidCalls(finished), finishedResult.metrics!.expert_queries);
    // Every call is a pending record and the record closing it, nothing else on a clean run.
    const records = ledgerRecords(path.join(finished, "ledger.jsonl"));
    assert.equal(records.length, 2 * lines.length);
    assert.deepEqual(records.filter((r) => r.status === "pending").map((r) => `${r.tag ?? ""}${r.call}`), lines.map((r) => `${r.tag ?? ""}${r.call}`));
    assert.deepEqual(paid.map((l) => l.response_id).sort(), labels.map((l) => l.response_id).sort());
    assert.equal(new Set(paid.map((l) => l.key)).size, paid.length, "an item paid twice");
    assert.ok(baseline.length > 0, "no baseline-tagged ledger lines");
    // A baseline label is a baseline-tagged call, or one already paid (any tag) and taken from the journal.
    const baselineIds = readLabels(path.join(finished, "baseline_labels.arrow")).map((l) => l.response_id);
    const paidIds = new Set(paid.map((l) => l.response_id));
    assert.ok(baseline.every((l) => baselineIds.includes(l.response_id)), "a baseline line for a response not in baseline_labels.arrow");
    assert.ok(baselineIds.every((id) => paidIds.has(id) || baseline.some((l) => l.response_id === id)), "a baseline label nobody paid for");
    assert.equal(new Set(baseline.map((l) => l.key)).size, baseline.length, "a baseline item paid twice");
  });

  it("manifest.json: seed, backend, versions, the resolved config, every stage; no key material anywhere", () => {
    const manifest = readManifestJson(finished);
    assert.equal(manifest.seed, SEED);
    assert.equal(manifest.backend, finishedResult.backend);
    assert.equal(typeof manifest.versions, "object");
    assert.equal(manifest.versions.node, process.versions.node);
    // The package has a public entry (src/index.ts), so its version is found, not "absent".
    assert.equal(manifest.proxyrm, (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "src", "package.json"), "utf8")) as { version: string }).version);
    assert.deepEqual(manifest.config, JSON.parse(JSON.stringify(config)));
    for (const s of STAGES) assert.ok(manifest.stages[s.name], `stage ${s.name} not recorded`);
    // judgeApiKey was handed to runPipeline: neither it nor anything key-shaped is stored.
    const manifestText = fs.readFileSync(path.join(finished, "manifest.json"), "utf8");
    assert.doesNotMatch(manifestText, /sk-[A-Za-z0-9_-]{8,}/);
    assert.doesNotMatch(manifestText, /api_?key|secret|authorization|bearer/i);
    for (const name of listTree(finished).filter((n) => !n.endsWith("/"))) {
      assert.ok(!bytes(finished, name).includes(API_KEY), `${name} contains the API key`);
    }
  });
});

// ---------------------------------------------------------------- reproducibility

describe("reproducibility", () => {
  it("the same seed in another directory gives byte-identical .arrow files and metrics except seconds", async () => {
    const again = path.join(tmp, "same-seed");
    const result = await runPipeline({ config: tiny(), out: again });
    const names = arrowFiles(finished);
    assert.deepEqual(arrowFiles(again), names);
    for (const name of names) assert.ok(bytes(again, name).equals(bytes(finished, name)), `${name} differs between two runs of seed ${SEED}`);
    const strip = (m: object) => ({ ...m, seconds: undefined });
    assert.deepEqual(strip(result.metrics!), strip(finishedResult.metrics!));
    const onDisk = JSON.parse(fs.readFileSync(path.join(again, "metrics.json"), "utf8"));
    assert.deepEqual(strip(onDisk), strip(JSON.parse(fs.readFileSync(path.join(finished, "metrics.json"), "utf8"))));
  });

  it("another seed gives other labels", async () => {
    const other = path.join(tmp, "other-seed");
    await runPipeline({ config: tiny(SEED + 1), out: other });
    assert.ok(!bytes(other, "labels.arrow").equals(bytes(finished, "labels.arrow")), "labels.arrow identical for seeds 3 and 4");
    assert.ok(!bytes(other, "prompts.arrow").equals(bytes(finished, "prompts.arrow")), "prompts.arrow identical for seeds 3 and 4");
  });
});

// ---------------------------------------------------------------- the task-uniform held-out split

describe("a tiny proxy-only run with a task-uniform held-out split (world.heldoutUniformPrompts)", () => {
  const UNIFORM = 18; // 2 per classic family
  let dir: string;
  before(async () => {
    dir = path.join(tmp, "uniform");
    await runPipeline({ config: tiny(SEED, { proxyOnly: true, world: { heldoutUniformPrompts: UNIFORM } }), out: dir });
  });

  it("prompts.arrow: the split heldout-uniform, 2 prompts per family; the other splits as in a run without it", () => {
    const prompts = readPrompts(path.join(dir, "prompts.arrow"));
    const uniform = prompts.filter((p) => p.split === "heldout-uniform");
    assert.equal(uniform.length, UNIFORM);
    const perFamily = new Map<string, number>();
    for (const p of uniform) perFamily.set(p.task, (perFamily.get(p.task) ?? 0) + 1);
    assert.deepEqual([...new Set(perFamily.values())], [2]);
    assert.equal(perFamily.size, 9);
    assert.deepEqual(prompts.filter((p) => p.split !== "heldout-uniform"), readPrompts(path.join(finished, "prompts.arrow")));
  });

  it("responses.arrow: k M1 samples per uniform prompt; the pool's and held-out's samples are the same bytes as without it", () => {
    const responses = readResponses(path.join(dir, "responses.arrow"));
    const uniform = responses.filter((r) => r.source === "policy-heldout-uniform");
    assert.equal(uniform.length, UNIFORM * tiny().generate.k);
    assert.ok(uniform.every((r) => r.prompt_id.startsWith("heldout-uniform-")));
    const shared = (rows: ResponseRow[]) => rows.filter((r) => ["seed", "seed-eft", "policy", "policy-heldout"].includes(r.source));
    assert.deepEqual(shared(responses), shared(readResponses(path.join(finished, "responses.arrow"))));
  });

  it("proxy_metrics.json: the uniform split's agreement for the proxy and the off-policy evaluator; the pooled metrics unchanged", () => {
    const m = JSON.parse(fs.readFileSync(path.join(dir, "proxy_metrics.json"), "utf8")) as Record<string, unknown>;
    for (const key of ["uniform_heldout_pair_accuracy", "uniform_heldout_spearman", "offpolicy_uniform_heldout_pair_accuracy", "offpolicy_uniform_heldout_spearman"]) {
      assert.ok(key in m, `proxy_metrics.json lacks ${key}`);
      const v = m[key];
      assert.ok(v === null || (typeof v === "number" && v >= -1 && v <= 1), `${key} = ${JSON.stringify(v)}`);
    }
    assert.equal(m.uniform_heldout_prompts, UNIFORM);
    assert.equal(m.uniform_heldout_families, 9);
    const whole = finishedResult.metrics!;
    assert.equal(m.proxy_pair_accuracy, whole.proxy_pair_accuracy);
    assert.equal(m.proxy_spearman, whole.proxy_spearman);
    // A run without the split has none of its keys (its metrics.json keeps its bytes).
    assert.ok(!("uniform_heldout_pair_accuracy" in whole));
  });
});

describe("M1's likelihood pair accuracy split by the misranking knob", () => {
  it("misrank 0: no misranked part, the other part is the pooled value", () => {
    const m = finishedResult.metrics!;
    assert.equal(m.policy_pair_accuracy_misranked, null);
    assert.equal(m.policy_pair_accuracy_other, m.policy_pair_accuracy);
  });

  it("misrank 0.5: both parts, and the pooled value lies between them (pairs never cross families)", async () => {
    const dir = path.join(tmp, "misranked");
    // 40 held-out prompts, so both parts have pairs to rank.
    await runPipeline({ config: tiny(SEED, { proxyOnly: true, world: { misrank: 0.5, heldoutPrompts: 40 } }), out: dir });
    const m = JSON.parse(fs.readFileSync(path.join(dir, "proxy_metrics.json"), "utf8")) as Record<string, number | null>;
    const parts = [m.policy_pair_accuracy_misranked, m.policy_pair_accuracy_other];
    assert.ok(parts.every((x) => typeof x === "number"), JSON.stringify(parts));
    assert.notEqual(parts[0], parts[1], "the two parts are the same value: the split is not by family");
    const pooled = m.policy_pair_accuracy!;
    assert.ok(pooled >= Math.min(...(parts as number[])) - 1e-6 && pooled <= Math.max(...(parts as number[])) + 1e-6, `pooled ${pooled} outside ${parts}`);
  });
});

// ---------------------------------------------------------------- reruns

describe("rerunning a run directory", () => {
  it("a finished run: no file's bytes or mtime change, no ledger line, nothing ran", async () => {
    const dir = copyOfFinished("rerun-finished");
    const before = snapshot(dir);
    const ledger = fs.readFileSync(path.join(dir, "ledger.jsonl"));
    const result = await runPipeline({ config: tiny(), out: dir });
    assert.deepEqual(result.ran, []);
    assert.deepEqual(snapshot(dir), before);
    assert.ok(fs.readFileSync(path.join(dir, "ledger.jsonl")).equals(ledger));
    assert.deepEqual(result.metrics, finishedResult.metrics);
  });

  it("another config in the same directory is a UserError naming the dir and the field; nothing is written", async () => {
    const dir = copyOfFinished("rerun-other-config");
    const before = snapshot(dir);
    await assert.rejects(runPipeline({ config: tiny(SEED, { select: { budget: 5 } }), out: dir }), (err: Error) => {
      assert.ok(err instanceof UserError, `not a UserError: ${err.stack}`);
      assert.ok(err.message.includes(dir), `message does not name ${dir}: ${err.message}`);
      assert.match(err.message, /select\.budget/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
    assert.deepEqual(snapshot(dir), before);
  });

  it(
    "a finished run whose --prompts file changed since is refused, naming the file; nothing is written",
    async () => {
      const file = path.join(tmp, "own-prompts.jsonl");
      const dir = path.join(tmp, "own-prompts");
      const prompts = Array.from({ length: 6 }, (_, i) => JSON.stringify({ prompt: `sort ${"abcdef"[i]}hgfhg` }));
      fs.writeFileSync(file, `${prompts.join("\n")}\n`);
      const config = tiny(SEED, { prompts: file });
      await runPipeline({ config, out: dir });
      fs.appendFileSync(file, `${JSON.stringify({ prompt: "sort ghhgfa" })}\n`);
      const before = snapshot(dir);
      await assert.rejects(runPipeline({ config, out: dir }), (err: Error) => {
        assert.ok(err instanceof UserError, `not a UserError: ${err.stack}`);
        assert.ok(err.message.includes(file), `message does not name ${file}: ${err.message}`);
        return true;
      });
      assert.deepEqual(snapshot(dir), before);
    },
  );

  it("an unfinished run with another config is refused too, before any stage runs", async () => {
    const dir = copyOfFinished("rerun-other-config-unfinished");
    forgetStagesFrom(dir, "label");
    const before = snapshot(dir);
    await assert.rejects(runPipeline({ config: tiny(SEED, { select: { strategy: "random" } }), out: dir }), (err: Error) => {
      assert.ok(err instanceof UserError, `not a UserError: ${err.stack}`);
      assert.match(err.message, /select\.strategy/);
      return true;
    });
    assert.deepEqual(snapshot(dir), before);
  });
});

// ---------------------------------------------------------------- crash, kill and abort

describe("resuming", () => {
  let resumed: string;

  it("after a crash past labelling: labels come from the journal, nothing is paid again", async () => {
    resumed = copyOfFinished("crash-after-label");
    const forgotten = forgetStagesFrom(resumed, "label");
    fs.rmSync(path.join(resumed, "labels.arrow"));
    const ledger = fs.readFileSync(path.join(resumed, "ledger.jsonl"));
    const result = await runPipeline({ config: tiny(), out: resumed });
    assert.deepEqual(result.ran, forgotten);
    // Not one new line, paid or baseline: every label was in the journal.
    assert.ok(fs.readFileSync(path.join(resumed, "ledger.jsonl")).equals(ledger), "ledger.jsonl changed");
    assert.ok(bytes(resumed, "labels.arrow").equals(bytes(finished, "labels.arrow")), "labels.arrow differs from the uninterrupted run's");
    assert.equal(result.metrics!.expert_queries, finishedResult.metrics!.expert_queries);
    assert.deepEqual(tempLeftovers(resumed), []);
  });

  it("a resumed run ends with the same .arrow bytes as the uninterrupted one", () => {
    assert.ok(resumed, "the crash test did not run");
    for (const name of arrowFiles(finished)) assert.ok(bytes(resumed, name).equals(bytes(finished, name)), `${name} differs after resume`);
  });

  for (const torn of [false, true]) {
    it(`after a label stage killed with 2 of 4 calls paid${torn ? " and a torn third pending record" : ""}: pays exactly the missing ones`, async () => {
      const dir = copyOfFinished(`killed-label${torn ? "-torn" : ""}`);
      forgetStagesFrom(dir, "label");
      fs.rmSync(path.join(dir, "labels.arrow"));
      const original = paidLines(finished);
      assert.equal(original.length, 4);
      const records = ledgerRecords(path.join(finished, "ledger.jsonl")).filter((r) => !isBaseline(r));
      const ledgerFile = path.join(dir, "ledger.jsonl");
      const kept = records.slice(0, 4).map((l) => `${JSON.stringify(l)}\n`).join("");
      // A torn pending record is a crash mid-append, before the call: that call was never made.
      fs.writeFileSync(ledgerFile, torn ? kept + JSON.stringify(records[4]).slice(0, 40) : kept);
      await runPipeline({ config: tiny(), out: dir });
      const paid = paidLines(dir);
      assert.equal(paid.length, tiny().select.budget);
      assert.equal(paidCalls(dir), tiny().select.budget);
      assert.equal(new Set(paid.map((l) => l.key)).size, paid.length, "a duplicate key: an item paid twice");
      assert.deepEqual(paid.map((l) => l.call), [1, 2, 3, 4]);
      // The rubric oracle is deterministic per item, so the same items give the same records.
      assert.deepEqual(paid, original);
      const text = fs.readFileSync(ledgerFile, "utf8");
      assert.ok(text.endsWith("\n") && text.split("\n").slice(0, -1).every((l) => JSON.parse(l)), "ledger.jsonl has a torn line left");
      assert.ok(bytes(dir, "labels.arrow").equals(bytes(finished, "labels.arrow")));
    });
  }

  it("after a kill during call 3 (its pending record, no result): counted as paid, reported, never asked again", async () => {
    const dir = copyOfFinished("killed-mid-call");
    forgetStagesFrom(dir, "label");
    fs.rmSync(path.join(dir, "labels.arrow"));
    const records = ledgerRecords(path.join(finished, "ledger.jsonl")).filter((r) => !isBaseline(r));
    fs.writeFileSync(path.join(dir, "ledger.jsonl"), records.slice(0, 5).map((l) => `${JSON.stringify(l)}\n`).join(""));
    const logs: string[] = [];
    const progress: Progress = { start() {}, tick() {}, end() {}, log: (m) => logs.push(m) };
    const result = await runPipeline({ config: tiny(), out: dir, progress });
    assert.ok(logs.some((l) => /^label: 1 call of unknown outcome/.test(l)), logs.join("\n"));
    const third = records[4].response_id;
    const after = ledgerRecords(path.join(dir, "ledger.jsonl")).filter((r) => !isBaseline(r));
    assert.deepEqual(after.filter((r) => r.response_id === third).map((r) => r.status), ["pending", "unknown"]);
    assert.equal(paidCalls(dir), tiny().select.budget, "the budget counts the unknown call");
    const labels = readLabels(path.join(dir, "labels.arrow"));
    assert.equal(labels.length, tiny().select.budget - 1);
    assert.ok(!labels.some((l) => l.response_id === third));
    assert.equal(result.metrics!.expert_queries, 4);
    assert.equal(result.metrics!.expert_unknown_calls, 1);
    assert.equal(result.metrics!.expert_failed_items, 1);
  });

  it("an AbortSignal fired during sft rejects with AbortedError, records no sft; a rerun completes", async () => {
    const dir = path.join(tmp, "aborted");
    const controller = new AbortController();
    const stagesSeen: string[] = [];
    const progress: Progress = {
      start(stage) {
        stagesSeen.push(stage);
      },
      tick() {
        // The first sft step has run: abort mid-stage.
        if (stagesSeen.at(-1) === "sft") controller.abort();
      },
      end() {},
    };
    await assert.rejects(runPipeline({ config: tiny(), out: dir, progress, signal: controller.signal }), AbortedError);
    assert.ok(stagesSeen.includes("sft"), "sft never started");
    const manifest = readManifestJson(dir);
    assert.ok(manifest.stages.world, "world should have finished before the abort");
    assert.equal(manifest.stages.sft, undefined);
    assert.ok(!fs.existsSync(path.join(dir, "models", "sft.ckpt")), "an aborted sft left a checkpoint");
    assert.deepEqual(tempLeftovers(dir), []);

    const result = await runPipeline({ config: tiny(), out: dir });
    assert.equal(result.ran[0], "sft");
    assert.ok(!result.ran.includes("world"), "world reran although it had finished");
    for (const s of STAGES) assert.ok(readManifestJson(dir).stages[s.name], `stage ${s.name} not recorded after the rerun`);
    for (const name of ["labels.arrow", "pairs.arrow"]) assert.ok(bytes(dir, name).equals(bytes(finished, name)), `${name} differs from the uninterrupted run's`);
  });
});
