/**
 * The notebook API's run object: one method per pipeline stage over one run directory. A call
 * runs the stage's unfinished predecessors first and then the stage (RunSession.runThrough),
 * shows live progress in one updating display that ends with the result, and returns the
 * result. Calls on one run are queued, never interleaved. An interrupted call leaves the run
 * resumable: calling the method again continues, and labels already paid come back from the
 * ledger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import { SHARED_STAGES, seedCell } from "proxyrm/dist/ablate/grid";
import { resolveConfig, type DeepPartial, type PresetName, type RunConfig } from "proxyrm/dist/config";
import { AbortedError, UserError } from "proxyrm/dist/errors";
import { RunSession, STAGES } from "proxyrm/dist/pipeline";
import { paidCalls } from "proxyrm/dist/oracle/ledger";
import { readResponses, writeLabels, writeResponses } from "proxyrm/dist/store/arrow-tables";
import { writeFileAtomic } from "proxyrm/dist/store/atomic";
import { readManifest } from "proxyrm/dist/store/manifest";
import type { MimeBundle } from "../display";
import { expertCalls, RunFiles } from "./files";
import type { DataFrame } from "./frames";
import { MIME_BUNDLE, isDisplayable, type Displayable } from "./mime";
import { ProgressDisplay } from "./progress";
import { StageResult, type CallInfo, type StagePayload, type View } from "./result";
import { runBundle } from "./run-view";
import { currentSignal, forcedStops, FORCED_STOP_GRACE_S } from "./signal";
import { readRunTable, tableNames } from "./tables";
import { metricsView, type MetricsPayload } from "./views/metrics";
import { dpoView, pairsView, type DpoPayload, type PairsPayload } from "./views/optimise";
import { embedView, generateView, sftView, type EmbedPayload, type GeneratePayload, type SftPayload } from "./views/policy";
import { proxyView, type ProxyPayload } from "./views/proxy";
import { labelsView, selectionView, type LabelsPayload, type SelectionPayload } from "./views/query";
import { Calibration, calibrationPayload } from "./lab/calibration";
import { LabelWidget } from "./lab/label-widget";
import { CostLedger, ledgerPayload } from "./lab/ledger";
import { savedCurves, teeProgress, TrainingCurves, TrainingDisplay } from "./lab/training";
import { UncertaintyExplorer, explorerData, type ExploreOptions, type QueryLabels } from "./lab/uncertainty";

export type SftResult = StageResult<SftPayload>;
export type GenerateResult = StageResult<GeneratePayload>;
export type EmbedResult = StageResult<EmbedPayload>;
export type SelectionResult = StageResult<SelectionPayload>;
export type LabelsResult = StageResult<LabelsPayload>;
export type ProxyResult = StageResult<ProxyPayload>;
export type PairsResult = StageResult<PairsPayload>;
export type DpoResult = StageResult<DpoPayload>;
export type MetricsResult = StageResult<MetricsPayload>;

export interface OpenOptions {
  /** Size preset (tiny: seconds; smoke: about a minute; default: minutes). */
  preset?: PresetName;
  seed?: number;
  /** The run directory (default runs/<preset>-seed<seed>, as the CLI). */
  out?: string;
  /** Any RunConfig fields (preset and seed above win over theirs). */
  config?: DeepPartial<RunConfig>;
  /** An LLM judge's key; default PROXYRM_JUDGE_API_KEY, else OPENAI_API_KEY. Never written anywhere. */
  judgeApiKey?: string;
}

export interface StageOptions {
  /** Stops the call at the next batch; default: the kernel's interrupt signal for the cell. */
  signal?: AbortSignal;
  /** Show live progress and the result (default true). */
  display?: boolean;
  /** Also show live training curves (losses, DPO margin and accuracy) in their own display, updated in place. */
  curves?: boolean;
}

/** Responses labelled through a query set are kept here, apart from the strategy's labels.arrow. */
export const QUERY_LABELS_FILE = "query_labels.arrow";
/** The ledger tag of query-set calls: a budget of their own, not counted in expert_queries. */
export const QUERY_TAG = "query";

export interface ForkOptions extends StageOptions {
  strategy?: string;
  budget?: number;
  rounds?: number;
  /** Default: a sibling of this run's directory named after the strategy and budget. */
  out?: string;
  /** Other RunConfig fields for the fork; the shared stages' settings (world, model, sft, generate, seed, prompts) cannot change. */
  config?: DeepPartial<RunConfig>;
}

/**
 * Set on a call's result: the display id it was shown in when the call ended, so a kernel can
 * tell that a cell's last value is already on screen.
 */
export const SHOWN_IN = Symbol.for("proxyrm.displayId");

type ViewFn = (files: RunFiles, call: CallInfo) => View<StagePayload>;

/** The result view of each stage method. */
const VIEWS: Record<string, ViewFn> = {
  sft: sftView,
  generate: generateView,
  embed: embedView,
  select: selectionView,
  label: labelsView,
  fit: (files, call) => proxyView("fit", files, call),
  score: (files, call) => proxyView("score", files, call),
  pairs: pairsView,
  dpo: dpoView,
  eval: metricsView,
};

/** Opens (creating or resuming) a run directory. */
export async function open(options: OpenOptions = {}): Promise<ProxyRun> {
  const config = configFor(options);
  const out = options.out ?? `runs/${config.preset}-seed${config.seed}`;
  const judgeApiKey = options.judgeApiKey ?? (config.oracle.kind === "llm" ? (process.env.PROXYRM_JUDGE_API_KEY ?? process.env.OPENAI_API_KEY) : undefined);
  return ProxyRun.start(out, config, judgeApiKey);
}

/** Options -> config; with none of preset/seed/config, an existing run directory's own config. */
function configFor(options: OpenOptions): RunConfig {
  const bare = options.preset === undefined && options.seed === undefined && options.config === undefined;
  const existing = bare && options.out !== undefined ? readManifest(options.out) : undefined;
  if (existing) return resolveConfig(undefined, existing.config as DeepPartial<RunConfig>);
  return resolveConfig(options.preset, options.config, options.seed === undefined ? undefined : { seed: options.seed });
}

/** A call on a run: how many forced stops the kernel had made when it started, and its display. */
interface InFlight {
  forcedStopsAtStart: number;
  progress?: ProgressDisplay;
}

export class ProxyRun implements Displayable {
  private session: RunSession | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** #private: Object.entries, JSON.stringify and util.inspect of a run never show the key. */
  readonly #judgeApiKey: string | undefined;
  #inFlight: InFlight | null = null;
  /** Set once a stage of this run was stopped by force: every later call says to reopen. */
  #mustReopen: string | null = null;
  private readonly widgets: LabelWidget[] = [];

  private constructor(
    session: RunSession,
    /** The run directory. */
    readonly dir: string,
    readonly config: RunConfig,
    judgeApiKey: string | undefined,
    /** The run this one was forked from (this process only). */
    readonly forkedFrom: string | null,
  ) {
    this.session = session;
    this.#judgeApiKey = judgeApiKey;
  }

  /** @internal Opens the session (validates inputs, loads tfjs) and wraps it. */
  static async start(dir: string, config: RunConfig, judgeApiKey: string | undefined, forkedFrom: string | null = null): Promise<ProxyRun> {
    const session = await RunSession.open({ config, out: dir, judgeApiKey });
    return new ProxyRun(session, dir, config, judgeApiKey, forkedFrom);
  }

  /** This run's stages in pipeline order (baselines included when config.baselines). */
  get stages(): string[] {
    return STAGES.filter((s) => !s.baseline || this.config.baselines).map((s) => s.name);
  }

  /** Whether a stage is recorded as finished in the run's manifest. */
  isDone(stage: string): boolean {
    return this.session ? this.session.isDone(stage) : Boolean(readManifest(this.dir)?.stages[stage]);
  }

  sft(options?: StageOptions): Promise<SftResult> {
    return this.stage("sft", options) as Promise<SftResult>;
  }
  generate(options?: StageOptions): Promise<GenerateResult> {
    return this.stage("generate", options) as Promise<GenerateResult>;
  }
  embed(options?: StageOptions): Promise<EmbedResult> {
    return this.stage("embed", options) as Promise<EmbedResult>;
  }
  select(options?: StageOptions): Promise<SelectionResult> {
    return this.stage("select", options) as Promise<SelectionResult>;
  }
  label(options?: StageOptions): Promise<LabelsResult> {
    return this.stage("label", options) as Promise<LabelsResult>;
  }
  fit(options?: StageOptions): Promise<ProxyResult> {
    return this.stage("fit", options) as Promise<ProxyResult>;
  }
  score(options?: StageOptions): Promise<ProxyResult> {
    return this.stage("score", options) as Promise<ProxyResult>;
  }
  pairs(options?: StageOptions): Promise<PairsResult> {
    return this.stage("pairs", options) as Promise<PairsResult>;
  }
  dpo(options?: StageOptions): Promise<DpoResult> {
    return this.stage("dpo", options) as Promise<DpoResult>;
  }
  eval(options?: StageOptions): Promise<MetricsResult> {
    return this.stage("eval", options) as Promise<MetricsResult>;
  }

  /** Every stage, the report included: the same files as `proxyrm run`. Returns the metrics. */
  all(options?: StageOptions): Promise<MetricsResult> {
    return this.exclusive(() => this.through(this.stages.at(-1)!, "all", options, (call) => this.build("eval", call))) as Promise<MetricsResult>;
  }

  /** The result of a stage that has finished, without running anything. */
  result(stage: string): StageResult {
    if (!(stage in VIEWS)) throw new UserError(`no result for stage "${stage}" (stages with results: ${Object.keys(VIEWS).join(", ")})`, { code: "bad-option", blame: stage });
    if (!this.isDone(stage)) throw new UserError(`${this.dir}: stage ${stage} has not finished; call run.${stage}()`, { code: "bad-option", blame: stage });
    return this.build(stage, { ran: [], seconds: null });
  }

  /** A run table as a danfo DataFrame (all rows): prompts, responses, embeddings, selection, labels, ledger, proxy_scores, pairs, ... */
  table(name: string): DataFrame {
    return readRunTable(this.dir, name);
  }

  /** The tables this run directory holds now. */
  tables(): string[] {
    return tableNames(this.dir);
  }

  /**
   * A sibling run that starts from this run's shared stages (world, sft, generate, embed: run
   * here first if unfinished) with another strategy or budget, so strategies compare without
   * retraining M1. Reopening an existing fork directory resumes it.
   */
  fork(options: ForkOptions = {}): Promise<ProxyRun> {
    const shared = SHARED_STAGES[SHARED_STAGES.length - 1];
    return this.exclusive(() => this.through(shared, "fork", options, () => this.openFork(options))) as Promise<ProxyRun>;
  }

  private async openFork(options: ForkOptions): Promise<ProxyRun> {
    // strategy/budget/rounds named directly win over the same fields in options.config.
    const select = { ...this.config.select, ...options.config?.select, ...definedOnly({ strategy: options.strategy, budget: options.budget, rounds: options.rounds }) };
    const config = resolveConfig(this.config.preset, { ...(this.config as DeepPartial<RunConfig>), ...options.config, select });
    const rounds = config.select.rounds > 1 ? `-r${config.select.rounds}` : "";
    const out = options.out ?? `${this.dir.replace(/[\\/]+$/, "")}-${config.select.strategy}-b${config.select.budget}${rounds}`;
    if (path.resolve(out) === path.resolve(this.dir)) throw new UserError(`fork: out ${out} is this run's own directory`, { code: "bad-option", blame: "out" });
    const fresh = !readManifest(out);
    seedCell({ dir: out, config }, this.dir);
    if (fresh) keepSharedOnly(out);
    return ProxyRun.start(out, config, this.#judgeApiKey, this.dir);
  }

  // ----------------------------------------------------------------------- lab views

  /**
   * The uncertainty explorer: the pool in 2-D (PCA, or UMAP with `projection: "umap"`) coloured
   * by the proxy's std, picks and labels marked. Runs the stages through embed first. In the lab
   * a lasso sets `explorer.querySet()`, which `await querySet.label()` pays to label.
   */
  explore(options: ExploreOptions & StageOptions = {}): Promise<UncertaintyExplorer> {
    return this.exclusive(() =>
      this.through("embed", "explore", options, () => {
        const { payload, points } = explorerData(new RunFiles(this.dir, this.config), options);
        return new UncertaintyExplorer(payload, (ids, o) => this.labelQuery(ids, o), points);
      }),
    ) as Promise<UncertaintyExplorer>;
  }

  /** Calibration of the proxy vs the off-policy evaluator on held-out responses (runs through eval). */
  calibration(options?: StageOptions): Promise<Calibration> {
    return this.exclusive(() => this.through("eval", "calibration", options, () => new Calibration(calibrationPayload(new RunFiles(this.dir, this.config))))) as Promise<Calibration>;
  }

  /** The cost ledger as it stands: paid calls and spend against the budget, failures, cache hits. Runs nothing. */
  ledger(): CostLedger {
    return new CostLedger(ledgerPayload(new RunFiles(this.dir, this.config)));
  }

  /** The training curves this run saved (curves.json). Runs nothing; live curves: `run.dpo({ curves: true })`. */
  curves(): TrainingCurves {
    return new TrainingCurves(savedCurves(this.dir, new RunFiles(this.dir, this.config).curves()));
  }

  /**
   * The labelling widget, for a run whose expert is a person (`config: { oracle: { kind: "human",
   * person: "alice" } }`): runs through select, then shows the selected tuples one by one in the
   * lab. Scores go through the paying gate (ledger.jsonl first, then the acknowledgement); when
   * all are scored, `run.fit()` continues from them.
   */
  labelWidget(options?: StageOptions): Promise<LabelWidget> {
    return this.exclusive(() =>
      this.through("select", "labelWidget", options, () => {
        const widget = LabelWidget.open(this.dir);
        this.widgets.push(widget);
        return widget;
      }),
    ) as Promise<LabelWidget>;
  }

  /**
   * Pays the run's oracle for the given pool responses (a lasso's query set), through the same
   * gate and ledger as every label, tagged "query" with a budget of its own (`budget`, default
   * one call per response). Labels go to query_labels.arrow; the strategy's labels.arrow and
   * expert_queries are untouched.
   */
  labelQuery(ids: readonly string[], options: { budget?: number; signal?: AbortSignal } = {}): Promise<QueryLabels> {
    return this.exclusive(async () => {
      if (this.config.oracle.kind === "human") throw new UserError(`${this.dir}: the expert is a person: score responses with run.labelWidget() or proxyrm label`, { code: "bad-option", blame: "oracle" });
      const session = await this.sessionNow();
      const files = new RunFiles(this.dir, this.config);
      const pool = new Map(files.pool().map((r) => [r.response_id, r]));
      const rows = [...new Set(ids)].map((id) => {
        const row = pool.get(id);
        if (!row) throw new UserError(`labelQuery: ${id} is not a pool response of ${this.dir}`, { code: "bad-option", blame: id });
        return row;
      });
      const budget = options.budget ?? rows.length;
      if (!(Number.isInteger(budget) && budget >= 0)) throw new UserError(`labelQuery: budget must be an integer >= 0, got ${JSON.stringify(budget)}`, { code: "bad-option", blame: "budget" });
      const before = paidCalls(this.dir, QUERY_TAG);
      const gate = session.ctx.gate(before + budget, { tag: QUERY_TAG });
      const report = await gate.label(session.ctx.judgeItems(rows), options.signal ?? currentSignal());
      const file = path.join(this.dir, QUERY_LABELS_FILE);
      const kept = new Map(files.labels(QUERY_LABELS_FILE).map((l) => [l.response_id, l]));
      for (const l of report.labels) if (!kept.has(l.response_id)) kept.set(l.response_id, l);
      writeLabels(file, [...kept.values()]);
      return { labelled: report.labels.length, paid: report.paidNow, file };
    });
  }

  /** Releases the models this run holds in memory; a later call opens the run again. */
  close(): void {
    for (const w of this.widgets.splice(0)) w.close();
    this.session?.close();
    this.session = undefined;
  }

  [MIME_BUNDLE](): MimeBundle {
    return runBundle(this);
  }

  toString(): string {
    return String(runBundle(this)["text/plain"]);
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // -------------------------------------------------------------------------------------

  private stage(stage: string, options?: StageOptions): Promise<StageResult> {
    return this.exclusive(() => this.through(stage, stage, options, (call) => this.build(stage, call))) as Promise<StageResult>;
  }

  private build(stage: string, call: CallInfo): StageResult {
    return new StageResult(VIEWS[stage](new RunFiles(this.dir, this.config), call));
  }

  /** The open session, reopened after close() (the manifest on disk says where the run is). */
  private async sessionNow(): Promise<RunSession> {
    this.session ??= await RunSession.open({ config: this.config, out: this.dir, judgeApiKey: this.#judgeApiKey });
    return this.session;
  }

  /**
   * Runs calls on this run one after another (a second cell's call waits for the first). A call
   * still in flight after the kernel stopped the main thread by force (an interrupt ignored past
   * its grace) will never settle, and the run's models may be half-updated: instead of waiting
   * forever, every later call fails, saying to reopen the run.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const stopped = this.stoppedByForce();
    if (stopped) return Promise.reject(new UserError(stopped, { code: "must-reopen", blame: this.dir }));
    const call: InFlight = { forcedStopsAtStart: forcedStops() };
    const run = () => {
      this.#inFlight = call;
      return fn();
    };
    const next = this.queue.then(run, run).finally(() => {
      if (this.#inFlight === call) this.#inFlight = null;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Why this run object must be reopened, or null. */
  private stoppedByForce(): string | null {
    const call = this.#inFlight;
    if (!this.#mustReopen && call && forcedStops() > call.forcedStopsAtStart) {
      this.#mustReopen =
        `${this.dir}: a call on this run was stopped by force (it ignored an interrupt for ${FORCED_STOP_GRACE_S} s), so its state in memory is unknown. ` +
        `Reopen it: run.close(); run = await proxyrm.open({ out: ${JSON.stringify(this.dir)} }) (finished stages are on disk; the stopped one reruns).`;
      call.progress?.fail("failed", this.#mustReopen);
    }
    return this.#mustReopen;
  }

  /**
   * Runs every unfinished stage up to `target` under one progress display and ends it with
   * what `finish` returns (the call's result).
   */
  private async through<T extends Displayable>(target: string, call: string, options: StageOptions = {}, finish: (info: CallInfo) => T | Promise<T>): Promise<T> {
    const session = await this.sessionNow();
    const order = session.stages;
    if (!order.includes(target)) throw new UserError(`stage ${target} is not part of this run (stages: ${order.join(", ")})`, { code: "bad-option", blame: target });
    // Always a signal: the session keeps the last one it was given, which may be an aborted one.
    const signal = options.signal ?? currentSignal() ?? new AbortController().signal;
    const progress = new ProgressDisplay(this.dir, call, order.slice(0, order.indexOf(target) + 1), (s) => session.isDone(s), options.display !== false);
    if (this.#inFlight) this.#inFlight.progress = progress;
    const training = options.curves ? new TrainingDisplay(this.dir) : undefined;
    const paidBefore = expertCalls(new RunFiles(this.dir, this.config).ledger());
    const started = Date.now();
    progress.open();
    try {
      const ran = await session.runThrough(target, { progress: training ? teeProgress(progress, training) : progress, signal });
      training?.finish("done");
      const result = await finish({ ran, seconds: Math.round((Date.now() - started) / 100) / 10, paidBefore });
      // Built only when shown: building a bundle inlines plotly (once per process) into its HTML.
      progress.finish(options.display !== false ? result[MIME_BUNDLE]() : {});
      if (options.display !== false) Object.defineProperty(result, SHOWN_IN, { value: progress.displayId, configurable: true, writable: true });
      return result;
    } catch (err) {
      const interrupted = err instanceof AbortedError || signal.aborted;
      training?.finish(interrupted ? "interrupted" : "failed");
      const message = err instanceof Error ? err.message : String(err);
      progress.fail(interrupted ? "interrupted" : "failed", interrupted ? `${message}: call run.${call === "fork" ? "fork(...)" : `${call}()`} again to resume` : message);
      throw err;
    }
  }
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A fork made from a run that went past the shared stages got that run's later rows and
 * curves with the shared files (responses.arrow holds eval samples after eval; curves.json
 * every training curve). Keep only what the shared stages wrote, so the fork's files are the
 * ones a fresh run would have.
 */
function keepSharedOnly(dir: string): void {
  const sharedSources = new Set(["seed", "seed-eft", "policy", "policy-heldout", "policy-heldout-uniform"]);
  const responsesFile = path.join(dir, "responses.arrow");
  const rows = readResponses(responsesFile);
  if (rows.some((r) => !sharedSources.has(r.source))) writeResponses(responsesFile, rows.filter((r) => sharedSources.has(r.source)));
  const curvesFile = path.join(dir, "curves.json");
  if (fs.existsSync(curvesFile)) {
    const curves = JSON.parse(fs.readFileSync(curvesFile, "utf8")) as Record<string, number[]>;
    if (Object.keys(curves).some((k) => k !== "sft")) writeFileAtomic(curvesFile, `${JSON.stringify({ sft: curves.sft })}\n`);
  }
}

export { isDisplayable };
