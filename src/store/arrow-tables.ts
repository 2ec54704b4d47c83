/**
 * The run directory's Arrow tables (shared/DESIGN.md, "Run directory contract"): one column
 * spec per table drives both the writer and the validating reader, so a schema is stated once.
 *
 * Files are Arrow IPC *file* format with non-nullable fields and no metadata, written
 * atomically; identical rows give identical bytes (the contract's "same seed, same bytes").
 * Readers accept file or stream format and any compatible type (LargeUtf8 or dictionary
 * strings, any integer width, integer floats), since users and pyarrow write these files too.
 * Row numbers in error messages are 0-based row indices, as pandas and pyarrow show them.
 */
import * as fs from "node:fs";
import {
  DataType,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  type Data,
  type Vector,
} from "apache-arrow";
import { BadFileError } from "../errors";
import type { LabelRow, PairRow, PromptRow, ProxyScoreRow, ResponseRow } from "../types";
import { writeFileAtomic } from "./atomic";

/** The three physical column types the run tables use. */
export type ColumnKind = "utf8" | "int32" | "float64";

/** One column of a run table: its name in the file, its type, and what values are valid. */
export interface ColumnSpec<Row> {
  name: keyof Row & string;
  kind: ColumnKind;
  /** Says what is wrong with a (non-null, correctly typed) value, or returns undefined. */
  check?: (value: string | number) => string | undefined;
}

/** The ordered columns of one run table. */
export interface TableSpec<Row> {
  table: string;
  columns: readonly ColumnSpec<Row>[];
}

const SPLITS: readonly string[] = ["seed", "pool", "heldout", "heldout-uniform"];
const oneOf = (allowed: readonly string[]) => (value: string | number) =>
  allowed.includes(value as string) ? undefined : `"${value}" is not one of ${allowed.join(", ")}`;
const inRange = (min: number, max: number) => (value: string | number) =>
  (value as number) >= min && (value as number) <= max ? undefined : `${value} is outside [${min}, ${max}]`;
const nonNegative = (value: string | number) => ((value as number) >= 0 ? undefined : `${value} is negative`);

/** Column specs of every run table, keyed by the table they describe. */
export const TABLE_SPECS = {
  prompts: {
    table: "prompts",
    columns: [
      { name: "prompt_id", kind: "utf8" },
      { name: "prompt", kind: "utf8" },
      { name: "task", kind: "utf8" },
      { name: "split", kind: "utf8", check: oneOf(SPLITS) },
    ],
  } satisfies TableSpec<PromptRow>,
  responses: {
    table: "responses",
    columns: [
      { name: "response_id", kind: "utf8" },
      { name: "prompt_id", kind: "utf8" },
      { name: "text", kind: "utf8" },
      // Not checked against ResponseSource: the contract leaves the set open ("seed|policy|...").
      { name: "source", kind: "utf8" },
    ],
  } satisfies TableSpec<ResponseRow>,
  labels: {
    table: "labels",
    columns: [
      { name: "response_id", kind: "utf8" },
      { name: "score", kind: "int32", check: inRange(0, 5) },
      { name: "rationale", kind: "utf8" },
      { name: "oracle", kind: "utf8" },
      { name: "cost", kind: "float64", check: nonNegative },
    ],
  } satisfies TableSpec<LabelRow>,
  proxyScores: {
    table: "proxy_scores",
    columns: [
      { name: "response_id", kind: "utf8" },
      { name: "mean", kind: "float64" },
      { name: "std", kind: "float64", check: nonNegative },
    ],
  } satisfies TableSpec<ProxyScoreRow>,
  pairs: {
    table: "pairs",
    columns: [
      { name: "prompt", kind: "utf8" },
      { name: "chosen", kind: "utf8" },
      { name: "rejected", kind: "utf8" },
      { name: "margin", kind: "float64" },
    ],
  } satisfies TableSpec<PairRow>,
} as const;

// ---------------------------------------------------------------------------------------
// Writing

/**
 * Builds an Arrow table from rows with the spec's exact schema (non-nullable fields, one
 * record batch even when empty, so an empty table keeps its column types). Rows that break
 * the spec are a bug in the caller and throw a plain Error naming table, row and column.
 */
export function tableFromRows<Row>(spec: TableSpec<Row>, rows: readonly Row[]): Table {
  const fields = spec.columns.map((column) => new Field(column.name, arrowType(column.kind), false));
  const children = spec.columns.map((column) => columnData(spec, column, rows));
  const struct = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children });
  return new Table([new RecordBatch(new Schema(fields), struct)]);
}

function arrowType(kind: ColumnKind): Utf8 | Int32 | Float64 {
  if (kind === "utf8") return new Utf8();
  if (kind === "int32") return new Int32();
  return new Float64();
}

function columnData<Row>(spec: TableSpec<Row>, column: ColumnSpec<Row>, rows: readonly Row[]): Data {
  const values = rows.map((row, index) => {
    const value = row[column.name] as unknown;
    const problem = typeProblem(column.kind, value) ?? column.check?.(value as string | number);
    if (problem !== undefined) {
      throw new Error(`${spec.table} table: row ${index}, column ${column.name}: ${problem}`);
    }
    return value as string | number;
  });
  const length = values.length;
  if (column.kind === "int32") return makeData({ type: new Int32(), length, nullCount: 0, data: Int32Array.from(values as number[]) });
  if (column.kind === "float64") return makeData({ type: new Float64(), length, nullCount: 0, data: Float64Array.from(values as number[]) });
  return utf8Data(values as string[]);
}

function typeProblem(kind: ColumnKind, value: unknown): string | undefined {
  if (kind === "utf8") return typeof value === "string" ? undefined : `expected a string, got ${describe(value)}`;
  if (typeof value !== "number" || !Number.isFinite(value)) return `expected a finite number, got ${describe(value)}`;
  if (kind === "int32" && !(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31)) {
    return `expected a 32-bit integer, got ${value}`;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === "string" ? `"${value.slice(0, 40)}"` : `${typeof value} ${String(value).slice(0, 40)}`;
}

// Built by hand rather than with a Builder so that no validity bitmap is allocated: the
// bytes then depend on the values alone.
function utf8Data(values: readonly string[]): Data<Utf8> {
  const encoder = new TextEncoder();
  const encoded = values.map((value) => encoder.encode(value));
  const valueOffsets = new Int32Array(values.length + 1);
  let total = 0;
  encoded.forEach((bytes, index) => {
    total += bytes.length;
    valueOffsets[index + 1] = total;
  });
  if (total >= 2 ** 31) throw new Error(`string column of ${total} bytes exceeds Utf8's 2 GiB offsets`);
  const data = new Uint8Array(total);
  encoded.forEach((bytes, index) => data.set(bytes, valueOffsets[index]));
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets, data });
}

/** Writes rows as an Arrow IPC file, atomically. */
export function writeTable<Row>(file: string, spec: TableSpec<Row>, rows: readonly Row[]): void {
  writeFileAtomic(file, tableToIPC(tableFromRows(spec, rows), "file"));
}

// ---------------------------------------------------------------------------------------
// Reading

const ARROW_MAGIC = "ARROW1";

/**
 * Reads an Arrow IPC file or stream. Throws a BadFileError naming the file when it is
 * missing, empty, not Arrow IPC (checked by magic bytes, because apache-arrow parses some
 * garbage as an empty table), truncated or otherwise unreadable.
 */
/**
 * apache-arrow (19) decodes a record batch over 2 GiB as all zeros (seen on a 1M x 768 float32
 * file): such input is refused, never read wrong. Files of several smaller batches are fine:
 * readEmbeddings reads those one batch at a time (store/arrow-batches.ts).
 */
export const MAX_BATCH_BYTES = 2 ** 31 - 1;

export function tooLargeError(file: string, bytes: number): BadFileError {
  return new BadFileError(
    file,
    `has a ${(bytes / 2 ** 30).toFixed(2)} GiB record batch; apache-arrow reads at most 2 GiB in one batch: write the file in record batches under 2 GiB each (pyarrow: pa.ipc.new_file(path, schema).write_table(table, max_chunksize=rows))`,
  );
}

function readWhole(file: string): Uint8Array {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size > MAX_BATCH_BYTES) throw tooLargeError(file, size);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function readArrowIpc(file: string): Table {
  let bytes: Uint8Array;
  try {
    bytes = readWhole(file);
  } catch (err) {
    if (err instanceof BadFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new BadFileError(file, code === "ENOENT" ? "file not found" : `cannot read (${code ?? (err as Error).message})`);
  }
  if (bytes.length === 0) throw new BadFileError(file, "empty file (expected Arrow IPC)");
  const head = ascii(bytes.subarray(0, 6));
  const isFile = head === ARROW_MAGIC;
  const isStream = bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  if (!isFile && !isStream) {
    const hint = head.startsWith("FEA1") ? " (Feather v1 is not supported; save as Feather v2 / Arrow IPC)" : head.startsWith("PAR1") ? " (this is Parquet)" : "";
    throw new BadFileError(file, `not an Arrow IPC file or stream${hint}`);
  }
  if (isFile && (bytes.length < 12 || ascii(bytes.subarray(bytes.length - 6)) !== ARROW_MAGIC)) {
    throw new BadFileError(file, "truncated Arrow IPC file (no closing ARROW1 magic)");
  }
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw new BadFileError(file, `corrupt Arrow IPC data (${oneLine((err as Error).message)})`);
  }
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * The values of one column, checked against `kind`: a missing column, an incompatible type
 * or a value that fails the integer conversion is a BadFileError naming file and column.
 * Nulls come back as null for the caller to judge.
 */
export function readColumn(file: string, table: Table, name: string, kind: "utf8"): (string | null)[];
export function readColumn(file: string, table: Table, name: string, kind: ColumnKind): (string | number | null)[];
export function readColumn(file: string, table: Table, name: string, kind: ColumnKind): (string | number | null)[] {
  const field = table.schema.fields.find((candidate) => candidate.name === name);
  const vector = table.getChild(name) as Vector | null;
  if (!field || !vector) {
    const present = table.schema.fields.map((candidate) => candidate.name).join(", ") || "none";
    throw new BadFileError(file, `missing column "${name}" (${kind}); columns present: ${present}`);
  }
  if (!compatible(kind, field.type)) {
    throw new BadFileError(file, `column "${name}" has type ${field.type}, expected ${kind}`);
  }
  const values: (string | number | null)[] = new Array(table.numRows);
  let index = 0;
  for (const raw of vector) {
    const value = typeof raw === "bigint" ? Number(raw) : (raw as string | number | null);
    if (kind === "int32" && value !== null && !(Number.isInteger(value) && Math.abs(value as number) < 2 ** 31)) {
      throw new BadFileError(file, `column "${name}" at row index ${index}: ${value} is not a 32-bit integer`);
    }
    values[index++] = value;
  }
  return values;
}

function compatible(kind: ColumnKind, type: DataType): boolean {
  const stringType = (t: DataType) => DataType.isUtf8(t) || DataType.isLargeUtf8(t);
  if (kind === "utf8") return stringType(type) || (DataType.isDictionary(type) && stringType(type.dictionary));
  if (kind === "int32") return DataType.isInt(type);
  return DataType.isFloat(type) || DataType.isInt(type);
}

/**
 * Reads a run table and validates it against its spec: every column present with a
 * compatible type, no nulls, finite numbers, every value passing the column's check.
 * An empty table is returned as []; whether that is acceptable is the caller's call.
 */
export function readTable<Row>(file: string, spec: TableSpec<Row>): Row[] {
  const table = readArrowIpc(file);
  const columns = spec.columns.map((column) => {
    const values = readColumn(file, table, column.name, column.kind);
    values.forEach((value, index) => {
      const problem =
        value === null
          ? "is null"
          : column.kind !== "utf8" && !Number.isFinite(value)
            ? `${value} is not finite`
            : column.check?.(value);
      if (problem !== undefined) throw new BadFileError(file, `column "${column.name}" at row index ${index}: ${problem}`);
    });
    return values;
  });
  return Array.from({ length: table.numRows }, (_, index) => {
    const row: Record<string, string | number | null> = {};
    spec.columns.forEach((column, columnIndex) => (row[column.name] = columns[columnIndex][index]));
    return row as Row;
  });
}

// ---------------------------------------------------------------------------------------
// One pair of functions per run file

/** Writes prompts.arrow. */
export const writePrompts = (file: string, rows: readonly PromptRow[]): void => writeTable<PromptRow>(file, TABLE_SPECS.prompts, rows);
/** Reads and validates prompts.arrow (split must be seed, pool or heldout). */
export const readPrompts = (file: string): PromptRow[] => readTable<PromptRow>(file, TABLE_SPECS.prompts);
/** Writes responses.arrow. */
export const writeResponses = (file: string, rows: readonly ResponseRow[]): void => writeTable<ResponseRow>(file, TABLE_SPECS.responses, rows);
/** Reads and validates responses.arrow. */
export const readResponses = (file: string): ResponseRow[] => readTable<ResponseRow>(file, TABLE_SPECS.responses);
/** Writes labels.arrow or baseline_labels.arrow (same schema). */
export const writeLabels = (file: string, rows: readonly LabelRow[]): void => writeTable<LabelRow>(file, TABLE_SPECS.labels, rows);
/** Reads and validates labels.arrow or baseline_labels.arrow (score an integer in 0..5). */
export const readLabels = (file: string): LabelRow[] => readTable<LabelRow>(file, TABLE_SPECS.labels);
/** Writes proxy_scores.arrow. */
export const writeProxyScores = (file: string, rows: readonly ProxyScoreRow[]): void => writeTable<ProxyScoreRow>(file, TABLE_SPECS.proxyScores, rows);
/** Reads and validates proxy_scores.arrow. */
export const readProxyScores = (file: string): ProxyScoreRow[] => readTable<ProxyScoreRow>(file, TABLE_SPECS.proxyScores);
/** Writes pairs.arrow (TRL's prompt/chosen/rejected plus margin). */
export const writePairs = (file: string, rows: readonly PairRow[]): void => writeTable<PairRow>(file, TABLE_SPECS.pairs, rows);
/** Reads and validates pairs.arrow. */
export const readPairs = (file: string): PairRow[] => readTable<PairRow>(file, TABLE_SPECS.pairs);
