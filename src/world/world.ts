/**
 * Builds the built-in world for a seed: disjoint seed / pool / held-out prompts, the SFT seed
 * answers (a share of them systematically flawed, as real seed data is: without flaws DPO has
 * nothing to fix), and the seed EFT set (judge examples skewed to high scores, the paper's
 * off-policy imbalance).
 */
import { BadOptionError } from "../errors";
import { Rng, deriveSeed } from "../rng";
import type { PromptRow } from "../types";
import { goldRubric } from "./rubric";
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
   * Share of families (rounded, chosen per seed) where ECHO_SHARE of the SFT seed answers echo
   * the argument, so M1 prefers copying its input there and its own likelihood ranks responses
   * wrongly.
   */
  misrank: number;
  /**
   * Prompts of the task-uniform held-out split ("heldout-uniform"): the same number per family,
   * drawn after the other splits from a stream of their own. Absent or 0: no such split.
   */
  heldoutUniformPrompts?: number;
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
 * Share of a misranked family's seed answers that echo the argument (the rest stay as the
 * flawed writer left them). Above one half, so the echo is the mode M1 learns and its
 * likelihood prefers echoes to right answers; well below 1, so right answers stay in M1's
 * samples there (for a policy that learnt the mix, k = 4 samples hold both in about
 * 1 - 0.65^4 - 0.35^4 = 0.81 of prompts) and the family yields pairs that M1 misranks and gold
 * ranks right. The first version echoed every answer (share 1) and did not move M1's pair
 * accuracy, most likely because there was no right answer left to misrank (docs/world.md has
 * both measurements).
 */
export const ECHO_SHARE = 0.65;

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
 * The families whose seed answers echo the input (ECHO_SHARE of them): round(misrank x
 * families) of them, drawn from a stream of their own so the rest of the world is the same
 * at every knob value.
 */
export function misrankedFamilies(config: Pick<WorldConfig, "families" | "misrank">, seed: number): Set<string> {
  const families = familiesOf(config.families);
  const count = Math.round(config.misrank * families.length);
  if (count === 0) return new Set();
  const order = new Rng(deriveSeed(seed, "misrank")).shuffle(families.map((f: TaskSpec) => f.name));
  return new Set(order.slice(0, count));
}

/**
 * The task-uniform held-out split: families in a shuffled order, round robin, so every family
 * has the same number of prompts (to one) however rare it is in the other splits. Its own
 * stream and last in line, so the other splits are the same bytes with or without it.
 */
function drawUniformHeldout(config: WorldConfig, families: readonly TaskSpec[], seed: number, seen: Set<string>, firstIndex: number): PromptRow[] {
  const n = config.heldoutUniformPrompts ?? 0;
  if (n === 0) return [];
  const rng = new Rng(deriveSeed(seed, "heldout-uniform"));
  const order = rng.shuffle([...families]);
  const rows: PromptRow[] = [];
  for (let i = 0; i < n; i++) {
    const family = order[i % order.length];
    for (let attempts = 0; ; attempts++) {
      if (attempts > 200) {
        throw new BadOptionError("world.heldoutUniformPrompts", `the family ${family.name} has too few distinct prompts for ${n} task-uniform held-out prompts; ask for fewer`);
      }
      const prompt = `${family.name} ${family.makeArg(rng)}`;
      if (seen.has(prompt)) continue;
      seen.add(prompt);
      rows.push({ prompt_id: `heldout-uniform-${String(firstIndex + i).padStart(6, "0")}`, prompt, task: family.name, split: "heldout-uniform" });
      break;
    }
  }
  return rows;
}

/** The world's seed for a run's seed: what planWorld builds from and what misrankedFamilies is drawn with. */
export function worldSeed(runSeed: number): number {
  return deriveSeed(runSeed, "world");
}

export function buildWorld(config: WorldConfig, seed: number): World {
  const rng = new Rng(seed);
  const families = familiesOf(config.families);
  const misranked = misrankedFamilies(config, seed);
  // Which misranked seed answers echo: a stream of its own, drawn only in misranked families, so
  // prompts, the seed EFT set and every other family's answers are the same bytes at every knob value.
  const echoRng = new Rng(deriveSeed(seed, "echo"));
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
  prompts.push(...drawUniformHeldout(config, families, seed, seen, prompts.length));

  const seedRows = prompts.filter((p) => p.split === "seed");
  const sft = seedRows.map((p) => {
    const answer = expectedAnswer(p.prompt)!;
    const response = rng.next() < config.flawRate ? flaw(answer, rng) : answer;
    // A misranked family's seed writer mostly copies the argument (DESIGN: seed data has
    // systematic flaws); M1 learns to prefer echoes there while still writing right answers.
    // The draws above happen anyway, so the rest of the world is the same at every knob value.
    if (misranked.has(p.task) && echoRng.next() < ECHO_SHARE) return { prompt: p.prompt, response: parsePrompt(p.prompt)!.arg };
    return { prompt: p.prompt, response };
  });
  const eftSeed = Array.from({ length: config.eftSeedExamples }, (_, i) => {
    const p = seedRows[i % seedRows.length];
    const response = offPolicyResponse(expectedAnswer(p.prompt)!, i, rng);
    return { prompt: p.prompt, response, score: goldRubric(p.prompt, response).score };
  });
  return { prompts, sft, eftSeed };
}
