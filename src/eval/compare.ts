/**
 * Paired comparisons over seeds, corrected as a family (shared/DESIGN.md "Intervals";
 * docs/statistics.md). The seed is the unit: each arm is one value per seed, differences are
 * paired by seed, and a quantity that does not depend on the arm (the off-policy evaluator, the
 * expert-only baseline) enters once per seed however many cells repeat it. Each comparison
 * gets a two-sided paired t-test and a TOST against its equivalence margin, both Holm-corrected
 * over the family, the minimum detectable effect at the family's strictest threshold, and a
 * verdict that says which of those held.
 */
import { minimumDetectableEffect } from "./power";
import { holm, meanInterval, pairedTTest, tostPValue } from "./stats";

/**
 * One value per seed: the mean of `value` over the items of that seed. Averaging within a seed
 * is what counts a strategy-independent baseline once (its cells agree), and what makes "the
 * mean over strategies" a per-seed quantity instead of pooling cells as if they were seeds.
 */
export function perSeed<T extends { seed: number }>(items: readonly T[], value: (item: T) => number | null | undefined): Map<number, number> {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const item of items) {
    const v = value(item);
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    const s = sums.get(item.seed) ?? { sum: 0, n: 0 };
    s.sum += v;
    s.n++;
    sums.set(item.seed, s);
  }
  return new Map([...sums].sort((a, b) => a[0] - b[0]).map(([seed, s]) => [seed, s.sum / s.n]));
}

export interface ComparisonInput {
  /** One value per seed for the arm under test and for its control. */
  arm: Map<number, number>;
  control: Map<number, number>;
  higherIsBetter: boolean;
  /** Equivalence margin in the metric's units, fixed before running; none: no equivalence claim. */
  margin?: number;
}

export type Verdict =
  | "better"
  | "worse"
  | "equivalent"
  | "better, within margin"
  | "worse, within margin"
  | "inconclusive"
  | "too few seeds"
  | "no spread";

export interface Comparison {
  /** Seeds both arms have, ascending. */
  seeds: number[];
  n: number;
  armMean: number;
  controlMean: number;
  /** Mean of the per-seed differences arm - control, and its 95% Student-t half-width (not adjusted). */
  diff: number;
  halfWidth: number;
  /** Two-sided paired t-test: raw and Holm-adjusted over the family. */
  p: number;
  pHolm: number;
  /** TOST against +-margin: raw and Holm-adjusted (NaN without a margin). */
  pTost: number;
  pTostHolm: number;
  margin?: number;
  /** Difference detected with 80% power at alpha / (family size), Holm's strictest threshold. */
  mde: number;
  alphaMde: number;
  verdict: Verdict;
}

export interface FamilyOptions {
  alpha?: number;
  power?: number;
}

/**
 * Compares each arm with its control over the seeds both have, and corrects the family's
 * difference tests and equivalence tests with Holm, each at `alpha` (default 0.05).
 */
export function compareFamily(inputs: readonly ComparisonInput[], options: FamilyOptions = {}): Comparison[] {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const partial = inputs.map((input) => {
    const seeds = [...input.arm.keys()].filter((s) => input.control.has(s)).sort((a, b) => a - b);
    const a = seeds.map((s) => input.arm.get(s)!);
    const c = seeds.map((s) => input.control.get(s)!);
    const diffs = a.map((x, i) => x - c[i]);
    const test = pairedTTest(diffs);
    const pTost = input.margin !== undefined && diffs.length >= 2 ? tostPValue(diffs, input.margin) : NaN;
    return { input, seeds, a, c, diffs, test, pTost };
  });
  const pHolm = holm(partial.map((x) => x.test.p));
  const pTostHolm = holm(partial.map((x) => x.pTost));
  const family = partial.filter((x) => x.seeds.length >= 2).length;
  const alphaMde = alpha / Math.max(1, family);
  return partial.map((x, i): Comparison => {
    const n = x.seeds.length;
    const mean = (v: number[]) => (v.length ? v.reduce((s, y) => s + y, 0) / v.length : NaN);
    const diff = mean(x.diffs);
    const sig = pHolm[i] < alpha;
    const equivalent = pTostHolm[i] < alpha;
    const direction = diff > 0 === x.input.higherIsBetter ? "better" : "worse";
    const verdict: Verdict =
      n < 2 ? "too few seeds" : !(x.test.sd > 1e-12 * Math.max(1, Math.abs(diff))) ? "no spread" : sig && equivalent ? `${direction}, within margin` : sig ? direction : equivalent ? "equivalent" : "inconclusive";
    return {
      seeds: x.seeds,
      n,
      armMean: mean(x.a),
      controlMean: mean(x.c),
      diff,
      halfWidth: meanInterval(x.diffs).halfWidth,
      p: x.test.p,
      pHolm: pHolm[i],
      pTost: x.pTost,
      pTostHolm: pTostHolm[i],
      margin: x.input.margin,
      mde: minimumDetectableEffect(x.test.sd, n, alphaMde, power),
      alphaMde,
      verdict,
    };
  });
}
