/**
 * `proxyrm run` end to end, split per stage (the manifest's stage times), with the process's
 * peak RSS. Nothing to compare with, so absolute figures, read with the machine info and load.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { load, round } from "./machine";

export interface EndToEndResult {
  preset: string;
  seed: number;
  backend: string;
  wallSeconds: number;
  stages: Record<string, number>;
  peakRssMiB: number;
  loadBefore: number;
  loadAfter: number;
}

const BIN = path.join(__dirname, "..", "src", "dist", "cli", "main.js");

export function benchEndToEnd(preset: "smoke" | "default", seed: number, log: (line: string) => void): EndToEndResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `proxyrm-bench-${preset}-`));
  try {
    const out = path.join(dir, "run");
    const rssFile = path.join(dir, "rss");
    const loadBefore = load();
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ["-r", path.join(__dirname, "peak-rss.cjs"), BIN, "run", "--preset", preset, "--seed", String(seed), "--out", out], {
      encoding: "utf8",
      env: { ...process.env, PROXYRM_BENCH_RSS_FILE: rssFile },
      maxBuffer: 1 << 26,
    });
    const wallSeconds = (performance.now() - t0) / 1000;
    if (run.status !== 0) throw new Error(`${preset} run failed (exit ${run.status}): ${run.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as { backend: string; stages: Record<string, { seconds: number }> };
    const stages = Object.fromEntries(Object.entries(manifest.stages).map(([name, s]) => [name, round(s.seconds, 1)]));
    const result: EndToEndResult = {
      preset,
      seed,
      backend: manifest.backend,
      wallSeconds: round(wallSeconds, 1),
      stages,
      peakRssMiB: Math.round((JSON.parse(fs.readFileSync(rssFile, "utf8")) as { maxRssBytes: number }).maxRssBytes / 2 ** 20),
      loadBefore,
      loadAfter: load(),
    };
    log(`${preset} run, seed ${seed}, ${result.backend}: ${result.wallSeconds} s wall, peak RSS ${result.peakRssMiB} MiB; ${Object.entries(stages).map(([n, s]) => `${n} ${s}`).join(", ")}`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
