import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { BadFileError, BadOptionError, UserError } from "../src/errors";
import { writeLabels, writePairs, writePrompts, writeProxyScores, writeResponses } from "../src/store/arrow-tables";
import { JUDGE_PROMPT } from "../src/oracle/judge-prompt";
import { exportPairs } from "../src/store/export";
import type { PairRow } from "../src/types";

const BIN = path.join(__dirname, "..", "src", "dist", "cli", "main.js");

const pairs: PairRow[] = [
  { prompt: "sort: cab", chosen: "abc", rejected: "cab", margin: 3 },
  { prompt: "upper: ünï\ncode \"q\"", chosen: "ÜNÏ\nCODE \"Q\"", rejected: "ünï", margin: 0.5 },
];

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh run directory holding only pairs.arrow. */
function runWithPairs(rows: readonly PairRow[] = pairs): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-export-"));
  tempDirs.push(dir);
  writePairs(path.join(dir, "pairs.arrow"), rows);
  return dir;
}

function proxyrm(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
}

function readJsonl(file: string): unknown[] {
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text.endsWith("\n"), "every line is terminated");
  return text.trimEnd().split("\n").map((line) => JSON.parse(line));
}

function readParquetRows(file: string) {
  const table = tableFromIPC(readParquet(fs.readFileSync(file)).intoIPCStream());
  return {
    schema: table.schema.fields.map((field) => `${field.name}:${field.type}`),
    rows: table.toArray().map((row) => row.toJSON()),
  };
}

// ---------------------------------------------------------------------------------------
// The library function (what a notebook calls)

test("exportPairs writes TRL preference JSONL (plus margin) to RUN/pairs.jsonl", () => {
  const run = runWithPairs();
  assert.deepEqual(exportPairs(run, "trl-jsonl"), { file: path.join(run, "pairs.jsonl"), rows: 2 });
  assert.deepEqual(readJsonl(path.join(run, "pairs.jsonl")), pairs);
  const firstLine = fs.readFileSync(path.join(run, "pairs.jsonl"), "utf8").split("\n")[0];
  assert.equal(firstLine, '{"prompt":"sort: cab","chosen":"abc","rejected":"cab","margin":3}');
});

test("exportPairs writes Parquet with prompt, chosen, rejected, margin", () => {
  const run = runWithPairs();
  const out = path.join(run, "custom.parquet");
  assert.deepEqual(exportPairs(run, "parquet", out), { file: out, rows: 2 });
  const { schema, rows } = readParquetRows(out);
  assert.deepEqual(schema, ["prompt:Utf8", "chosen:Utf8", "rejected:Utf8", "margin:Float64"]);
  assert.deepEqual(rows, pairs);
  assert.deepEqual(fs.readdirSync(run).sort(), ["custom.parquet", "pairs.arrow"], "no temp files left");
});

test("exporting the same pairs twice gives the same bytes in both formats", () => {
  const run = runWithPairs();
  for (const format of ["trl-jsonl", "parquet"] as const) {
    const first = fs.readFileSync(exportPairs(run, format, path.join(run, `a-${format}`)).file);
    const second = fs.readFileSync(exportPairs(run, format, path.join(run, `b-${format}`)).file);
    assert.ok(first.equals(second), format);
  }
});

test("a run without pairs exports an empty file", () => {
  const run = runWithPairs([]);
  assert.equal(exportPairs(run, "trl-jsonl").rows, 0);
  assert.equal(fs.readFileSync(path.join(run, "pairs.jsonl"), "utf8"), "");
  assert.deepEqual(readParquetRows(exportPairs(run, "parquet").file).rows, []);
});

test("exportPairs refuses bad input with UserErrors naming what is wrong, writing nothing", () => {
  const run = runWithPairs();
  const cases: { name: string; call: () => unknown; type: abstract new (...args: never[]) => UserError; message: RegExp }[] = [
    { name: "missing run dir", call: () => exportPairs(path.join(run, "nope"), "trl-jsonl"), type: UserError, message: /nope: run directory not found/ },
    { name: "bad format", call: () => exportPairs(run, "csv" as never), type: BadOptionError, message: /^--format: unknown format "csv"; expected one of trl-jsonl, parquet, eft-jsonl$/ },
    { name: "out over pairs.arrow", call: () => exportPairs(run, "parquet", path.join(run, "pairs.arrow")), type: BadOptionError, message: /^--out: / },
    { name: "out dir missing", call: () => exportPairs(run, "parquet", path.join(run, "no", "x.parquet")), type: UserError, message: /x\.parquet: cannot write \(ENOENT/ },
  ];
  for (const { name, call, type, message } of cases) {
    assert.throws(call, (err: unknown) => err instanceof type && message.test((err as Error).message), name);
  }
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-export-"));
  tempDirs.push(empty);
  assert.throws(() => exportPairs(empty, "trl-jsonl"), (err: unknown) => err instanceof BadFileError && /pairs\.arrow: not found/.test(err.message));
  assert.deepEqual(fs.readdirSync(run), ["pairs.arrow"]);
  assert.deepEqual(fs.readdirSync(empty), []);
});

// ---------------------------------------------------------------------------------------
// The real bin (build first: npm run build)

test("proxyrm export --format trl-jsonl writes RUN/pairs.jsonl and says so", () => {
  const run = runWithPairs();
  const result = proxyrm("export", run, "--format", "trl-jsonl");
  assert.equal(result.stderr, "");
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `wrote 2 pairs to ${path.join(run, "pairs.jsonl")}\n`);
  assert.deepEqual(readJsonl(path.join(run, "pairs.jsonl")), pairs);
});

test("proxyrm export defaults to trl-jsonl", () => {
  const run = runWithPairs();
  const result = proxyrm("export", run);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(readJsonl(path.join(run, "pairs.jsonl")), pairs);
});

test("proxyrm export --format parquet [--out FILE] writes Parquet", () => {
  const run = runWithPairs();
  const byDefault = proxyrm("export", run, "--format", "parquet");
  assert.equal(byDefault.status, 0, byDefault.stderr);
  assert.equal(byDefault.stdout, `wrote 2 pairs to ${path.join(run, "pairs.parquet")}\n`);
  assert.deepEqual(readParquetRows(path.join(run, "pairs.parquet")).rows, pairs);

  const out = path.join(run, "elsewhere.parquet");
  const withOut = proxyrm("export", run, "--format", "parquet", "--out", out);
  assert.equal(withOut.status, 0, withOut.stderr);
  assert.equal(withOut.stdout, `wrote 2 pairs to ${out}\n`);
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(path.join(run, "pairs.parquet"))));
});

test("proxyrm export with bad input exits 2 with one stderr line and writes nothing", () => {
  const run = runWithPairs();
  const corrupt = runWithPairs();
  fs.writeFileSync(path.join(corrupt, "pairs.arrow"), "not arrow");
  const cases: { name: string; args: string[]; dir: string; message: RegExp }[] = [
    { name: "missing run dir", args: ["export", path.join(run, "missing")], dir: run, message: /missing: run directory not found/ },
    { name: "bad format", args: ["export", run, "--format", "csv"], dir: run, message: /--format: unknown format "csv"/ },
    { name: "corrupt pairs.arrow", args: ["export", corrupt, "--format", "parquet"], dir: corrupt, message: /pairs\.arrow: not an Arrow IPC/ },
    { name: "out dir missing", args: ["export", run, "--out", path.join(run, "no", "p.jsonl")], dir: run, message: /p\.jsonl: cannot write/ },
  ];
  for (const { name, args, dir, message } of cases) {
    const before = fs.readdirSync(dir).sort();
    const result = proxyrm(...args);
    assert.equal(result.status, 2, `${name}: exit code (stderr: ${result.stderr})`);
    assert.equal(result.stdout, "", name);
    const lines = result.stderr.split("\n");
    assert.equal(lines.length, 2, `${name}: exactly one stderr line: ${JSON.stringify(result.stderr)}`);
    assert.equal(lines[1], "", name);
    assert.ok(lines[0].startsWith("proxyrm: "), name);
    assert.match(lines[0], message, name);
    assert.deepEqual(fs.readdirSync(dir).sort(), before, `${name}: no output file`);
  }
});

// ---------------------------------------------------------------------------------------
// The EFT judge dataset (eft-jsonl): expert labels, then the proxy's scores

test("proxyrm export --format eft-jsonl: chat-format judge examples, expert labels first, then the proxy's", () => {
  const run = runWithPairs();
  writePrompts(path.join(run, "prompts.arrow"), [{ prompt_id: "p0", prompt: "rev abc", task: "rev", split: "pool" }]);
  writeResponses(path.join(run, "responses.arrow"), [
    { response_id: "p0-r0", prompt_id: "p0", text: "cba", source: "policy" },
    { response_id: "p0-r1", prompt_id: "p0", text: "c<b>", source: "policy" },
    { response_id: "p0-r2", prompt_id: "p0", text: "", source: "policy" },
  ]);
  writeLabels(path.join(run, "labels.arrow"), [
    { response_id: "p0-r0", score: 5, rationale: "All five criteria met.\nScore: 5", oracle: "llm:judge", cost: 0.01 },
    { response_id: "p0-r1", score: 2, rationale: "a person's note", oracle: "human:alice", cost: 0 },
  ]);
  writeProxyScores(path.join(run, "proxy_scores.arrow"), [
    { response_id: "p0-r0", mean: 4.6, std: 0.2 },
    { response_id: "p0-r1", mean: 2.2, std: 0.5 },
    { response_id: "p0-r2", mean: 0.4, std: 0.3 },
  ]);
  const result = proxyrm("export", run, "--format", "eft-jsonl");
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `wrote 2 expert and 1 proxy judge examples to ${path.join(run, "eft.jsonl")}\n`);
  const lines = readJsonl(path.join(run, "eft.jsonl")) as { messages: { role: string; content: string }[]; score: number; source: string; response_id: string }[];
  assert.deepEqual(lines.map((l) => [l.response_id, l.source, l.score]), [["p0-r0", "expert", 5], ["p0-r1", "expert", 2], ["p0-r2", "proxy", 0]]);
  assert.deepEqual(lines[0].messages.map((m) => m.role), ["system", "user", "assistant"]);
  assert.equal(lines[0].messages[0].content, JUDGE_PROMPT);
  assert.equal(lines[1].messages[1].content, "Instruction:\nrev abc\n\nResponse:\nc<b>");
  assert.equal(lines[0].messages[2].content, "All five criteria met.\nScore: 5", "a judgement ending in its score is kept verbatim");
  assert.equal(lines[1].messages[2].content, "a person's note\nScore: 2", "the score line is added to a note");
  assert.equal(lines[2].messages[2].content, "Score: 0");
  const missing = runWithPairs();
  const noLabels = proxyrm("export", missing, "--format", "eft-jsonl");
  assert.equal(noLabels.status, 2);
  assert.match(noLabels.stderr, /^proxyrm: .*labels\.arrow: not found \(has the run reached its label stage\?\)\n$/);
});
