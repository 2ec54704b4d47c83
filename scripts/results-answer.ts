/**
 * RESULTS.md's answer to "when does active selection pay off for a proxy reward model, and when
 * does it not": the C2 map's own comparisons (same Holm families, same verdicts), counted by
 * labels per task family and by sweep, with every decided comparison named. Nothing here is a
 * new test; it is the map read along its axes, so every sentence matches a map cell.
 */
import { C2_CONTROLS, claimC2, type ClaimComparison } from "../src/ablate/claims";
import type { Verdict } from "../src/eval/compare";
import { f3, label, listWords, mdeRange, mdTable, seedsOf, signed, testedMetrics } from "./results-tables";
import type { Section } from "./results-doc";

interface MapComparison {
  sweep: string;
  /** Budget over the pool's task families (mean over seeds), to one decimal; NaN if unknown. */
  perFamily: number;
  seeds: number;
  c: ClaimComparison;
}

const BETTER: readonly Verdict[] = ["better", "better, within margin"];
const WORSE: readonly Verdict[] = ["worse", "worse, within margin"];
const UNDECIDED: readonly Verdict[] = ["inconclusive", "too few seeds", "no spread"];

function mapComparisons(sections: readonly Section[], metrics: readonly string[]): MapComparison[] {
  return sections
    .filter((s) => s.map !== false)
    .flatMap((s) =>
      metrics
        .filter((m) => testedMetrics(s.rows, [m]).length > 0 && s.rows.some((r) => (C2_CONTROLS as readonly string[]).includes(r.strategy)))
        .flatMap((m) =>
          claimC2(s.rows, m).map((c) => {
            const families = Number(s.setting.task_families);
            const perFamily = Number.isFinite(families) && families > 0 ? Math.round((10 * c.budget) / families) / 10 : NaN;
            return { sweep: s.name, perFamily, seeds: seedsOf(s.rows.filter((r) => r.budget === c.budget)).length, c };
          }),
        ),
    );
}

const count = (xs: readonly MapComparison[], verdicts: readonly Verdict[]) => xs.filter((x) => verdicts.includes(x.c.result.verdict)).length;

function countsRow(xs: readonly MapComparison[]): string[] {
  const undecided = xs.filter((x) => UNDECIDED.includes(x.c.result.verdict));
  return [String(xs.length), String(count(xs, BETTER)), String(count(xs, ["equivalent"])), String(count(xs, WORSE)), String(undecided.length), mdeRange(undecided.map((x) => x.c))];
}

const COUNT_HEADERS = ["comparisons", "better", "equivalent", "worse", "inconclusive", "MDE of the inconclusive"];

const where = (x: MapComparison) => `\`${x.sweep}\`, budget ${x.c.budget} (${Number.isFinite(x.perFamily) ? x.perFamily.toFixed(1) : "n/a"} per family)`;
const detail = (x: MapComparison) => `${x.c.arm} vs ${x.c.control}, ${label(x.c.metric)}, ${where(x)}: ${signed(x.c.result.diff)} ± ${f3(x.c.result.halfWidth)}`;

/** Sweeps (by name) in which no acquisition function beat `control` on any metric at any budget. */
function neverBeat(all: readonly MapComparison[], control: string): string[] {
  const sweeps = [...new Set(all.filter((x) => x.c.control === control).map((x) => x.sweep))];
  return sweeps.filter((s) => count(all.filter((x) => x.sweep === s && x.c.control === control), BETTER) === 0);
}

export function answerSection(sections: readonly Section[], metrics: readonly string[]): string {
  const all = mapComparisons(sections, metrics);
  if (all.length === 0) return "";
  const out: string[] = ["## When does active selection pay off?", ""];
  out.push(
    "The C2 map below, read along its axes: each of its comparisons (an acquisition function against random or stratified random, at one budget, on one metric, " +
      "Holm-corrected within its sweep and metric) counted by how many labels the budget buys per task family, then by sweep. Nothing here is tested again.",
  );
  out.push("");
  const levels = [...new Set(all.map((x) => x.perFamily))].sort((a, b) => a - b);
  out.push(
    mdTable(
      ["labels per task family", "sweeps", ...COUNT_HEADERS],
      levels.map((level) => {
        const at = all.filter((x) => Object.is(x.perFamily, level));
        return [Number.isFinite(level) ? level.toFixed(1) : "n/a", String(new Set(at.map((x) => x.sweep)).size), ...countsRow(at)];
      }),
    ),
  );
  out.push("");
  const cells = [...new Map(all.map((x) => [`${x.sweep}\n${x.c.budget}`, x])).values()];
  out.push(
    mdTable(
      ["sweep", "budget", "labels per task family", "seeds", ...COUNT_HEADERS],
      cells.map((cell) => [cell.sweep, String(cell.c.budget), Number.isFinite(cell.perFamily) ? cell.perFamily.toFixed(1) : "n/a", String(cell.seeds), ...countsRow(all.filter((x) => x.sweep === cell.sweep && x.c.budget === cell.c.budget))]),
    ),
  );
  out.push("");
  out.push("The same comparisons by metric and control: where the decided ones fall.");
  out.push("");
  out.push(
    mdTable(
      ["metric", ...C2_CONTROLS.flatMap((control) => [`better than ${control}`, `worse than ${control}`]), "comparisons"],
      [...new Set(all.map((x) => x.c.metric))].map((metric) => {
        const on = all.filter((x) => x.c.metric === metric);
        return [label(metric), ...C2_CONTROLS.flatMap((control) => [BETTER, WORSE].map((v) => String(count(on.filter((x) => x.c.control === control), v)))), String(on.length)];
      }),
    ),
  );
  out.push("");
  const better = all.filter((x) => BETTER.includes(x.c.result.verdict));
  const worse = all.filter((x) => WORSE.includes(x.c.result.verdict));
  const equivalent = all.filter((x) => x.c.result.verdict === "equivalent");
  const undecided = all.filter((x) => UNDECIDED.includes(x.c.result.verdict));
  out.push(`- **Where it paid off** (${better.length} of ${all.length}): ${better.length ? `${better.map(detail).join("; ")}.` : "nowhere."}`);
  out.push(`- **Where it cost** (${worse.length}): ${worse.length ? `${worse.map(detail).join("; ")}.` : "nowhere."}`);
  out.push(`- **Shown not to matter** (equivalent within the margin, ${equivalent.length}): ${equivalent.length ? `${equivalent.map(detail).join("; ")}.` : "none."}`);
  for (const control of C2_CONTROLS) {
    const never = neverBeat(all, control);
    if (never.length) out.push(`- No acquisition function beat ${control} on any metric at any budget in ${listWords(never.map((s) => `\`${s}\``))}.`);
  }
  out.push(
    `- **Undecided:** ${undecided.length} of ${all.length} comparisons are inconclusive (or had too few seeds or no spread); their MDEs, ${mdeRange(undecided.map((x) => x.c))}, ` +
      "are the effects these sweeps could have missed. An inconclusive comparison is not evidence of no effect.",
  );
  return out.join("\n");
}
