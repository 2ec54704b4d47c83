/**
 * Does the misranking knob (docs/world.md) make M1's own likelihood rank responses wrongly?
 * Runs proxy-only smoke runs on the zipf world at each knob value and seed (two at a time),
 * then prints M1's likelihood pair accuracy per knob value: pooled, on the misranked families'
 * held-out responses and on the others'. Only tuning seeds by default: seeds 301-330 and
 * 401-410 are reserved for sweeps (docs/statistics.md).
 *
 *   node --import tsx scripts/misrank-check.ts [--out runs/misrank-check] [--seeds 1,2,3] [--misrank 0,0.3,0.6] [--commit]
 *
 * A finished run is reused (a rerun of a finished run changes nothing), so the table can be
 * printed again without rerunning. --commit also writes the runs' numbers to
 * docs/world/misrank-check.json and rewrites docs/world.md's marked block from it
 * (scripts/misrank-table.ts renders it; tests/world-doc.test.ts holds the page to it).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readPrompts, readResponses } from "../src/store/arrow-tables";
import { parsePrompt } from "../src/world/tasks";
import { misrankedFamilies, worldSeed } from "../src/world/world";
import { buildMisrankBlock, MISRANK_JSON, MISRANK_MARKERS, MISRANK_METRICS, withMisrankBlock, type MisrankRun } from "./misrank-table";

const ROOT = path.join(__dirname, "..");
const RESERVED = (s: number) => (s >= 301 && s <= 330) || (s >= 401 && s <= 410);
const PARALLEL = 2;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function numbers(name: string, text: string): number[] {
  const xs = text.split(",").map(Number);
  if (xs.some((x) => !Number.isFinite(x))) {
    console.error(`misrank-check: ${name} must be comma-separated numbers, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return xs;
}

const out = path.resolve(option("--out", path.join(ROOT, "runs", "misrank-check")));
const seeds = numbers("--seeds", option("--seeds", "1,2,3"));
const knob = numbers("--misrank", option("--misrank", "0,0.3,0.6"));
const commit = process.argv.includes("--commit");
if (seeds.some(RESERVED)) {
  console.error("misrank-check: seeds 301-330 and 401-410 are reserved for sweeps (docs/statistics.md)");
  process.exit(2);
}

interface Cell {
  misrank: number;
  seed: number;
  dir: string;
}

const cells: Cell[] = knob.flatMap((misrank) => seeds.map((seed) => ({ misrank, seed, dir: path.join(out, `misrank${misrank}-seed${seed}`) })));

function runCell(cell: Cell): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  const config = path.join(out, `misrank${cell.misrank}.config.json`);
  fs.writeFileSync(config, JSON.stringify({ world: { families: "zipf", misrank: cell.misrank } }) + "\n");
  const args = [path.join(ROOT, "src", "bin", "proxyrm.js"), "run", "--preset", "smoke", "--proxy-only", "--no-baselines", "--config", config, "--seed", String(cell.seed), "--out", cell.dir];
  return new Promise((resolve, reject) => {
    const child = spawn("nice", ["-n", "5", process.execPath, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err = (err + d).slice(-2000)));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`misrank ${cell.misrank} seed ${cell.seed} exited ${code}: ${err}`))));
  });
}

async function runAll(): Promise<void> {
  const todo = cells.filter((c) => !fs.existsSync(path.join(c.dir, "proxy_metrics.json")));
  const workers = Array.from({ length: PARALLEL }, async () => {
    for (let c = todo.shift(); c; c = todo.shift()) {
      const start = Date.now();
      await runCell(c);
      console.error(`misrank ${c.misrank} seed ${c.seed}: ${((Date.now() - start) / 1000).toFixed(0)} s`);
    }
  });
  await Promise.all(workers);
}

/**
 * What M1 actually wrote on the misranked families' held-out prompts: exact echoes (where an
 * echo is not the right answer) and exactly right answers, out of its samples there.
 */
function misrankedSamples(cell: Cell): MisrankRun["misranked_samples"] {
  if (cell.misrank === 0) return null;
  const misranked = misrankedFamilies({ families: "zipf", misrank: cell.misrank }, worldSeed(cell.seed));
  const prompts = new Map(readPrompts(path.join(cell.dir, "prompts.arrow")).map((p) => [p.prompt_id, p.prompt]));
  let all = 0;
  let echo = 0;
  let right = 0;
  for (const r of readResponses(path.join(cell.dir, "responses.arrow"))) {
    if (r.source !== "policy-heldout") continue;
    const { task, arg } = parsePrompt(prompts.get(r.prompt_id)!)!;
    if (!misranked.has(task.name)) continue;
    all++;
    if (r.text === arg && arg !== task.answer(arg)) echo++;
    if (r.text === task.answer(arg)) right++;
  }
  return { echo, right, all };
}

function runOf(cell: Cell): MisrankRun {
  const m = JSON.parse(fs.readFileSync(path.join(cell.dir, "proxy_metrics.json"), "utf8")) as Record<string, unknown>;
  const metrics = Object.fromEntries(MISRANK_METRICS.map((k) => [k, typeof m[k] === "number" ? m[k] : null])) as Pick<MisrankRun, (typeof MISRANK_METRICS)[number]>;
  return {
    misrank: cell.misrank,
    seed: cell.seed,
    strategy: m.strategy as string,
    budget: m.budget as number,
    backend: m.backend as string,
    seconds: m.seconds as number,
    heldout_families: Object.keys((m.per_task ?? {}) as object).length,
    ...metrics,
    misranked_samples: misrankedSamples(cell),
  };
}

/** Both files are built in full before either is written, each through a temporary file: no partial page. */
function writeCommitted(runs: MisrankRun[]): void {
  const json = path.join(ROOT, MISRANK_JSON);
  const doc = path.join(ROOT, "docs", "world.md");
  const page = withMisrankBlock(fs.readFileSync(doc, "utf8"), buildMisrankBlock(runs));
  for (const [file, text] of [
    [json, JSON.stringify(runs, null, 2) + "\n"],
    [doc, page],
  ]) {
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
  }
  console.error(`misrank-check: wrote ${MISRANK_JSON} and docs/world.md's block`);
}

if (commit && !fs.readFileSync(path.join(ROOT, "docs", "world.md"), "utf8").includes(MISRANK_MARKERS.end)) {
  console.error(`misrank-check: docs/world.md has no ${MISRANK_MARKERS.start} ... ${MISRANK_MARKERS.end} block to rewrite`);
  process.exit(2);
}

runAll()
  .then(() => {
    const runs = cells.map(runOf);
    console.log(buildMisrankBlock(runs));
    if (commit) writeCommitted(runs);
  })
  .catch((err: Error) => {
    console.error(`misrank-check: ${err.message}`);
    process.exit(1);
  });
