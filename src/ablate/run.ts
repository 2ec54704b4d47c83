/**
 * `proxyrm ablate`: runs the grid in up to `jobs` child processes (one core each: tfjs-wasm
 * has no threads in Node), shared per-seed stages first. Resumable: every cell is a run
 * directory, so a killed sweep continues where it stopped and finished cells cost nothing.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AbortedError, UserError } from "../errors";
import { metricsFile, preflight } from "../pipeline";
import type { Progress } from "../progress";
import { readPrompts } from "../store/arrow-tables";
import { writeFileAtomic } from "../store/atomic";
import { SHARED_STAGES, planCells, seedCell, seedsOf, sharedConfig, type AblationPlan, type Cell } from "./grid";
import { writeAblationReport } from "./report";
import type { AblationMetrics, AnyAblationRow, AblationSetting } from "./results";

export interface AblateOptions {
  /** Child processes at once (default: 2, the reference machine's cores). */
  jobs?: number;
  progress?: Progress;
  signal?: AbortSignal;
}

/** The compiled CLI, or the TypeScript one under tsx (tests). */
function cliCommand(): string[] {
  const compiled = path.join(__dirname, "..", "cli", "main.js");
  if (fs.existsSync(compiled)) return [compiled];
  return ["--import", "tsx", path.join(__dirname, "..", "cli", "main.ts")];
}

/** One `proxyrm run` in a child process, its output in DIR/run.log. */
function runChild(configFile: string, dir: string, extra: string[], signal?: AbortSignal): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const log = fs.openSync(path.join(dir, "run.log"), "a");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliCommand(), "run", "--config", configFile, "--out", dir, ...extra], {
      stdio: ["ignore", log, log],
    });
    const onAbort = () => child.kill("SIGINT");
    signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", reject);
    child.on("exit", (code, sig) => {
      signal?.removeEventListener("abort", onAbort);
      fs.closeSync(log);
      if (code === 0) return resolve();
      if (signal?.aborted || code === 130) return reject(new AbortedError(`ablate cell ${path.basename(dir)}`));
      const lines = fs.readFileSync(path.join(dir, "run.log"), "utf8").trim().split("\n");
      const last = lines.reverse().find((l) => l.startsWith("proxyrm: ")) ?? lines[0] ?? `exit ${code ?? sig}`;
      reject(new UserError(`cell ${path.basename(dir)} failed: ${last.replace(/^proxyrm: /, "")} (log: ${path.join(dir, "run.log")})`));
    });
  });
}

/** Runs `tasks` with at most `jobs` at once; the first failure stops new starts and is rethrown. */
async function pool<T>(tasks: T[], jobs: number, work: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < tasks.length) {
      const t = tasks[next++];
      try {
        await work(t);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}

function writeConfig(dir: string, config: unknown): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "config.json");
  writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

function cellMetrics(cell: Cell): AblationMetrics | undefined {
  const file = path.join(cell.dir, metricsFile(cell.config));
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as AblationMetrics) : undefined;
}

/** "a.b": value for every leaf of a --config object. */
function flatten(value: unknown, prefix = "", out: AblationSetting = {}): AblationSetting {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[prefix] = value;
  return out;
}

/**
 * What the sweep held fixed, so a reader can line several sweeps up (the C2 map): the preset, the
 * --config fields, rounds, proxy-only, and how many task families the world's pool has (read
 * from the seed's prompts.arrow, so any world reports its own).
 */
function sweepSetting(plan: AblationPlan, cell: Cell): AblationSetting {
  const fields = flatten(cell.base);
  delete fields.preset; // the --preset flag beats the config file's, as in resolveConfig
  const setting: AblationSetting = { preset: plan.preset ?? String(plan.base?.preset ?? "default"), ...fields };
  if (plan.rounds) setting.rounds = plan.rounds;
  if (plan.proxyOnly) setting.proxy_only = true;
  const prompts = path.join(cell.shared, "prompts.arrow");
  if (fs.existsSync(prompts)) setting.task_families = new Set(readPrompts(prompts).filter((p) => p.split === "pool").map((p) => p.task)).size;
  return setting;
}

function collect(plan: AblationPlan, cells: Cell[]): AnyAblationRow[] {
  const settings = new Map<string, AblationSetting>();
  return cells.flatMap((c) => {
    const metrics = cellMetrics(c);
    if (!metrics) return [];
    const key = `${c.seed}\n${c.variant}`;
    if (!settings.has(key)) settings.set(key, sweepSetting(plan, c));
    return [{ strategy: c.strategy, budget: c.budget, seed: c.seed, setting: settings.get(key), metrics }];
  });
}

function writeResults(plan: AblationPlan, cells: Cell[]): AnyAblationRow[] {
  const rows = collect(plan, cells);
  writeFileAtomic(path.join(plan.out, "ablation.json"), `${JSON.stringify(rows, null, 2)}\n`);
  return rows;
}

export async function runAblation(plan: AblationPlan, options: AblateOptions = {}): Promise<AnyAblationRow[]> {
  const jobs = options.jobs ?? 2;
  const cells = planCells(plan);
  // Every cell's config and inputs are checked before anything is written.
  for (const cell of cells) preflight(cell.config);
  fs.mkdirSync(plan.out, { recursive: true });
  const progress = options.progress;
  const seeds = seedsOf(plan);
  const todo = cells.filter((c) => !cellMetrics(c));
  progress?.log?.(`ablate: ${cells.length} cells (${cells.length - todo.length} done earlier), ${seeds.length} seeds, ${jobs} jobs`);

  const started = Date.now();
  const needShared = [...new Set(todo.map((c) => c.shared))];
  await pool(needShared, jobs, async (dir) => {
    await runChild(writeConfig(dir, sharedConfig(cells, dir)), dir, ["--until", SHARED_STAGES[SHARED_STAGES.length - 1]], options.signal);
    progress?.log?.(`ablate: ${path.basename(dir)} shared stages ready`);
  });

  let done = cells.length - todo.length;
  const cellStart = Date.now();
  let ran = 0;
  await pool(todo, jobs, async (cell) => {
    seedCell(cell, cell.shared);
    await runChild(writeConfig(cell.dir, cell.config), cell.dir, [], options.signal);
    done++;
    ran++;
    writeResults(plan, cells);
    const perCell = (Date.now() - cellStart) / ran;
    const eta = Math.round((perCell * (todo.length - ran)) / 1000);
    const m = cellMetrics(cell)!;
    const win = "gold_win_rate" in m ? `win ${m.gold_win_rate.toFixed(3)}, ` : "";
    progress?.log?.(
      `ablate: ${done}/${cells.length} cells · ${cell.variant ? `${cell.variant} ` : ""}${cell.strategy} b${cell.budget} s${cell.seed}: ${win}proxy spearman ${m.proxy_spearman.toFixed(3)} · ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, "0")}s`,
    );
  });
  const rows = writeResults(plan, cells);
  writeAblationReport(plan.out, rows);
  progress?.log?.(`ablate: finished in ${((Date.now() - started) / 1000).toFixed(1)}s; ${path.join(plan.out, "ablation.json")}, ${path.join(plan.out, "ablation.html")}`);
  return rows;
}
