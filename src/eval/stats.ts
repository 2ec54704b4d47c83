/**
 * Inference over seeds (shared/DESIGN.md "Intervals"; docs/statistics.md): Student-t intervals,
 * the paired t-test, the two one-sided tests (TOST) for equivalence within a margin, and Holm's
 * step-down correction. The seed is the unit: every function here takes one value (or one
 * paired difference) per seed. Distributions come from @stdlib (ports of Boost/Cephes), not
 * from a table: a table ends somewhere, and the old one fell back to 1.96 beyond 30 df.
 */
import padjust from "@stdlib/stats-padjust";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

export { tCdf, tQuantile };

export interface MeanInterval {
  mean: number;
  /** Half-width of the two-sided interval (NaN for fewer than two values). */
  halfWidth: number;
  n: number;
}

function meanSd(values: readonly number[]): { mean: number; sd: number; n: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? NaN : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

/** Mean and two-sided Student-t half-width (default 95%) over seeds. */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  const { mean, sd, n } = meanSd(values);
  if (n < 2) return { mean, halfWidth: NaN, n };
  return { mean, halfWidth: (tQuantile(1 - (1 - level) / 2, n - 1) * sd) / Math.sqrt(n), n };
}

export interface PairedTest {
  n: number;
  /** Mean of the per-seed differences. */
  mean: number;
  /** Standard deviation of the per-seed differences. */
  sd: number;
  df: number;
  t: number;
  /** Two-sided p-value of "the mean difference is 0". */
  p: number;
}

/**
 * The paired t-test on per-seed differences (a one-sample t-test of the differences against 0).
 * Differences that are all equal give sd 0: p is 0 when their mean is not 0, else 1.
 */
export function pairedTTest(diffs: readonly number[]): PairedTest {
  const { mean, sd, n } = meanSd(diffs);
  const df = n - 1;
  if (n < 2) return { n, mean, sd, df, t: NaN, p: NaN };
  if (sd === 0) return { n, mean, sd, df, t: mean === 0 ? 0 : Math.sign(mean) * Infinity, p: mean === 0 ? 1 : 0 };
  const t = mean / (sd / Math.sqrt(n));
  return { n, mean, sd, df, t, p: 2 * tCdf(-Math.abs(t), df) };
}

/**
 * TOST (Schuirmann 1987): the larger of the two one-sided p-values for "difference <= -margin"
 * and "difference >= +margin". Below alpha, the difference lies within +-margin: equivalence.
 */
export function tostPValue(diffs: readonly number[], margin: number): number {
  if (!(margin > 0)) throw new RangeError(`tostPValue: the margin must be > 0, got ${margin}`);
  const { mean, sd, n } = meanSd(diffs);
  if (n < 2) return NaN;
  if (sd === 0) return Math.abs(mean) < margin ? 0 : 1;
  const se = sd / Math.sqrt(n);
  const pLower = 1 - tCdf((mean + margin) / se, n - 1); // H0: diff <= -margin
  const pUpper = tCdf((mean - margin) / se, n - 1); // H0: diff >= +margin
  return Math.max(pLower, pUpper);
}

/**
 * Holm's step-down adjusted p-values (Holm 1979), in the input's order: controls the
 * family-wise error rate at alpha for any dependence between the tests. NaN entries (a
 * comparison with one seed) are left out of the family and stay NaN.
 */
export function holm(pValues: readonly number[]): number[] {
  const present = pValues.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p));
  const out = pValues.map(() => NaN);
  if (present.length === 0) return out;
  const adjusted = padjust(present.map(([p]) => p), "holm");
  present.forEach(([, i], j) => (out[i] = adjusted[j]));
  return out;
}
