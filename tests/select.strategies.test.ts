/**
 * What only the proxy-reading strategies have (the shared contract is in
 * select.contract.test.ts): hand-checked entropy and BALD values, the picker's tie rule,
 * disagreement and uncertainty parting ways where they should, hybrid as brute-force
 * k-center on its uncertain half, and balanced's coverage and flat score histogram.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../src/errors";
import { discretise } from "../src/proxy/heads";
import { Rng } from "../src/rng";
import { strategies } from "../src/select/index";
import { topK } from "../src/select/pick";
import { baldMutualInformation, distributionEntropy, predictiveEntropy } from "../src/select/scores";
import type { Matrix, ProxyPrediction, SelectContext } from "../src/select/types";
import { textbookKCenter } from "./helpers/kcenter-textbook";

const { uncertainty, disagreement, hybrid, balanced, random } = strategies;

const ONE_HOT_0 = [1, 0, 0, 0, 0, 0];
const ONE_HOT_5 = [0, 0, 0, 0, 0, 1];
const UNIFORM = [1, 1, 1, 1, 1, 1].map((p) => p / 6);
const HALF_01 = [0.5, 0.5, 0, 0, 0, 0];

const rowsOf = (...rows: number[][]) => Float64Array.from(rows.flat());
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);

/** A proxy whose mean/std are consistent with its probs (the mean and spread of each row). */
function proxyFromProbs(probs: Float64Array, members?: Float64Array[]): ProxyPrediction {
  const rows = probs.length / 6;
  const mean = new Float64Array(rows);
  const std = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let m = 0;
    let m2 = 0;
    for (let s = 0; s < 6; s++) {
      m += probs[i * 6 + s] * s;
      m2 += probs[i * 6 + s] * s * s;
    }
    mean[i] = m;
    std[i] = Math.sqrt(Math.max(0, m2 - m * m));
  }
  return { mean, std, probs, members };
}

/** Each member's distribution averaged, as the ensemble's `probs`. */
function averaged(members: Float64Array[]): Float64Array {
  const out = new Float64Array(members[0].length);
  for (const member of members) member.forEach((p, k) => (out[k] += p / members.length));
  return out;
}

/** A proxy like the reward heads': a Gaussian(mean, std) discretised to 0..5 per item. */
function gaussianProxy(mean: number[], std: number[]): ProxyPrediction {
  const probs = new Float64Array(mean.length * 6);
  mean.forEach((m, i) => discretise(m, std[i], probs, i * 6));
  return { mean: Float64Array.from(mean), std: Float64Array.from(std), probs };
}

function gaussianMatrix(rows: number, dim: number, rng: Rng): Matrix {
  return { rows, dim, data: Float32Array.from({ length: rows * dim }, () => rng.normal()) };
}


/** Picks per predicted score bucket round(mean) 0..5. */
function histogram(picks: number[], mean: Float64Array): number[] {
  const counts = [0, 0, 0, 0, 0, 0];
  for (const i of picks) counts[Math.min(5, Math.max(0, Math.round(mean[i])))]++;
  return counts;
}
const spread = (counts: number[]) => Math.max(...counts) - Math.min(...counts);

describe("scores", () => {
  it("distributionEntropy in nats, worked out by hand", () => {
    close(distributionEntropy(ONE_HOT_0), 0, "one-hot");
    close(distributionEntropy(UNIFORM), Math.log(6), "uniform");
    close(distributionEntropy(HALF_01), Math.log(2), "two halves");
    // -(2 · 0.25 ln 0.25 + 0.5 ln 0.5) = 1.5 ln 2
    close(distributionEntropy([0.25, 0.25, 0.5, 0, 0, 0]), 1.5 * Math.log(2), "quarter, quarter, half");
    close(distributionEntropy([9, 9, 0.5, 0.5, 0, 0], 2), Math.log(2), "read from an offset");
    const rows = predictiveEntropy(rowsOf(ONE_HOT_5, HALF_01, UNIFORM));
    assert.equal(rows.length, 3);
    [0, Math.log(2), Math.log(6)].forEach((h, i) => close(rows[i], h, `row ${i}`));
  });

  it("baldMutualInformation is H(mean) - mean H, worked out by hand", () => {
    const a = rowsOf(ONE_HOT_0, ONE_HOT_0, UNIFORM, ONE_HOT_0);
    const b = rowsOf(ONE_HOT_5, ONE_HOT_0, UNIFORM, HALF_01);
    const mi = baldMutualInformation([a, b]);
    close(mi[0], Math.log(2), "sure and opposite: H([.5,0,0,0,0,.5]) - 0");
    close(mi[1], 0, "sure and agreeing");
    close(mi[2], 0, "unsure and agreeing");
    // H([.75,.25]) - (0 + ln 2)/2 = -(.75 ln .75 + .25 ln .25) - ln(2)/2
    close(mi[3], -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)) - Math.log(2) / 2, "sure vs split");
    const three = baldMutualInformation([rowsOf(ONE_HOT_0), rowsOf([0, 1, 0, 0, 0, 0]), rowsOf([0, 0, 1, 0, 0, 0])]);
    close(three[0], Math.log(3), "three members, three different sure scores");
  });
});

describe("topK", () => {
  it("returns the highest utilities first, equal ones by lower index, within the candidates", () => {
    const utility = [0.2, 0.9, 0.5, 0.9, 0.5, -Infinity, 0.1];
    assert.deepEqual(topK(utility, 7), [1, 3, 2, 4, 0, 6, 5]);
    assert.deepEqual(topK(utility, 3, [6, 4, 3, 2]), [3, 2, 4]);
    assert.deepEqual(topK(utility, 0), []);
    assert.deepEqual(utility, [0.2, 0.9, 0.5, 0.9, 0.5, -Infinity, 0.1], "utilities untouched");
  });

  it("throws a UserError for k beyond the candidates", () => {
    assert.throws(() => topK([1, 2, 3], 3, [0, 1]), (err: unknown) => err instanceof UserError && /\b3\b/.test(err.message));
    assert.throws(() => topK([1, 2], -1), UserError);
  });
});

describe("uncertainty", () => {
  it("picks the flattest distributions first, skipping labelled items", () => {
    const probs = rowsOf(
      ONE_HOT_0, // 0: entropy 0
      UNIFORM, // 1: ln 6
      HALF_01, // 2: ln 2
      [0.2, 0.2, 0.2, 0.2, 0.1, 0.1], // 3: just under ln 6
      [0.9, 0.1, 0, 0, 0, 0], // 4: 0.33
      UNIFORM, // 5: ln 6, ties with 1
    );
    const ctx: SelectContext = { budget: 5, rng: new Rng(1), proxy: proxyFromProbs(probs) };
    assert.deepEqual(uncertainty.select(6, ctx), [1, 5, 3, 2, 4]);
    assert.deepEqual(uncertainty.select(6, { ...ctx, budget: 3, labelled: [1, 3] }), [5, 2, 4]);
  });

  it("ranks a reward-head proxy's items by their spread", () => {
    const proxy = gaussianProxy([2.5, 2.5, 2.5, 2.5], [0.3, 2, 0.8, 1.2]);
    assert.deepEqual(uncertainty.select(4, { budget: 4, rng: new Rng(1), proxy }), [1, 3, 2, 0]);
  });

  it("throws a UserError naming proxy.probs when the proxy gives no distribution", () => {
    const { mean, std } = gaussianProxy([1, 2, 3], [1, 1, 1]);
    assert.throws(
      () => uncertainty.select(3, { budget: 1, rng: new Rng(1), proxy: { mean, std } }),
      (err: unknown) => err instanceof UserError && err.message.includes("proxy.probs") && err.message.includes("uncertainty"),
    );
  });
});

describe("disagreement", () => {
  // Items 0-3: three members each unsure and agreeing (the flatter, the more so).
  // Items 4-7: members each sure of a score, and disagreeing.
  const agreeing = [UNIFORM, [0.2, 0.2, 0.2, 0.2, 0.1, 0.1], [0.15, 0.2, 0.2, 0.2, 0.15, 0.1], [0.3, 0.3, 0.1, 0.1, 0.1, 0.1]];
  const memberRows: number[][][] = [[], [], []];
  for (const row of agreeing) for (const m of [0, 1, 2]) memberRows[m].push(row);
  const sure = (s: number, p: number) => Array.from({ length: 6 }, (_, k) => (k === s ? p : (1 - p) / 5));
  // [each member's sure score..., how sure]; item 5 splits three ways, so it disagrees most.
  for (const [a, b, c, p] of [[0, 5, 0, 0.95], [0, 5, 3, 0.9], [1, 4, 1, 0.8], [2, 5, 2, 0.7]]) {
    memberRows[0].push(sure(a, p));
    memberRows[1].push(sure(b, p));
    memberRows[2].push(sure(c, p));
  }
  const members = memberRows.map((rows) => rowsOf(...rows));
  const proxy = proxyFromProbs(averaged(members), members);
  const ctx: SelectContext = { budget: 8, rng: new Rng(1), proxy };

  it("scores members that agree at 0 however unsure they are, and disagreeing sure members high", () => {
    const mi = baldMutualInformation(members);
    for (let i = 0; i < 4; i++) assert.ok(mi[i] < 1e-12, `item ${i}: ${mi[i]}`);
    for (let i = 4; i < 8; i++) assert.ok(mi[i] > 0.25, `item ${i}: ${mi[i]}`);
    const entropy = predictiveEntropy(proxy.probs!);
    for (let i = 0; i < 4; i++) for (let j = 4; j < 8; j++) assert.ok(entropy[i] > entropy[j], `H(${i}) > H(${j})`);
  });

  it("picks the disagreements where uncertainty picks the agreed ambiguities", () => {
    // Entropies 1.792 (uniform), 1.765, 1.748, 1.643 for items 0, 2, 1, 3; all of 4-7 are below 1.39.
    assert.deepEqual(uncertainty.select(8, ctx), [0, 2, 1, 3, 7, 5, 6, 4]);
    // Mutual information 0.840, 0.558, 0.383, 0.287 for items 5, 4, 6, 7 (the surer the pair, the more).
    // Past the disagreements every item scores 0: ties to the lower index.
    assert.deepEqual(disagreement.select(8, ctx), [5, 4, 6, 7, 0, 1, 2, 3]);
  });

  it("throws a UserError naming proxy.members for fewer than 2 members", () => {
    for (const few of [[], [members[0]]]) {
      assert.throws(
        () => disagreement.select(8, { ...ctx, proxy: { ...proxy, members: few } }),
        (err: unknown) => err instanceof UserError && err.message.includes("proxy.members") && err.message.includes(String(few.length)),
      );
    }
  });
});

describe("proxy validation", () => {
  const base = gaussianProxy([0.5, 2, 4.5], [1, 1, 1]);
  const cases: { name: string; proxy: ProxyPrediction; names: (string | RegExp)[] }[] = [
    { name: "negative std", proxy: { ...base, std: Float64Array.from([1, -0.1, 1]) }, names: ["proxy.std", /row 1\b/, "-0.1"] },
    {
      name: "a distribution row not summing to 1",
      proxy: { ...base, probs: base.probs!.map((p, k) => (k === 12 ? p + 0.25 : p)) },
      names: ["proxy.probs", /row 2\b/, "not 1"],
    },
    {
      name: "a negative probability",
      proxy: { ...base, probs: base.probs!.map((p, k) => (k === 0 ? -0.5 : k === 1 ? p + 0.5 + base.probs![0] : p)) },
      names: ["proxy.probs", /row 0\b/, "-0.5", "score 0"],
    },
    {
      name: "a member with too few values",
      proxy: { ...base, members: [base.probs!, base.probs!.slice(0, 12)] },
      names: ["proxy.members[1]", /\b12\b/, /\b3 rows x 6\b/],
    },
  ];
  for (const { name, proxy, names } of cases) {
    it(`throws a UserError for ${name}, naming the field and the row`, () => {
      for (const strategy of [uncertainty, balanced, hybrid]) {
        const ctx: SelectContext = { budget: 1, rng: new Rng(1), proxy, embeddings: { eft: gaussianMatrix(3, 2, new Rng(2)) } };
        assert.throws(
          () => strategy.select(3, ctx),
          (err: unknown) =>
            err instanceof UserError && names.every((n) => (typeof n === "string" ? err.message.includes(n) : n.test(err.message))),
          `${strategy.name}`,
        );
      }
    });
  }
});

describe("hybrid", () => {
  const POOL = 40;
  const rng = new Rng(77);
  const eft = gaussianMatrix(POOL, 5, rng);
  const proxy = gaussianProxy(
    Array.from({ length: POOL }, () => 5 * rng.next()),
    Array.from({ length: POOL }, () => 0.2 + 1.5 * rng.next()),
  );
  const entropy = predictiveEntropy(proxy.probs!);
  /** The `size` most uncertain unlabelled items, by a plain sort. */
  const uncertainHalf = (labelled: number[], size: number) =>
    Array.from({ length: POOL }, (_, i) => i)
      .filter((i) => !labelled.includes(i))
      .sort((a, b) => entropy[b] - entropy[a] || a - b)
      .slice(0, size);

  for (const { labelled, budget } of [
    { labelled: [], budget: 8 },
    { labelled: [3, 11, 30], budget: 10 },
    { labelled: [], budget: 20 },
    { labelled: [0, 1], budget: 30 }, // budget > half of the 38 unlabelled: the subset grows to 30
  ]) {
    it(`is k-center greedy on the uncertain half (labelled [${labelled}], budget ${budget})`, () => {
      const size = Math.max(Math.ceil((POOL - labelled.length) / 2), budget);
      const half = uncertainHalf(labelled, size);
      const picks = hybrid.select(POOL, { budget, rng: new Rng(5), proxy, embeddings: { eft }, labelled, first: 39 });
      for (const p of picks) assert.ok(half.includes(p), `pick ${p} is outside the uncertain half`);
      assert.deepEqual(picks, textbookKCenter(eft, budget, { rows: half, centres: labelled, first: half[0] }));
      if (size === budget) assert.deepEqual(new Set(picks), new Set(half));
    });
  }

  it("leaves out a far-away but certain item that coreset-eft would take first", () => {
    const data = new Float32Array(6 * 2);
    data.set([100, 100], 5 * 2); // item 5 is far from everything else
    for (let i = 0; i < 5; i++) data.set([i, 0], i * 2);
    const embeddings = { eft: { rows: 6, dim: 2, data } };
    const proxy6 = gaussianProxy([2, 2, 2, 2, 2, 2], [1, 1, 1, 1, 1, 0.2]);
    const ctx: SelectContext = { budget: 2, rng: new Rng(1), proxy: proxy6, embeddings, labelled: [0] };
    assert.equal(strategies["coreset-eft"].select(6, ctx)[0], 5);
    // Unlabelled 1-5, half = 3: the equally unsure 1, 2, 3 (item 5 is the sure one). From the
    // centre (0,0): 3 is farthest (9), then 1 (distance 1 to 0, vs 2's 1 to 3: the lower index).
    assert.deepEqual(hybrid.select(6, ctx), [3, 1]);
  });
});

describe("balanced", () => {
  it("visits the non-empty buckets round-robin, lowest predicted score first", () => {
    // Buckets: 0 <- {2 (-0.3 clamps to 0)}, 2 <- {0, 3, 5}, 5 <- {1, 4 (5.4 clamps to 5)}.
    const mean = Float64Array.from([2.2, 4.6, -0.3, 1.5, 5.4, 2.4]);
    const proxy: ProxyPrediction = { mean, std: new Float64Array(6).fill(0.5) };
    const picks = balanced.select(6, { budget: 6, rng: new Rng(3), proxy });
    assert.deepEqual(histogram(picks.slice(0, 3), mean), [1, 0, 1, 0, 0, 1], "one from each bucket first");
    assert.deepEqual(picks.slice(0, 3).map((i) => Math.min(5, Math.max(0, Math.round(mean[i])))), [0, 2, 5]);
    assert.deepEqual(picks.slice(3).map((i) => Math.round(mean[i])), [2, 5, 2], "bucket 0 is spent, then 5 too");
    const withLabelled = balanced.select(6, { budget: 3, rng: new Rng(3), proxy, labelled: [2, 1] });
    assert.deepEqual(histogram(withLabelled, mean), [0, 0, 2, 0, 0, 1], "a fully labelled bucket is skipped");
  });

  it("covers every predicted score present when budget >= the number of buckets", () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 20; trial++) {
      const pool = 10 + rng.int(40);
      const mean = Float64Array.from({ length: pool }, () => (rng.next() < 0.7 ? 4.5 + 0.5 * rng.next() : 5 * rng.next()));
      const proxy: ProxyPrediction = { mean, std: new Float64Array(pool).fill(1) };
      const present = histogram(Array.from({ length: pool }, (_, i) => i), mean).filter((c) => c > 0).length;
      const budget = present + rng.int(pool - present + 1);
      const picks = balanced.select(pool, { budget, rng: new Rng(trial), proxy });
      assert.equal(histogram(picks, mean).filter((c) => c > 0).length, present, `trial ${trial}`);
    }
  });

  it("labels a flatter predicted-score histogram than uncertainty or random on a skewed pool", () => {
    // 120 items, 60% predicted 5 and 20% predicted 4: the skew the paper shows in the seed EFT set.
    const counts = [4, 6, 6, 8, 24, 72];
    const rng = new Rng(8);
    const mean: number[] = [];
    counts.forEach((n, s) => {
      for (let k = 0; k < n; k++) mean.push(Math.min(5, Math.max(0, s - 0.45 + 0.9 * rng.next())));
    });
    const order = rng.shuffle(mean.map((_, i) => i)); // spread the buckets over the indices
    const shuffledMean = order.map((i) => mean[i]);
    const proxy = gaussianProxy(shuffledMean, shuffledMean.map(() => 0.3 + rng.next()));
    const budget = 18;
    const balancedCounts = histogram(balanced.select(120, { budget, rng: new Rng(1), proxy }), proxy.mean);
    assert.deepEqual(balancedCounts, [3, 3, 3, 3, 3, 3]);
    const uncertaintyCounts = histogram(uncertainty.select(120, { budget, rng: new Rng(1), proxy }), proxy.mean);
    assert.ok(spread(uncertaintyCounts) > spread(balancedCounts), `uncertainty ${uncertaintyCounts}`);
    for (let seed = 1; seed <= 5; seed++) {
      const randomCounts = histogram(random.select(120, { budget, rng: new Rng(seed) }), proxy.mean);
      assert.ok(spread(randomCounts) > spread(balancedCounts), `random (seed ${seed}) ${randomCounts}`);
    }
  });

  it("draws within a bucket as random does: one bucket gives random's picks for the seed", () => {
    const proxy: ProxyPrediction = { mean: new Float64Array(30).fill(2.2), std: new Float64Array(30).fill(1) };
    for (const seed of [1, 2, 3]) {
      const ctx: SelectContext = { budget: 12, rng: new Rng(seed), proxy, labelled: [4, 7] };
      assert.deepEqual(balanced.select(30, ctx), random.select(30, { ...ctx, rng: new Rng(seed) }));
    }
    const a = balanced.select(30, { budget: 12, rng: new Rng(1), proxy });
    const b = balanced.select(30, { budget: 12, rng: new Rng(2), proxy });
    assert.notDeepEqual(a, b, "the order within a bucket comes from the rng");
  });
});
