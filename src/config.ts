/**
 * One RunConfig, resolved in one place: defaults < preset < --config file < flags. The
 * resolved object (never a secret) goes into manifest.json and each stage gets its slice.
 */
import * as fs from "node:fs";
import { BACKENDS, asBackendName, type BackendName } from "./backend";
import { BadFileError, BadOptionError } from "./errors";
import { strategies } from "./select";
import type { DPOConfig } from "./dpo/train";
import type { LMTrainConfig } from "./policy/train-lm";
import type { SampleConfig } from "./policy/sample";
import { defaultTinyGPTConfig, type TinyGPTConfig } from "./policy/tinygpt";
import type { HeadsConfig } from "./proxy/heads";
import type { PairsConfig } from "./pairs/build";
import type { WorldConfig } from "./world/world";
import { FAMILY_SETS } from "./world/tasks";

/** What a person labelling may be called: it goes into the oracle name, the ledger and labels.oracle. */
export const PERSON_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type PresetName = "tiny" | "smoke" | "default";
export type SelectSpace = "policy" | "proxy-features";
export const SELECT_SPACES: readonly SelectSpace[] = ["policy", "proxy-features"];
export const PRESETS: readonly PresetName[] = ["tiny", "smoke", "default"];

export interface OracleConfig {
  /**
   * "rubric": the built-in gold rubric (simulated expert); "llm": an OpenAI-compatible judge;
   * "human": a person (`person`) scoring on `proxyrm label`'s page or the lab's widget.
   */
  kind: "rubric" | "llm" | "human";
  /** Human only: who labels (letters, digits, "_", "." or "-"); labels.oracle is "human:<person>". */
  person?: string;
  /** Rubric only: probability that a label is off by one. */
  noise: number;
  costPerCall: number;
  latencyMs: number;
  url?: string;
  model?: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** First wait before a retry (doubled per retry, jittered, capped at 60 s). */
  backoffMs: number;
  /** Consecutive transport failures (network, timeout, 5xx) after which the run stops. */
  breakerThreshold: number;
}

/** How proxyrm calls an OpenAI-compatible endpoint (src/endpoint/client.ts). */
export interface EndpointConfig {
  /** Base URL (…/v1). Absent: the built-in tiny GPT plays this part. */
  url?: string;
  model?: string;
  /** Requests in flight. */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** Consecutive transport failures after which the run stops. */
  breakerThreshold: number;
}

/** An external policy: k samples per prompt at generate.temperature. */
export interface PolicyEndpointConfig extends EndpointConfig {
  /** "chat": /chat/completions with the prompt as the user message; "completions": /completions with the raw prompt. */
  api: "chat" | "completions";
  /** max_tokens per completion. */
  maxTokens: number;
}

/** An external embedder for the IFT and EFT views (and the reward heads' features). */
export interface EmbedEndpointConfig extends EndpointConfig {
  /** Texts per /embeddings request. */
  batchSize: number;
}

export interface RunConfig {
  preset: PresetName;
  seed: number;
  world: WorldConfig;
  /** A user's own prompt pool (.jsonl/.parquet/.arrow, field `prompt`); replaces the world's pool. */
  prompts?: string;
  model: TinyGPTConfig;
  sft: LMTrainConfig;
  generate: SampleConfig & { k: number };
  /** rounds: the budget is split evenly; after each round the proxy is refit on the labels so far. */
  /**
   * space: what the embedding-reading strategies (coreset, typiclust, hybrid) measure distance
   * in. "policy": M1's pooled states (the paper's coresetIFT/EFT); "proxy-features": the reward
   * heads' own input features, z-scored per column (docs/strategies.md, a separate question).
   */
  select: { strategy: string; budget: number; rounds: number; space: SelectSpace };
  oracle: OracleConfig;
  /** With a url: the policy M1 is an endpoint (no SFT or DPO here; pairs are exported). */
  policy: PolicyEndpointConfig;
  /** With a url: embeddings come from an endpoint. */
  embed: EmbedEndpointConfig;
  proxy: { kind: "eft" | "heads"; eft: LMTrainConfig; heads: HeadsConfig };
  pairs: PairsConfig;
  dpo: DPOConfig;
  eval: { samplesPerPrompt: number; temperature: number };
  /** Run the off-policy and expert-only baselines (they pay for their labels with a paid judge). */
  baselines: boolean;
  /**
   * Stop after the proxy: no scoring, pairs, DPO or report; eval writes proxy_metrics.json (the
   * proxies against gold on held-out responses). For many-seed sweeps of proxy quality.
   */
  proxyOnly: boolean;
  /** Force a backend instead of the best available one. */
  backend?: BackendName;
}

const base = (): RunConfig => ({
  preset: "default",
  seed: 1,
  world: { seedPrompts: 2000, poolPrompts: 900, heldoutPrompts: 150, flawRate: 0.3, eftSeedExamples: 2000, clusterSkew: 1, families: "classic", misrank: 0 },
  model: { ...defaultTinyGPTConfig },
  sft: { steps: 1200, batchSize: 32, lr: 3e-3 },
  generate: { k: 4, temperature: 1, topK: 0, maxNewTokens: 12, batchSize: 256 },
  select: { strategy: "coreset-eft", budget: 100, rounds: 1, space: "policy" },
  oracle: { kind: "rubric", noise: 0.05, costPerCall: 0.01, latencyMs: 0, concurrency: 1, timeoutMs: 60000, retries: 3, backoffMs: 500, breakerThreshold: 5 },
  policy: { api: "chat", maxTokens: 256, concurrency: 4, timeoutMs: 120000, retries: 3, backoffMs: 500, breakerThreshold: 5 },
  embed: { batchSize: 64, concurrency: 4, timeoutMs: 60000, retries: 3, backoffMs: 500, breakerThreshold: 5 },
  proxy: {
    kind: "heads",
    eft: { steps: 150, batchSize: 16, lr: 3e-4 },
    heads: { members: 5, hidden: 32, steps: 400, lr: 3e-3, batchSize: 32 },
  },
  pairs: { minMargin: 0 },
  dpo: { epochs: 3, batchSize: 16, lr: 5e-5, beta: 0.1 },
  eval: { samplesPerPrompt: 2, temperature: 1 },
  baselines: true,
  proxyOnly: false,
});

/** What each preset changes from the defaults. */
const PRESET_OVERRIDES: Record<PresetName, DeepPartial<RunConfig>> = {
  default: {},
  smoke: {
    world: { poolPrompts: 250, heldoutPrompts: 80 },
    sft: { steps: 500 },
    select: { budget: 28 },
    proxy: { eft: { steps: 80 } },
    dpo: { epochs: 4, lr: 1e-4 },
  },
  tiny: {
    world: { seedPrompts: 120, poolPrompts: 16, heldoutPrompts: 8, eftSeedExamples: 60 },
    model: { nLayer: 1, nHead: 2, dModel: 16 },
    sft: { steps: 20, batchSize: 16 },
    generate: { k: 2 },
    select: { budget: 4 },
    proxy: { eft: { steps: 10, batchSize: 8 }, heads: { members: 3, hidden: 8, steps: 20 } },
    dpo: { epochs: 1, batchSize: 8 },
  },
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(target: T, patch: DeepPartial<T> | undefined, where: string): T {
  if (patch === undefined) return target;
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new BadOptionError(where, "must be an object");
  }
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    const path = where ? `${where}.${key}` : key;
    const current = out[key];
    const optional = ["prompts", "url", "model", "backend", "person", "heldoutUniformPrompts"].includes(key) && current === undefined;
    if (!(key in out) && !optional) throw new BadOptionError(path, "unknown config field");
    if (current !== null && typeof current === "object" && !Array.isArray(current)) {
      out[key] = merge(current, value as DeepPartial<typeof current>, path);
    } else {
      if (value !== undefined && current !== undefined && typeof value !== typeof current) {
        throw new BadOptionError(path, `expected a ${typeof current}, got ${JSON.stringify(value)}`);
      }
      out[key] = value;
    }
  }
  return out as T;
}

/** Reads a --config JSON file (a partial RunConfig). */
export function readConfigFile(file: string): DeepPartial<RunConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new BadFileError(file, "cannot read config file");
  }
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed;
  } catch (err) {
    throw new BadFileError(file, `not a JSON object (${(err as Error).message})`);
  }
}

/**
 * defaults < preset < config file < flags, then validated. The preset is the flag's, else the
 * config file's `preset`, else "default".
 */
export function resolveConfig(preset: PresetName | undefined, file?: DeepPartial<RunConfig>, flags?: DeepPartial<RunConfig>): RunConfig {
  const chosen = preset ?? (file?.preset as PresetName | undefined) ?? "default";
  if (!PRESETS.includes(chosen)) {
    throw new BadOptionError(preset ? "--preset" : "preset", `unknown preset "${chosen}" (choose ${PRESETS.join(", ")})`);
  }
  let config = merge(base(), PRESET_OVERRIDES[chosen], "");
  config = merge(config, { ...file, preset: chosen }, "");
  config = merge(config, flags, "");
  validateConfig(config);
  return config;
}

function positiveInt(path: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new BadOptionError(path, `must be an integer >= ${min}, got ${v}`);
}

function positive(path: string, v: number): void {
  if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) throw new BadOptionError(path, `must be a positive number, got ${v}`);
}

export function validateConfig(c: RunConfig): void {
  if (!PRESETS.includes(c.preset)) throw new BadOptionError("preset", `unknown preset "${c.preset}"`);
  positiveInt("seed", c.seed, 0);
  positiveInt("world.seedPrompts", c.world.seedPrompts);
  positiveInt("world.poolPrompts", c.world.poolPrompts);
  positiveInt("world.heldoutPrompts", c.world.heldoutPrompts);
  positiveInt("world.eftSeedExamples", c.world.eftSeedExamples);
  if (c.world.heldoutUniformPrompts !== undefined) positiveInt("world.heldoutUniformPrompts", c.world.heldoutUniformPrompts, 0);
  if (!(c.world.clusterSkew >= 0 && c.world.clusterSkew <= 10)) throw new BadOptionError("world.clusterSkew", `must be in [0, 10], got ${c.world.clusterSkew}`);
  if (!FAMILY_SETS.includes(c.world.families)) throw new BadOptionError("world.families", `must be ${FAMILY_SETS.join(" or ")}, got ${JSON.stringify(c.world.families)}`);
  if (!(c.world.misrank >= 0 && c.world.misrank <= 1)) throw new BadOptionError("world.misrank", `must be in [0, 1] (a share of task families), got ${c.world.misrank}`);
  if (!(c.world.flawRate >= 0 && c.world.flawRate <= 1)) throw new BadOptionError("world.flawRate", `must be in [0, 1], got ${c.world.flawRate}`);
  positiveInt("model.nLayer", c.model.nLayer);
  positiveInt("model.nHead", c.model.nHead);
  positiveInt("model.dModel", c.model.dModel);
  if (c.model.dModel % c.model.nHead !== 0) throw new BadOptionError("model.dModel", `must be divisible by model.nHead (${c.model.nHead})`);
  positiveInt("model.blockSize", c.model.blockSize, 8);
  for (const [name, t] of [["sft", c.sft], ["proxy.eft", c.proxy.eft]] as const) {
    positiveInt(`${name}.steps`, t.steps);
    positiveInt(`${name}.batchSize`, t.batchSize);
    positive(`${name}.lr`, t.lr);
  }
  positiveInt("generate.k", c.generate.k, 2);
  positiveInt("generate.maxNewTokens", c.generate.maxNewTokens);
  positiveInt("generate.batchSize", c.generate.batchSize);
  positiveInt("generate.topK", c.generate.topK, 0);
  if (!(c.generate.temperature >= 0)) throw new BadOptionError("generate.temperature", `must be >= 0, got ${c.generate.temperature}`);
  positiveInt("select.budget", c.select.budget);
  positiveInt("select.rounds", c.select.rounds);
  if (c.select.rounds > c.select.budget) throw new BadOptionError("--rounds", `${c.select.rounds} rounds need a budget of at least ${c.select.rounds}, got ${c.select.budget}`);
  if (!(c.select.strategy in strategies)) {
    throw new BadOptionError("--strategy", `unknown strategy "${c.select.strategy}" (known: ${Object.keys(strategies).join(", ")})`);
  }
  const needs: readonly string[] = strategies[c.select.strategy as keyof typeof strategies].needs;
  if (!SELECT_SPACES.includes(c.select.space)) throw new BadOptionError("--select-space", `must be ${SELECT_SPACES.join(" or ")}, got ${JSON.stringify(c.select.space)}`);
  if (needs.includes("proxy.features") && c.proxy.kind !== "heads") {
    throw new BadOptionError("--strategy", `${c.select.strategy} reads the reward heads' last layer: it needs proxy.kind "heads"`);
  }
  if (needs.includes("proxy.members") && (c.proxy.kind !== "heads" || c.proxy.heads.members < 2)) {
    throw new BadOptionError("--strategy", `${c.select.strategy} needs an ensemble proxy: proxy.kind "heads" with proxy.heads.members >= 2`);
  }
  for (const [key, v] of [["prompts", c.prompts], ["oracle.url", c.oracle.url], ["oracle.model", c.oracle.model], ["policy.url", c.policy.url], ["policy.model", c.policy.model], ["embed.url", c.embed.url], ["embed.model", c.embed.model]] as const) {
    if (v !== undefined && (typeof v !== "string" || v === "")) throw new BadOptionError(key, `expected a non-empty string, got ${JSON.stringify(v)}`);
  }
  if (!["rubric", "llm", "human"].includes(c.oracle.kind)) throw new BadOptionError("oracle.kind", `must be "rubric", "llm" or "human", got "${c.oracle.kind}"`);
  if (!(c.oracle.noise >= 0 && c.oracle.noise <= 1)) throw new BadOptionError("oracle.noise", `must be in [0, 1], got ${c.oracle.noise}`);
  if (!(c.oracle.costPerCall >= 0)) throw new BadOptionError("oracle.costPerCall", `must be >= 0, got ${c.oracle.costPerCall}`);
  positiveInt("oracle.latencyMs", c.oracle.latencyMs, 0);
  positiveInt("oracle.concurrency", c.oracle.concurrency);
  positiveInt("oracle.timeoutMs", c.oracle.timeoutMs);
  positiveInt("oracle.retries", c.oracle.retries, 0);
  positiveInt("oracle.backoffMs", c.oracle.backoffMs, 0);
  positiveInt("oracle.breakerThreshold", c.oracle.breakerThreshold);
  if (c.oracle.kind === "llm" && (!c.oracle.url || !c.oracle.model)) {
    throw new BadOptionError("--judge-url", "an LLM judge needs both --judge-url and --judge-model");
  }
  if (c.oracle.kind === "human") {
    if (typeof c.oracle.person !== "string" || !PERSON_NAME.test(c.oracle.person)) {
      throw new BadOptionError("--human", `a person's name of letters, digits, "_", "." or "-" (at most 64), got ${JSON.stringify(c.oracle.person)}`);
    }
    if (c.oracle.url !== undefined) throw new BadOptionError("--human", "a person and --judge-url cannot both be the expert");
    // Both would need the person in the middle of a stage: label one round, pay no baseline.
    if (c.select.rounds > 1) throw new BadOptionError("--rounds", "a person labels the selection in one round (proxyrm label); --rounds needs an oracle the run can call");
    if (c.baselines) throw new BadOptionError("--baselines", "the expert-only baseline would need a person to label its prompts too; leave baselines off with --human");
  } else if (c.oracle.person !== undefined) {
    throw new BadOptionError("oracle.person", `is for oracle.kind "human", not "${c.oracle.kind}"`);
  }
  validateEndpoints(c);
  if (!["eft", "heads"].includes(c.proxy.kind)) throw new BadOptionError("proxy.kind", `must be "eft" or "heads", got "${c.proxy.kind}"`);
  positiveInt("proxy.heads.members", c.proxy.heads.members);
  positiveInt("proxy.heads.hidden", c.proxy.heads.hidden);
  positiveInt("proxy.heads.steps", c.proxy.heads.steps);
  positive("proxy.heads.lr", c.proxy.heads.lr);
  if (!(c.pairs.minMargin >= 0 && c.pairs.minMargin <= 5)) throw new BadOptionError("pairs.minMargin", `must be in [0, 5] (a score margin), got ${c.pairs.minMargin}`);
  positiveInt("eval.samplesPerPrompt", c.eval.samplesPerPrompt);
  positive("dpo.epochs", c.dpo.epochs);
  positiveInt("dpo.batchSize", c.dpo.batchSize);
  positive("dpo.lr", c.dpo.lr);
  positive("dpo.beta", c.dpo.beta);
  if (c.backend !== undefined && asBackendName(c.backend) === undefined) {
    throw new BadOptionError("backend", `must be ${BACKENDS.join(", ")}, got "${c.backend}"`);
  }
}

/** An external policy replaces the tiny GPT: everything that trains or reads it must go. */
function validateEndpoints(c: RunConfig): void {
  for (const [name, e] of [["policy", c.policy], ["embed", c.embed]] as const) {
    positiveInt(`${name}.concurrency`, e.concurrency);
    positiveInt(`${name}.timeoutMs`, e.timeoutMs);
    positiveInt(`${name}.retries`, e.retries, 0);
    positiveInt(`${name}.backoffMs`, e.backoffMs, 0);
    positiveInt(`${name}.breakerThreshold`, e.breakerThreshold);
    if ((e.url === undefined) !== (e.model === undefined)) throw new BadOptionError(`--${name}-url`, `an ${name === "policy" ? "external policy" : "embedder"} needs both --${name}-url and --${name}-model`);
  }
  if (!["chat", "completions"].includes(c.policy.api)) throw new BadOptionError("policy.api", `must be "chat" or "completions", got "${c.policy.api}"`);
  positiveInt("policy.maxTokens", c.policy.maxTokens);
  positiveInt("embed.batchSize", c.embed.batchSize);
  if (c.policy.url === undefined) return;
  const why = "with --policy-url the policy is an endpoint, not the built-in tiny GPT";
  if (c.embed.url === undefined) throw new BadOptionError("--embed-url", `${why}, whose hidden states are the built-in embeddings: give --embed-url and --embed-model too`);
  if (c.proxy.kind !== "heads") throw new BadOptionError("--proxy", `${why}: --proxy eft fine-tunes the tiny GPT; use the reward heads (on the endpoint's embeddings)`);
  if (c.baselines) throw new BadOptionError("--baselines", `${why}: the baselines train the tiny GPT; leave them off`);
  const needs: readonly string[] = strategies[c.select.strategy as keyof typeof strategies].needs;
  if (needs.some((n) => n === "proxy" || n.startsWith("proxy."))) {
    throw new BadOptionError("--strategy", `${c.select.strategy} scores its first round with the built-in off-policy evaluator, which needs the tiny GPT; ${why}: use random, coreset-ift or coreset-eft`);
  }
}

/** The policy is an endpoint: no SFT or DPO here, pairs are exported, the judge evaluates. */
export function isExternalPolicy(c: RunConfig): boolean {
  return c.policy.url !== undefined;
}
