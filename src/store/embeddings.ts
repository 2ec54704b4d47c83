/**
 * embeddings.arrow (shared/DESIGN.md, "Run directory contract"): columns `id` Utf8,
 * `view` Utf8 ("ift" | "eft"), `embedding` FixedSizeList<Float32>[dim].
 *
 * The reader also serves `proxyrm select` over a user's own file, so it is lenient where a
 * user file reasonably differs (no `id` or `view` column, another column name, Float64
 * values) and strict where a bad value would silently skew selection (null, NaN, Infinity).
 */
import {
  DataType,
  Field,
  FixedSizeList,
  Float32,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
  type Data,
  type Vector,
} from "apache-arrow";
import { BadFileError } from "../errors";
import type { EmbeddingTable, EmbeddingView } from "../types";
import { batchesFromDisk } from "./arrow-batches";
import { readArrowFooter, type ArrowFileShape } from "./arrow-footer";
import { readArrowIpc, readColumn } from "./arrow-tables";
import { writeFileAtomic } from "./atomic";

/** The largest finite Float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** One embedding per row, row-major. `ids` are row numbers as strings when the file has no `id`. */
export interface EmbeddingMatrix {
  ids: string[];
  dim: number;
  data: Float32Array;
}

export interface ReadEmbeddingsOptions {
  /** The FixedSizeList column holding the vectors; default "embedding". */
  column?: string;
  /** Keep only rows of this view; applies only when the file has a `view` column. */
  view?: EmbeddingView;
}

/**
 * Writes an embeddings table atomically (temp file + rename): a crash leaves the old file or
 * the new one, never a truncated one. The vectors are handed to Arrow without a copy.
 */
export function writeEmbeddings(file: string, table: EmbeddingTable): void {
  const { ids, views, dim, data } = table;
  // A shape mismatch here is a bug in the caller, not bad user input: plain Error.
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`writeEmbeddings(${file}): dim must be a positive integer, got ${dim}`);
  if (views.length !== ids.length) {
    throw new Error(`writeEmbeddings(${file}): ${ids.length} ids but ${views.length} views`);
  }
  if (data.length !== ids.length * dim) {
    throw new Error(`writeEmbeddings(${file}): data has ${data.length} values, expected ${ids.length} x ${dim}`);
  }
  const values = makeData({ type: new Float32(), length: data.length, nullCount: 0, data });
  const vectorType = new FixedSizeList(dim, new Field("item", new Float32(), false));
  const embedding = makeData({ type: vectorType, length: ids.length, nullCount: 0, child: values });
  // Non-nullable fields and one record batch even when empty, like the other run tables
  // (store/arrow-tables.ts), so an empty file keeps its schema.
  const fields = [
    new Field("id", new Utf8(), false),
    new Field("view", new Utf8(), false),
    new Field("embedding", vectorType, false),
  ];
  const children = [utf8Data(ids), utf8Data(views), embedding];
  const struct = makeData({ type: new Struct(fields), length: ids.length, nullCount: 0, children });
  const arrow = new Table([new RecordBatch(new Schema(fields), struct)]);
  writeFileAtomic(file, tableToIPC(arrow, "file"));
}

function utf8Data(values: readonly string[]): Data<Utf8> {
  const data = vectorFromArray(values as string[], new Utf8()).data;
  // vectorFromArray yields one chunk for a plain array; an empty array yields none.
  return data.length === 1 ? data[0] : makeData({ type: new Utf8(), length: 0, nullCount: 0, valueOffsets: new Int32Array(1), data: new Uint8Array(0) });
}

/**
 * Reads one embedding column into a row-major Float32Array (zero-copy when the file holds a
 * single Float32 record batch and the view's rows, if a view is asked for, are consecutive).
 * Throws a one-line BadFileError naming the file and the column or row for anything that
 * would make selection meaningless.
 */
export function readEmbeddings(file: string, options: ReadEmbeddingsOptions = {}): EmbeddingMatrix {
  return pickView(openEmbeddings(file, options.column ?? "embedding"), options.view);
}

/**
 * Several views from one read of the file: each a view of the same bytes where its rows are
 * consecutive, so a run's IFT and EFT matrices together cost the file once, not twice.
 */
export function readEmbeddingViews<V extends EmbeddingView>(file: string, views: readonly V[], column = "embedding"): Record<V, EmbeddingMatrix> {
  const opened = openEmbeddings(file, column);
  return Object.fromEntries(views.map((view) => [view, pickView(opened, view)])) as Record<V, EmbeddingMatrix>;
}

interface OpenedEmbeddings {
  file: string;
  columnName: string;
  dim: number;
  all: Float32Array;
  ids: string[];
  /** The `view` column, when the file has one. */
  views: (string | null)[] | undefined;
}

function openEmbeddings(file: string, columnName: string): OpenedEmbeddings {
  const shape = readArrowFooter(file);
  if (shape !== undefined && shape.recordBatches > 1 && shape.dictionaries === 0) return openBatchByBatch(file, columnName, shape);
  const table = readArrowIpc(file);
  if (table.numRows === 0) throw new BadFileError(file, "has no rows");
  const dim = vectorDim(file, columnName, findColumn(file, table.schema, columnName).type);
  const column = table.getChild(columnName)!;
  return { file, columnName, dim, all: flattenVectors(file, columnName, column, dim), ids: readIds(file, table, 0), views: readViews(file, table) };
}

/**
 * A file of several record batches, gathered into one array a batch at a time: peak memory is
 * the vectors plus one batch, not the whole file plus a copy of its vectors.
 */
function openBatchByBatch(file: string, columnName: string, shape: ArrowFileShape): OpenedEmbeddings {
  const dim = vectorDim(file, columnName, findColumn(file, shape.schema, columnName).type);
  // Every row's vector takes at least 4·dim bytes of its batch: an upper bound on the rows.
  const maxRows = Math.floor(shape.blocks.reduce((sum, b) => sum + b.length, 0) / (4 * dim));
  const out = new Float32Array(maxRows * dim);
  const ids: string[] = [];
  let views: (string | null)[] | undefined;
  let rows = 0;
  for (const batch of batchesFromDisk(file, shape)) {
    const column = batch.getChild(columnName)!;
    out.set(flattenVectors(file, columnName, column, dim, rows), rows * dim);
    for (const id of readIds(file, batch, rows)) ids.push(id);
    const batchViews = readViews(file, batch);
    if (batchViews !== undefined) views = (views ?? []).concat(batchViews);
    rows += batch.numRows;
  }
  if (rows === 0) throw new BadFileError(file, "has no rows");
  return { file, columnName, dim, all: out.subarray(0, rows * dim), ids, views };
}

function findColumn(file: string, schema: Schema, columnName: string): Field {
  const field = schema.fields.find((f) => f.name === columnName);
  if (field === undefined) {
    const available = schema.fields.map((f) => f.name).join(", ") || "(none)";
    throw new BadFileError(file, `no column "${columnName}" (columns: ${available})`);
  }
  return field;
}

function pickView({ file, columnName, dim, all, ids, views }: OpenedEmbeddings, view: EmbeddingView | undefined): EmbeddingMatrix {
  const keep = view === undefined || views === undefined ? undefined : rowsOfView(views, view);
  if (keep === undefined) {
    checkFinite(file, columnName, all, dim, null);
    return { ids, dim, data: all };
  }
  if (keep.length === 0) throw new BadFileError(file, `has no rows with view "${view}"`);
  const data = narrow(all, dim, keep);
  checkFinite(file, columnName, data, dim, keep);
  return { ids: keep.map((row) => ids[row]), dim, data };
}

/**
 * The rows `keep` (ascending) of `all`. proxyrm writes each view as one block of rows, so the
 * rows of a view are usually consecutive: then a view of the same memory, no copy.
 */
function narrow(all: Float32Array, dim: number, keep: number[]): Float32Array {
  const first = keep[0];
  if (keep[keep.length - 1] - first === keep.length - 1) return all.subarray(first * dim, (first + keep.length) * dim);
  const data = new Float32Array(keep.length * dim);
  keep.forEach((row, i) => data.set(all.subarray(row * dim, (row + 1) * dim), i * dim));
  return data;
}

function vectorDim(file: string, columnName: string, type: DataType): number {
  const wrongType = () =>
    new BadFileError(file, `column "${columnName}" is ${type}, expected FixedSizeList<Float32> (or Float64)`);
  if (!DataType.isFixedSizeList(type)) throw wrongType();
  const valueType = type.children[0].type;
  const isFloat32or64 =
    DataType.isFloat(valueType) && (valueType.precision === Precision.SINGLE || valueType.precision === Precision.DOUBLE);
  if (!isFloat32or64) throw wrongType();
  if (type.listSize < 1) throw new BadFileError(file, `column "${columnName}" has dimension 0`);
  return type.listSize;
}

/** All rows of the column as one row-major Float32Array; rejects null rows and null values. */
function flattenVectors(file: string, columnName: string, column: Vector, dim: number, firstRow = 0): Float32Array {
  const chunks = column.data as Data<FixedSizeList>[];
  if (chunks.length === 1 && isPlainFloat32(chunks[0], dim)) {
    checkNoNulls(file, columnName, chunks[0], firstRow);
    return chunks[0].children[0].values as Float32Array; // zero-copy: a view into the file bytes
  }
  const out = new Float32Array(column.length * dim);
  let row = 0;
  for (const chunk of chunks) {
    checkNoNulls(file, columnName, chunk, firstRow + row);
    const child = chunk.children[0];
    if (child.values instanceof Float64Array) checkFitsFloat32(file, columnName, child.values.subarray(0, chunk.length * dim), dim, firstRow + row);
    // IPC batches start at offset 0; a sliced chunk is rare enough to take the slow exact path.
    if (chunk.offset === 0 && child.offset === 0) {
      out.set(child.values.subarray(0, chunk.length * dim), row * dim);
    } else {
      for (let i = 0; i < chunk.length; i++) {
        const vec = column.get(row + i) as Vector;
        for (let j = 0; j < dim; j++) out[(row + i) * dim + j] = vec.get(j) as number;
      }
    }
    row += chunk.length;
  }
  return out;
}

/** A Float64 beyond Float32's range would silently become Infinity in the conversion. */
function checkFitsFloat32(file: string, columnName: string, values: Float64Array, dim: number, firstRow: number): void {
  for (let k = 0; k < values.length; k++) {
    if (Math.abs(values[k]) > FLOAT32_MAX && Number.isFinite(values[k])) {
      throw new BadFileError(file, `${columnName} row ${firstRow + Math.floor(k / dim)} has ${values[k]}, beyond Float32 range`);
    }
  }
}

function isPlainFloat32(chunk: Data<FixedSizeList>, dim: number): boolean {
  const child = chunk.children[0];
  return (
    chunk.offset === 0 &&
    child.offset === 0 &&
    child.values instanceof Float32Array &&
    child.values.length === chunk.length * dim
  );
}

function checkNoNulls(file: string, columnName: string, chunk: Data<FixedSizeList>, firstRow: number): void {
  const child = chunk.children[0];
  if (chunk.nullCount === 0 && child.nullCount === 0) return;
  for (let i = 0; i < chunk.length; i++) {
    if (!chunk.getValid(i)) throw new BadFileError(file, `${columnName} row ${firstRow + i} is null`);
  }
  const dim = chunk.type.listSize;
  for (let k = 0; k < chunk.length * dim; k++) {
    if (!child.getValid(k)) {
      throw new BadFileError(file, `${columnName} row ${firstRow + Math.floor(k / dim)} has a null value`);
    }
  }
}

/** Row numbers in `rows` (the file's rows kept by the view filter) when given, else positions. */
function checkFinite(file: string, columnName: string, data: Float32Array, dim: number, rows: number[] | null): void {
  for (let k = 0; k < data.length; k++) {
    const value = data[k];
    if (value - value !== 0) {
      // x - x is 0 for every finite x and NaN for NaN and ±Infinity: one test for both.
      const position = Math.floor(k / dim);
      const row = rows === null ? position : rows[position];
      throw new BadFileError(file, `${columnName} row ${row} has ${Number.isNaN(value) ? "NaN" : String(value)}`);
    }
  }
}

/**
 * Row ids as strings, whatever the id column's type: pandas and pyarrow write integer ids as
 * Int64, others use Int32 or utf8. A 64-bit integer is written out exactly (from its bigint).
 * Without an id column, file row numbers as strings.
 */
function readIds(file: string, table: Table, firstRow: number): string[] {
  const column = table.getChild("id");
  if (column === null) return Array.from({ length: table.numRows }, (_, i) => String(firstRow + i));
  const ids: string[] = new Array(table.numRows);
  let row = 0;
  for (const value of column as Vector) {
    if (value === null || value === undefined) throw new BadFileError(file, `id row ${firstRow + row} is null`);
    ids[row++] = String(value);
  }
  return ids;
}

/** The `view` column's values, or undefined when the file has none (then no filter applies). */
function readViews(file: string, table: Table): (string | null)[] | undefined {
  return table.getChild("view") === null ? undefined : readColumn(file, table, "view", "utf8");
}

/** File rows whose `view` equals `view`. */
function rowsOfView(views: readonly (string | null)[], view: EmbeddingView): number[] {
  const rows: number[] = [];
  views.forEach((value, row) => {
    if (value === view) rows.push(row);
  });
  return rows;
}
