/**
 * The method's stages in order (shared/DESIGN.md "Data flow"). Each stage reads and writes the
 * run directory and is recorded in manifest.json when it finishes: a rerun skips finished
 * stages (a finished run is a no-op that writes nothing), a crashed stage runs again, and paid
 * labels come back from the ledger instead of being paid twice.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackendUnavailableError, asBackendName, loadTf, type BackendName } from "./backend";
import { resolveConfig, type RunConfig } from "./config";
import { createHash } from "node:crypto";
import { BadOptionError, UserError } from "./errors";
import { silentProgress, type Progress } from "./progress";
import { removeStaleTemps, writeFileAtomic } from "./store/atomic";
import { checkSameConfig, readManifest, writeManifest, type Manifest } from "./store/manifest";
import { RunContext } from "./stages/context";
import { probeRunEndpoints, type EndpointKeys } from "./endpoint/run-endpoints";
import { lockRunDir } from "./store/run-lock";
import { evalStage, type Metrics } from "./stages/evaluate";
import { PROXY_METRICS_FILE, proxyEvalStage, type ProxyMetrics } from "./stages/evaluate-proxy";
import { dpoStage, expertOnlyStage, pairsStage } from "./stages/optimise";
import { generateStage, planWorld, sftStage, worldStage } from "./stages/policy";
import { fitStage, offpolicyStage, scoreStage } from "./stages/proxy";
import { embedStage, labelStage, selectStage } from "./stages/query";

export interface Stage {
  name: string;
  run(ctx: RunContext): Promise<unknown>;
  /** Baseline stages run only when config.baselines is on. */
  baseline?: boolean;
  /** Stages after the proxy that only a whole run needs: skipped when config.proxyOnly. */
  policy?: boolean;
}

export const STAGES: readonly Stage[] = [
  { name: "world", run: worldStage },
  { name: "sft", run: sftStage },
  { name: "generate", run: generateStage },
  { name: "embed", run: embedStage },
  { name: "select", run: selectStage },
  { name: "label", run: labelStage },
  { name: "fit", run: fitStage },
  { name: "offpolicy", run: offpolicyStage, baseline: true },
  { name: "score", run: scoreStage, policy: true },
  { name: "pairs", run: pairsStage, policy: true },
  { name: "dpo", run: dpoStage, policy: true },
  { name: "expert-only", run: expertOnlyStage, baseline: true, policy: true },
  { name: "eval", run: writeMetrics },
  { name: "report", run: writeReportStage, policy: true },
];

/** The stages a run with this config has, in order. */
export function stagesFor(config: RunConfig): Stage[] {
  return STAGES.filter((s) => (!s.baseline || config.baselines) && !(s.policy && config.proxyOnly));
}

/** Where the eval stage writes: metrics.json, or proxy_metrics.json for a proxy-only run. */
export function metricsFile(config: RunConfig): string {
  return config.proxyOnly ? PROXY_METRICS_FILE : "metrics.json";
}

async function writeMetrics(ctx: RunContext): Promise<void> {
  const metrics = ctx.config.proxyOnly ? await proxyEvalStage(ctx) : await evalStage(ctx);
  writeFileAtomic(ctx.file(metricsFile(ctx.config)), `${JSON.stringify(metrics, null, 2)}\n`);
}

async function writeReportStage(ctx: RunContext): Promise<void> {
  const { writeReport } = await import("./report/write");
  writeReport(ctx.dir);
}

export interface RunOptions {
  config: RunConfig;
  /** The run directory (created if missing). */
  out: string;
  progress?: Progress;
  signal?: AbortSignal;
  /** An LLM judge's key, from the environment via the CLI; never written anywhere. */
  judgeApiKey?: string;
  /** An external policy's and embedder's keys, likewise. */
  policyApiKey?: string;
  embedApiKey?: string;
  /** Stop after this stage (an ablation's shared per-seed prefix); the run is then unfinished. */
  until?: string;
  /** Check the config's endpoints (GET <url>/models, free) before anything runs. Default true. */
  probe?: boolean;
}

export interface RunResult {
  /** Undefined when `until` stopped the run before evaluation, or for a proxy-only run. */
  metrics?: Metrics;
  /** A proxy-only run's evaluation. */
  proxyMetrics?: ProxyMetrics;
  /** Stages that ran in this call (empty for a finished run). */
  ran: string[];
  backend: BackendName;
}

function packageVersion(name: string): string {
  // Some packages (apache-arrow) do not export ./package.json: find it above their entry point.
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const file = path.join(dir, "package.json");
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      const up = path.dirname(dir);
      if (up === dir) return "absent";
      dir = up;
    }
  } catch {
    return "absent";
  }
}

/**
 * Validates what the config points at before anything is written: the user's prompt file
 * parses, and the budget fits the pool. Returns the input hashes the manifest records.
 */
export function preflight(config: RunConfig): Record<string, string> {
  const { prompts } = planWorld(config);
  const poolSize = prompts.filter((p) => p.split === "pool").length * config.generate.k;
  if (config.select.budget > poolSize) {
    throw new BadOptionError("--budget", `${config.select.budget} exceeds the pool's ${poolSize} responses (pool prompts x k = ${poolSize / config.generate.k} x ${config.generate.k})`);
  }
  return config.prompts ? { prompts: createHash("sha256").update(fs.readFileSync(config.prompts)).digest("hex") } : {};
}

/** A rerun on changed input files would mix old and new data: refuse it. */
function checkSameInputs(dir: string, manifest: Manifest, inputs: Record<string, string>, config: RunConfig): void {
  const before = manifest.inputs ?? {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(inputs)])) {
    if (before[key] !== inputs[key]) {
      const file = key === "prompts" ? config.prompts : key;
      throw new UserError(`${dir} was made from other contents of ${file}; use another --out`, { code: "input-mismatch", blame: file });
    }
  }
}

export async function runPipeline(options: RunOptions): Promise<RunResult> {
  const { config, out } = options;
  const stages = stagesUntil(stagesFor(config), options.until);
  const finished = readManifest(out);
  if (finished && stages.every((s) => finished.stages[s.name])) {
    // Finished: check it is the same run, then change no byte and pay nothing.
    const inputs = preflight(config);
    checkSameConfig(out, finished, config);
    checkSameInputs(out, finished, inputs, config);
    return { ...readResults(out, config), ran: [], backend: finished.backend as BackendName };
  }
  const session = await RunSession.open(options);
  try {
    const ran = await session.runThrough(stages[stages.length - 1].name);
    return { ...readResults(out, config), ran, backend: session.backend };
  } finally {
    session.close();
  }
}

/**
 * An open run directory whose stages can be run one at a time (the notebook API) or all at
 * once (`runPipeline`), with the same manifest bookkeeping either way.
 */
export class RunSession {
  private constructor(
    readonly out: string,
    readonly config: RunConfig,
    private readonly manifest: Manifest,
    readonly ctx: RunContext,
    private readonly defaultProgress: Progress,
    private readonly defaultSignal: AbortSignal | undefined,
    /** Releases the run directory's lock. */
    private readonly release: () => void,
  ) {}

  /** Validates the inputs, creates or resumes the run directory, and loads tfjs. */
  static async open(options: Omit<RunOptions, "until">): Promise<RunSession> {
    const { config, out } = options;
    // Every input is checked before the run directory is touched.
    const inputs = preflight(config);
    const manifest = readManifest(out);
    if (manifest) {
      checkSameConfig(out, manifest, config);
      checkSameInputs(out, manifest, inputs, config);
    }
    if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UserError(`--out ${out} is a file, not a directory`);
    // Before the run directory exists: a forced backend that cannot run leaves nothing behind.
    // A resumed run stays on the backend it was made on (same seed + backend -> same bytes).
    const progress = options.progress ?? silentProgress;
    const backend = config.backend ?? (manifest ? asBackendName(manifest.backend) : undefined);
    let tfjs: Awaited<ReturnType<typeof loadTf>>;
    try {
      tfjs = await loadTf(backend, { warn: (line) => progress.log?.(line) });
    } catch (err) {
      if (!(err instanceof BackendUnavailableError) || config.backend) throw err;
      throw new UserError(`${out} was made on the ${err.backend} backend, which cannot run here (${err.why}); resume it where it started, or use another --out`, { code: "backend-unavailable", blame: out });
    }
    // A dead or misconfigured endpoint fails here, in seconds, before any training. A finished
    // run needs no endpoint: reopening it (a notebook showing results) must not need one.
    const stages = STAGES.filter((s) => !s.baseline || config.baselines);
    if (options.probe !== false && !(manifest && stages.every((s) => manifest.stages[s.name]))) {
      await probeRunEndpoints(config, keysOf(options), options.signal);
    }
    // One process at a time: a second one exits 2 naming this one's pid (store/run-lock.ts).
    const release = lockRunDir(out);
    try {
      return await RunSession.openLocked(options, inputs, manifest, release, tfjs);
    } catch (error) {
      release();
      throw error;
    }
  }

  private static async openLocked(
    options: Omit<RunOptions, "until">,
    inputs: Record<string, string>,
    found: Manifest | undefined,
    release: () => void,
    { tf, backend }: Awaited<ReturnType<typeof loadTf>>,
  ): Promise<RunSession> {
    const { config, out } = options;
    // A process killed with -9 mid-write leaves its temp files; nobody else writes here now.
    removeStaleTemps(out);
    // Read again under the lock: the process that held it may have finished stages meanwhile.
    let manifest = readManifest(out) ?? found;
    if (manifest) checkSameConfig(out, manifest, config);
    manifest ??= {
      proxyrm: packageVersion("proxyrm"),
      seed: config.seed,
      backend,
      versions: {
        node: process.versions.node,
        "@tensorflow/tfjs": packageVersion("@tensorflow/tfjs"),
        "apache-arrow": packageVersion("apache-arrow"),
      },
      config,
      inputs,
      stages: {},
    };
    writeManifest(out, manifest);
    const ctx = new RunContext(out, config, tf, backend, options.progress ?? silentProgress, options.signal, keysOf(options));
    return new RunSession(out, config, manifest, ctx, ctx.progress, options.signal, release);
  }

  get backend(): BackendName {
    return this.ctx.backend;
  }

  /** This run's stages in order (baseline stages only when config.baselines). */
  get stages(): string[] {
    return stagesFor(this.config).map((s) => s.name);
  }

  isDone(stage: string): boolean {
    return Boolean(this.manifest.stages[stage]);
  }

  /**
   * Runs every unfinished stage up to and including `target`, in order, and returns their
   * names. A stage that reruns makes every later stage unfinished: its inputs may change.
   */
  async runThrough(target: string, hooks: { progress?: Progress; signal?: AbortSignal } = {}): Promise<string[]> {
    const stages = stagesUntil(stagesFor(this.config), target);
    // Each call brings its own reporter and signal (a notebook cell's); none means none.
    this.ctx.progress = hooks.progress ?? this.defaultProgress;
    this.ctx.signal = hooks.signal ?? this.defaultSignal;
    const m = this.manifest;
    const ran: string[] = [];
    for (const stage of stages) {
      if (m.stages[stage.name] && ran.length === 0) {
        this.ctx.progress.log?.(`${stage.name}: done earlier, skipped`);
        continue;
      }
      if (ran.length === 0) {
        // The first stage to (re)run: nothing after it can still count as done.
        const i = this.stages.indexOf(stage.name);
        for (const later of this.stages.slice(i)) delete m.stages[later];
      }
      const t0 = Date.now();
      await stage.run(this.ctx);
      m.stages[stage.name] = { status: "done", seconds: Math.round((Date.now() - t0) / 100) / 10 };
      if (stage.name === "eval") {
        // seconds: the stages' compute time up to evaluation, summed over every session that
        // ran them (not idle time between notebook cells); the one metric identical runs may differ in.
        const file = this.ctx.file(metricsFile(this.config));
        const metrics = JSON.parse(fs.readFileSync(file, "utf8")) as { seconds: number };
        metrics.seconds = Math.round(Object.values(m.stages).reduce((a, st) => a + st.seconds, 0) * 10) / 10;
        writeFileAtomic(file, `${JSON.stringify(metrics, null, 2)}\n`);
      }
      writeManifest(this.out, m);
      ran.push(stage.name);
    }
    return ran;
  }

  metrics(): Metrics | undefined {
    return readMetrics(this.out);
  }

  /** Frees the models and the run directory's lock. */
  close(): void {
    this.ctx.dispose();
    this.release();
  }
}

function readResults(out: string, config: RunConfig): Pick<RunResult, "metrics" | "proxyMetrics"> {
  if (!config.proxyOnly) return { metrics: readMetrics(out) };
  const file = path.join(out, PROXY_METRICS_FILE);
  return { proxyMetrics: fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ProxyMetrics) : undefined };
}

function keysOf(options: Omit<RunOptions, "until">): EndpointKeys {
  return { judge: options.judgeApiKey, policy: options.policyApiKey, embed: options.embedApiKey };
}

function readMetrics(out: string): Metrics | undefined {
  const file = `${out}/metrics.json`;
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Metrics) : undefined;
}

function stagesUntil(stages: Stage[], until?: string): Stage[] {
  if (until === undefined) return stages;
  const i = stages.findIndex((s) => s.name === until);
  if (i < 0) throw new BadOptionError("--until", `unknown stage "${until}" (stages: ${stages.map((s) => s.name).join(", ")})`);
  return stages.slice(0, i + 1);
}

export { resolveConfig };
