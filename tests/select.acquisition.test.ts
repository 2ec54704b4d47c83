/**
 * What each strategy added for issue 11 does beyond the contract (tests/select.contract.test.ts),
 * on inputs small enough to check by hand: stratified-random spreads over families, TypiClust
 * takes a dense cluster's centre before an outlier, BADGE starts from the longest gradient and
 * spreads, D-optimal covers new directions before repeating one, delta-ucb labels both sides
 * of the pair its members disagree on, typiclust-bald switches to BALD once labels exist.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/rng";
import { strategies } from "../src/select/index";
import { baldMutualInformation } from "../src/select/scores";
import type { Matrix } from "../src/select/types";
import { discretise } from "../src/proxy/heads";

const matrix = (rows: number[][]): Matrix => ({ rows: rows.length, dim: rows[0].length, data: Float32Array.from(rows.flat()) });

/** A member's distribution per item from its mean scores (std 0.5), as the reward heads give them. */
function member(means: number[]): Float64Array {
  const out = new Float64Array(means.length * 6);
  means.forEach((m, i) => discretise(m, 0.5, out, i * 6));
  return out;
}

describe("stratified-random", () => {
  const tasks = [...Array(20).fill("big"), "rare1", "rare2", "rare3", ...Array(7).fill("mid")];

  it("covers min(budget, families) families first, then spreads evenly", () => {
    for (const seed of [1, 2, 3]) {
      const picks = strategies["stratified-random"].select(tasks.length, { budget: 4, rng: new Rng(seed), tasks });
      assert.equal(new Set(picks.map((i) => tasks[i])).size, 4, `seed ${seed}`);
      const more = strategies["stratified-random"].select(tasks.length, { budget: 11, rng: new Rng(seed), tasks });
      const count = (t: string) => more.filter((i) => tasks[i] === t).length;
      // rare families run out after one item each; the rest split the remainder evenly.
      assert.deepEqual([count("rare1"), count("rare2"), count("rare3")], [1, 1, 1]);
      assert.deepEqual([count("big"), count("mid")].sort(), [4, 4]);
    }
  });

  it("counts labelled items: the family with the fewest labels gets the picks", () => {
    const labelled = [0, 1, 20, 21, 22]; // big x2, rare1-3 x1, mid none
    const picks = strategies["stratified-random"].select(tasks.length, { budget: 3, rng: new Rng(4), tasks, labelled });
    // mid (0 labels), mid (1), then mid or big (2 each): never a rare family, which are exhausted.
    assert.deepEqual(picks.slice(0, 2).map((i) => tasks[i]), ["mid", "mid"]);
    assert.ok(["mid", "big"].includes(tasks[picks[2]]));
  });
});

describe("typiclust", () => {
  it("takes the centre of the dense cluster before anything in the sparse one", () => {
    // Dense cluster around (0,0) (7 points), a loose one around (10,10) (3 points).
    const points = [[0, 0], [0.1, 0], [-0.1, 0], [0, 0.1], [0, -0.1], [0.3, 0.3], [-0.3, -0.3], [10, 10], [12, 9], [9, 13]];
    for (const seed of [1, 2, 3]) {
      const two = strategies.typiclust.select(points.length, { budget: 2, rng: new Rng(seed), embeddings: { eft: matrix(points) } });
      assert.equal(two[0], 0);
      assert.ok(two[1] >= 7, `second pick ${two[1]} should open the other cluster`);
    }
  });
});

describe("badge", () => {
  it("starts from the longest gradient embedding (std x features) and then picks far from it", () => {
    const features = matrix([[1, 0], [1, 0.05], [0, 1], [0.5, 0.5]]);
    const std = Float64Array.from([1, 1, 0.9, 0.1]);
    const mean = new Float64Array(4).fill(2);
    const picks = strategies.badge.select(4, { budget: 2, rng: new Rng(1), proxy: { mean, std, features } });
    assert.equal(picks[0], 1, "|(1, 0.05)| is the longest");
    assert.equal(picks[1], 2, "(0, 0.9) is far from it; item 0 is almost on top of it");
  });
});

describe("d-optimal", () => {
  it("covers a new direction before repeating one", () => {
    // Two large copies of direction x, a smaller item along y.
    const features = matrix([[3, 0], [3, 0], [0, 2]]);
    const proxy = { mean: new Float64Array(3), std: new Float64Array(3), features };
    assert.deepEqual(strategies["d-optimal"].select(3, { budget: 2, rng: new Rng(1), proxy }), [0, 2]);
    // Once x is labelled, y is the informative one.
    assert.deepEqual(strategies["d-optimal"].select(3, { budget: 1, rng: new Rng(1), proxy, labelled: [0] }), [2]);
  });
});

describe("delta-ucb", () => {
  it("labels both responses of the pair whose members disagree about the gap, then the next pair", () => {
    // Prompt A: items 0, 1 (members agree: 3 vs 3). Prompt B: items 2, 3 (members split: +2 vs -2).
    const prompts = ["A", "A", "B", "B"];
    const members = [member([3, 3, 4, 2]), member([3, 3, 2, 4]), member([3, 3, 3, 3])];
    const probs = member([3, 3, 3, 3]);
    const proxy = { mean: new Float64Array(4).fill(3), std: new Float64Array(4).fill(0.5), probs, members };
    assert.deepEqual(strategies["delta-ucb"].select(4, { budget: 2, rng: new Rng(1), proxy, prompts }), [2, 3]);
    assert.deepEqual(strategies["delta-ucb"].select(4, { budget: 3, rng: new Rng(1), proxy, prompts }), [2, 3, 0]);
    // With item 2 labelled, the pair (2, 3) costs one query.
    assert.deepEqual(strategies["delta-ucb"].select(4, { budget: 1, rng: new Rng(1), proxy, prompts, labelled: [2] }), [3]);
  });
});

describe("typiclust-bald", () => {
  it("is typiclust with nothing labelled, BALD top-k afterwards", () => {
    const points = matrix([[0, 0], [0.1, 0], [5, 5], [5.2, 5], [9, 0], [9, 0.3]]);
    const members = [member([1, 1, 1, 1, 4, 1]), member([1, 1, 1, 1, 0, 4]), member([1, 1, 1, 1, 2, 1])];
    const proxy = { mean: new Float64Array(6).fill(1), std: new Float64Array(6).fill(0.5), probs: member([1, 1, 1, 1, 1, 1]), members };
    const first = strategies["typiclust-bald"].select(6, { budget: 2, rng: new Rng(3), embeddings: { eft: points } });
    assert.deepEqual(first, strategies.typiclust.select(6, { budget: 2, rng: new Rng(3), embeddings: { eft: points } }));
    const later = strategies["typiclust-bald"].select(6, { budget: 2, rng: new Rng(3), embeddings: { eft: points }, proxy, labelled: [0] });
    const bald = baldMutualInformation(members);
    assert.deepEqual(later, [4, 5]);
    assert.ok(bald[4] > bald[1] && bald[5] > bald[1]);
  });
});
