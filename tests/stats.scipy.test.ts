/**
 * src/eval/stats.ts and src/eval/power.ts against values computed independently by Debian's
 * python3-scipy (/usr/bin/python3, not whichever python3 is first on PATH): t quantiles and
 * CDF, the 95% interval, the paired t-test, TOST, Holm, and the exact MDE through scipy's
 * noncentral t. scipy missing is a failure, never a skip (`.ci/run` installs python3-scipy).
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { minimumDetectableEffect, pairedTPower } from "../src/eval/power";
import { holm, meanInterval, pairedTTest, tCdf, tostPValue, tQuantile } from "../src/eval/stats";
import { Rng } from "../src/rng";

const PYTHON = "/usr/bin/python3";

/** Runs `code` (which prints one JSON value) with `input` as JSON on stdin. */
function python(code: string, input: unknown): unknown {
  const r = spawnSync(PYTHON, ["-c", code], { input: JSON.stringify(input), encoding: "utf8" });
  assert.equal(r.status, 0, `${PYTHON} failed (needs python3-scipy: apt install python3-scipy): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const close = (actual: number, expected: number, relTol: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= relTol * Math.max(1, Math.abs(expected)),
    `${what}: expected ${expected}, got ${actual}`,
  );

// Seeds' worth of data: small samples like the ablations', differences of a few hundredths.
const rng = new Rng(2024);
const samples = [2, 3, 5, 10, 31, 60].map((n, i) => Array.from({ length: n }, () => 0.01 * (i - 2) + 0.05 * rng.normal()));
const DFS = [1, 2, 4, 9, 29, 30, 31, 40, 60, 200];
const PROBS = [0.6, 0.8, 0.975, 0.99, 1 - 0.05 / 28 / 2];
const XS = [-6, -2.1, -0.3, 0, 0.7, 1.96, 4.5];

let scipyVersion = "";
before(() => {
  scipyVersion = python("import json, scipy; print(json.dumps(scipy.__version__))", null) as string;
});

describe("t distribution (@stdlib) vs scipy.stats.t", () => {
  it("quantiles and CDF agree to 1e-8 for df 1..200", () => {
    const ref = python(
      `import json, sys
from scipy import stats
q = json.load(sys.stdin)
print(json.dumps({"ppf": [[stats.t.ppf(p, df) for p in q["probs"]] for df in q["dfs"]],
                  "cdf": [[stats.t.cdf(x, df) for x in q["xs"]] for df in q["dfs"]]}))`,
      { probs: PROBS, xs: XS, dfs: DFS },
    ) as { ppf: number[][]; cdf: number[][] };
    DFS.forEach((df, i) => {
      PROBS.forEach((p, j) => close(tQuantile(p, df), ref.ppf[i][j], 1e-8, `t.ppf(${p}, ${df}) (scipy ${scipyVersion})`));
      XS.forEach((x, j) => close(tCdf(x, df), ref.cdf[i][j], 1e-8, `t.cdf(${x}, ${df})`));
    });
  });

  it("meanInterval is scipy's t.interval, also beyond 30 df (the old table fell back to 1.96 there)", () => {
    const ref = python(
      `import json, sys
import numpy as np
from scipy import stats
out = []
for xs in json.load(sys.stdin):
    x = np.array(xs); m = x.mean(); se = stats.sem(x)
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=m, scale=se)
    out.append([m, (hi - lo) / 2])
print(json.dumps(out))`,
      samples,
    ) as number[][];
    samples.forEach((xs, i) => {
      const { mean, halfWidth, n } = meanInterval(xs);
      assert.equal(n, xs.length);
      close(mean, ref[i][0], 1e-12, `mean of ${xs.length}`);
      close(halfWidth, ref[i][1], 1e-9, `half-width of ${xs.length}`);
    });
    // 41 values: 40 df, t = 2.021, not 1.96 (the hand-written table's fallback).
    const xs = Array.from({ length: 41 }, (_, i) => i % 2);
    const { halfWidth } = meanInterval(xs);
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - 20 / 41) ** 2, 0) / 40);
    close(halfWidth / (sd / Math.sqrt(41)), 2.021075, 1e-6, "t multiplier at 40 df");
  });
});

describe("tests vs scipy.stats", () => {
  it("pairedTTest matches ttest_1samp on the differences (t and two-sided p)", () => {
    const ref = python(
      `import json, sys
from scipy import stats
print(json.dumps([list(map(float, stats.ttest_1samp(xs, 0.0))) for xs in json.load(sys.stdin)]))`,
      samples,
    ) as number[][];
    samples.forEach((xs, i) => {
      const r = pairedTTest(xs);
      close(r.t, ref[i][0], 1e-9, `t of ${xs.length}`);
      close(r.p, ref[i][1], 1e-9, `p of ${xs.length}`);
      assert.equal(r.df, xs.length - 1);
    });
  });

  it("tostPValue is the larger of scipy's two one-sided tests against -margin and +margin", () => {
    const margins = [0.01, 0.03, 0.1];
    const ref = python(
      `import json, sys
from scipy import stats
q = json.load(sys.stdin)
print(json.dumps([[max(stats.ttest_1samp(xs, -m, alternative="greater").pvalue,
                       stats.ttest_1samp(xs, m, alternative="less").pvalue) for m in q["margins"]] for xs in q["samples"]]))`,
      { samples, margins },
    ) as number[][];
    samples.forEach((xs, i) => margins.forEach((m, j) => close(tostPValue(xs, m), ref[i][j], 1e-9, `TOST n=${xs.length} margin ${m}`)));
  });

  it("holm matches the textbook step-down procedure, ties and NaN included", () => {
    const families = [
      [0.01, 0.04, 0.03, 0.005],
      [0.2, 0.2, 0.01, 0.5, 0.049, 0.0001, 0.9],
      [0.04],
      [0.5, NaN, 0.001, 0.02],
    ];
    // Written from Holm (1979), independently of @stdlib: sort, multiply by (m - rank), running max, cap 1.
    const ref = python(
      `import json, sys, math
out = []
for ps in json.load(sys.stdin):
    idx = [i for i, p in enumerate(ps) if p is not None]
    m = len(idx); order = sorted(idx, key=lambda i: ps[i]); adj = [None] * len(ps); run = 0.0
    for k, i in enumerate(order):
        run = max(run, min(1.0, (m - k) * ps[i])); adj[i] = run
    out.append(adj)
print(json.dumps(out))`,
      families.map((f) => f.map((p) => (Number.isNaN(p) ? null : p))),
    ) as (number | null)[][];
    families.forEach((ps, i) => {
      const got = holm(ps);
      got.forEach((p, j) => (ref[i][j] === null ? assert.ok(Number.isNaN(p)) : close(p, ref[i][j]!, 1e-12, `family ${i} p${j}`)));
    });
  });
});

describe("power and MDE vs scipy.stats.nct", () => {
  const cases: [n: number, alpha: number][] = [
    [2, 0.05],
    [3, 0.05],
    [3, 0.05 / 28],
    [5, 0.05],
    [5, 0.05 / 14],
    [10, 0.05 / 6],
    [30, 0.05],
    [30, 0.05 / 60],
  ];

  it("pairedTPower equals P(|T'| > t[1-alpha/2]) under the noncentral t", () => {
    const ncps = [0, 0.5, 2, 5, 12, 30];
    const ref = python(
      `import json, sys
from scipy import stats
out = []
for n, a, ncp in json.load(sys.stdin):
    df = n - 1; c = stats.t.ppf(1 - a / 2, df)
    out.append(float(stats.nct.sf(c, df, ncp) + stats.nct.cdf(-c, df, ncp)) if ncp > 0 else float(a))
print(json.dumps(out))`,
      cases.flatMap(([n, a]) => ncps.map((ncp) => [n, a, ncp])),
    ) as number[];
    let k = 0;
    for (const [n, a] of cases) for (const ncp of ncps) close(pairedTPower(ncp, n - 1, a), ref[k++], 1e-7, `power n=${n} alpha=${a} ncp=${ncp}`);
  });

  it("minimumDetectableEffect is the exact 80%-power difference (the t-quantile shortcut is not)", () => {
    const sd = 0.037;
    const ref = python(
      `import json, sys, math
from scipy import stats
from scipy.optimize import brentq
q = json.load(sys.stdin); out = []
for n, a in q["cases"]:
    df = n - 1; c = stats.t.ppf(1 - a / 2, df)
    f = lambda d: stats.nct.sf(c, df, d) + stats.nct.cdf(-c, df, d) - 0.8
    out.append(brentq(f, 1e-6, 1e4, xtol=1e-13) * q["sd"] / math.sqrt(n))
print(json.dumps(out))`,
      { cases, sd },
    ) as number[];
    cases.forEach(([n, a], i) => {
      const mde = minimumDetectableEffect(sd, n, a);
      close(mde, ref[i], 1e-6, `MDE n=${n} alpha=${a}`);
      const shortcut = ((tQuantile(1 - a / 2, n - 1) + tQuantile(0.8, n - 1)) * sd) / Math.sqrt(n);
      if (n <= 5 && a < 0.01) assert.ok(mde > 1.05 * shortcut, `n=${n}: exact ${mde} vs shortcut ${shortcut}`);
    });
  });
});
