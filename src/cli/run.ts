/** `proxyrm run`: the whole method on the built-in world (or the user's prompts / judge). */
import type { Command } from "commander";
import { AUTO_ORDER, BACKENDS } from "../backend";
import { PRESETS, SELECT_SPACES, readConfigFile, resolveConfig, type DeepPartial, type PresetName, type RunConfig, type SelectSpace } from "../config";
import { BadOptionError } from "../errors";
import { strategies } from "../select";
import { parseInteger, parseNumber } from "./options";
import { cliReporter } from "./progress";
import { formatProxySummary, formatSummary } from "./summary";

interface RunFlags {
  preset?: string;
  config?: string;
  out?: string;
  seed?: number;
  strategy?: string;
  budget?: number;
  rounds?: number;
  selectSpace?: string;
  prompts?: string;
  proxy?: string;
  minMargin?: number;
  judgeUrl?: string;
  judgeModel?: string;
  judgeConcurrency?: number;
  human?: string;
  policyUrl?: string;
  policyModel?: string;
  policyApi?: string;
  embedUrl?: string;
  embedModel?: string;
  baselines?: boolean;
  proxyOnly?: boolean;
  backend?: string;
  until?: string;
  probe?: boolean;
}

/** Flags -> the config fields they set (undefined = not given). */
export function flagsToConfig(f: RunFlags): DeepPartial<RunConfig> {
  const patch: DeepPartial<RunConfig> = {};
  if (f.seed !== undefined) patch.seed = f.seed;
  if (f.selectSpace !== undefined && !SELECT_SPACES.includes(f.selectSpace as SelectSpace)) {
    throw new BadOptionError("--select-space", `must be ${SELECT_SPACES.join(" or ")}, got "${f.selectSpace}"`);
  }
  if (f.strategy !== undefined || f.budget !== undefined || f.rounds !== undefined || f.selectSpace !== undefined) {
    patch.select = { strategy: f.strategy, budget: f.budget, rounds: f.rounds, space: f.selectSpace as SelectSpace | undefined };
  }
  if (f.prompts !== undefined) patch.prompts = f.prompts;
  if (f.proxy !== undefined) {
    if (f.proxy !== "eft" && f.proxy !== "heads") throw new BadOptionError("--proxy", `must be eft or heads, got "${f.proxy}"`);
    patch.proxy = { kind: f.proxy };
  }
  if (f.minMargin !== undefined) patch.pairs = { minMargin: f.minMargin };
  if (f.judgeUrl !== undefined || f.judgeModel !== undefined || f.judgeConcurrency !== undefined) {
    if (f.judgeUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(f.judgeUrl)) throw new BadOptionError("--judge-url", `not an http(s) URL: "${f.judgeUrl}"`);
    patch.oracle = { kind: f.judgeUrl !== undefined ? "llm" : undefined, url: f.judgeUrl, model: f.judgeModel, concurrency: f.judgeConcurrency };
  }
  if (f.human !== undefined) patch.oracle = { ...patch.oracle, kind: "human", person: f.human };
  for (const [flag, url] of [["--policy-url", f.policyUrl], ["--embed-url", f.embedUrl]] as const) {
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new BadOptionError(flag, `not an http(s) URL: "${url}"`);
  }
  if (f.policyApi !== undefined && f.policyApi !== "chat" && f.policyApi !== "completions") throw new BadOptionError("--policy-api", `must be chat or completions, got "${f.policyApi}"`);
  if (f.policyUrl !== undefined || f.policyModel !== undefined || f.policyApi !== undefined) {
    patch.policy = { url: f.policyUrl, model: f.policyModel, api: f.policyApi as "chat" | "completions" | undefined };
  }
  if (f.embedUrl !== undefined || f.embedModel !== undefined) patch.embed = { url: f.embedUrl, model: f.embedModel };
  // A paid external judge would pay for the baselines' labels too: opt-in there (and a person
  // would have to label the expert-only baseline's prompts: off).
  if (f.baselines !== undefined) patch.baselines = f.baselines;
  else if (f.judgeUrl !== undefined || f.human !== undefined || f.policyUrl !== undefined) patch.baselines = false;
  if (f.proxyOnly !== undefined) patch.proxyOnly = f.proxyOnly;
  if (f.backend !== undefined) patch.backend = f.backend as RunConfig["backend"];
  return stripUndefined(patch);
}

function stripUndefined<T>(v: T): T {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, stripUndefined(x)])) as T;
  }
  return v;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run the whole method: sft -> generate -> embed -> select -> label -> fit -> score -> pairs -> dpo -> eval")
    .option("--preset <name>", `size preset: ${PRESETS.join(" | ")} (default: the config file's, else default)`)
    .option("--config <file>", "JSON file with RunConfig fields (flags override it)")
    .option("--out <dir>", "run directory (default runs/<preset>-seed<seed>)")
    .option("--seed <n>", "random seed", parseInteger("--seed", 0, 2 ** 31 - 1))
    .option("--strategy <name>", `active selection strategy (${Object.keys(strategies).join(", ")})`)
    .option("--budget <n>", "expert queries to pay for", parseInteger("--budget", 1, 1e9))
    .option("--rounds <n>", "active-learning rounds: label a batch, refit the proxy, select again", parseInteger("--rounds", 1, 1000))
    .option("--select-space <space>", "where embedding strategies measure distance: policy (M1's pooled states, the paper's) or proxy-features (the reward heads' inputs, z-scored)")
    .option("--prompts <file>", "your own prompt pool: .jsonl, .parquet or .arrow with field `prompt`")
    .option("--proxy <kind>", "proxy evaluator: eft (fine-tuned judge) or heads (reward-head ensemble)")
    .option("--min-margin <score>", "smallest best-minus-worst score margin that makes a DPO pair (default 0: any positive margin)", parseNumber("--min-margin", 0, 5))
    .option("--judge-url <url>", "OpenAI-compatible judge base URL (key from PROXYRM_JUDGE_API_KEY or OPENAI_API_KEY)")
    .option("--judge-model <name>", "model name for the judge endpoint")
    .option("--judge-concurrency <n>", "judge calls in flight", parseInteger("--judge-concurrency", 1, 256))
    .option("--policy-url <url>", "OpenAI-compatible policy M1 (vLLM, ...): k samples per prompt; key from PROXYRM_POLICY_API_KEY or OPENAI_API_KEY")
    .option("--policy-model <name>", "model name for the policy endpoint")
    .option("--policy-api <api>", "chat (/chat/completions, the default) or completions (/completions, raw prompts)")
    .option("--embed-url <url>", "OpenAI-compatible /embeddings for the IFT and EFT views; key from PROXYRM_EMBED_API_KEY or OPENAI_API_KEY")
    .option("--embed-model <name>", "model name for the embeddings endpoint")
    .option("--human <name>", "a person is the expert: the run stops after select until `proxyrm label` has their scores")
    .option("--baselines", "run the off-policy and expert-only baselines (default on with the built-in expert)")
    .option("--no-baselines", "skip the baselines")
    .option("--proxy-only", "stop after the proxy: its agreement with gold on held-out responses, no pairs, DPO or report (proxy_metrics.json)")
    .option("--backend <name>", `force a tfjs backend: ${BACKENDS.join(" | ")} (default: the first that loads of ${AUTO_ORDER.join(", ")})`)
    .option("--until <stage>", "stop after this stage (resume later without it)")
    .option("--no-probe", "skip the free GET <url>/models check of each endpoint before training")
    .action(async (flags: RunFlags) => {
      const file = flags.config ? readConfigFile(flags.config) : undefined;
      const config = resolveConfig(flags.preset as PresetName | undefined, file, flagsToConfig(flags));
      const out = flags.out ?? `runs/${config.preset}-seed${config.seed}`;
      const { runPipeline } = await import("../pipeline");
      // Keys come from the environment only; never from flags or the config file.
      const env = process.env;
      const judgeApiKey = config.oracle.kind === "llm" ? env.PROXYRM_JUDGE_API_KEY ?? env.OPENAI_API_KEY : undefined;
      const policyApiKey = config.policy.url !== undefined ? env.PROXYRM_POLICY_API_KEY ?? env.OPENAI_API_KEY : undefined;
      const embedApiKey = config.embed.url !== undefined ? env.PROXYRM_EMBED_API_KEY ?? env.OPENAI_API_KEY : undefined;
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      try {
        const result = await runPipeline({ config, out, progress: cliReporter(), signal: controller.signal, judgeApiKey, policyApiKey, embedApiKey, until: flags.until, probe: flags.probe });
        if (result.metrics) process.stdout.write(formatSummary(out, result.metrics, result.ran.length === 0));
        else if (result.proxyMetrics) process.stdout.write(formatProxySummary(out, result.proxyMetrics, result.ran.length === 0));
        else process.stdout.write(`${out}: stopped after ${flags.until} as asked; rerun without --until to finish\n`);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
