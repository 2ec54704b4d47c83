/**
 * The built-in world's expert: the gold rubric (src/world/rubric.ts) behind the Oracle
 * interface, with the imperfections of a real expert made configurable: label noise, a price
 * per call and latency. Evaluation uses goldRubric directly (noise-free, free, unlogged); only
 * expert queries go through this class and the gate.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { BadOptionError, CallAbortedError } from "../errors";
import { Rng } from "../rng";
import { goldRubric } from "../world/rubric";
import { judgeUserMessage } from "./judge-prompt";
import type { JudgeItem, Oracle, OracleOutcome } from "./types";

export interface RubricOracleOptions {
  /** Probability 0..1 that a label is off by one point (inward at 0 and 5, so it stays in 0..5). */
  noise: number;
  /** What one call costs, recorded in the ledger and labels.cost. */
  costPerCall: number;
  /** Simulated time per call. */
  latencyMs: number;
  /** Seeds the noise; the same (seed, item) always gets the same label. */
  seed: number;
}

export const DEFAULT_RUBRIC_ORACLE_OPTIONS: RubricOracleOptions = { noise: 0, costPerCall: 1, latencyMs: 0, seed: 0 };

function validate(options: RubricOracleOptions): void {
  const { noise, costPerCall, latencyMs, seed } = options;
  if (!(Number.isFinite(noise) && noise >= 0 && noise <= 1)) throw new BadOptionError("rubric.noise", `must be a probability 0..1, got ${noise}`);
  if (!(Number.isFinite(costPerCall) && costPerCall >= 0)) throw new BadOptionError("rubric.costPerCall", `must be a number >= 0, got ${costPerCall}`);
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) throw new BadOptionError("rubric.latencyMs", `must be a number >= 0, got ${latencyMs}`);
  if (!Number.isSafeInteger(seed)) throw new BadOptionError("rubric.seed", `must be an integer, got ${seed}`);
}

/**
 * A generator private to one (seed, judge input): noise then depends on nothing else, so the
 * same item gets the same noisy label whatever the order, batching or concurrency.
 */
function itemRng(seed: number, judgeInput: string): Rng {
  const digest = createHash("sha256").update(`${seed}\n${judgeInput}`).digest();
  return new Rng(digest.readUInt32LE(0));
}

/** The simulated expert: goldRubric plus seeded per-item noise, cost and latency. */
export class RubricOracle implements Oracle {
  readonly name = "rubric";
  readonly options: Readonly<RubricOracleOptions>;

  constructor(options: Partial<RubricOracleOptions> = {}) {
    const resolved = { ...DEFAULT_RUBRIC_ORACLE_OPTIONS, ...options };
    validate(resolved);
    this.options = Object.freeze(resolved);
  }

  get costPerCall(): number {
    return this.options.costPerCall;
  }

  judgeInput(item: JudgeItem): string {
    return judgeUserMessage(item.prompt, item.response);
  }

  async judge(item: JudgeItem, signal?: AbortSignal): Promise<OracleOutcome> {
    // The simulated expert bills on delivery: a call stopped while it "thinks" was not billed.
    if (signal?.aborted) throw new CallAbortedError("judge", false);
    if (this.options.latencyMs > 0) {
      try {
        await sleep(this.options.latencyMs, undefined, { signal });
      } catch (error) {
        if (signal?.aborted) throw new CallAbortedError("judge", false);
        throw error;
      }
    }
    const gold = goldRubric(item.prompt, item.response);
    const score = this.noisyScore(gold.score, this.judgeInput(item));
    // A noisy label is the expert's mistake: the rationale's verdict says what the expert said.
    const rationale = score === gold.score ? gold.rationale : gold.rationale.replace(/Score: \d+$/, `Score: ${score}`);
    return { ok: true, score, rationale, cost: this.options.costPerCall };
  }

  private noisyScore(score: number, judgeInput: string): number {
    if (this.options.noise === 0) return score;
    const rng = itemRng(this.options.seed, judgeInput);
    if (rng.next() >= this.options.noise) return score;
    if (score === 0) return 1;
    if (score === 5) return 4;
    return rng.next() < 0.5 ? score - 1 : score + 1;
  }
}
