import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Dictionary, Float64, Int32, Int64, LargeUtf8, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import { Table as WasmTable, writeParquet } from "parquet-wasm";
import { BadFileError, UserError } from "../src/errors";
import { appendLineDurable, removeStaleTemps, writeFileAtomic } from "../src/store/atomic";
import {
  readLabels,
  readPairs,
  readPrompts,
  readProxyScores,
  readResponses,
  writeLabels,
  writePairs,
  writePrompts,
  writeProxyScores,
  writeResponses,
} from "../src/store/arrow-tables";
import { readUserPrompts } from "../src/store/prompts-input";
import type { LabelRow, PairRow, PromptRow, ProxyScoreRow, ResponseRow } from "../src/types";

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-store-"));
  tempDirs.push(dir);
  return dir;
}

/** Writes an ad-hoc Arrow table, the way another tool (pyarrow, a user) would. */
function writeRawArrow(file: string, columns: Record<string, Vector>, format: "file" | "stream" = "file"): void {
  fs.writeFileSync(file, tableToIPC(new Table(columns), format));
}

const prompts: PromptRow[] = [
  { prompt_id: "p0", prompt: "reverse: abc", task: "reverse", split: "seed" },
  { prompt_id: "p1", prompt: "upper: héllo ✓ 日本", task: "upper", split: "pool" },
  { prompt_id: "p2", prompt: "", task: "count", split: "heldout" },
];
const responses: ResponseRow[] = [
  { response_id: "r0", prompt_id: "p0", text: "cba", source: "seed" },
  { response_id: "r1", prompt_id: "p1", text: "line\nbreak \"quoted\"", source: "policy" },
];
const labels: LabelRow[] = [
  { response_id: "r0", score: 5, rationale: "all five criteria met", oracle: "rubric", cost: 0.01 },
  { response_id: "r1", score: 0, rationale: "", oracle: "llm-judge", cost: 0 },
];
const proxyScores: ProxyScoreRow[] = [
  { response_id: "r0", mean: 4.25, std: 0.125 },
  { response_id: "r1", mean: -0.1, std: 0 },
];
const pairs: PairRow[] = [
  { prompt: "sort: cab", chosen: "abc", rejected: "cab", margin: 3 },
  { prompt: "add: 2+2", chosen: "4", rejected: "5", margin: 0.5 },
];

interface TableCase {
  name: string;
  rows: object[];
  write: (file: string, rows: never[]) => void;
  read: (file: string) => object[];
  schema: string[];
}
const tables: TableCase[] = [
  { name: "prompts", rows: prompts, write: writePrompts, read: readPrompts, schema: ["prompt_id:Utf8", "prompt:Utf8", "task:Utf8", "split:Utf8"] },
  { name: "responses", rows: responses, write: writeResponses, read: readResponses, schema: ["response_id:Utf8", "prompt_id:Utf8", "text:Utf8", "source:Utf8"] },
  { name: "labels", rows: labels, write: writeLabels, read: readLabels, schema: ["response_id:Utf8", "score:Int32", "rationale:Utf8", "oracle:Utf8", "cost:Float64"] },
  { name: "proxy_scores", rows: proxyScores, write: writeProxyScores, read: readProxyScores, schema: ["response_id:Utf8", "mean:Float64", "std:Float64"] },
  { name: "pairs", rows: pairs, write: writePairs, read: readPairs, schema: ["prompt:Utf8", "chosen:Utf8", "rejected:Utf8", "margin:Float64"] },
];

function schemaOf(file: string): string[] {
  return tableFromIPC(fs.readFileSync(file)).schema.fields.map((field) => `${field.name}:${field.type}`);
}

for (const table of tables) {
  test(`${table.name}: rows round-trip through an Arrow IPC file with the fixed schema`, () => {
    const file = path.join(freshDir(), `${table.name}.arrow`);
    table.write(file, table.rows as never[]);
    assert.equal(fs.readFileSync(file).subarray(0, 6).toString("latin1"), "ARROW1");
    assert.deepEqual(schemaOf(file), table.schema);
    assert.deepEqual(table.read(file), table.rows);
  });

  test(`${table.name}: identical rows give identical bytes`, () => {
    const dir = freshDir();
    table.write(path.join(dir, "a.arrow"), table.rows as never[]);
    table.write(path.join(dir, "b.arrow"), structuredClone(table.rows) as never[]);
    assert.ok(fs.readFileSync(path.join(dir, "a.arrow")).equals(fs.readFileSync(path.join(dir, "b.arrow"))));
  });

  test(`${table.name}: an empty table keeps its schema and reads back as []`, () => {
    const file = path.join(freshDir(), `${table.name}.arrow`);
    table.write(file, []);
    assert.deepEqual(schemaOf(file), table.schema);
    assert.deepEqual(table.read(file), []);
  });
}

test("different rows give different bytes (the comparison above can fail)", () => {
  const dir = freshDir();
  writePairs(path.join(dir, "a.arrow"), pairs);
  writePairs(path.join(dir, "b.arrow"), [pairs[0], { ...pairs[1], margin: 0.25 }]);
  assert.ok(!fs.readFileSync(path.join(dir, "a.arrow")).equals(fs.readFileSync(path.join(dir, "b.arrow"))));
});

test("rewriting a table replaces it and leaves no temp files", () => {
  const dir = freshDir();
  const file = path.join(dir, "pairs.arrow");
  writePairs(file, pairs);
  writePairs(file, pairs.slice(0, 1));
  assert.deepEqual(readPairs(file), pairs.slice(0, 1));
  assert.deepEqual(fs.readdirSync(dir), ["pairs.arrow"]);
});

test("writers refuse rows that break the schema, naming row and column", () => {
  const file = path.join(freshDir(), "t.arrow");
  const cases: [string, () => void, RegExp][] = [
    ["score out of range", () => writeLabels(file, [{ ...labels[0], score: 6 }]), /row 0, column score/],
    ["fractional score", () => writeLabels(file, [labels[0], { ...labels[1], score: 2.5 }]), /row 1, column score/],
    ["bad split", () => writePrompts(file, [{ ...prompts[0], split: "train" as never }]), /column split/],
    ["NaN margin", () => writePairs(file, [{ ...pairs[0], margin: NaN }]), /column margin/],
    ["missing text", () => writeResponses(file, [{ ...responses[0], text: undefined as never }]), /column text/],
  ];
  for (const [name, write, message] of cases) {
    assert.throws(write, message, name);
  }
  assert.ok(!fs.existsSync(file), "a refused write creates no file");
});

test("stream format and compatible column types (LargeUtf8, dictionary strings, Int64, integer floats) are read", () => {
  const file = path.join(freshDir(), "labels.arrow");
  writeRawArrow(
    file,
    {
      response_id: vectorFromArray(["r0", "r1"], new LargeUtf8()),
      score: vectorFromArray([BigInt(3), BigInt(4)], new Int64()),
      rationale: vectorFromArray(["a", "b"], new Dictionary(new Utf8(), new Int32())),
      oracle: vectorFromArray(["rubric", "rubric"], new Utf8()),
      cost: vectorFromArray([1, 2], new Int32()),
      extra: vectorFromArray([true, false]),
    },
    "stream",
  );
  assert.deepEqual(readLabels(file), [
    { response_id: "r0", score: 3, rationale: "a", oracle: "rubric", cost: 1 },
    { response_id: "r1", score: 4, rationale: "b", oracle: "rubric", cost: 2 },
  ]);
});

test("bad run-table files are a one-line BadFileError naming the file and the column", () => {
  const dir = freshDir();
  const good = path.join(dir, "good.arrow");
  writeLabels(good, labels);
  const goodBytes = fs.readFileSync(good);
  const labelColumns = (overrides: Record<string, Vector>) => ({
    response_id: vectorFromArray(["r0"], new Utf8()),
    score: vectorFromArray([3], new Int32()),
    rationale: vectorFromArray(["x"], new Utf8()),
    oracle: vectorFromArray(["rubric"], new Utf8()),
    cost: vectorFromArray([0.5], new Float64()),
    ...overrides,
  });
  const cases: { name: string; make: (file: string) => void; message: RegExp }[] = [
    { name: "missing", make: () => undefined, message: /file not found/ },
    { name: "empty", make: (file) => fs.writeFileSync(file, ""), message: /empty file/ },
    { name: "garbage", make: (file) => fs.writeFileSync(file, "hello, this is not arrow\n"), message: /not an Arrow IPC/ },
    { name: "short garbage", make: (file) => fs.writeFileSync(file, Buffer.from([1, 2, 3, 4, 5])), message: /not an Arrow IPC/ },
    { name: "parquet", make: (file) => fs.writeFileSync(file, Buffer.from("PAR1....PAR1")), message: /this is Parquet/ },
    { name: "truncated tail", make: (file) => fs.writeFileSync(file, goodBytes.subarray(0, goodBytes.length - 10)), message: /truncated/ },
    { name: "truncated head", make: (file) => fs.writeFileSync(file, Buffer.concat([goodBytes.subarray(0, 40), goodBytes.subarray(goodBytes.length - 6)])), message: /corrupt Arrow IPC/ },
    { name: "missing column", make: (file) => writeRawArrow(file, { response_id: vectorFromArray(["r0"], new Utf8()) }), message: /missing column "score"/ },
    { name: "wrong type", make: (file) => writeRawArrow(file, labelColumns({ score: vectorFromArray(["5"], new Utf8()) })), message: /column "score" has type Utf8, expected int32/ },
    { name: "string as number", make: (file) => writeRawArrow(file, labelColumns({ cost: vectorFromArray(["0.5"], new Utf8()) })), message: /column "cost" has type Utf8/ },
    { name: "null", make: (file) => writeRawArrow(file, labelColumns({ oracle: vectorFromArray([null], new Utf8()) })), message: /column "oracle" at row index 0: is null/ },
    { name: "out of range", make: (file) => writeRawArrow(file, labelColumns({ score: vectorFromArray([9], new Int32()) })), message: /column "score" at row index 0: 9 is outside \[0, 5\]/ },
    { name: "NaN", make: (file) => writeRawArrow(file, labelColumns({ cost: vectorFromArray([NaN], new Float64()) })), message: /column "cost" at row index 0: NaN is not finite/ },
  ];
  for (const { name, make, message } of cases) {
    const file = path.join(dir, `${name.replace(/ /g, "-")}.arrow`);
    make(file);
    assert.throws(
      () => readLabels(file),
      (err: unknown) => {
        assert.ok(err instanceof BadFileError, `${name}: expected BadFileError, got ${String(err)}`);
        assert.ok(err.message.startsWith(`${file}: `), `${name}: message names the file: ${err.message}`);
        assert.match(err.message, message, name);
        assert.ok(!err.message.includes("\n"), `${name}: one line`);
        return true;
      },
    );
  }
  assert.throws(() => readPrompts(good), /missing column "prompt_id"/, "a table of another kind is refused too");
});

test("writeFileAtomic leaves only the target, and nothing when the directory is missing", () => {
  const dir = freshDir();
  const file = path.join(dir, "manifest.json");
  writeFileAtomic(file, "{}\n");
  writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
  assert.deepEqual(fs.readdirSync(dir), ["manifest.json"]);

  assert.throws(() => writeFileAtomic(path.join(dir, "missing", "x.json"), "{}"), { code: "ENOENT" });
  assert.deepEqual(fs.readdirSync(dir), ["manifest.json"]);
});

test("writeFileAtomic removes its temp file when the rename fails", () => {
  const dir = freshDir();
  const target = path.join(dir, "occupied");
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, "child"), "x");
  assert.throws(() => writeFileAtomic(target, "data"), (err: NodeJS.ErrnoException) => typeof err.code === "string");
  assert.deepEqual(fs.readdirSync(dir), ["occupied"]);
  assert.deepEqual(fs.readdirSync(target), ["child"]);
});

test("appendLineDurable appends whole lines and refuses embedded newlines", () => {
  const file = path.join(freshDir(), "ledger.jsonl");
  appendLineDurable(file, JSON.stringify({ response_id: "r0", cost: 1 }));
  appendLineDurable(file, JSON.stringify({ response_id: "r1", tag: "baseline" }));
  assert.equal(fs.readFileSync(file, "utf8"), '{"response_id":"r0","cost":1}\n{"response_id":"r1","tag":"baseline"}\n');
  assert.throws(() => appendLineDurable(file, "a\nb"), /newline/);
  assert.equal(fs.readFileSync(file, "utf8").split("\n").length, 3);
});

// ---------------------------------------------------------------------------------------
// A user's own prompt pool

const expectedPrompts = [
  { prompt: "reverse: abc", task: "reverse" },
  { prompt: "Write a haiku about ✓", task: "custom" },
];

test("readUserPrompts reads JSONL with blank lines, CRLF and a missing task", () => {
  const file = path.join(freshDir(), "prompts.jsonl");
  fs.writeFileSync(file, '\uFEFF{"prompt":"reverse: abc","task":"reverse","id":7}\r\n\n   \n{"prompt":"Write a haiku about ✓"}\n');
  assert.deepEqual(readUserPrompts(file), expectedPrompts);
});

test("readUserPrompts reads Parquet written by parquet-wasm", () => {
  const file = path.join(freshDir(), "prompts.parquet");
  const table = new Table({
    prompt: vectorFromArray(expectedPrompts.map((p) => p.prompt), new Utf8()),
    task: vectorFromArray(["reverse", null], new Utf8()),
  });
  fs.writeFileSync(file, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, "stream"))));
  assert.deepEqual(readUserPrompts(file), expectedPrompts);
});

test("readUserPrompts reads Arrow IPC and Feather files, dictionary strings included", () => {
  const dir = freshDir();
  const arrowFile = path.join(dir, "prompts.arrow");
  writeRawArrow(arrowFile, { prompt: vectorFromArray(expectedPrompts.map((p) => p.prompt), new Utf8()), task: vectorFromArray(["reverse", ""], new Utf8()) });
  assert.deepEqual(readUserPrompts(arrowFile), expectedPrompts);
  const featherFile = path.join(dir, "prompts.feather");
  writeRawArrow(featherFile, { prompt: vectorFromArray(["a", "b", "a"], new Dictionary(new Utf8(), new Int32())) });
  assert.deepEqual(readUserPrompts(featherFile), [
    { prompt: "a", task: "custom" },
    { prompt: "b", task: "custom" },
    { prompt: "a", task: "custom" },
  ]);
});

test("bad prompt files are a one-line BadFileError naming the file (and line or row)", () => {
  const dir = freshDir();
  const cases: { name: string; file: string; write?: (file: string) => void; message: RegExp }[] = [
    { name: "empty file", file: "empty.jsonl", write: (f) => fs.writeFileSync(f, ""), message: /no prompts/ },
    { name: "only blank lines", file: "blank.jsonl", write: (f) => fs.writeFileSync(f, "\n  \n"), message: /no prompts/ },
    { name: "bad JSON on line 2", file: "badjson.jsonl", write: (f) => fs.writeFileSync(f, '{"prompt":"a"}\n{"prompt": \n'), message: /line 2: malformed JSON/ },
    { name: "not an object", file: "array.jsonl", write: (f) => fs.writeFileSync(f, '["a"]\n'), message: /line 1: expected a JSON object/ },
    { name: "missing prompt", file: "noprompt.jsonl", write: (f) => fs.writeFileSync(f, '{"prompt":"a"}\n{"text":"b"}\n'), message: /line 2: missing "prompt"/ },
    { name: "non-string prompt", file: "number.jsonl", write: (f) => fs.writeFileSync(f, '{"prompt":"a"}\n\n{"prompt":42}\n'), message: /line 3: "prompt" must be a string, got number/ },
    { name: "empty prompt", file: "emptyprompt.jsonl", write: (f) => fs.writeFileSync(f, '{"prompt":"  "}\n'), message: /line 1: "prompt" is empty/ },
    { name: "non-string task", file: "task.jsonl", write: (f) => fs.writeFileSync(f, '{"prompt":"a","task":3}\n'), message: /line 1: "task" must be a string/ },
    { name: "unknown extension", file: "prompts.csv", write: (f) => fs.writeFileSync(f, "prompt\na\n"), message: /unknown prompt file type "\.csv"/ },
    { name: "no extension", file: "prompts", write: (f) => fs.writeFileSync(f, "x"), message: /unknown prompt file type "\(none\)"/ },
    { name: "nonexistent file", file: "nowhere.jsonl", message: /file not found/ },
    { name: "empty parquet", file: "empty.parquet", write: (f) => fs.writeFileSync(f, ""), message: /empty file/ },
    { name: "garbage parquet", file: "garbage.parquet", write: (f) => fs.writeFileSync(f, "definitely not parquet"), message: /unreadable Parquet/ },
    { name: "arrow without prompt column", file: "noprompt.arrow", write: (f) => writeRawArrow(f, { text: vectorFromArray(["a"], new Utf8()) }), message: /missing column "prompt"/ },
    { name: "arrow with numeric prompt", file: "numprompt.arrow", write: (f) => writeRawArrow(f, { prompt: vectorFromArray([1], new Int32()) }), message: /column "prompt" has type Int32/ },
    { name: "arrow with null prompt", file: "nullprompt.arrow", write: (f) => writeRawArrow(f, { prompt: vectorFromArray(["a", null], new Utf8()) }), message: /row index 1: missing "prompt"/ },
    { name: "arrow with empty prompt", file: "emptyprompt.ipc", write: (f) => writeRawArrow(f, { prompt: vectorFromArray(["a", "b", ""], new Utf8()) }), message: /row index 2: "prompt" is empty/ },
    { name: "arrow with no rows", file: "norows.arrow", write: (f) => writeRawArrow(f, { prompt: vectorFromArray([] as string[], new Utf8()) }), message: /no prompts/ },
  ];
  for (const { name, file, write, message } of cases) {
    const fullPath = path.join(dir, file);
    write?.(fullPath);
    assert.throws(
      () => readUserPrompts(fullPath),
      (err: unknown) => {
        assert.ok(err instanceof BadFileError && err instanceof UserError, `${name}: expected BadFileError, got ${String(err)}`);
        assert.ok(err.message.startsWith(`${fullPath}: `), `${name}: message names the file: ${err.message}`);
        assert.match(err.message, message, name);
        assert.ok(!err.message.includes("\n"), `${name}: one line`);
        return true;
      },
    );
  }
});

test("removeStaleTemps removes other processes' temp files, keeps this process's and every other file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-temps-"));
  fs.mkdirSync(path.join(dir, "models"));
  const otherPid = process.pid === 1 ? 2 : process.pid - 1;
  const stale = [path.join(dir, `.labels.arrow.tmp-${otherPid}-0`), path.join(dir, "models", `.m1.json.tmp-${otherPid}-7`)];
  const kept = [path.join(dir, `.labels.arrow.tmp-${process.pid}-3`), path.join(dir, "labels.arrow"), path.join(dir, "models", "m1.json"), path.join(dir, ".tmp-notes")];
  for (const f of [...stale, ...kept]) fs.writeFileSync(f, "x");
  assert.equal(removeStaleTemps(dir), 2);
  for (const f of stale) assert.ok(!fs.existsSync(f), `${f} should be removed`);
  for (const f of kept) assert.ok(fs.existsSync(f), `${f} should be kept`);
  fs.rmSync(dir, { recursive: true, force: true });
});
