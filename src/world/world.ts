/**
 * Builds the built-in world for a seed: disjoint seed / pool / held-out prompts, the SFT seed
 * answers (a share of them systematically flawed, as real seed data is: without flaws DPO has
 * nothing to fix), and the seed EFT set (judge examples skewed to high scores, the paper's
 * off-policy imbalance).
 */
import { BadOptionError } from "../errors";
import { Rng } from "../rng";
import type { PromptRow } from "../types";
import { goldRubric } from "./rubric";
import { expectedAnswer, samplePrompt } from "./tasks";

export interface WorldConfig {
  seedPrompts: number;
  poolPrompts: number;
  heldoutPrompts: number;
  /** Share of SFT seed answers with a systematic flaw (junk appended, last character dropped). */
  flawRate: number;
  /** Judge examples in the seed EFT set (off-policy evaluator data). */
  eftSeedExamples: number;
  /** Exponent on the task frequencies: 1 the built-in long tail, 0 uniform clusters. */
  clusterSkew: number;
}

export interface SeedExample {
  prompt: string;
  response: string;
}

export interface JudgeExample {
  prompt: string;
  response: string;
  score: number;
}

export interface World {
  prompts: PromptRow[];
  /** SFT data: one answer per seed prompt. */
  sft: SeedExample[];
  /** Seed EFT data, scored by the gold rubric. */
  eftSeed: JudgeExample[];
}

const JUNK = ["!", "!!", "#", "?!", "..", " ok", " :)"];
/** Share of flaws that drop the last character instead of appending junk. */
const DROP_SHARE = 0.2;

/**
 * A flawed version of a correct answer, the kind of mistake careless seed writers make: mostly
 * extraneous content appended, sometimes a dropped last character.
 */
export function flaw(answer: string, rng: Rng): string {
  if (answer.length > 1 && rng.next() < DROP_SHARE) return answer.slice(0, -1);
  return answer + rng.pick(JUNK);
}

/**
 * Off-policy judge examples: 13 in every 20 are correct answers (the skew DESIGN fixes: at
 * least 60% score 4-5, at any size), the rest corrupted the ways seed writers and weak models
 * err.
 */
function offPolicyResponse(answer: string, i: number, rng: Rng): string {
  const slot = i % 20;
  if (slot < 13) return answer;
  if (slot < 17) return flaw(answer, rng);
  if (slot < 19) return rng.shuffle([...answer]).join("");
  return answer.slice(0, Math.max(1, answer.length >> 1));
}

export function buildWorld(config: WorldConfig, seed: number): World {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const prompts: PromptRow[] = [];
  const draw = (split: PromptRow["split"], n: number) => {
    let attempts = 0;
    while (prompts.filter((p) => p.split === split).length < n) {
      if (++attempts > n * 200) {
        throw new BadOptionError(`world.${split}Prompts`, `the built-in world has too few distinct prompts for ${n} ${split} prompts; ask for fewer`);
      }
      const { task, prompt } = samplePrompt(rng, config.clusterSkew);
      if (seen.has(prompt)) continue;
      seen.add(prompt);
      prompts.push({ prompt_id: `${split}-${String(prompts.length).padStart(6, "0")}`, prompt, task, split });
    }
  };
  draw("seed", config.seedPrompts);
  draw("pool", config.poolPrompts);
  draw("heldout", config.heldoutPrompts);

  const seedRows = prompts.filter((p) => p.split === "seed");
  const sft = seedRows.map((p) => {
    const answer = expectedAnswer(p.prompt)!;
    return { prompt: p.prompt, response: rng.next() < config.flawRate ? flaw(answer, rng) : answer };
  });
  const eftSeed = Array.from({ length: config.eftSeedExamples }, (_, i) => {
    const p = seedRows[i % seedRows.length];
    const response = offPolicyResponse(expectedAnswer(p.prompt)!, i, rng);
    return { prompt: p.prompt, response, score: goldRubric(p.prompt, response).score };
  });
  return { prompts, sft, eftSeed };
}
