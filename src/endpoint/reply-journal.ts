/**
 * A durable cache of endpoint replies that cost money: the external policy's completions and the
 * embedder's vectors, one JSON line `{"key":..., "value":...}` per request input, appended and
 * fsynced as replies arrive. A generate or embed stage killed half way resumes from it and asks
 * the endpoint only for what is missing (the expert's calls have their own journal, the ledger).
 * Keys are sha256 of everything that shapes the reply; no times, paths or secrets.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BadFileError } from "../errors";
import { appendLineDurable } from "../store/atomic";

export function replyKey(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

export class ReplyJournal<T> {
  private readonly values = new Map<string, T>();
  /** Byte offset of a torn last line to drop before the next append, if any. */
  private tornAt?: number;

  constructor(readonly file: string) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new BadFileError(file, `cannot read: ${(error as Error).message}`);
    }
    const lines = bytes.toString("utf8").split("\n");
    const tail = lines.pop() as string;
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      const entry = this.parse(line);
      if (entry === undefined) throw new BadFileError(file, `line ${i + 1}: not a {"key", "value"} record`);
      this.values.set(entry.key, entry.value);
    });
    if (tail.trim() !== "") {
      const entry = this.parse(tail);
      // A crash mid-append: drop the torn bytes (that reply is asked for again).
      if (entry === undefined) this.tornAt = bytes.lastIndexOf(0x0a) + 1;
      else {
        this.values.set(entry.key, entry.value);
        appendLineDurable(file, "");
      }
    }
  }

  private parse(line: string): { key: string; value: T } | undefined {
    try {
      const entry = JSON.parse(line) as { key?: unknown; value?: unknown };
      if (typeof entry.key === "string" && "value" in entry) return entry as { key: string; value: T };
    } catch {
      // torn or foreign
    }
    return undefined;
  }

  get(key: string): T | undefined {
    return this.values.get(key);
  }

  /** Records replies durably (one write and fsync for all of them). */
  put(entries: { key: string; value: T }[]): void {
    if (entries.length === 0) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (this.tornAt !== undefined) {
      fs.truncateSync(this.file, this.tornAt);
      this.tornAt = undefined;
    }
    // JSON.stringify escapes newlines, so each record is one line; one write, one fsync.
    const text = entries.map((e) => `${JSON.stringify({ key: e.key, value: e.value })}\n`).join("");
    const fd = fs.openSync(this.file, "a");
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    for (const e of entries) this.values.set(e.key, e.value);
  }
}
