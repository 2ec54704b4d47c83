/**
 * Exports a run's preference pairs to the formats cluster trainers read (shared/DESIGN.md:
 * "pairs export to the trainers people run on clusters (TRL, OpenRLHF)").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tableToIPC } from "apache-arrow";
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from "parquet-wasm";
import { BadFileError, BadOptionError, UserError } from "../errors";
import type { PairRow } from "../types";
import { readPairs, TABLE_SPECS, tableFromRows } from "./arrow-tables";
import { writeFileAtomic } from "./atomic";

/** The export formats, in the order `--format` lists them: pairs (TRL JSONL, Parquet) and the EFT judge dataset. */
export const EXPORT_FORMATS = ["trl-jsonl", "parquet", "eft-jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** The formats of pairs.arrow. */
export type PairFormat = Exclude<ExportFormat, "eft-jsonl">;

const DEFAULT_FILE_NAMES: Record<PairFormat, string> = { "trl-jsonl": "pairs.jsonl", parquet: "pairs.parquet" };

/** Checks a `--format` value; anything else is a BadOptionError listing the allowed ones. */
export function parseExportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new BadOptionError("--format", `unknown format "${value}"; expected one of ${EXPORT_FORMATS.join(", ")}`);
}

/**
 * Writes `RUN/pairs.arrow` as `format` to `out` (default `RUN/pairs.jsonl` or
 * `RUN/pairs.parquet`), atomically, and returns the file written and its row count.
 *
 * - `trl-jsonl`: one `{"prompt","chosen","rejected","margin"}` object per line. These are
 *   TRL's explicit-prompt preference columns, so `load_dataset("json", ...)` feeds
 *   DPOTrainer directly and OpenRLHF takes them via `--prompt_key/--chosen_key/--rejected_key`.
 *   `margin` (expert or proxy score gap) is kept as an extra field: trainers ignore unknown
 *   columns, and it lets users filter or weight pairs.
 * - `parquet`: the same four columns (margin Float64), Snappy-compressed.
 *
 * A run with no pairs (every margin was zero) exports an empty file rather than failing.
 */
export function exportPairs(runDir: string, format: PairFormat, out?: string): { file: string; rows: number } {
  const checkedFormat = parseExportFormat(format);
  if (checkedFormat === "eft-jsonl") throw new BadOptionError("--format", "eft-jsonl exports labels, not pairs: use exportEftDataset");
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) {
    throw new UserError(`${runDir}: run directory not found`, { code: "bad-file", blame: runDir });
  }
  const pairsFile = path.join(runDir, "pairs.arrow");
  if (!fs.existsSync(pairsFile)) throw new BadFileError(pairsFile, "not found (has the run reached its pairs stage?)");
  const file = out ?? path.join(runDir, DEFAULT_FILE_NAMES[checkedFormat]);
  if (path.resolve(file) === path.resolve(pairsFile)) {
    throw new BadOptionError("--out", `${file} is the run's own pairs.arrow; choose another file`);
  }
  const rows = readPairs(pairsFile);
  const data = checkedFormat === "trl-jsonl" ? toTrlJsonl(rows) : toParquet(rows);
  try {
    writeFileAtomic(file, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new UserError(`${file}: cannot write (${code}${code === "ENOENT" ? ": directory does not exist" : ""})`, { code: "bad-file", blame: file });
  }
  return { file, rows: rows.length };
}

function toTrlJsonl(rows: readonly PairRow[]): string {
  // Keys in a fixed order so the same pairs give the same bytes.
  return rows.map((row) => `${JSON.stringify({ prompt: row.prompt, chosen: row.chosen, rejected: row.rejected, margin: row.margin })}\n`).join("");
}

function toParquet(rows: readonly PairRow[]): Uint8Array {
  const stream = tableToIPC(tableFromRows(TABLE_SPECS.pairs, rows), "stream");
  const properties = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build();
  // writeParquet takes ownership of (and frees) both wasm objects.
  return writeParquet(WasmTable.fromIPCStream(stream), properties);
}
