/**
 * Durable file primitives for the run store (shared/DESIGN.md: "a crash never leaves a
 * truncated file; paid labels survive in the journal").
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Distinguishes temp names of concurrent writes from one process to the same target. */
let tempCounter = 0;

/**
 * Writes `data` to `file` so that readers see either the old contents or the new ones,
 * never a prefix: write a temp file in the same directory (rename is atomic only within
 * one file system), fsync it, rename it over the target, then fsync the directory so the
 * rename itself survives a power cut (best effort: some platforms cannot open a directory).
 * On failure the temp file is removed and the error rethrown unchanged (`code` kept).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${tempCounter++}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, "wx");
    writeAll(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fsyncDirectory(dir);
}

/**
 * fs.writeFileSync refuses more than 2 GiB at once (ERR_OUT_OF_RANGE); a 1M x 768 float32
 * embeddings file is 3 GiB, so bytes go out in 1 GiB pieces.
 */
function writeAll(fd: number, data: string | Uint8Array): void {
  if (typeof data === "string" || data.byteLength < 2 ** 31 - 1) {
    fs.writeFileSync(fd, data);
    return;
  }
  for (let at = 0; at < data.byteLength; ) at += fs.writeSync(fd, data, at, Math.min(2 ** 30, data.byteLength - at));
}

/**
 * Appends `line` plus "\n" to `file` (created if missing) and fsyncs before returning, so a
 * journal line (one paid oracle call in ledger.jsonl) is on disk before the caller acts on
 * it. A line containing a newline would split one record in two, so it is refused.
 */
export function appendLineDurable(file: string, line: string): void {
  if (line.includes("\n")) throw new Error(`appendLineDurable: line for ${file} contains a newline`);
  const fd = fs.openSync(file, "a");
  try {
    fs.writeFileSync(fd, `${line}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The temp name writeFileAtomic uses: `.NAME.tmp-PID-N`. */
const TEMP_NAME = /^\..+\.tmp-(\d+)-\d+$/;

/**
 * Removes, under `dir` and its subdirectories, the temp files that writeFileAtomic of another
 * process left behind: a process killed with -9 between creating a temp file and renaming it
 * leaves one. Call it only while holding the run directory's lock, when no other process can be
 * writing there; this process's own temp files are kept. Returns how many were removed.
 */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += removeStaleTemps(full);
      continue;
    }
    const match = TEMP_NAME.exec(entry.name);
    if (match && Number(match[1]) !== process.pid) {
      fs.rmSync(full, { force: true });
      removed++;
    }
  }
  return removed;
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories and some file systems reject fsync on them; the
    // rename has happened either way, only its durability across a power cut is weaker.
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already failing: the original error is the one worth reporting.
  }
}
