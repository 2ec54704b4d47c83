/**
 * `proxyrm select` through the real compiled bin (build first: npm run build): exact output on
 * good files, and for each bad input exit 2, one stderr line naming the culprit, no stdout.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
  type Data,
} from "apache-arrow";
import { Rng } from "../src/rng";
import { strategies } from "../src/select/index";
import { writeEmbeddings } from "../src/store/embeddings";

const BIN = path.join(__dirname, "..", "src", "dist", "cli", "main.js");

// (0,0) (1,0) (10,0) (0,5) (9,1): k-center from row 0 picks 0, 2, 3, 4, 1 (worked out in
// tests/select.kcenter.test.ts).
const POINTS = [
  [0, 0],
  [1, 0],
  [10, 0],
  [0, 5],
  [9, 1],
];

let dir: string;
const file = (name: string) => path.join(dir, name);

function vectorData(rows: readonly (readonly number[])[], precision: "f32" | "f64", dim = rows[0]?.length ?? 2): Data {
  const valueType = precision === "f32" ? new Float32() : new Float64();
  const values = precision === "f32" ? Float32Array.from(rows.flat()) : Float64Array.from(rows.flat());
  const child = makeData({ type: valueType, length: values.length, nullCount: 0, data: values });
  return makeData({ type: new FixedSizeList(dim, new Field("item", valueType, false)), length: rows.length, nullCount: 0, child });
}

/** An Arrow IPC file of the given columns, each one record batch of Data. */
function writeArrow(name: string, columns: Record<string, Data>, batches = 1): string {
  const fields = Object.entries(columns).map(([columnName, data]) => new Field(columnName, data.type, data.nullCount > 0));
  const length = Object.values(columns)[0].length;
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: Object.values(columns) });
  const batch = new RecordBatch(new Schema(fields), struct);
  const table = new Table(Array.from({ length: batches }, () => batch));
  fs.writeFileSync(file(name), tableToIPC(table, "file"));
  return file(name);
}

function proxyrm(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

before(() => {
  assert.ok(fs.existsSync(BIN), `${BIN} is missing: build with npm run build`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-select-"));
  writeArrow("points.arrow", { embedding: vectorData(POINTS, "f32") });
  writeArrow("points64.arrow", { name: vectorFromArray(["a", "b", "c", "d", "e"], new Utf8()).data[0], vec: vectorData(POINTS, "f64") });
  // Integer ids, as pandas and pyarrow write them (Int64) and as others do (Int32).
  writeArrow("ids-int32.arrow", { id: vectorFromArray([10, 11, 12, 13, 14], new Int32()).data[0], embedding: vectorData(POINTS, "f32") });
  writeArrow("ids-int64.arrow", { id: vectorFromArray([2n ** 60n, 1n, 2n, 3n, 4n], new Int64()).data[0], embedding: vectorData(POINTS, "f32") });
  writeArrow("ids-utf8.arrow", { id: vectorFromArray(["a", "b", "c", "d", "e"], new Utf8()).data[0], embedding: vectorData(POINTS, "f32") });
  writeArrow("points-x2.arrow", { embedding: vectorData(POINTS, "f32") }, 2); // two record batches: 10 rows
  // proxyrm's own layout: the EFT rows are POINTS, the IFT rows all one prompt vector.
  writeEmbeddings(file("run-embeddings.arrow"), {
    ids: ["r0", "r1", "r2", "r3", "r4", "r0", "r1", "r2", "r3", "r4"],
    views: ["ift", "ift", "ift", "ift", "ift", "eft", "eft", "eft", "eft", "eft"],
    dim: 2,
    data: Float32Array.from([...POINTS.map(() => [3, 3]).flat(), ...POINTS.flat()]),
  });

  fs.writeFileSync(file("notes.arrow"), "these are not vectors\n");
  writeArrow("empty.arrow", { embedding: vectorData([], "f32", 2) });
  writeArrow("nan.arrow", { embedding: vectorData([[0, 0], [1, 1], [2, 2], [3, Number.NaN], [4, 4]], "f32") });
  writeArrow("inf.arrow", { embedding: vectorData([[0, 0], [1, 1], [2, Infinity], [3, 3]], "f32") });
  const withNull = vectorFromArray([[0, 0], null, [1, 1]], new FixedSizeList(2, new Field("item", new Float32(), false)));
  writeArrow("null-row.arrow", { embedding: withNull.data[0] });
  writeArrow("huge64.arrow", { embedding: vectorData([[0, 0], [1e300, 1]], "f64") });
  writeArrow("dim0.arrow", { embedding: vectorData([[], []], "f32", 0) });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("proxyrm select --max-memory", () => {
  it("prints the estimate up front and runs when it fits", () => {
    const result = proxyrm("select", "--strategy", "coreset-eft", "--embeddings", file("points.arrow"), "--k", "5", "--max-memory", "64G");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '{"indices":[0,2,3,4,1]}\n');
    assert.match(result.stderr, /^proxyrm select: memory estimate \d+ MiB \(the file, read whole 1 KiB, .*\); limit 64\.00 GiB \(--max-memory\)\n$/);
  });

  it("itemises a many-batch file as its vectors plus one batch, and a Float64 file's conversion", () => {
    const plain = proxyrm("select", "--strategy", "coreset-eft", "--embeddings", file("points.arrow"), "--k", "1", "--max-memory", "64G");
    const batches = proxyrm("select", "--strategy", "coreset-eft", "--embeddings", file("points-x2.arrow"), "--k", "1", "--max-memory", "64G");
    const float64 = proxyrm("select", "--strategy", "coreset-eft", "--embeddings", file("points64.arrow"), "--column", "vec", "--k", "1", "--max-memory", "64G");
    assert.match(plain.stderr, /the file, read whole/);
    assert.doesNotMatch(plain.stderr, /one record batch|converted/);
    assert.match(batches.stderr, /the vectors \d+ KiB, one record batch at a time/);
    assert.doesNotMatch(batches.stderr, /read whole/);
    assert.match(float64.stderr, /the vectors converted to Float32/);
  });
});

describe("proxyrm select: good input", () => {
  const cases: { name: string; args: () => string[]; stdout: () => string }[] = [
    {
      name: "coreset-eft, default column and --first 0",
      args: () => ["--strategy", "coreset-eft", "--embeddings", file("points.arrow"), "--k", "5"],
      stdout: () => '{"indices":[0,2,3,4,1]}\n',
    },
    {
      name: "coreset-ift with --first 4",
      args: () => ["--strategy", "coreset-ift", "--embeddings", file("points.arrow"), "--k", "3", "--first", "4"],
      stdout: () => '{"indices":[4,3,1]}\n',
    },
    {
      name: "a Float64 column picked with --column",
      args: () => ["--strategy", "coreset-eft", "--embeddings", file("points64.arrow"), "--column", "vec", "--k", "5"],
      stdout: () => '{"indices":[0,2,3,4,1]}\n',
    },
    {
      name: "two record batches (duplicates come last, lowest index first)",
      args: () => ["--strategy", "coreset-eft", "--embeddings", file("points-x2.arrow"), "--k", "7"],
      stdout: () => '{"indices":[0,2,3,4,1,5,6]}\n',
    },
    {
      name: "a run's embeddings.arrow: coreset-eft uses the eft rows",
      args: () => ["--strategy", "coreset-eft", "--embeddings", file("run-embeddings.arrow"), "--k", "5"],
      stdout: () => '{"indices":[0,2,3,4,1]}\n',
    },
    {
      name: "a run's embeddings.arrow: coreset-ift uses the (identical) ift rows",
      args: () => ["--strategy", "coreset-ift", "--embeddings", file("run-embeddings.arrow"), "--k", "5"],
      stdout: () => '{"indices":[0,1,2,3,4]}\n',
    },
    ...["int32", "int64", "utf8"].map((type) => ({
      name: `an id column of type ${type}`,
      args: () => ["--strategy", "coreset-eft", "--embeddings", file(`ids-${type}.arrow`), "--k", "5"],
      stdout: () => '{"indices":[0,2,3,4,1]}\n',
    })),
    {
      name: "random with --seed: the library's picks for that seed",
      args: () => ["--strategy", "random", "--embeddings", file("points.arrow"), "--k", "4", "--seed", "3"],
      stdout: () => `${JSON.stringify({ indices: strategies.random.select(5, { budget: 4, rng: new Rng(3) }) })}\n`,
    },
  ];
  for (const { name, args, stdout } of cases) {
    it(name, () => {
      const result = proxyrm("select", ...args());
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      assert.equal(result.stdout, stdout());
    });
  }
});

describe("proxyrm select: bad input exits 2 with one line naming the culprit", () => {
  const select = (embeddings: string, ...rest: string[]) => () => [
    "select",
    "--strategy",
    "coreset-eft",
    "--embeddings",
    file(embeddings),
    ...rest,
  ];
  const cases: { name: string; args: () => string[]; names: () => (string | RegExp)[] }[] = [
    { name: "missing file", args: select("absent.arrow", "--k", "2"), names: () => [file("absent.arrow"), /no|not found/] },
    { name: "not an Arrow file", args: select("notes.arrow", "--k", "2"), names: () => [file("notes.arrow"), /not an Arrow/] },
    { name: "empty table", args: select("empty.arrow", "--k", "2"), names: () => [file("empty.arrow"), "no rows"] },
    {
      name: "missing column lists the columns there are",
      args: select("points64.arrow", "--k", "2"),
      names: () => [file("points64.arrow"), '"embedding"', "name, vec"],
    },
    {
      name: "wrong column type (Utf8)",
      args: select("points64.arrow", "--column", "name", "--k", "2"),
      names: () => [file("points64.arrow"), '"name"', "Utf8", "FixedSizeList"],
    },
    { name: "NaN row", args: select("nan.arrow", "--k", "2"), names: () => [file("nan.arrow"), "row 3", "NaN"] },
    { name: "Infinity row", args: select("inf.arrow", "--k", "2"), names: () => [file("inf.arrow"), "row 2", "Infinity"] },
    { name: "null row", args: select("null-row.arrow", "--k", "2"), names: () => [file("null-row.arrow"), "row 1", "null"] },
    {
      name: "Float64 value beyond Float32 range",
      args: select("huge64.arrow", "--k", "1"),
      names: () => [file("huge64.arrow"), "row 1", "1e+300"],
    },
    { name: "dimension 0", args: select("dim0.arrow", "--k", "1"), names: () => [file("dim0.arrow"), "dimension 0"] },
    { name: "k > rows", args: select("points.arrow", "--k", "6"), names: () => ["--k", /\b5\b/, /\b6\b/] },
    { name: "k = 0", args: select("points.arrow", "--k", "0"), names: () => ["--k", "0"] },
    { name: "k not a number", args: select("points.arrow", "--k", "abc"), names: () => ["--k", "abc"] },
    { name: "k missing", args: select("points.arrow"), names: () => ["--k"] },
    {
      name: "--first out of range",
      args: select("points.arrow", "--k", "2", "--first", "5"),
      names: () => ["--first", /\b5\b/, "0..4"],
    },
    { name: "--first negative", args: select("points.arrow", "--k", "2", "--first", "-1"), names: () => ["--first", "-1"] },
    {
      name: "unknown strategy",
      args: () => ["select", "--strategy", "nope-strategy", "--embeddings", file("points.arrow"), "--k", "2"],
      names: () => ['"nope-strategy"', "coreset-eft"],
    },
    { name: "unknown flag", args: select("points.arrow", "--k", "2", "--bogus"), names: () => ["--bogus"] },
    {
      name: "--max-memory below the estimate: the estimate, itemised, in the one line",
      args: select("points.arrow", "--k", "2", "--max-memory", "1K"),
      names: () => ["--max-memory", "needs an estimated", "the file, read whole", "k-center state", "1 KiB"],
    },
    { name: "--max-memory unreadable", args: select("points.arrow", "--k", "2", "--max-memory", "lots"), names: () => ["--max-memory", '"lots"'] },
    {
      name: "a strategy that needs a proxy (uncertainty)",
      args: () => ["select", "--strategy", "uncertainty", "--embeddings", file("points.arrow"), "--k", "2"],
      names: () => ["uncertainty", "needs a proxy evaluator"],
    },
    {
      name: "a strategy that needs the proxy ensemble's members (disagreement)",
      args: () => ["select", "--strategy", "disagreement", "--embeddings", file("points.arrow"), "--k", "2"],
      names: () => ["disagreement", "needs a proxy evaluator"],
    },
  ];
  for (const { name, args, names } of cases) {
    it(name, () => {
      const result = proxyrm(...args());
      assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /^proxyrm: [^\n]+\n$/, "exactly one line starting 'proxyrm: '");
      for (const expected of names()) {
        if (typeof expected === "string") assert.ok(result.stderr.includes(expected), `stderr ${result.stderr} lacks ${expected}`);
        else assert.match(result.stderr, expected);
      }
    });
  }
});
