/**
 * docs/proxy.md's "reward heads vs the EFT judge" block, built from two committed sweeps that
 * share each seed's world, SFT and generations and differ only in the proxy: builtin-dpo (reward
 * heads) and eft-dpo (the paper's EFT judge). Pure: tests/proxy-doc.test.ts compares the page
 * with what this renders, and scripts/results.ts writes it.
 */
import * as path from "node:path";
import { EQUIVALENCE_MARGINS } from "../src/ablate/claims";
import { ABLATION_METRICS, type AnyAblationRow } from "../src/ablate/results";
import { compareFamily, perSeed } from "../src/eval/compare";
import { meanInterval } from "../src/eval/stats";
import type { BlockMarkers } from "./doc-block";
import { ablationDir, readRows } from "./results-doc";
import { f3, interval, listWords, mdTable, seedList, signed } from "./results-tables";

export const PROXY_KINDS_MARKERS: BlockMarkers = { start: "<!-- proxy-kinds:begin -->", end: "<!-- proxy-kinds:end -->" };
export const PROXY_KINDS_SWEEPS = { heads: "builtin-dpo", eft: "eft-dpo" } as const;

/** What the block compares, in this order: proxy quality first, then what DPO made of its pairs. */
export const PROXY_KINDS_METRICS = ["proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "task_uniform_pair_accuracy", "worst_task_pair_accuracy", "gold_win_rate"] as const;

export function loadProxyKindsRows(root: string): { heads: AnyAblationRow[]; eft: AnyAblationRow[] } {
  const read = (name: string) => readRows(path.join(ablationDir(root), `${name}.json`));
  return { heads: read(PROXY_KINDS_SWEEPS.heads), eft: read(PROXY_KINDS_SWEEPS.eft) };
}

/** Mean ± 95% Student-t half-width over a proxy's per-seed values. */
function overSeeds(values: Map<number, number>): string {
  const m = meanInterval([...values.values()]);
  return interval(m.mean, m.halfWidth);
}

const common = <T>(a: readonly T[], b: readonly T[]) => [...new Set(a)].filter((x) => b.includes(x));

/**
 * The block between PROXY_KINDS_MARKERS. Only the cells both sweeps have (strategy, budget,
 * seed) enter; each proxy's value for a seed is its mean over those strategies, so the seed is
 * the unit and the difference is paired by seed.
 */
export function buildProxyKindsBlock(heads: readonly AnyAblationRow[], eft: readonly AnyAblationRow[]): string {
  const strategies = common(
    heads.map((r) => r.strategy),
    eft.map((r) => r.strategy),
  );
  const budgets = common(
    heads.map((r) => r.budget),
    eft.map((r) => r.budget),
  ).sort((a, b) => a - b);
  const seeds = common(
    heads.map((r) => r.seed),
    eft.map((r) => r.seed),
  ).sort((a, b) => a - b);
  if (!strategies.length || !budgets.length || seeds.length < 2) throw new Error(`${PROXY_KINDS_SWEEPS.heads} and ${PROXY_KINDS_SWEEPS.eft} share too few cells to compare (strategies ${strategies.length}, budgets ${budgets.length}, seeds ${seeds.length})`);
  const keep = (rows: readonly AnyAblationRow[], budget: number) => rows.filter((r) => r.budget === budget && strategies.includes(r.strategy) && seeds.includes(r.seed));

  const out: string[] = [
    `Seeds ${seedList(seeds)}, smoke preset, strategies ${listWords(strategies)}. \`${PROXY_KINDS_SWEEPS.heads}\` (reward heads) and \`${PROXY_KINDS_SWEEPS.eft}\` (\`--proxy eft\`) share each seed's world, SFT and generations, so only the proxy differs. ` +
      "A proxy's value for a seed is its mean over those strategies; the table gives mean ± 95% Student-t over seeds, and the difference is paired by seed, " +
      "Holm-corrected over the metrics in its budget's table, with TOST at docs/statistics.md's margins. " +
      "This comparison was not among the tests planned in docs/statistics.md; it is computed with the same code (`src/eval/compare.ts`). " +
      `Data: \`docs/ablation/${PROXY_KINDS_SWEEPS.heads}.json\`, \`docs/ablation/${PROXY_KINDS_SWEEPS.eft}.json\`.`,
  ];
  for (const budget of budgets) {
    const h = keep(heads, budget);
    const e = keep(eft, budget);
    // Per metric, each proxy's per-seed values; a metric either sweep lacks is left out.
    const arms = PROXY_KINDS_METRICS.map((metric) => ({
      metric,
      heads: perSeed(h, (r) => ABLATION_METRICS[metric].value(r.metrics)),
      eft: perSeed(e, (r) => ABLATION_METRICS[metric].value(r.metrics)),
    })).filter((a) => a.heads.size > 0 && a.eft.size > 0);
    const results = compareFamily(arms.map((a) => ({ arm: a.heads, control: a.eft, higherIsBetter: ABLATION_METRICS[a.metric].higherIsBetter ?? true, margin: EQUIVALENCE_MARGINS[a.metric] })));
    out.push("", `**Budget ${budget}** (${seeds.length} seeds; Holm over these ${arms.length} metrics):`, "");
    out.push(
      mdTable(
        ["metric", "reward heads", "EFT judge", "heads - EFT", "heads vs EFT", "MDE"],
        arms.map((a, i) => [ABLATION_METRICS[a.metric].label, overSeeds(a.heads), overSeeds(a.eft), `${signed(results[i].diff)} ± ${f3(results[i].halfWidth)}`, results[i].verdict, f3(results[i].mde)]),
      ),
    );
    // M1 is shared, so its likelihood's ranking is one number per seed for both sweeps.
    const m1 = perSeed(h, (r) => ABLATION_METRICS.policy_pair_accuracy.value(r.metrics));
    if (m1.size) {
      const pairAccuracy = arms.find((a) => a.metric === "proxy_pair_accuracy")?.heads;
      const gain = pairAccuracy ? meanInterval([...m1.keys()].filter((s) => pairAccuracy.has(s)).map((s) => pairAccuracy.get(s)! - m1.get(s)!)) : undefined;
      out.push(
        "",
        `With no labels at all, M1's own likelihood ranks the same held-out responses with pair accuracy ${overSeeds(m1)}` +
          (gain ? `; the reward heads' labels add ${signed(gain.mean)} ± ${f3(gain.halfWidth)} to it (paired by seed; described, not tested).` : "."),
      );
    }
  }
  return out.join("\n");
}
