/**
 * The evaluation metrics (shared/DESIGN.md "Definitions"): average ranks, Spearman, within-prompt
 * pair accuracy with proxy ties counting half, 10-bin ECE on the top-class probability, and the
 * 95% Student-t interval over seeds. Expected values are computed by hand in the comments.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { averageRanks, calibration, meanInterval, pairAccuracy, spearman } from "../src/eval/metrics";
import { Rng } from "../src/rng";

const close = (actual: number, expected: number, tol = 1e-9, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);

/** A 6-way distribution whose top class is `top` with probability `conf`, the rest shared evenly. */
function row(top: number, conf: number): number[] {
  return Array.from({ length: 6 }, (_, s) => (s === top ? conf : (1 - conf) / 5));
}

describe("averageRanks", () => {
  it("ranks 1..n and averages ties", () => {
    // sorted: 5 (i3) -> 1, 10 (i0) -> 2, 20 (i1, i2, i4) -> ranks 3,4,5 -> 4 each
    assert.deepEqual([...averageRanks([10, 20, 20, 5, 20])], [2, 4, 4, 1, 4]);
    assert.deepEqual([...averageRanks([3, 1, 2])], [3, 1, 2]);
    assert.deepEqual([...averageRanks([7, 7, 7])], [2, 2, 2]);
    assert.deepEqual([...averageRanks([-1.5, 0.25, -1.5, 9])], [1.5, 3, 1.5, 4]);
    assert.deepEqual([...averageRanks([])], []);
    assert.deepEqual([...averageRanks(Float32Array.from([2, 1]))], [2, 1]);
  });

  it("keeps the rank sum n(n+1)/2 on random data with many ties", () => {
    const rng = new Rng(4);
    const values = Array.from({ length: 101 }, () => rng.int(6));
    const ranks = averageRanks(values);
    close(ranks.reduce((s, r) => s + r, 0), (101 * 102) / 2);
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        if (values[i] < values[j]) assert.ok(ranks[i] < ranks[j]);
        if (values[i] === values[j]) assert.equal(ranks[i], ranks[j]);
      }
    }
  });
});

describe("spearman", () => {
  it("matches hand-computed values", () => {
    const cases: [string, number[], number[], number][] = [
      ["perfect", [1, 2, 3, 4, 5], [10, 20, 30, 40, 50], 1],
      ["monotone but nonlinear", [1, 2, 3, 4, 5], [1, 4, 9, 16, 100], 1],
      ["reversed", [1, 2, 3, 4, 5], [5, 4, 3, 2, 1], -1],
      // d = [-1, 1, -1, 1, 0], sum d^2 = 4: 1 - 6*4 / (5*24) = 0.8
      ["one swap each end", [1, 2, 3, 4, 5], [2, 1, 4, 3, 5], 0.8],
      // ranks a = [1, 2.5, 2.5, 4], b = [1, 3, 2, 4]: 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10)
      ["ties", [1, 2, 2, 3], [1, 3, 2, 4], 3 / Math.sqrt(10)],
      ["constant side", [1, 2, 3, 4], [2, 2, 2, 2], 0],
      ["both constant", [3, 3, 3], [1, 1, 1], 0],
      ["single value", [1], [2], 0],
      ["empty", [], [], 0],
    ];
    for (const [what, a, b, expected] of cases) close(spearman(a, b), expected, 1e-12, what);
  });

  it("is symmetric and invariant to monotone transforms", () => {
    const rng = new Rng(8);
    const a = Array.from({ length: 40 }, () => rng.int(6));
    const b = a.map((x) => x + rng.normal());
    const rho = spearman(a, b);
    close(spearman(b, a), rho, 1e-12);
    close(spearman(a.map((x) => Math.exp(x)), b.map((x) => 3 * x - 1)), rho, 1e-12);
    assert.ok(rho > 0.5 && rho < 1, `rho ${rho}`);
  });

  it("throws on lengths that differ", () => {
    assert.throws(() => spearman([1, 2], [1, 2, 3]), /lengths differ/);
  });
});

describe("pairAccuracy", () => {
  it("counts within-group pairs with unequal gold, a proxy tie as half", () => {
    // group a: (0,1) right, (0,2) right, (1,2) proxy tie -> 0.5; group b: gold tie, skipped.
    // 2.5 / 3. Cross-group pairs (which the proxy orders wrongly) must not count.
    const groups = ["a", "a", "a", "b", "b"];
    const gold = [1, 2, 3, 5, 5];
    const proxy = [0.1, 0.5, 0.5, 0.0, 9];
    close(pairAccuracy(groups, gold, proxy), 2.5 / 3);
  });

  it("ignores pairs across groups", () => {
    // Within p1 and p2 the proxy is right; across groups it would be wrong every time.
    const groups = ["p1", "p2", "p1", "p2"];
    const gold = [0, 4, 1, 5];
    const proxy = [10, 0, 11, 1];
    assert.equal(pairAccuracy(groups, gold, proxy), 1);
  });

  it("is 1 for a perfect proxy, 0 for a reversed one, 0.5 for a constant one", () => {
    const groups = ["x", "x", "x", "y", "y", "y"];
    const gold = [0, 3, 5, 1, 2, 4];
    assert.equal(pairAccuracy(groups, gold, gold), 1);
    assert.equal(pairAccuracy(groups, gold, gold.map((g) => -g)), 0);
    assert.equal(pairAccuracy(groups, gold, gold.map(() => 2)), 0.5);
  });

  it("is NaN when no within-group pair has unequal gold scores", () => {
    assert.ok(Number.isNaN(pairAccuracy(["a", "b", "c"], [1, 2, 3], [3, 2, 1])));
    assert.ok(Number.isNaN(pairAccuracy(["a", "a"], [4, 4], [0, 1])));
    assert.ok(Number.isNaN(pairAccuracy([], [], [])));
  });
});

describe("calibration", () => {
  it("matches a hand-checked four-item example bin by bin", () => {
    const probs = Float64Array.from([...row(5, 0.95), ...row(5, 0.95), ...row(2, 0.45), ...row(0, 0.25)]);
    const gold = [5, 3, 2, 1];
    const { ece, bins } = calibration(probs, gold);
    // bin 9: 2 items, conf 0.95, acc 0.5 -> 0.45 * 2/4; bin 4: conf 0.45, acc 1 -> 0.55 / 4;
    // bin 2: conf 0.25, acc 0 -> 0.25 / 4. ECE = 0.225 + 0.1375 + 0.0625 = 0.425
    close(ece, 0.425, 1e-9);
    assert.equal(bins.length, 10);
    assert.deepEqual(
      bins.map((b) => b.count),
      [0, 0, 1, 0, 1, 0, 0, 0, 0, 2],
    );
    close(bins[9].confidence, 0.95, 1e-12);
    close(bins[9].accuracy, 0.5, 1e-12);
    close(bins[4].accuracy, 1, 1e-12);
    close(bins[2].accuracy, 0, 1e-12);
    bins.forEach((b, i) => {
      close(b.lo, i / 10, 1e-12);
      close(b.hi, (i + 1) / 10, 1e-12);
    });
  });

  it("puts confidence 1 in the last bin and breaks top-class ties to the lower score", () => {
    const probs = Float64Array.from([...row(3, 1), ...Array(6).fill(1 / 6)]);
    const { ece, bins } = calibration(probs, [3, 0]);
    assert.equal(bins[9].count, 1);
    assert.equal(bins[1].count, 1);
    // The uniform row's top class is 0 (the lower score), so it is counted correct.
    close(bins[1].accuracy, 1, 1e-12);
    close(ece, (0 + (1 - 1 / 6)) / 2, 1e-12);
  });

  const synthetic = (n: number, accuracyShift: number, seed: number) => {
    const rng = new Rng(seed);
    const probs = new Float64Array(n * 6);
    const gold: number[] = [];
    for (let i = 0; i < n; i++) {
      const conf = [0.35, 0.55, 0.75, 0.95][rng.int(4)];
      const top = rng.int(6);
      probs.set(row(top, conf), i * 6);
      const right = rng.next() < conf - accuracyShift;
      gold.push(right ? top : (top + 1 + rng.int(5)) % 6);
    }
    return { probs, gold };
  };

  it("gives ECE near 0 for calibrated probabilities", () => {
    const { probs, gold } = synthetic(20000, 0, 1);
    const { ece } = calibration(probs, gold);
    assert.ok(ece < 0.02, `ece ${ece}`);
  });

  it("gives a clearly positive ECE for an overconfident evaluator", () => {
    const { probs, gold } = synthetic(20000, 0.3, 2);
    const { ece } = calibration(probs, gold);
    assert.ok(ece > 0.25 && ece < 0.35, `ece ${ece}`);
  });

  it("is 0 with no items", () => {
    assert.equal(calibration(new Float64Array(0), []).ece, 0);
  });
});

describe("meanInterval", () => {
  // Exact quantiles (scipy.stats.t.ppf(0.975, df)); tests/stats.scipy.test.ts checks many more.
  it("uses Student-t quantiles: n=3 (t=4.3027) and n=5 (t=2.7764)", () => {
    // [1,2,3]: mean 2, sd 1 -> 4.3027 / sqrt(3)
    const three = meanInterval([1, 2, 3]);
    assert.equal(three.n, 3);
    close(three.mean, 2);
    close(three.halfWidth, 4.302652729911275 / Math.sqrt(3), 1e-9);
    // [2,4,4,4,6]: mean 4, sd sqrt(8/4) -> 2.7764 * sqrt(2) / sqrt(5)
    const five = meanInterval([2, 4, 4, 4, 6]);
    close(five.mean, 4);
    close(five.halfWidth, (2.7764451051977987 * Math.SQRT2) / Math.sqrt(5), 1e-9);
  });

  it("n=2 uses t=12.706, n=31 (df 30) t=2.042 and n=41 (df 40) t=2.021, not the normal's 1.96", () => {
    close(meanInterval([0, 2]).halfWidth, (12.706204736432095 * Math.SQRT2) / Math.SQRT2, 1e-9);
    const values = Array.from({ length: 31 }, (_, i) => i % 2);
    const mean = 15 / 31;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / 30);
    close(meanInterval(values).halfWidth, (2.0422724563012373 * sd) / Math.sqrt(31), 1e-9);
    const forty = Array.from({ length: 41 }, (_, i) => i % 2);
    const sd40 = Math.sqrt(forty.reduce((s, v) => s + (v - 20 / 41) ** 2, 0) / 40);
    close(meanInterval(forty).halfWidth, (2.0210753829953374 * sd40) / Math.sqrt(41), 1e-9);
  });

  it("gives a NaN half-width for a single value and 0 for identical values", () => {
    const one = meanInterval([0.7]);
    assert.equal(one.mean, 0.7);
    assert.equal(one.n, 1);
    assert.ok(Number.isNaN(one.halfWidth));
    assert.equal(meanInterval([0.5, 0.5, 0.5]).halfWidth, 0);
  });
});
