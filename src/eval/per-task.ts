/**
 * Agreement with gold per task family (issue 11, "measure per task"): the frequency-weighted
 * held-out set hides a rare family's failure inside the head's successes, so each family gets
 * its own pair accuracy and Spearman, and two summaries read them without the frequencies:
 * the worst family's pair accuracy and the task-uniform mean (every family weighs the same,
 * as on a held-out set with equally many prompts per family).
 */
import { groupBy } from "../group-by";
import { pairAccuracy, spearman } from "./metrics";

export interface TaskAgreement {
  /** Held-out prompts and responses of the family. */
  prompts: number;
  responses: number;
  /** NaN (null in JSON) when the family has no within-prompt pair with unequal gold scores. */
  pair_accuracy: number;
  spearman: number;
}

export interface PerTaskSummary {
  per_task: Record<string, TaskAgreement>;
  /** Lowest pair accuracy over families with WORST_MIN_PROMPTS+ held-out prompts and a pair; NaN when none has. */
  worst_task_pair_accuracy: number;
  worst_task: string | null;
  /** Unweighted means over families that have the metric. */
  task_uniform_pair_accuracy: number;
  task_uniform_spearman: number;
}

/** The worst family is read among those with this many held-out prompts: one prompt's pairs are noise. */
export const WORST_MIN_PROMPTS = 3;

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** `family[i]`, `prompt[i]`, `gold[i]` and `score[i]` describe held-out response i. */
export function perTaskAgreement(family: readonly string[], prompt: readonly string[], gold: ArrayLike<number>, score: ArrayLike<number>): PerTaskSummary {
  const per_task: Record<string, TaskAgreement> = {};
  const byFamily = groupBy(Array.from({ length: family.length }, (_, i) => i), (i) => family[i]);
  for (const name of [...byFamily.keys()].sort()) {
    const rows = byFamily.get(name)!;
    per_task[name] = {
      prompts: new Set(rows.map((i) => prompt[i])).size,
      responses: rows.length,
      pair_accuracy: pairAccuracy(rows.map((i) => prompt[i]), rows.map((i) => gold[i]), rows.map((i) => score[i])),
      // Spearman of a family with constant gold says nothing: NaN, like a missing pair accuracy.
      spearman: new Set(rows.map((i) => gold[i])).size > 1 ? spearman(rows.map((i) => score[i]), rows.map((i) => gold[i])) : NaN,
    };
  }
  let worst: string | null = null;
  for (const [name, t] of Object.entries(per_task)) {
    if (Number.isNaN(t.pair_accuracy) || t.prompts < WORST_MIN_PROMPTS) continue;
    if (worst === null || t.pair_accuracy < per_task[worst].pair_accuracy) worst = name;
  }
  const values = (key: "pair_accuracy" | "spearman") => Object.values(per_task).map((t) => t[key]).filter((v) => !Number.isNaN(v));
  return {
    per_task,
    worst_task_pair_accuracy: worst === null ? NaN : per_task[worst].pair_accuracy,
    worst_task: worst,
    task_uniform_pair_accuracy: meanOf(values("pair_accuracy")),
    task_uniform_spearman: meanOf(values("spearman")),
  };
}
