/** embeddings.arrow: the writer's schema and atomicity, the reader's conversions and filters. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Field, FixedSizeList, Float32, Float64, Int64, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { BadFileError } from "../src/errors";
import { readEmbeddingViews, readEmbeddings, writeEmbeddings } from "../src/store/embeddings";
import type { EmbeddingTable } from "../src/types";

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-embeddings-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const TABLE: EmbeddingTable = {
  ids: ["r0", "r1", "r2", "r0", "r1", "r2"],
  views: ["ift", "ift", "ift", "eft", "eft", "eft"],
  dim: 3,
  data: Float32Array.from([1, 1, 1, 1, 1, 1, 2, 2, 2, 0.5, 0, 0, 0, 0.25, 0, 0, 0, -3]),
};

describe("writeEmbeddings", () => {
  it("writes id and view as Utf8 and embedding as FixedSizeList<Float32>[dim], values intact", () => {
    const file = path.join(dir, "embeddings.arrow");
    writeEmbeddings(file, TABLE);
    const table = tableFromIPC(fs.readFileSync(file));
    assert.deepEqual(
      table.schema.fields.map((f) => `${f.name}: ${f.type}`),
      ["id: Utf8", "view: Utf8", "embedding: FixedSizeList[3]<Float32>"],
    );
    assert.deepEqual(table.getChild("id")!.toArray(), TABLE.ids);
    assert.deepEqual(table.getChild("view")!.toArray(), TABLE.views);
    const read = readEmbeddings(file);
    assert.deepEqual(read, { ids: TABLE.ids, dim: 3, data: TABLE.data });
  });

  it("gives the same bytes for the same table and leaves no temp file behind", () => {
    const a = path.join(dir, "a.arrow");
    const b = path.join(dir, "b.arrow");
    writeEmbeddings(a, TABLE);
    writeEmbeddings(b, { ...TABLE, data: TABLE.data.slice() });
    assert.deepEqual(fs.readFileSync(a), fs.readFileSync(b));
    writeEmbeddings(a, { ids: ["x"], views: ["eft"], dim: 3, data: Float32Array.from([7, 8, 9]) }); // overwrite
    assert.deepEqual(readEmbeddings(a).ids, ["x"]);
    assert.deepEqual(fs.readdirSync(dir).filter((name) => name.includes(".tmp")), []);
  });

  it("refuses a table whose shapes disagree, leaving no file", () => {
    const file = path.join(dir, "bad-shape.arrow");
    assert.throws(() => writeEmbeddings(file, { ...TABLE, views: ["ift"] }), /6 ids but 1 views/);
    assert.throws(() => writeEmbeddings(file, { ...TABLE, dim: 4 }), /18 values, expected 6 x 4/);
    assert.throws(() => writeEmbeddings(file, { ...TABLE, dim: 0 }), /dim/);
    assert.equal(fs.existsSync(file), false);
  });
});

describe("readEmbeddings", () => {
  it("keeps only the asked view's rows, in file order", () => {
    const file = path.join(dir, "views.arrow");
    writeEmbeddings(file, TABLE);
    const eft = readEmbeddings(file, { view: "eft" });
    assert.deepEqual(eft.ids, ["r0", "r1", "r2"]);
    assert.deepEqual(Array.from(eft.data), Array.from(TABLE.data.subarray(9)));
    assert.deepEqual(Array.from(readEmbeddings(file, { view: "ift" }).data), Array.from(TABLE.data.subarray(0, 9)));
  });

  it("narrows to a view without copying when its rows are consecutive, and copies when they are not", () => {
    const file = path.join(dir, "views-zero-copy.arrow");
    writeEmbeddings(file, TABLE);
    const bytes = fs.statSync(file).size;
    const eft = readEmbeddings(file, { view: "eft" });
    assert.ok(eft.data.buffer.byteLength >= bytes, "a view of the file's bytes, not a copy of 3 rows");
    const interleaved = path.join(dir, "views-interleaved.arrow");
    writeEmbeddings(interleaved, { ...TABLE, views: ["ift", "eft", "ift", "eft", "ift", "eft"] });
    const odd = readEmbeddings(interleaved, { view: "eft" });
    assert.equal(odd.data.buffer.byteLength, odd.data.byteLength, "rows 1, 3, 5: copied into their own array");
    assert.deepEqual(Array.from(odd.data), [...TABLE.data.subarray(3, 6), ...TABLE.data.subarray(9, 12), ...TABLE.data.subarray(15, 18)]);
    assert.deepEqual(odd.ids, ["r1", "r0", "r2"]);
  });

  it("reads both views from one read of the file, each the same as reading it alone", () => {
    const file = path.join(dir, "both-views.arrow");
    writeEmbeddings(file, TABLE);
    const both = readEmbeddingViews(file, ["ift", "eft"]);
    for (const view of ["ift", "eft"] as const) {
      const alone = readEmbeddings(file, { view });
      assert.deepEqual(both[view].ids, alone.ids);
      assert.deepEqual(Array.from(both[view].data), Array.from(alone.data));
    }
    assert.equal(both.ift.data.buffer, both.eft.data.buffer, "one buffer: the file was read once");
  });

  it("gathers a many-batch file batch by batch: rows, ids, views and error rows count across batches", () => {
    const batch = (ids: string[], views: string[], values: number[]) => {
      const child = makeData({ type: new Float32(), length: values.length, nullCount: 0, data: Float32Array.from(values) });
      const vectors = makeData({ type: new FixedSizeList(2, new Field("item", new Float32(), false)), length: ids.length, nullCount: 0, child });
      const utf8 = (strings: string[]) => vectorFromArray(strings, new Utf8()).data[0];
      const fields = [new Field("id", new Utf8(), false), new Field("view", new Utf8(), false), new Field("embedding", vectors.type, false)];
      return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: ids.length, nullCount: 0, children: [utf8(ids), utf8(views), vectors] }));
    };
    const file = path.join(dir, "three-batches.arrow");
    const batches = [batch(["a", "b"], ["ift", "eft"], [1, 2, 3, 4]), batch(["c"], ["eft"], [5, 6]), batch(["d", "e"], ["ift", "eft"], [7, 8, 9, 10])];
    fs.writeFileSync(file, tableToIPC(new Table(batches), "file"));
    const all = readEmbeddings(file);
    assert.deepEqual(all.ids, ["a", "b", "c", "d", "e"]);
    assert.deepEqual(Array.from(all.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const eft = readEmbeddings(file, { view: "eft" });
    assert.deepEqual(eft.ids, ["b", "c", "e"]);
    assert.deepEqual(Array.from(eft.data), [3, 4, 5, 6, 9, 10]);
    const bad = path.join(dir, "three-batches-nan.arrow");
    fs.writeFileSync(bad, tableToIPC(new Table([batches[0], batches[1], batch(["d", "e"], ["ift", "eft"], [7, 8, 9, Number.NaN])]), "file"));
    assert.throws(
      () => readEmbeddings(bad),
      (err: unknown) => err instanceof BadFileError && err.message === `${bad}: embedding row 4 has NaN`,
    );
  });

  it("names the file row, not the position within the view, for a NaN", () => {
    const file = path.join(dir, "nan-eft.arrow");
    const data = TABLE.data.slice();
    data[4 * 3 + 2] = Number.NaN; // file row 4, the second eft row
    writeEmbeddings(file, { ...TABLE, data });
    assert.throws(
      () => readEmbeddings(file, { view: "eft" }),
      (err: unknown) => err instanceof BadFileError && err.message === `${file}: embedding row 4 has NaN`,
    );
  });

  it("says when no row has the asked view", () => {
    const file = path.join(dir, "ift-only.arrow");
    writeEmbeddings(file, { ids: ["a"], views: ["ift"], dim: 1, data: Float32Array.from([1]) });
    assert.throws(() => readEmbeddings(file, { view: "eft" }), /no rows with view "eft"/);
  });

  it("numbers rows as ids when there is no id column, converts Float64, and reads streams and many batches", () => {
    const valueType = new Float64();
    const batch = (values: number[]) => {
      const child = makeData({ type: valueType, length: values.length, nullCount: 0, data: Float64Array.from(values) });
      const vectors = makeData({ type: new FixedSizeList(2, new Field("item", valueType, false)), length: values.length / 2, nullCount: 0, child });
      const fields = [new Field("vec", vectors.type, false)];
      return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: vectors.length, nullCount: 0, children: [vectors] }));
    };
    const file = path.join(dir, "user.arrows");
    fs.writeFileSync(file, tableToIPC(new Table([batch([0.1, 0.2, 0.3, 0.4]), batch([0.5, 0.6])]), "stream"));
    const read = readEmbeddings(file, { column: "vec", view: "eft" }); // no view column: no filter
    assert.deepEqual(read.ids, ["0", "1", "2"]);
    assert.equal(read.dim, 2);
    assert.ok(read.data instanceof Float32Array);
    assert.deepEqual(Array.from(read.data), Array.from(Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])));
  });
});

describe("readEmbeddings ids", () => {
  it("reads an integer id column (Int64, as pandas writes it) as exact decimal strings", () => {
    const values = Float32Array.from([0, 1, 2, 3]);
    const child = makeData({ type: new Float32(), length: 4, nullCount: 0, data: values });
    const embedding = makeData({ type: new FixedSizeList(2, new Field("item", new Float32(), false)), length: 2, nullCount: 0, child });
    const id = vectorFromArray([2n ** 62n + 1n, 7n], new Int64()).data[0];
    const fields = [new Field("id", new Int64(), false), new Field("embedding", embedding.type, false)];
    const struct = makeData({ type: new Struct(fields), length: 2, nullCount: 0, children: [id, embedding] });
    const file = path.join(dir, "int-ids.arrow");
    fs.writeFileSync(file, tableToIPC(new Table([new RecordBatch(new Schema(fields), struct)]), "file"));
    assert.deepEqual(readEmbeddings(file).ids, ["4611686018427387905", "7"]);
  });
});
