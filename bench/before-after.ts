/**
 * The default run before and after the speed-ups of issue 12 (item 3), in the same session:
 * the reference commit is checked out into a temporary worktree and built, and each seed runs
 * on both builds at once, one per core, so both see the same machine and load. Per stage: the
 * manifest's seconds; per run: wall, CPU seconds and peak RSS. The run directories' artefacts
 * are compared file by file (sha256; manifest, metrics' timing and the report hold times and
 * are left out), since the speed-ups must leave a seed's bytes unchanged.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { load, round } from "./machine";

/** The last commit before the speed-ups. */
export const REFERENCE_COMMIT = "bde63cb";

export interface BuildRun {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  stages: Record<string, number>;
}

export interface BeforeAfterSeed {
  seed: number;
  before: BuildRun;
  after: BuildRun;
  /** Artefacts whose bytes differ between the builds (empty: the same run). */
  differingFiles: string[];
  /** metrics.json fields the reference did not write (new metrics; the old ones are compared). */
  addedMetrics: string[];
  comparedFiles: number;
  loadBefore: number;
  loadAfter: number;
}

export interface BeforeAfterResult {
  reference: string;
  preset: string;
  seeds: BeforeAfterSeed[];
}

const ROOT = path.join(__dirname, "..");
const TIMING_FILES = new Set(["manifest.json", "report.html"]);

function git(args: string[], cwd = ROOT): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Checks `commit` out into a temporary worktree sharing this checkout's node_modules, and builds src/. */
function buildReference(commit: string, log: (line: string) => void): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-reference-"));
  git(["worktree", "add", "--detach", dir, commit]);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  log(`building ${commit} in ${dir}`);
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", "src"], { cwd: dir, encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`building ${commit} failed: ${tsc.stdout.trim().split("\n").slice(-3).join(" | ")}`);
  return { dir, cleanup: () => void git(["worktree", "remove", "--force", dir]) };
}

function runBuild(root: string, preset: string, seed: number, out: string): Promise<BuildRun> {
  const rssFile = `${out}.usage`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ["-r", path.join(__dirname, "peak-rss.cjs"), path.join(root, "src", "dist", "cli", "main.js"), "run", "--preset", preset, "--seed", String(seed), "--out", out], {
    env: { ...process.env, PROXYRM_BENCH_RSS_FILE: rssFile },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${root}: ${preset} run failed (exit ${code}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
      const usage = JSON.parse(fs.readFileSync(rssFile, "utf8")) as { maxRssBytes: number; cpuSeconds: number };
      const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as { stages: Record<string, { seconds: number }> };
      resolve({
        wallSeconds: round((performance.now() - t0) / 1000, 1),
        cpuSeconds: round(usage.cpuSeconds, 1),
        peakRssMiB: Math.round(usage.maxRssBytes / 2 ** 20),
        stages: Object.fromEntries(Object.entries(manifest.stages).map(([n, s]) => [n, round(s.seconds, 1)])),
      });
    });
  });
}

function files(dir: string, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * Whether a file is the same in both runs. metrics.json is compared on the reference's fields
 * without `seconds` (the run's own timing); fields added since are returned, not counted as a
 * difference, since a new metric changes no old one.
 */
function sameArtefact(before: string, after: string): { same: boolean; added: string[] } {
  if (!fs.existsSync(after)) return { same: false, added: [] };
  if (path.basename(before) !== "metrics.json") return { same: sha256(before) === sha256(after), added: [] };
  const b = JSON.parse(fs.readFileSync(before, "utf8")) as Record<string, unknown>;
  const a = JSON.parse(fs.readFileSync(after, "utf8")) as Record<string, unknown>;
  const keys = Object.keys(b).filter((k) => k !== "seconds");
  return { same: keys.every((k) => JSON.stringify(b[k]) === JSON.stringify(a[k])), added: Object.keys(a).filter((k) => !(k in b)) };
}

export async function benchBeforeAfter(log: (line: string) => void, preset = "default", seeds = [1, 2], commit = REFERENCE_COMMIT): Promise<BeforeAfterResult> {
  const reference = buildReference(commit, log);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-before-after-"));
  try {
    const result: BeforeAfterResult = { reference: git(["rev-parse", "--short", commit]), preset, seeds: [] };
    for (const seed of seeds) {
      const loadBefore = load();
      const [before, after] = await Promise.all([
        runBuild(reference.dir, preset, seed, path.join(work, `before-${seed}`)),
        runBuild(ROOT, preset, seed, path.join(work, `after-${seed}`)),
      ]);
      const names = files(path.join(work, `before-${seed}`)).filter((f) => !TIMING_FILES.has(f));
      const differingFiles: string[] = [];
      const addedMetrics: string[] = [];
      for (const f of names) {
        const { same, added } = sameArtefact(path.join(work, `before-${seed}`, f), path.join(work, `after-${seed}`, f));
        if (!same) differingFiles.push(f);
        addedMetrics.push(...added);
      }
      const row: BeforeAfterSeed = { seed, before, after, differingFiles, addedMetrics, comparedFiles: names.length, loadBefore, loadAfter: load() };
      result.seeds.push(row);
      log(
        `${preset} seed ${seed}: before ${before.wallSeconds} s wall (${before.cpuSeconds} s CPU), after ${after.wallSeconds} s (${after.cpuSeconds} s CPU); ` +
          `${differingFiles.length ? `DIFFERING: ${differingFiles.join(", ")}` : `all ${names.length} artefacts identical`}`,
      );
    }
    return result;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    reference.cleanup();
  }
}
