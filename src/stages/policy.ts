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
import { deriveSeed } from "../rng";
import { writeLabels, writePrompts } from "../store/arrow-tables";
import { readUserPrompts } from "../store/prompts-input";
import type { PromptRow, ResponseRow } from "../types";
import type { RunConfig } from "../config";
import { BadFileError } from "../errors";
import { buildWorld, type World } from "../world/world";
import type { RunContext } from "./context";

/**
 * The world's prompts for a config: built-in seed and held-out prompts, and the pool (the
 * user's own prompts when given, deduplicated and without built-in seed/held-out prompts).
 * Cheap and deterministic, so the pipeline also calls it up front to validate inputs.
 */
export function planWorld(config: RunConfig): { world: World; prompts: PromptRow[] } {
  const world = buildWorld(config.world, deriveSeed(config.seed, "world"));
  if (!config.prompts) return { world, prompts: world.prompts };
  const own = readUserPrompts(config.prompts);
  const seen = new Set(world.prompts.filter((p) => p.split !== "pool").map((p) => p.prompt));
  const pool: PromptRow[] = [];
  for (const p of own) {
    if (seen.has(p.prompt)) continue;
    seen.add(p.prompt);
    pool.push({ prompt_id: `pool-${String(pool.length).padStart(6, "0")}`, prompt: p.prompt, task: p.task, split: "pool" });
  }
  if (pool.length === 0) throw new BadFileError(config.prompts, "has no prompts besides the built-in seed and held-out ones");
  return { world, prompts: [...world.prompts.filter((p) => p.split !== "pool"), ...pool] };
}

export async function worldStage(ctx: RunContext): Promise<void> {
  const { world, prompts } = planWorld(ctx.config);
  writePrompts(ctx.file("prompts.arrow"), prompts);
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
  const { config, tf } = ctx;
  const text = ctx.promptText();
  const data = ctx
    .responses()
    .filter((r) => r.source === "seed")
    .map((r) => answerSequence(policyContext(text.get(r.prompt_id)!), r.text, config.model.blockSize));
  const model = new TinyGPT(tf, config.model, { seed: deriveSeed(config.seed, "init") });
  const losses = await trainMaskedLM(model, data, config.sft, ctx.rng("sft"), "sft", ctx.progress, ctx.signal);
  ctx.saveModel("sft", model);
  ctx.saveCurve("sft", losses);
}

export async function generateStage(ctx: RunContext): Promise<void> {
  const { k, ...sample } = ctx.config.generate;
  const rows: ResponseRow[] = [];
  const rng = ctx.rng("generate");
  for (const [split, source] of [["pool", "policy"], ["heldout", "policy-heldout"]] as const) {
    const prompts = ctx.prompts().filter((p) => p.split === split);
    const repeated = prompts.flatMap((p) => Array.from({ length: k }, () => p));
    const texts = await sampleCompletions(ctx.model("sft"), repeated.map((p) => p.prompt), sample, rng, ctx.progress, ctx.signal, `generate ${split}`);
    repeated.forEach((p, i) =>
      rows.push({ response_id: `${p.prompt_id}-r${i % k}`, prompt_id: p.prompt_id, text: texts[i], source }),
    );
  }
  ctx.putResponses(["policy", "policy-heldout"], rows);
}
