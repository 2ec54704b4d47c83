/**
 * Reads a user's own prompt pool (`proxyrm run --prompts F.jsonl|.parquet|.arrow`, field
 * `prompt`, optional `task`). Every problem is a one-line BadFileError naming the file and,
 * where it has one, the line (JSONL, 1-based as editors show it) or row index (tables,
 * 0-based as pandas and pyarrow show it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tableFromIPC, type Table } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { BadFileError } from "../errors";
import { readArrowIpc, readColumn } from "./arrow-tables";

/** One prompt from a user's pool; `task` is "custom" when the file gives none. */
export interface UserPrompt {
  prompt: string;
  task: string;
}

/** The task recorded for prompts whose file has no `task` field. */
export const DEFAULT_TASK = "custom";

const ARROW_EXTENSIONS = [".arrow", ".feather", ".ipc"];
const EXTENSIONS = [".jsonl", ".parquet", ...ARROW_EXTENSIONS];

/**
 * Reads prompts from `.jsonl` (one JSON object per line, blank lines skipped), `.parquet`
 * or `.arrow`/`.feather`/`.ipc` (Arrow IPC; Feather v2 only, uncompressed). A file with no
 * prompts is an error: a run cannot start from an empty pool.
 */
export function readUserPrompts(file: string): UserPrompt[] {
  const extension = path.extname(file).toLowerCase();
  if (!EXTENSIONS.includes(extension)) {
    throw new BadFileError(file, `unknown prompt file type "${extension || "(none)"}"; expected one of ${EXTENSIONS.join(", ")}`);
  }
  if (!fs.existsSync(file)) throw new BadFileError(file, "file not found");
  const prompts = extension === ".jsonl" ? readJsonlPrompts(file) : readTablePrompts(file, loadTable(file, extension));
  if (prompts.length === 0) throw new BadFileError(file, "no prompts in file");
  return prompts;
}

function readJsonlPrompts(file: string): UserPrompt[] {
  const text = readBytes(file).toString("utf8").replace(/^\uFEFF/, "");
  const prompts: UserPrompt[] = [];
  text.split("\n").forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === "") return;
    const where = `line ${index + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new BadFileError(file, `${where}: malformed JSON (${(err as Error).message.split("\n")[0]})`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new BadFileError(file, `${where}: expected a JSON object with a "prompt" field`);
    }
    const fields = record as Record<string, unknown>;
    prompts.push({ prompt: checkPrompt(file, where, fields.prompt), task: checkTask(file, where, fields.task) });
  });
  return prompts;
}

function readTablePrompts(file: string, table: Table): UserPrompt[] {
  const prompts = readColumn(file, table, "prompt", "utf8");
  const hasTask = table.schema.fields.some((field) => field.name === "task");
  const tasks = hasTask ? readColumn(file, table, "task", "utf8") : undefined;
  return prompts.map((prompt, index) => {
    const where = `row index ${index}`;
    return { prompt: checkPrompt(file, where, prompt), task: checkTask(file, where, tasks?.[index]) };
  });
}

function loadTable(file: string, extension: string): Table {
  if (ARROW_EXTENSIONS.includes(extension)) return readArrowIpc(file);
  const bytes = readBytes(file);
  if (bytes.length === 0) throw new BadFileError(file, "empty file (expected Parquet)");
  let ipcStream: Uint8Array;
  try {
    // parquet-wasm decodes into wasm memory; its IPC stream is the documented hand-off to
    // apache-arrow, and intoIPCStream() frees the wasm table.
    ipcStream = readParquet(bytes).intoIPCStream();
  } catch (err) {
    throw new BadFileError(file, `unreadable Parquet (${String(err instanceof Error ? err.message : err).split("\n")[0]})`);
  }
  try {
    return tableFromIPC(ipcStream);
  } catch (err) {
    throw new BadFileError(file, `Parquet columns apache-arrow cannot read (${(err as Error).message.split("\n")[0]})`);
  }
}

function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new BadFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function checkPrompt(file: string, where: string, value: unknown): string {
  if (value === undefined || value === null) throw new BadFileError(file, `${where}: missing "prompt"`);
  if (typeof value !== "string") throw new BadFileError(file, `${where}: "prompt" must be a string, got ${typeof value}`);
  if (value.trim() === "") throw new BadFileError(file, `${where}: "prompt" is empty`);
  return value;
}

function checkTask(file: string, where: string, value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_TASK;
  if (typeof value !== "string") throw new BadFileError(file, `${where}: "task" must be a string, got ${typeof value}`);
  return value.trim() === "" ? DEFAULT_TASK : value;
}
