/**
 * What every stage is handed: the run directory, the resolved config, tfjs, the reporter and
 * abort signal, and lazy access to the artefacts earlier stages wrote (read from the run
 * directory once, so a resumed run picks up where the files are).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as TF from "@tensorflow/tfjs";
import type { BackendName } from "../backend";
import type { RunConfig } from "../config";
import type { EndpointKeys } from "../endpoint/run-endpoints";
import { LlmJudgeOracle } from "../oracle/llm-judge";
import { RubricOracle } from "../oracle/rubric";
import { HumanOracle } from "../oracle/human";
import { ExpertGate } from "../oracle/gate";
import type { JudgeItem, Oracle } from "../oracle/types";
import { loadCheckpoint, saveCheckpoint } from "../policy/checkpoint";
import type { TinyGPT } from "../policy/tinygpt";
import type { Progress } from "../progress";
import { Rng, deriveSeed } from "../rng";
import { readLabels, readPrompts, readResponses, writeResponses } from "../store/arrow-tables";
import { writeFileAtomic } from "../store/atomic";
import type { LabelRow, PromptRow, ResponseRow } from "../types";

export class RunContext {
  private readonly models = new Map<string, TinyGPT>();
  private cache = new Map<string, unknown>();
  /** A #private field: Object.entries, JSON.stringify and util.inspect of a context never show a key. */
  readonly #keys: EndpointKeys;

  constructor(
    readonly dir: string,
    readonly config: RunConfig,
    readonly tf: typeof TF,
    readonly backend: BackendName,
    /** Replaced per call by the notebook API (each cell has its own display and interrupt). */
    public progress: Progress,
    public signal?: AbortSignal,
    /** API keys of the endpoints (judge, policy, embedder); never written anywhere. */
    keys: EndpointKeys = {},
  ) {
    this.#keys = { ...keys };
  }

  /** The endpoints' API keys, for the stages that build their clients. */
  get keys(): EndpointKeys {
    return this.#keys;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** An independent, reproducible random stream per stage. */
  rng(stage: string): Rng {
    return new Rng(deriveSeed(this.config.seed, stage));
  }

  private memo<T>(key: string, load: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, load());
    return this.cache.get(key) as T;
  }

  prompts(): PromptRow[] {
    return this.memo("prompts", () => readPrompts(this.file("prompts.arrow")));
  }

  promptText(): Map<string, string> {
    return this.memo("promptText", () => new Map(this.prompts().map((p) => [p.prompt_id, p.prompt])));
  }

  responses(): ResponseRow[] {
    return this.memo("responses", () => readResponses(this.file("responses.arrow")));
  }

  /** Replaces responses of the given sources (a rerun of a stage never duplicates rows). */
  putResponses(sources: string[], rows: ResponseRow[]): void {
    const kept = fs.existsSync(this.file("responses.arrow")) ? this.responses().filter((r) => !sources.includes(r.source)) : [];
    const all = [...kept, ...rows];
    writeResponses(this.file("responses.arrow"), all);
    this.cache.set("responses", all);
  }

  /** What the expert (and the proxy) judge for each response: its prompt's text and its text. */
  judgeItems(responses: readonly ResponseRow[]): JudgeItem[] {
    const text = this.promptText();
    return responses.map((r) => ({ response_id: r.response_id, prompt: text.get(r.prompt_id)!, response: r.text }));
  }

  /** The one paying gate over this run's ledger: the main budget, or a tagged one (baselines). */
  gate(budget: number, options: { tag?: string; onPaid?: () => void } = {}): ExpertGate {
    return new ExpertGate(this.oracle(), { runDir: this.dir, budget, tag: options.tag, concurrency: this.config.oracle.concurrency, onPaid: options.onPaid });
  }

  labels(file = "labels.arrow"): LabelRow[] {
    return this.memo(file, () => readLabels(this.file(file)));
  }

  /** A checkpoint under models/, loaded once. */
  model(name: string): TinyGPT {
    let m = this.models.get(name);
    if (!m) {
      m = loadCheckpoint(this.tf, this.file(`models/${name}.ckpt`));
      this.models.set(name, m);
    }
    return m;
  }

  async saveModel(name: string, model: TinyGPT): Promise<void> {
    fs.mkdirSync(this.file("models"), { recursive: true });
    await saveCheckpoint(this.file(`models/${name}.ckpt`), model);
    const old = this.models.get(name);
    if (old && old !== model) old.dispose();
    this.models.set(name, model);
  }

  /** Training curves for the report, one named series per training run. */
  saveCurve(name: string, values: number[]): void {
    const file = this.file("curves.json");
    const curves = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, number[]>) : {};
    curves[name] = values.map((v) => Math.round(v * 1e5) / 1e5);
    writeFileAtomic(file, `${JSON.stringify(curves)}\n`);
  }

  /** The expert behind the paying gate. */
  oracle(): Oracle {
    return this.memo("oracle", () => {
      const o = this.config.oracle;
      if (o.kind === "llm") {
        return new LlmJudgeOracle({
          url: o.url!,
          model: o.model!,
          apiKey: this.keys.judge,
          timeoutMs: o.timeoutMs,
          retries: o.retries,
          costPerCall: o.costPerCall,
          concurrency: o.concurrency,
          backoffMs: o.backoffMs,
          breakerThreshold: o.breakerThreshold,
        });
      }
      if (o.kind === "human") return new HumanOracle(o.person!, o.costPerCall);
      return new RubricOracle({ noise: o.noise, costPerCall: o.costPerCall, latencyMs: o.latencyMs, seed: deriveSeed(this.config.seed, "oracle") });
    });
  }

  dispose(): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }
}
