/**
 * Comparisons with the seed as the unit (src/eval/compare.ts) and the claims built on them
 * (src/ablate/claims.ts): a strategy-independent baseline counts once per seed, differences are
 * paired by seed, Holm corrects the family, TOST states a null, each comparison has its MDE.
 * Includes the pseudo-replication the old scripts/results.ts had: its C3 interval pooled 7
 * strategy cells per seed as if they were 35 seeds.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { C2_CONTROLS, EQUIVALENCE_MARGINS, claimC1, claimC2, claimC3 } from "../src/ablate/claims";
import type { AblationRow } from "../src/ablate/results";
import { compareFamily, perSeed } from "../src/eval/compare";
import { minimumDetectableEffect } from "../src/eval/power";
import { meanInterval, tQuantile } from "../src/eval/stats";
import type { Metrics } from "../src/stages/evaluate";

const ROOT = path.join(__dirname, "..");
const close = (a: number, b: number, tol = 1e-9, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: expected ${b}, got ${a}`);
const seeds = (values: number[], first = 1) => new Map(values.map((v, i) => [first + i, v]));

/** A whole-run row with the fields the claims read. */
function row(strategy: string, budget: number, seed: number, m: Partial<Metrics>): AblationRow {
  const metrics = {
    gold_win_rate: 0.5,
    expert_only_gold_win_rate: 0.5,
    proxy_spearman: 0.4,
    proxy_pair_accuracy: 0.8,
    proxy_ece: 0.1,
    offpolicy_proxy_spearman: 0.4,
    offpolicy_proxy_pair_accuracy: 0.8,
    offpolicy_proxy_ece: 0.3,
    gold_mean_sft: 3,
    gold_mean_dpo: 3,
    pairs_per_query: 4,
    histograms: { seed_eft_labels: [0, 0, 0, 0, 1, 1], onpolicy_labels: [1, 1, 1, 1, 1, 1], heldout_gold: [1, 1, 1, 1, 1, 1] },
    ...m,
  } as Metrics;
  return { strategy, budget, seed, metrics };
}

describe("perSeed", () => {
  it("gives one value per seed: a baseline repeated in every cell counts once, strategies average within a seed", () => {
    const rows = [1, 2, 3].flatMap((seed) => ["a", "b", "c"].map((s, k) => row(s, 28, seed, { gold_win_rate: seed / 10 + k / 100, expert_only_gold_win_rate: 0.48 + seed / 100 })));
    const baseline = perSeed(rows, (r) => (r.metrics as Metrics).expert_only_gold_win_rate);
    assert.deepEqual([...baseline.keys()], [1, 2, 3]);
    close(baseline.get(2)!, 0.5);
    const arm = perSeed(rows, (r) => (r.metrics as Metrics).gold_win_rate);
    close(arm.get(3)!, 0.3 + 0.01);
  });

  it("skips null and non-finite values", () => {
    const rows = [row("a", 1, 1, { offpolicy_proxy_ece: null }), row("a", 1, 2, { offpolicy_proxy_ece: NaN }), row("a", 1, 3, { offpolicy_proxy_ece: 0.2 })];
    assert.deepEqual([...perSeed(rows, (r) => r.metrics.offpolicy_proxy_ece)], [[3, 0.2]]);
  });
});

describe("compareFamily", () => {
  it("pairs by the seeds both arms have, with the paired t interval of the differences", () => {
    const [c] = compareFamily([{ arm: seeds([0.6, 0.7, 0.65, 0.8], 1), control: seeds([0.5, 0.55, 0.6], 2), higherIsBetter: true }]);
    assert.deepEqual(c.seeds, [2, 3, 4]);
    const diffs = [0.7 - 0.5, 0.65 - 0.55, 0.8 - 0.6];
    close(c.diff, meanInterval(diffs).mean);
    close(c.halfWidth, meanInterval(diffs).halfWidth);
  });

  it("Holm-corrects the family: a raw p of 0.03 among three comparisons is not significant", () => {
    // Differences with mean 0.05 and sd chosen so the raw two-sided p is about 0.03 at 5 seeds.
    const strong = [0.02, 0.09, 0.03, 0.08, 0.03];
    const noise = [0.1, -0.1, 0.05, -0.05, 0];
    const zero = seeds([0, 0, 0, 0, 0]);
    const family = compareFamily([
      { arm: seeds(strong), control: zero, higherIsBetter: true },
      { arm: seeds(noise), control: zero, higherIsBetter: true },
      { arm: seeds(noise.map((x) => -x)), control: zero, higherIsBetter: true },
    ]);
    assert.ok(family[0].p < 0.05 && family[0].p > 0.0167, `raw p ${family[0].p}`);
    close(family[0].pHolm, 3 * family[0].p, 1e-12, "smallest p times 3");
    assert.equal(family[0].verdict, "inconclusive");
    // Alone, the same comparison is significant.
    assert.equal(compareFamily([{ arm: seeds(strong), control: zero, higherIsBetter: true }])[0].verdict, "better");
  });

  it("says better, worse, equivalent, within margin, inconclusive and too few seeds, minding the metric's direction", () => {
    const zero = seeds(Array(10).fill(0));
    const verdict = (values: number[], higherIsBetter = true, margin?: number) =>
      compareFamily([{ arm: seeds(values), control: zero, higherIsBetter, margin }])[0].verdict;
    const wobble = [0.001, -0.001, 0.002, -0.002, 0, 0.001, -0.001, 0.0005, -0.0005, 0];
    assert.equal(verdict(wobble.map((x) => x + 0.2)), "better");
    assert.equal(verdict(wobble.map((x) => x + 0.2), false), "worse");
    assert.equal(verdict(wobble, true, 0.02), "equivalent");
    assert.equal(verdict(wobble.map((x) => x + 0.01), true, 0.02), "better, within margin");
    assert.equal(verdict(wobble.map((x) => x + 0.01), false, 0.02), "worse, within margin");
    assert.equal(verdict(wobble.map((x) => 20 * x)), "inconclusive");
    assert.equal(verdict(wobble.map((x) => 20 * x), true, 0.001), "inconclusive");
    assert.equal(compareFamily([{ arm: seeds([0.5]), control: seeds([0.4]), higherIsBetter: true }])[0].verdict, "too few seeds");
  });

  it("claims nothing when every seed gives the same difference: the tests are undefined with no spread", () => {
    // Two strategies that picked the same items on both seeds differ by exactly 0 on each; the
    // zero spread once made TOST call them "equivalent".
    const same = compareFamily([{ arm: seeds([0.7, 0.6]), control: seeds([0.7, 0.6]), higherIsBetter: true, margin: 0.05 }])[0];
    assert.equal(same.verdict, "no spread");
    const shifted = compareFamily([{ arm: seeds([0.8, 0.7, 0.9]), control: seeds([0.7, 0.6, 0.8]), higherIsBetter: true, margin: 0.05 }])[0];
    assert.equal(shifted.verdict, "no spread");
  });

  it("gives each comparison the MDE at alpha / family size (Holm's strictest threshold), 80% power", () => {
    const zero = seeds([0, 0, 0, 0, 0, 0]);
    const a = [0.03, -0.01, 0.02, 0.05, -0.02, 0.01];
    const family = compareFamily([
      { arm: seeds(a), control: zero, higherIsBetter: true },
      { arm: seeds(a.map((x) => 2 * x)), control: zero, higherIsBetter: true },
      { arm: seeds([0.1]), control: seeds([0]), higherIsBetter: true }, // one seed: not in the family
    ]);
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - 0.08 / 6) ** 2, 0) / 5);
    close(family[0].alphaMde, 0.025);
    close(family[0].mde, minimumDetectableEffect(sd, 6, 0.025), 1e-12);
    close(family[1].mde, 2 * family[0].mde, 1e-9);
    assert.ok(Number.isNaN(family[2].mde));
  });
});

describe("claims on ablation rows", () => {
  // 5 seeds x 7 strategies, the full grid's shape: the expert-only baseline repeats in every cell of a seed.
  const strategies = ["random", "coreset-ift", "coreset-eft", "uncertainty", "disagreement", "hybrid", "balanced"];
  const grid = [101, 102, 103, 104, 105].flatMap((seed, i) =>
    strategies.map((s, k) => row(s, 28, seed, { gold_win_rate: 0.5 + 0.01 * i + 0.003 * k, expert_only_gold_win_rate: 0.49 + 0.005 * ((i * 3) % 5) })),
  );

  it("C3 uses the seed as the unit: n = 5 seeds, not 35 cells", () => {
    const [c3] = claimC3(grid);
    assert.equal(c3.result.n, 5);
    const perSeedDiffs = [0, 1, 2, 3, 4].map((i) => 0.5 + 0.01 * i + 0.009 - (0.49 + 0.005 * ((i * 3) % 5)));
    close(c3.result.diff, meanInterval(perSeedDiffs).mean, 1e-12);
    close(c3.result.halfWidth, meanInterval(perSeedDiffs).halfWidth, 1e-12);
    // The pooled interval (35 cells as if independent) is what the old script printed: narrower.
    const pooled = meanInterval(grid.map((r) => (r.metrics as Metrics).gold_win_rate - (r.metrics as Metrics).expert_only_gold_win_rate!));
    assert.equal(pooled.n, 35);
    assert.ok(pooled.halfWidth < c3.result.halfWidth / 2, `pooled ${pooled.halfWidth} vs per seed ${c3.result.halfWidth}`);
  });

  it("reproduces the seed-unit intervals of issue 11 from the committed ablation JSON", () => {
    const load = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "ablation", `${name}.json`), "utf8")) as AblationRow[];
    // The recomputation: C3 full at 28 (+0.040 +- 0.051) and 56 (+0.055 +- 0.026), uniform +0.049 +- 0.059, eft +0.030 +- 0.037.
    const c3 = (name: string) => claimC3(load(name)).map((c) => [Number(c.result.diff.toFixed(3)), Number(c.result.halfWidth.toFixed(3))]);
    assert.deepEqual(c3("full"), [
      [0.04, 0.051],
      [0.055, 0.026],
    ]);
    assert.deepEqual(c3("uniform"), [[0.049, 0.059]]);
    assert.deepEqual(c3("eft"), [[0.03, 0.037]]);
    // Its C1 pair accuracy pooled both budgets within a seed: -0.039 +- 0.052.
    const full = load("full");
    const d = perSeed(full, (r) => r.metrics.proxy_pair_accuracy - r.metrics.offpolicy_proxy_pair_accuracy!);
    const { mean, halfWidth } = meanInterval([...d.values()]);
    assert.deepEqual([Number(mean.toFixed(3)), Number(halfWidth.toFixed(3))], [-0.039, 0.052]);
    // t multiplier with 4 df, not the 1.96-ish of 69 pooled cells.
    close(halfWidth / (Math.sqrt([...d.values()].reduce((s, x) => s + (x - mean) ** 2, 0) / 4) / Math.sqrt(5)), tQuantile(0.975, 4), 1e-12);
  });

  it("C1 pairs each budget's on-policy mean with the off-policy evaluator once per seed; lower ECE is better", () => {
    const rows = [1, 2, 3, 4].flatMap((seed) =>
      ["random", "coreset-eft"].map((s, k) => row(s, 28, seed, { proxy_ece: 0.1 + 0.01 * seed + 0.01 * k, offpolicy_proxy_ece: 0.3 + 0.012 * seed })),
    );
    const ece = claimC1(rows).find((c) => c.metric === "proxy_ece")!;
    assert.equal(ece.result.n, 4);
    close(ece.result.controlMean, 0.3 + 0.012 * 2.5, 1e-12);
    assert.equal(ece.result.verdict, "better");
  });

  it("C2 compares every other strategy with each control present, one Holm family per metric", () => {
    const rows = [1, 2, 3, 4, 5, 6].flatMap((seed) =>
      [28, 56].flatMap((budget) =>
        ["random", "stratified-random", "coreset-eft", "badge"].map((s, k) => row(s, budget, seed, { proxy_spearman: 0.4 + 0.05 * k + 0.01 * ((seed * (k + 1)) % 3) })),
      ),
    );
    const c2 = claimC2(rows, "proxy_spearman");
    assert.deepEqual(C2_CONTROLS, ["random", "stratified-random"]);
    assert.equal(c2.length, 2 * 2 * 2);
    assert.deepEqual([...new Set(c2.map((c) => c.arm))], ["coreset-eft", "badge"]);
    assert.deepEqual([...new Set(c2.map((c) => c.control))], ["random", "stratified-random"]);
    for (const c of c2) assert.equal(c.result.alphaMde, 0.05 / 8);
    for (const c of c2) assert.equal(c.result.margin, EQUIVALENCE_MARGINS.proxy_spearman);
    // Without stratified random in the sweep, random is the only control.
    assert.equal(claimC2(rows.filter((r) => r.strategy !== "stratified-random"), "proxy_spearman").length, 2 * 2);
    assert.throws(() => claimC2(rows, "nope"), /unknown metric/);
  });
});
