/**
 * Markdown tables and sentences for docs/RESULTS.md, each a pure function of ablation rows (see
 * scripts/results-doc.ts for the page). Numbers are printed from the comparisons of
 * src/ablate/claims.ts; nothing here computes a statistic of its own beyond a cell's mean and
 * interval over seeds.
 */
import { claimC1, claimC2, claimC3, EQUIVALENCE_MARGINS, type ClaimComparison } from "../src/ablate/claims";
import { ABLATION_METRICS, summarise, type AnyAblationRow } from "../src/ablate/results";
import { perSeed, type Comparison, type Verdict } from "../src/eval/compare";
import { meanInterval } from "../src/eval/stats";

export const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
/** "+0.123" / "-0.123" ("n/a" when not finite). */
export const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(3)}` : "n/a");
const pValue = (p: number) => (!Number.isFinite(p) ? "n/a" : p < 0.001 ? "<0.001" : p.toFixed(3));
export const interval = (mean: number, halfWidth: number) => (Number.isFinite(halfWidth) ? `${f3(mean)} ± ${f3(halfWidth)}` : f3(mean));
const diffInterval = (c: Comparison) => (Number.isFinite(c.halfWidth) ? `${signed(c.diff)} ± ${f3(c.halfWidth)}` : signed(c.diff));

export function mdTable(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export const label = (metric: string) => ABLATION_METRICS[metric]?.label ?? metric;
export const seedsOf = (rows: readonly AnyAblationRow[]) => [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
export const strategiesOf = (rows: readonly AnyAblationRow[]) => [...new Set(rows.map((r) => r.strategy))];
export const budgetsOf = (rows: readonly AnyAblationRow[]) => [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);

/** "101-105" for a run of consecutive seeds, else a list. */
export function seedList(seeds: readonly number[]): string {
  if (seeds.length > 2 && seeds.every((s, i) => i === 0 || s === seeds[i - 1] + 1)) return `${seeds[0]}-${seeds[seeds.length - 1]}`;
  return seeds.join(", ");
}

/** Mean and 95% interval over seeds of each metric present, per strategy and budget. */
export function cellTable(rows: readonly AnyAblationRow[]): string {
  const summary = summarise([...rows]);
  // The expert-only baseline is not per strategy: it is in the C3 table, once per seed.
  const cols = ["gold_win_rate", "gold_gain", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "label_balance", "worst_task_pair_accuracy", "task_uniform_pair_accuracy", "uniform_heldout_pair_accuracy", "label_families", "policy_pair_accuracy"].filter((m) => summary.some((s) => s.metric === m));
  const body: string[][] = [];
  for (const s of strategiesOf(rows)) {
    for (const b of budgetsOf(rows)) {
      const cell = (m: string) => {
        const x = summary.find((y) => y.metric === m && y.strategy === s && y.budget === b);
        return x ? interval(x.mean, x.halfWidth) : "";
      };
      if (!rows.some((r) => r.strategy === s && r.budget === b)) continue;
      body.push([s, String(b), String(rows.filter((r) => r.strategy === s && r.budget === b).length), ...cols.map(cell)]);
    }
  }
  return mdTable(["strategy", "budget", "seeds", ...cols.map(label)], body);
}

const verdictCell = (c: Comparison) => (c.verdict === "better" || c.verdict === "worse" ? `**${c.verdict}**` : c.verdict);

function comparisonColumns(c: Comparison): string[] {
  return [diffInterval(c), pValue(c.pHolm), c.margin === undefined ? "no margin" : `${pValue(c.pTostHolm)} (±${c.margin})`, f3(c.mde), verdictCell(c)];
}
const COMPARISON_HEADERS = ["difference (paired, 95%)", "p, Holm", "TOST p, Holm (margin)", "MDE (80%)", "verdict"];

export function c1Table(rows: readonly AnyAblationRow[]): string | undefined {
  const c1 = claimC1(rows);
  if (c1.length === 0) return undefined;
  return mdTable(
    ["metric", "budget", "seeds", "on-policy proxy", "off-policy evaluator", ...COMPARISON_HEADERS],
    c1.map((c) => [label(c.metric), String(c.budget), String(c.result.n), f3(c.result.armMean), f3(c.result.controlMean), ...comparisonColumns(c.result)]),
  );
}

export function c3Table(rows: readonly AnyAblationRow[]): string | undefined {
  const c3 = claimC3(rows);
  if (c3.length === 0) return undefined;
  // Pairs per query: averaged within a seed over the budget's cells, then over seeds.
  const ppq = (b: number) => {
    const values = [...perSeed(rows.filter((r) => r.budget === b), (r) => ABLATION_METRICS.pairs_per_query.value(r.metrics)).values()];
    if (values.length === 0) return "n/a";
    const { mean, halfWidth } = meanInterval(values);
    return interval(mean, halfWidth);
  };
  return mdTable(
    ["budget", "seeds", "pairs per query", "proxy-pairs win rate", "expert-only win rate", ...COMPARISON_HEADERS],
    c3.map((c) => [String(c.budget), String(c.result.n), ppq(c.budget), f3(c.result.armMean), f3(c.result.controlMean), ...comparisonColumns(c.result)]),
  );
}

/** Metrics with a margin that the rows have: the ones C2 tests. */
export function testedMetrics(rows: readonly AnyAblationRow[], wanted: readonly string[]): string[] {
  return wanted.filter((m) => EQUIVALENCE_MARGINS[m] !== undefined && rows.some((r) => ABLATION_METRICS[m].value(r.metrics) !== null));
}

export function c2Tables(rows: readonly AnyAblationRow[], metrics: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const metric of testedMetrics(rows, metrics)) {
    const c2 = claimC2(rows, metric);
    if (c2.length === 0) continue;
    parts.push(`*${label(metric)}* (one Holm family of ${c2.filter((c) => c.result.n >= 2).length})`);
    parts.push("");
    parts.push(mdTable(["strategy", "control", "budget", "seeds", ...COMPARISON_HEADERS], c2.map((c) => [c.arm, c.control, String(c.budget), String(c.result.n), ...comparisonColumns(c.result)])));
    parts.push("");
  }
  return parts.length ? parts.join("\n").trimEnd() : undefined;
}

const SHORT: Record<Verdict, string> = {
  better: "**better**",
  worse: "**worse**",
  equivalent: "equivalent",
  "better, within margin": "better (< margin)",
  "worse, within margin": "worse (< margin)",
  inconclusive: "inconclusive",
  "too few seeds": "too few seeds",
  "no spread": "no spread",
};

/** One C2 map cell: verdict, difference and MDE. */
export const mapCell = (c: Comparison) => `${SHORT[c.verdict]} ${signed(c.diff)} (MDE ${f3(c.mde)})`;

/** "a, b and c". */
export function listWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** A sentence per verdict group: "better at budget 28 (+0.1 ± 0.05), inconclusive at 56 (MDE 0.08)". */
export function verdictPhrase(comparisons: readonly ClaimComparison[], where: (c: ClaimComparison) => string): string {
  const groups = new Map<Verdict, ClaimComparison[]>();
  for (const c of comparisons) groups.set(c.result.verdict, [...(groups.get(c.result.verdict) ?? []), c]);
  return [...groups]
    .map(([verdict, cs]) => {
      const detail = cs.map((c) => `${where(c)}: ${diffInterval(c.result)}${verdict === "inconclusive" ? `, MDE ${f3(c.result.mde)}` : ""}`);
      return `${verdict} (${detail.join("; ")})`;
    })
    .join("; ");
}

/** Counts of verdicts, e.g. "1 worse, 11 inconclusive". */
export function verdictCounts(comparisons: readonly ClaimComparison[]): string {
  const order: Verdict[] = ["better", "better, within margin", "equivalent", "worse, within margin", "worse", "inconclusive", "too few seeds", "no spread"];
  return order
    .map((v) => [v, comparisons.filter((c) => c.result.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(", ");
}

/** Range of the MDEs of some comparisons, "0.100-0.351". */
export function mdeRange(comparisons: readonly ClaimComparison[]): string {
  const m = comparisons.map((c) => c.result.mde).filter(Number.isFinite);
  if (m.length === 0) return "n/a";
  const lo = Math.min(...m);
  const hi = Math.max(...m);
  return lo === hi ? f3(lo) : `${f3(lo)}-${f3(hi)}`;
}
