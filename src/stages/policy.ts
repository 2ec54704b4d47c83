/**
 * The policy side of the pipeline: build the world, SFT M0 -> M1 on the seed, and let M1 write
 * k on-policy responses for every pool prompt (and for the held-out prompts the proxy metrics
 * are measured on).
 */
import { TinyGPT } from "../policy/tinygpt";
import { answerSequence } from "../policy/batch";
import { sampleCompletions } from "../policy/sample";
import { policyContext } from "../policy/tokenizer";
import { trainMaskedLM } from "../policy/train-lm";
import { Rng, deriveSeed } from "../rng";
import { writeLabels, writePrompts } from "../store/arrow-tables";
import { readUserPrompts, type UserPrompt } from "../store/prompts-input";
import type { PromptRow, ResponseRow } from "../types";
import { isExternalPolicy, type RunConfig } from "../config";
import { BadFileError } from "../errors";
import { buildWorld, worldSeed, type World } from "../world/world";
import { TASKS, parsePrompt } from "../world/tasks";
import type { RunContext } from "./context";
import { policyEndpoint } from "./endpoints";
import type * as TF from "@tensorflow/tfjs";
import type { Progress } from "../progress";

/**
 * The world's prompts for a config: built-in seed and held-out prompts, and the pool (the
 * user's own prompts when given, deduplicated and without built-in seed/held-out prompts).
 * With an external policy there is no seed (nothing is fine-tuned here) and a user's own
 * prompts also give the held-out ones. Cheap and deterministic, so the pipeline also calls it
 * up front to validate inputs.
 */
export function planWorld(config: RunConfig): { world: World; prompts: PromptRow[] } {
  const world = buildWorld(config.world, worldSeed(config.seed));
  const external = isExternalPolicy(config);
  // An external policy gets no task-uniform held-out split: its evaluation (evaluate-external.ts) reads the held-out one only.
  if (!config.prompts) return { world, prompts: external ? world.prompts.filter((p) => p.split !== "seed" && p.split !== "heldout-uniform") : world.prompts };
  const own = readUserPrompts(config.prompts);
  if (!external || config.oracle.kind === "rubric") refuseForeignPrompts(config, own.map((p) => p.prompt));
  const seen = new Set(external ? [] : world.prompts.filter((p) => p.split !== "pool").map((p) => p.prompt));
  const distinct: UserPrompt[] = [];
  for (const p of own) {
    if (seen.has(p.prompt)) continue;
    seen.add(p.prompt);
    distinct.push(p);
  }
  if (external) return { world, prompts: splitOwnPrompts(config, distinct) };
  const pool = distinct.map((p, i): PromptRow => ({ prompt_id: `pool-${String(i).padStart(6, "0")}`, prompt: p.prompt, task: p.task, split: "pool" }));
  if (pool.length === 0) throw new BadFileError(config.prompts, "has no prompts besides the built-in seed and held-out ones");
  return { world, prompts: [...world.prompts.filter((p) => p.split !== "pool"), ...pool] };
}

/**
 * The built-in policy and rubric know only the built-in tasks: the rubric would score every
 * other prompt 0 and the pairs would be noise. Refused, with what to do instead.
 */
function refuseForeignPrompts(config: RunConfig, prompts: string[]): void {
  const i = prompts.findIndex((p) => parsePrompt(p) === undefined);
  if (i < 0) return;
  const who = isExternalPolicy(config) ? "the built-in rubric" : config.oracle.kind === "rubric" ? "the built-in policy and rubric" : "the built-in policy";
  const shown = prompts[i].length > 40 ? `${prompts[i].slice(0, 40)}...` : prompts[i];
  throw new BadFileError(
    config.prompts!,
    `prompt ${i + 1} (${JSON.stringify(shown)}) is not a task of the built-in world (${TASKS.map((t) => t.name).join(", ")}), and ${who} would score it 0; for your own prompts give --policy-url, --embed-url and --judge-url (or --human)`,
  );
}

/** With an external policy: a seeded share of the user's prompts is held out for evaluation. */
function splitOwnPrompts(config: RunConfig, own: UserPrompt[]): PromptRow[] {
  const heldout = Math.min(config.world.heldoutPrompts, Math.floor(own.length / 5));
  if (own.length - heldout < 1) throw new BadFileError(config.prompts!, "has no prompts to select from");
  const order = new Rng(deriveSeed(config.seed, "heldout-split")).shuffle(own.map((_, i) => i));
  const held = new Set(order.slice(0, heldout));
  let pool = 0;
  let kept = 0;
  return own.map((p, i) =>
    held.has(i)
      ? { prompt_id: `heldout-${String(kept++).padStart(6, "0")}`, prompt: p.prompt, task: p.task, split: "heldout" }
      : { prompt_id: `pool-${String(pool++).padStart(6, "0")}`, prompt: p.prompt, task: p.task, split: "pool" },
  );
}

export async function worldStage(ctx: RunContext): Promise<void> {
  const { world, prompts } = planWorld(ctx.config);
  writePrompts(ctx.file("prompts.arrow"), prompts);
  if (isExternalPolicy(ctx.config)) {
    // Nothing is fine-tuned here: no seed answers and no seed judge examples.
    writeLabels(ctx.file("seed_eft_labels.arrow"), []);
    ctx.putResponses(["seed", "seed-eft"], []);
    return;
  }
  const seedIds = prompts.filter((p) => p.split === "seed").map((p) => p.prompt_id);
  const seedRows: ResponseRow[] = world.sft.map((e, i) => ({
    response_id: `seed-${String(i).padStart(6, "0")}`,
    prompt_id: seedIds[i],
    text: e.response,
    source: "seed",
  }));
  // The seed EFT set: off-policy judge examples with their (free, seed-data) labels.
  const byPrompt = new Map(prompts.map((p) => [p.prompt, p.prompt_id]));
  const eftRows: ResponseRow[] = world.eftSeed.map((e, i) => ({
    response_id: `seedeft-${String(i).padStart(6, "0")}`,
    prompt_id: byPrompt.get(e.prompt)!,
    text: e.response,
    source: "seed-eft" as ResponseRow["source"],
  }));
  writeLabels(
    ctx.file("seed_eft_labels.arrow"),
    world.eftSeed.map((e, i) => ({ response_id: eftRows[i].response_id, score: e.score, rationale: "", oracle: "seed", cost: 0 })),
  );
  ctx.putResponses(["seed", "seed-eft"], [...seedRows, ...eftRows]);
}

export async function sftStage(ctx: RunContext): Promise<void> {
  // An external policy is M1 as served: it is not fine-tuned here.
  if (isExternalPolicy(ctx.config)) return;
  const { config, tf } = ctx;
  const text = ctx.promptText();
  const data = ctx
    .responses()
    .filter((r) => r.source === "seed")
    .map((r) => answerSequence(policyContext(text.get(r.prompt_id)!), r.text, config.model.blockSize));
  const model = new TinyGPT(tf, config.model, { seed: deriveSeed(config.seed, "init") });
  let losses: number[];
  try {
    losses = await trainMaskedLM(model, data, config.sft, ctx.rng("sft"), "sft", ctx.progress, ctx.signal);
  } catch (err) {
    // Interrupted (or failed) mid-training: the half-trained model is nobody's.
    model.dispose();
    throw err;
  }
  await ctx.saveModel("sft", model);
  ctx.saveCurve("sft", losses);
}

export async function generateStage(ctx: RunContext): Promise<void> {
  if (isExternalPolicy(ctx.config)) return generateWithEndpoint(ctx);
  const { k, ...sample } = ctx.config.generate;
  const rows: ResponseRow[] = [];
  const rng = ctx.rng("generate");
  // The task-uniform split comes last and only when the world has it, so the pool's and the
  // held-out's samples are the same bytes with or without it.
  for (const [split, source] of [["pool", "policy"], ["heldout", "policy-heldout"], ["heldout-uniform", "policy-heldout-uniform"]] as const) {
    const prompts = ctx.prompts().filter((p) => p.split === split);
    if (prompts.length === 0 && split === "heldout-uniform") continue;
    const repeated = prompts.flatMap((p) => Array.from({ length: k }, () => p));
    const texts = await sampleCompletions(ctx.model("sft"), repeated.map((p) => p.prompt), sample, rng, ctx.progress, ctx.signal, `generate ${split}`);
    repeated.forEach((p, i) =>
      rows.push({ response_id: `${p.prompt_id}-r${i % k}`, prompt_id: p.prompt_id, text: texts[i], source }),
    );
  }
  ctx.putResponses(["policy", "policy-heldout", "policy-heldout-uniform"], rows);
}

/** k samples per pool and held-out prompt from the external policy (journalled as they arrive). */
async function generateWithEndpoint(ctx: RunContext): Promise<void> {
  const { k, temperature } = ctx.config.generate;
  const policy = policyEndpoint(ctx);
  const rows: ResponseRow[] = [];
  for (const [split, source] of [["pool", "policy"], ["heldout", "policy-heldout"]] as const) {
    const prompts = ctx.prompts().filter((p) => p.split === split);
    const texts = await policy.sample(
      prompts.map((p) => p.prompt),
      { k, temperature, seed: deriveSeed(ctx.config.seed, "generate") },
      ctx.progress,
      ctx.signal,
      `generate ${split}`,
    );
    prompts.forEach((p, i) => texts[i].forEach((text, j) => rows.push({ response_id: `${p.prompt_id}-r${j}`, prompt_id: p.prompt_id, text, source })));
  }
  ctx.putResponses(["policy", "policy-heldout"], rows);
}

/**
 * M1 without a run directory (`proxyrm serve`): the same initialisation, seed data and training
 * stream as the sft stage of a run with this config.
 */
export async function trainSeedPolicy(tf: typeof TF, config: RunConfig, progress?: Progress, signal?: AbortSignal): Promise<TinyGPT> {
  const { world } = planWorld({ ...config, prompts: undefined, policy: { ...config.policy, url: undefined } });
  const data = world.sft.map((e) => answerSequence(policyContext(e.prompt), e.response, config.model.blockSize));
  const model = new TinyGPT(tf, config.model, { seed: deriveSeed(config.seed, "init") });
  await trainMaskedLM(model, data, config.sft, new Rng(deriveSeed(config.seed, "sft")), "sft", progress, signal);
  return model;
}
