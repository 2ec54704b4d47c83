/**
 * What each strategy added for issue 11 does beyond the contract (tests/select.contract.test.ts),
 * on inputs small enough to check by hand: stratified-random spreads over families, TypiClust
 * takes a dense cluster's centre before an outlier, BADGE starts from the longest gradient and
 * spreads, D-optimal covers new directions before repeating one, delta-ucb labels both sides
 * of the pair its members disagree on, typiclust-bald switches to BALD once labels exist,
 * ProbCover covers the dense clusters before an outlier with the purity rule's delta, and DRTS
 * labels pairs of one prompt drawn from its members' argmaxes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/rng";
import { strategies } from "../src/select/index";
import { baldMutualInformation } from "../src/select/scores";
import { normaliseRows, probCoverThreshold } from "../src/select/probcover";
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

/** Unit vectors at these angles (degrees) in the plane. */
const onCircle = (degrees: number[]) => matrix(degrees.map((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));

describe("probcover", () => {
  it("covers each dense cluster, the bigger first, before the outlier", () => {
    // Cluster A: items 0-5 near 0 degrees; cluster B: items 6-9 near 90; item 10 alone at 200.
    const eft = onCircle([0, 2, -2, 4, -4, 1, 90, 92, 88, 91, 200]);
    for (const seed of [1, 2, 3, 4, 5]) {
      const picks = strategies.probcover.select(11, { budget: 3, rng: new Rng(seed), embeddings: { eft } });
      assert.ok(picks[0] <= 5, `seed ${seed}: first pick ${picks[0]} should be in the bigger cluster`);
      assert.ok(picks[1] >= 6 && picks[1] <= 9, `seed ${seed}: second pick ${picks[1]} should be in the other cluster`);
      assert.equal(picks[2], 10, `seed ${seed}: the outlier comes last`);
    }
    // Scale does not matter (rows are normalised); a labelled item covers its ball.
    const scaled = matrix(Array.from({ length: 11 }, (_, i) => [5 * eft.data[2 * i], 5 * eft.data[2 * i + 1]]));
    const withLabel = strategies.probcover.select(11, { budget: 2, rng: new Rng(1), embeddings: { eft: scaled }, labelled: [7] });
    assert.ok(withLabel[0] <= 5 && withLabel[1] === 10, `got ${withLabel}`);
  });

  it("delta is the largest whose balls are 95% pure: the ceil(0.95 n)-th smallest cosine to another cluster", () => {
    // 0 and 10 degrees in cluster 0, 60 and 70 in cluster 1. Highest cosine to the other cluster:
    // cos 60, cos 50, cos 50, cos 60. ceil(0.95 x 4) = 4th smallest: cos 50; delta = 2 sin 25.
    const points = normaliseRows(onCircle([0, 10, 60, 70]));
    const clusters = [0, 0, 1, 1];
    const rule = probCoverThreshold(points, clusters);
    assert.ok(Math.abs(rule.cosine - Math.cos((50 * Math.PI) / 180)) < 1e-6, `${rule.cosine}`);
    assert.ok(Math.abs(rule.delta - 2 * Math.sin((25 * Math.PI) / 180)) < 1e-6, `${rule.delta}`);
    // At alpha 0.5 the 2nd smallest: cos 60, delta 1.
    assert.ok(Math.abs(probCoverThreshold(points, clusters, 0.5).delta - 1) < 1e-6);
    // One cluster: every ball is pure, so the ball is the whole sphere.
    assert.equal(probCoverThreshold(points, [0, 0, 0, 0]).delta, Infinity);
  });

  it("delta's purity is at least 0.95 and any larger delta's is below (brute force)", () => {
    const rng = new Rng(7);
    const rows = Array.from({ length: 60 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const points = normaliseRows(matrix(rows));
    const clusters = rows.map((r) => (r[0] > 0.3 ? 0 : r[1] > 0 ? 1 : 2));
    const cos = (i: number, j: number) => [0, 1, 2].reduce((s, d) => s + points.data[i * 3 + d] * points.data[j * 3 + d], 0);
    const purity = (s: number) => rows.filter((_, x) => rows.every((_, y) => y === x || clusters[y] === clusters[x] || !(cos(x, y) > s))).length / rows.length;
    const { cosine: s } = probCoverThreshold(points, clusters);
    assert.ok(purity(s) >= 0.95, `purity ${purity(s)} at the chosen delta`);
    assert.ok(purity(s - 1e-6) < 0.95, `purity ${purity(s - 1e-6)} just above the chosen delta`);
  });
});

describe("drts", () => {
  const prompts4 = (n: number) => Array.from({ length: n }, (_, i) => `p${Math.floor(i / 4)}`);

  it("labels both sides of the pair its members disagree on first: a pair costs two queries", () => {
    // Prompt A: items 0, 1, every member ranks 0 first (4 vs 1). Prompt B: items 2, 3, split.
    const prompts = ["A", "A", "B", "B"];
    const members = [member([4, 1, 4, 2]), member([4, 1, 2, 4]), member([4, 1, 3, 3.5])];
    const proxy = { mean: new Float64Array(4).fill(3), std: new Float64Array(4).fill(0.5), probs: member([3, 3, 3, 3]), members };
    for (const seed of [1, 2, 3]) {
      assert.deepEqual(strategies.drts.select(4, { budget: 2, rng: new Rng(seed), proxy, prompts }), [2, 3]);
      // Every member picks 0 in A: the second side is the next best, 1.
      assert.deepEqual(strategies.drts.select(4, { budget: 4, rng: new Rng(seed), proxy, prompts }), [2, 3, 0, 1]);
      // An odd budget's last query is the next pair's lower index.
      assert.deepEqual(strategies.drts.select(4, { budget: 3, rng: new Rng(seed), proxy, prompts }), [2, 3, 0]);
      // With item 2 labelled, the pair (2, 3) costs one query.
      assert.deepEqual(strategies.drts.select(4, { budget: 1, rng: new Rng(seed), proxy, prompts, labelled: [2] }), [3]);
    }
  });

  it("pairs two members' argmaxes when they differ", () => {
    // One prompt of 4: members rank 0, 1 and 2 first; no member ranks 3 first.
    const members = [member([4, 1, 1, 2]), member([1, 4, 1, 2]), member([1, 1, 4, 2])];
    const proxy = { mean: new Float64Array(4).fill(2), std: new Float64Array(4).fill(0.5), members };
    for (const seed of [1, 2, 3, 4, 5]) {
      const picks = strategies.drts.select(4, { budget: 2, rng: new Rng(seed), proxy, prompts: ["p", "p", "p", "p"] });
      assert.ok(!picks.includes(3) && picks[0] !== picks[1], `seed ${seed}: ${picks}`);
    }
  });

  it("keeps pairs within one prompt, respects the budget, and is deterministic per seed", () => {
    const pool = 40;
    const rng = new Rng(11);
    const members = Array.from({ length: 4 }, () => member(Array.from({ length: pool }, () => 5 * rng.next())));
    const proxy = { mean: new Float64Array(pool).fill(2), std: new Float64Array(pool).fill(0.5), members };
    const prompts = prompts4(pool);
    const runs = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      for (const budget of [1, 7, 20, 40]) {
        const picks = strategies.drts.select(pool, { budget, rng: new Rng(seed), proxy, prompts });
        assert.equal(picks.length, budget);
        assert.equal(new Set(picks).size, budget);
        assert.deepEqual(strategies.drts.select(pool, { budget, rng: new Rng(seed), proxy, prompts }), picks);
        // Nothing labelled: each pick's pair partner is an earlier pick (a prompt's later pair may
        // reuse a side, costing one query) or the next one, in the same prompt; the budget may
        // run out after the last pick's first side.
        picks.forEach((i, p) => {
          if (p === budget - 1) return;
          const partner = picks.slice(0, p + 2).some((j) => j !== i && prompts[j] === prompts[i]);
          assert.ok(partner, `seed ${seed} budget ${budget}: pick ${i} has no partner in ${picks}`);
        });
        if (budget === 20) runs.add(picks.join());
      }
      // Odd numbers of labels per prompt: a pair with a labelled side costs one query.
      const labelled = [0, 4, 5, 6, 8];
      const picks = strategies.drts.select(pool, { budget: 6, rng: new Rng(seed), proxy, prompts, labelled });
      assert.ok(picks.every((i) => !labelled.includes(i)));
    }
    assert.ok(runs.size > 1, "the members drawn depend on the seed");
  });
});
