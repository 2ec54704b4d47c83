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
import { deriveSeed } from "../rng";
import { expectedAnswer, familiesOf, parsePrompt, samplePrompt, type FamilySet, type TaskSpec } from "./tasks";

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
  /** Which task families: the 9 classic tasks, or 55 composed ones with Zipf frequencies (docs/world.md). */
  families: FamilySet;
  /**
   * Share of families (rounded, chosen per seed) whose SFT seed answers echo the argument, so
   * M1 confidently copies its input there and its own likelihood ranks responses wrongly.
   */
  misrank: number;
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

/**
 * The families whose seed answers echo the input: round(misrank x families) of them, drawn
 * from a stream of their own so the rest of the world is the same at every knob value.
 */
export function misrankedFamilies(config: Pick<WorldConfig, "families" | "misrank">, seed: number): Set<string> {
  const families = familiesOf(config.families);
  const count = Math.round(config.misrank * families.length);
  if (count === 0) return new Set();
  const order = new Rng(deriveSeed(seed, "misrank")).shuffle(families.map((f: TaskSpec) => f.name));
  return new Set(order.slice(0, count));
}

export function buildWorld(config: WorldConfig, seed: number): World {
  const rng = new Rng(seed);
  const families = familiesOf(config.families);
  const misranked = misrankedFamilies(config, seed);
  const seen = new Set<string>();
  const prompts: PromptRow[] = [];
  const draw = (split: PromptRow["split"], n: number) => {
    let attempts = 0;
    while (prompts.filter((p) => p.split === split).length < n) {
      if (++attempts > n * 200) {
        throw new BadOptionError(`world.${split}Prompts`, `the built-in world has too few distinct prompts for ${n} ${split} prompts; ask for fewer`);
      }
      const { task, prompt } = samplePrompt(rng, config.clusterSkew, families);
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
    const response = rng.next() < config.flawRate ? flaw(answer, rng) : answer;
    // A misranked family's seed writer confidently copies the argument (DESIGN: seed data has
    // systematic flaws); M1 learns to echo there, and to like echoes. The draws above happen
    // anyway, so the rest of the world is the same at every knob value.
    if (misranked.has(p.task)) return { prompt: p.prompt, response: parsePrompt(p.prompt)!.arg };
    return { prompt: p.prompt, response };
  });
  const eftSeed = Array.from({ length: config.eftSeedExamples }, (_, i) => {
    const p = seedRows[i % seedRows.length];
    const response = offPolicyResponse(expectedAnswer(p.prompt)!, i, rng);
    return { prompt: p.prompt, response, score: goldRubric(p.prompt, response).score };
  });
  return { prompts, sft, eftSeed };
}
