/**
 * Writing and reading embeddings.arrow (src/store/embeddings.ts) against the disk's bandwidth
 * measured in the same run with dd (write with fdatasync, like our atomic write's fsync; read
 * of a file just written, so from the page cache, as our read of a file just written is).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusteredMatrix } from "./clustered-data";
import { readEmbeddings, writeEmbeddings } from "../src/store/embeddings";
import { load, round, seconds } from "./machine";

export interface ArrowIoResult {
  rows: number;
  dim: number;
  megabytes: number;
  writeMBps: number;
  readMBps: number;
  ddWriteMBps: number;
  ddReadMBps: number;
  writeRatio: number;
  readRatio: number;
  load: number;
}

function dd(args: string[]): number {
  const run = spawnSync("dd", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`dd ${args.join(" ")} failed: ${run.stderr.trim()}`);
  // "... bytes (...) copied, 0.52 s, 603 MB/s": take bytes and seconds, not dd's rounded rate.
  const match = /(\d+) bytes .* copied, ([\d.]+) s/.exec(run.stderr);
  if (match === null) throw new Error(`dd printed no rate: ${run.stderr.trim()}`);
  return Number(match[1]) / Number(match[2]) / 1e6;
}

export function benchArrowIo(log: (line: string) => void): ArrowIoResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-bench-arrow-"));
  try {
    const m = clusteredMatrix({ rows: 100_000, dim: 768, clusters: 50, seed: 1 });
    const table = { ids: Array.from({ length: m.rows }, (_, i) => `r${i}`), views: new Array<string>(m.rows).fill("eft") as ("eft" | "ift")[], dim: m.dim, data: m.data };
    const file = path.join(dir, "embeddings.arrow");
    const write = seconds(() => writeEmbeddings(file, table));
    const bytes = fs.statSync(file).size;
    const read = seconds(() => readEmbeddings(file));
    const mb = Math.ceil(bytes / 2 ** 20);
    const ddFile = path.join(dir, "dd.bin");
    const ddWriteMBps = dd(["if=/dev/zero", `of=${ddFile}`, "bs=1M", `count=${mb}`, "conv=fdatasync"]);
    const ddReadMBps = dd([`if=${ddFile}`, "of=/dev/null", "bs=1M"]);
    const writeMBps = bytes / write / 1e6;
    const readMBps = bytes / read / 1e6;
    const result: ArrowIoResult = {
      rows: m.rows,
      dim: m.dim,
      megabytes: round(bytes / 1e6, 1),
      writeMBps: round(writeMBps, 1),
      readMBps: round(readMBps, 1),
      ddWriteMBps: round(ddWriteMBps, 1),
      ddReadMBps: round(ddReadMBps, 1),
      writeRatio: round(writeMBps / ddWriteMBps),
      readRatio: round(readMBps / ddReadMBps),
      load: load(),
    };
    log(
      `Arrow embeddings ${m.rows} x ${m.dim} (${result.megabytes} MB): write ${result.writeMBps} MB/s vs dd ${result.ddWriteMBps} (ratio ${result.writeRatio}), read ${result.readMBps} MB/s vs dd ${result.ddReadMBps} (ratio ${result.readRatio})`,
    );
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
