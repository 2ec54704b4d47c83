/**
 * How much memory `proxyrm select` needs for a k-center run over an embeddings file, worked
 * out from the file's size and footer before anything large is read, so that a file that
 * cannot fit is refused up front with the estimate instead of failing minutes in.
 */
import { Precision, type FixedSizeList } from "apache-arrow";
import { fixedListSize, readArrowFooter } from "../store/arrow-footer";

/** Bytes per row of kCenterGreedy's state: min-distance (8), owner (4), move buffer (4), group lists (4), picked (1). */
export const KCENTER_BYTES_PER_ROW = 21;
/** A row id string ("123456") and its array slot, as V8 stores them (measured: ~40 B). */
export const ID_BYTES_PER_ROW = 40;

export interface MemoryEstimate {
  total: number;
  parts: { what: string; bytes: number }[];
}

/**
 * The estimate for a file, or undefined when its footer cannot be read (a stream-format
 * file): then the run goes ahead and the reader says what is wrong, if anything is.
 * `runtimeBytes` is what the process already holds (its RSS now).
 */
export function estimateSelectMemory(file: string, column: string, runtimeBytes: number): MemoryEstimate | undefined {
  const shape = readArrowFooter(file);
  if (shape === undefined) return undefined;
  const dim = fixedListSize(shape.schema, column);
  if (dim === undefined || dim < 1) return undefined;
  // Every byte of a row-major float32 vector is in the file, so this bounds the row count.
  const rows = Math.floor(shape.bytes / (4 * dim));
  const field = shape.schema.fields.find((f) => f.name === column)!;
  const float64 = (field.type as FixedSizeList).children[0].type.precision !== Precision.SINGLE;
  // Mirrors readEmbeddings: several batches (no dictionaries) are gathered one batch at a
  // time; otherwise the file is read whole and Float64 values are converted into a copy. A
  // view's rows are assumed consecutive, as proxyrm writes them (then narrowing copies nothing).
  const batchByBatch = shape.recordBatches > 1 && shape.dictionaries === 0;
  const reading = batchByBatch
    ? [
        { what: "the vectors", bytes: rows * dim * 4 },
        { what: "one record batch at a time", bytes: Math.max(...shape.blocks.map((b) => b.length)) },
      ]
    : [
        { what: "the file, read whole", bytes: shape.bytes },
        ...(float64 ? [{ what: "the vectors converted to Float32", bytes: rows * dim * 4 }] : []),
      ];
  const parts = [
    ...reading,
    { what: `k-center state (~${rows} rows x ${KCENTER_BYTES_PER_ROW} B)`, bytes: rows * KCENTER_BYTES_PER_ROW },
    { what: "row ids", bytes: rows * ID_BYTES_PER_ROW },
    { what: "the runtime", bytes: runtimeBytes },
  ];
  return { total: parts.reduce((sum, p) => sum + p.bytes, 0), parts };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return `${Math.ceil(bytes / 2 ** 10)} KiB`;
}

export function describeEstimate(e: MemoryEstimate): string {
  return `${formatBytes(e.total)} (${e.parts.map((p) => `${p.what} ${formatBytes(p.bytes)}`).join(", ")})`;
}

/** "8G", "512M", "1.5GiB", "1000000" (bytes): a size in bytes, or undefined when unreadable. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (match === null) return undefined;
  const scale = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[match[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  const bytes = Math.floor(Number(match[1]) * scale);
  return bytes > 0 ? bytes : undefined;
}
