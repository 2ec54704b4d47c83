/**
 * Per-task agreement (src/eval/per-task.ts), checked by hand on a small held-out set: the
 * per-family pair accuracy and Spearman, the worst family among those with enough prompts, the
 * task-uniform mean, and how a rare family's failure shows there while the weighted mean hides it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pairAccuracy } from "../src/eval/metrics";
import { WORST_MIN_PROMPTS, perTaskAgreement } from "../src/eval/per-task";

describe("perTaskAgreement", () => {
  // Family "head": 4 prompts x 2 responses, ranked right. Family "tail": 3 prompts x 2, ranked wrong.
  // Family "one": a single prompt (too few for the worst family), ranked wrong.
  const family: string[] = [];
  const prompt: string[] = [];
  const gold: number[] = [];
  const score: number[] = [];
  const add = (f: string, p: string, g: number, s: number) => (family.push(f), prompt.push(p), gold.push(g), score.push(s));
  for (let k = 0; k < 4; k++) add("head", `h${k}`, 5, 4.5), add("head", `h${k}`, 2, 1);
  for (let k = 0; k < 3; k++) add("tail", `t${k}`, 5, 1), add("tail", `t${k}`, 1, 3);
  add("one", "o", 4, 0), add("one", "o", 0, 4);

  const out = perTaskAgreement(family, prompt, gold, score);

  it("gives each family its prompts, responses, pair accuracy and Spearman", () => {
    assert.deepEqual(Object.keys(out.per_task), ["head", "one", "tail"]);
    assert.deepEqual({ ...out.per_task.head }, { prompts: 4, responses: 8, pair_accuracy: 1, spearman: 1 });
    assert.equal(out.per_task.tail.pair_accuracy, 0);
    assert.equal(out.per_task.tail.prompts, 3);
    assert.ok(out.per_task.tail.spearman < 0);
  });

  it("reads the worst family among those with enough held-out prompts", () => {
    assert.equal(WORST_MIN_PROMPTS, 3);
    assert.equal(out.worst_task, "tail");
    assert.equal(out.worst_task_pair_accuracy, 0);
  });

  it("weights families equally in the task-uniform mean, unlike the pooled pair accuracy", () => {
    assert.equal(out.task_uniform_pair_accuracy, (1 + 0 + 0) / 3);
    assert.equal(pairAccuracy(prompt, gold, score), 4 / 8);
  });

  it("leaves a family without an unequal-gold pair out of the means and the worst", () => {
    const flat = perTaskAgreement(["a", "a", "b", "b", "b", "b", "b", "b"], ["x", "x", "y", "y", "z", "z", "w", "w"], [3, 3, 5, 1, 5, 1, 5, 1], [1, 2, 4, 0, 4, 0, 4, 0]);
    assert.ok(Number.isNaN(flat.per_task.a.pair_accuracy));
    assert.ok(Number.isNaN(flat.per_task.a.spearman));
    assert.equal(flat.task_uniform_pair_accuracy, 1);
    assert.equal(flat.worst_task, "b");
  });
});
