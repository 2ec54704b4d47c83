/**
 * docs/RESULTS.md and the README's results block, built as strings from the committed JSON that
 * docs/ablation/sections.json lists: every table and every sentence with a number in it comes
 * from here. scripts/results.ts writes them; tests/results.doc.test.ts checks the committed
 * files equal what this builds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { C2_CONTROLS, claimC1, claimC2, claimC3, EQUIVALENCE_MARGINS, type ClaimComparison } from "../src/ablate/claims";
import { ABLATION_METRICS, wholeRun, type AnyAblationRow, type AblationSetting } from "../src/ablate/results";
import { formatSummary } from "../src/cli/summary";
import { perSeed } from "../src/eval/compare";
import { meanInterval } from "../src/eval/stats";
import {
  budgetsOf,
  c1Table,
  c2Tables,
  c3Table,
  cellTable,
  f3,
  interval,
  label,
  listWords,
  mapCell,
  mdeRange,
  mdTable,
  seedList,
  seedsOf,
  strategiesOf,
  testedMetrics,
  verdictCounts,
  verdictPhrase,
} from "./results-tables";
import { answerSection } from "./results-answer";
import { withMarkedBlock } from "./doc-block";

export interface SectionSpec {
  name: string;
  title: string;
  command: string;
  /** For rows made before ablate recorded their own setting. */
  setting?: AblationSetting;
  /** false: keep out of the C2 map. */
  map?: boolean;
  /** What a reader must know about how the data was made (code versions, known defects). */
  notes?: string;
}

export interface ResultsManifest {
  default?: { json: string; command: string };
  headline: string;
  sections: SectionSpec[];
  map: { metrics: string[] };
}

export interface Section extends SectionSpec {
  /** The committed JSON's base name (a --vary sweep's values share one file). */
  json: string;
  rows: AnyAblationRow[];
  setting: AblationSetting;
}

export const RESULTS_MARKERS = { start: "<!-- results:readme:start -->", end: "<!-- results:readme:end -->" };
const PNG_METRICS = ["gold_win_rate", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "label_balance"];

export const ablationDir = (root: string) => path.join(root, "docs", "ablation");

export function readRows(file: string): AnyAblationRow[] {
  return JSON.parse(fs.readFileSync(file, "utf8")) as AnyAblationRow[];
}

export function loadManifest(root: string): ResultsManifest {
  return JSON.parse(fs.readFileSync(path.join(ablationDir(root), "sections.json"), "utf8")) as ResultsManifest;
}

export function loadSections(root: string, manifest: ResultsManifest): Section[] {
  return manifest.sections.flatMap((spec) => {
    const rows = readRows(path.join(ablationDir(root), `${spec.name}.json`));
    // A sweep's rows record their own setting (ablate writes it); older sweeps get the manifest's.
    // A sweep made with --vary holds one setting per value: each is a section (and a Holm family) of its own.
    // task_families is counted per seed (pools differ), so it is not part of what a value is;
    // a section reports its mean over seeds.
    const groups = new Map<string, AnyAblationRow[]>();
    for (const r of rows) {
      const { task_families: _families, ...rest } = r.setting ?? {};
      const key = JSON.stringify(rest);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const settings = [...groups.values()].map((g) => {
      const setting: AblationSetting = { ...(spec.setting ?? {}), ...(g[0].setting ?? {}) };
      const families = [...new Map(g.map((r) => [r.seed, r.setting?.task_families])).values()].filter((f): f is number => typeof f === "number");
      if (families.length > 0) setting.task_families = Math.round((10 * families.reduce((a, b) => a + b, 0)) / families.length) / 10;
      return setting;
    });
    const varied = [...new Set(settings.flatMap((st) => Object.keys(st)))].filter((k) => new Set(settings.map((st) => String(st[k] ?? "-"))).size > 1);
    // The knob alone names a value; task_families follows from the world and is left out of the name.
    const named = varied.filter((k) => k !== "task_families");
    return [...groups.values()].map((g, i) => ({
      ...spec,
      json: spec.name,
      name: varied.length ? `${spec.name} (${(named.length ? named : varied).map((k) => `${k}=${settings[i][k] ?? "-"}`).join(", ")})` : spec.name,
      rows: g,
      setting: settings[i],
    }));
  });
}

function describeSetting(setting: AblationSetting): string {
  return Object.entries(setting)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

/** Sum of the cells' stage compute seconds (metrics.seconds), in minutes. */
function computeMinutes(rows: readonly AnyAblationRow[]): string {
  return (rows.reduce((a, r) => a + r.metrics.seconds, 0) / 60).toFixed(1);
}

function pngLinks(root: string, name: string): string[] {
  return PNG_METRICS.filter((m) => fs.existsSync(path.join(ablationDir(root), `${name}-${m}.png`))).map((m) => `![${label(m)}](ablation/${name}-${m}.png)`);
}

function sectionBody(root: string, section: Section, mapMetrics: readonly string[]): string {
  const { rows } = section;
  const out: string[] = [];
  out.push(`### ${section.name}: ${section.title}`);
  out.push("");
  out.push("```sh");
  out.push(section.command);
  out.push("```");
  out.push("");
  out.push(
    `${rows.length} runs: strategies ${strategiesOf(rows).join(", ")}; budgets ${budgetsOf(rows).join(", ")}; seeds ${seedList(seedsOf(rows))}; ${describeSetting(section.setting)}. ` +
      `Data: \`docs/ablation/${section.json}.json\`${section.json !== section.name ? " (the rows of this value)" : ""}. Stage compute time summed over cells: ${computeMinutes(rows)} min.`,
  );
  out.push("");
  if (section.notes) {
    out.push(`> ${section.notes}`);
    out.push("");
  }
  out.push("**Per strategy and budget** (mean ± 95% Student-t half-width over seeds)");
  out.push("");
  out.push(cellTable(rows));
  out.push("");
  const c1 = c1Table(rows);
  if (c1) {
    out.push("**C1: on-policy proxy (mean over strategies within a seed) vs the off-policy evaluator (once per seed)**");
    out.push("");
    out.push(c1);
    out.push("");
  }
  const c2 = c2Tables(rows, mapMetrics);
  if (c2) {
    out.push(`**C2: each strategy vs ${listWords(C2_CONTROLS.filter((c) => rows.some((r) => r.strategy === c)))}, paired by seed**`);
    out.push("");
    out.push(c2);
    out.push("");
  }
  const c3 = c3Table(rows);
  if (c3) {
    out.push("**C3: DPO on proxy pairs (mean over strategies within a seed) vs DPO on the expert labels alone (once per seed), same budget and epochs**");
    out.push("");
    out.push(c3);
    out.push("");
  }
  const pngs = pngLinks(root, section.name);
  if (pngs.length) {
    out.push(...pngs);
    out.push("");
  }
  return out.join("\n");
}

/** The C2 map: for each metric and control, sweeps x budgets down, acquisition functions across. */
function c2Map(sections: readonly Section[], metrics: readonly string[]): string {
  const mapped = sections.filter((s) => s.map !== false);
  const keys = [...new Set(mapped.flatMap((s) => Object.keys(s.setting)))].filter((k) => new Set(mapped.map((s) => String(s.setting[k] ?? "-"))).size > 1);
  const out: string[] = [];
  for (const metric of metrics) {
    for (const control of C2_CONTROLS) {
      const withControl = mapped.filter((s) => s.rows.some((r) => r.strategy === control) && testedMetrics(s.rows, [metric]).length > 0);
      if (withControl.length === 0) continue;
      const arms = [...new Set(withControl.flatMap((s) => strategiesOf(s.rows)))].filter((a) => !(C2_CONTROLS as readonly string[]).includes(a));
      const body: string[][] = [];
      for (const s of withControl) {
        const comparisons = claimC2(s.rows, metric).filter((c) => c.control === control);
        for (const budget of budgetsOf(s.rows)) {
          const families = Number(s.setting.task_families);
          const perFamily = Number.isFinite(families) && families > 0 ? (budget / families).toFixed(1) : "n/a";
          const cell = (arm: string) => {
            const c = comparisons.find((x) => x.arm === arm && x.budget === budget);
            return c ? mapCell(c.result) : "";
          };
          body.push([s.name, ...keys.map((k) => String(s.setting[k] ?? "-")), String(budget), perFamily, String(seedsOf(s.rows).length), ...arms.map(cell)]);
        }
      }
      out.push(`**${label(metric)}, vs ${control}**`);
      out.push("");
      out.push(mdTable(["sweep", ...keys, "budget", "budget per task family", "seeds", ...arms], body));
      out.push("");
    }
  }
  return out.join("\n").trimEnd();
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function headline(sections: readonly Section[], manifest: ResultsManifest, defaultRows: AnyAblationRow[] | undefined): string {
  const main = sections.find((s) => s.name === manifest.headline);
  if (!main) throw new Error(`sections.json: headline "${manifest.headline}" is not a section`);
  const n = seedsOf(main.rows).length;
  const byBudget = (c: ClaimComparison) => `budget ${c.budget}`;
  const lines: string[] = [];
  const c1 = claimC1(main.rows);
  if (c1.length) {
    const parts = [...new Set(c1.map((c) => c.metric))].map((m) => `${label(m)}: ${verdictPhrase(c1.filter((c) => c.metric === m), byBudget)}`);
    lines.push(`- **C1** (on-policy proxy vs off-policy evaluator; \`${main.name}\`, ${n} seeds). ${parts.join(". ")}.`);
  }
  const gain = budgetsOf(main.rows).flatMap((b) => {
    const at = main.rows.filter((r) => r.budget === b && wholeRun(r.metrics));
    if (at.length === 0) return [];
    // The mean over strategies within a seed, then over seeds; expert-only DPO once per seed.
    const m2 = meanInterval([...perSeed(at, (r) => wholeRun(r.metrics)!.gold_win_rate).values()]);
    const eo = meanInterval([...perSeed(at, (r) => wholeRun(r.metrics)!.expert_only_gold_win_rate).values()]);
    return [`budget ${b}: ${interval(m2.mean, m2.halfWidth)} (expert-only DPO ${interval(eo.mean, eo.halfWidth)})`];
  });
  if (gain.length) lines.push(`- **The gain** (gold win rate of M2 over M1, 0.5 = no change; \`${main.name}\`, mean over strategies within a seed, ${n} seeds): ${gain.join("; ")}.`);
  const mapped = sections.filter((s) => s.map !== false);
  for (const metric of manifest.map.metrics) {
    const all = mapped.flatMap((s) => (testedMetrics(s.rows, [metric]).length ? claimC2(s.rows, metric).map((c) => ({ c, sweep: s.name })) : []));
    if (all.length === 0) continue;
    const decided = all.filter(({ c }) => !["inconclusive", "too few seeds", "no spread"].includes(c.result.verdict));
    const detail = decided.map(({ c, sweep }) => `${c.arm} vs ${c.control} at budget ${c.budget} in \`${sweep}\`: ${c.result.verdict}, ${c.result.diff >= 0 ? "+" : ""}${f3(c.result.diff)} ± ${f3(c.result.halfWidth)}`);
    lines.push(
      `- **C2, ${label(metric)}** (each acquisition function vs each control, ${all.length} comparisons over ${plural(new Set(all.map((x) => x.sweep)).size, "sweep")}): ${verdictCounts(all.map((x) => x.c))}; MDE ${mdeRange(all.map((x) => x.c))}.` +
        (detail.length ? ` Decided: ${detail.join("; ")}.` : ""),
    );
  }
  const c3 = claimC3(main.rows);
  if (c3.length) lines.push(`- **C3** (DPO on proxy pairs vs expert-only DPO; \`${main.name}\`, ${n} seeds): ${verdictPhrase(c3, byBudget)}.`);
  if (main.notes) lines.push(`- About \`${main.name}\`: ${main.notes}`);
  if (defaultRows?.length) {
    const wins = defaultRows.map((r) => wholeRun(r.metrics)?.gold_win_rate).filter((x): x is number => x !== undefined);
    const { mean, halfWidth } = meanInterval(wins);
    // Made after issue 11's fixes, so its C3 and C1 stand beside the (older) headline sweep's.
    const c3Default = claimC3(defaultRows);
    const c1Default = claimC1(defaultRows);
    lines.push(
      `- **Default run** (preset default, seeds ${seedList(seedsOf(defaultRows))}): gold win rate of M2 over M1 ${f3(mean)}${Number.isFinite(halfWidth) ? ` ± ${f3(halfWidth)}` : ""}.` +
        (c3Default.length ? ` C3 vs expert-only DPO: ${verdictPhrase(c3Default, byBudget)}.` : "") +
        (c1Default.length ? ` C1 vs the off-policy evaluator: ${verdictPhrase(c1Default, (c) => label(c.metric))}.` : ""),
    );
  }
  return lines.join("\n");
}

function defaultSection(manifest: ResultsManifest, rows: AnyAblationRow[] | undefined): string {
  const out = ["## The default run", ""];
  if (!manifest.default) return "";
  out.push("```sh", manifest.default.command, "```", "");
  if (!rows?.length) {
    out.push(`Not run yet: \`docs/ablation/${manifest.default.json}\` is missing.`);
    return out.join("\n");
  }
  const planned = Number(/--seeds (\d+)/.exec(manifest.default.command)?.[1]);
  const done = seedsOf(rows).length;
  const partial = planned > done ? ` (${done} of the command's ${planned} seeds so far; rerunning it resumes)` : "";
  out.push(`Preset default, strategy ${strategiesOf(rows).join(", ")}, budget ${budgetsOf(rows).join(", ")}, seeds ${seedList(seedsOf(rows))}${partial}. Data: \`docs/ablation/${manifest.default.json}\`.`, "");
  const metrics: [string, (r: AnyAblationRow) => number | null | undefined][] = [
    ["gold win rate, M2 (DPO on proxy pairs) vs M1", (r) => wholeRun(r.metrics)?.gold_win_rate],
    ["gold mean score gain M2 - M1", (r) => { const m = wholeRun(r.metrics); return m ? m.gold_mean_dpo - m.gold_mean_sft : null; }],
    ["expert-only DPO win rate vs M1 (same budget)", (r) => wholeRun(r.metrics)?.expert_only_gold_win_rate],
    ["preference pairs per paid query", (r) => wholeRun(r.metrics)?.pairs_per_query],
    ["proxy Spearman vs gold", (r) => r.metrics.proxy_spearman],
    ["proxy pair accuracy", (r) => r.metrics.proxy_pair_accuracy],
    ["proxy ECE", (r) => r.metrics.proxy_ece],
    ["off-policy evaluator Spearman", (r) => r.metrics.offpolicy_proxy_spearman],
    ["off-policy evaluator pair accuracy", (r) => r.metrics.offpolicy_proxy_pair_accuracy],
    ["off-policy evaluator ECE", (r) => r.metrics.offpolicy_proxy_ece],
    ["retention (greedy exact match), M1", (r) => wholeRun(r.metrics)?.retention_sft],
    ["retention (greedy exact match), M2", (r) => wholeRun(r.metrics)?.retention_dpo],
    ["stage compute seconds", (r) => r.metrics.seconds],
  ];
  const sorted = [...rows].sort((a, b) => a.seed - b.seed);
  const body = metrics.map(([name, value]) => {
    const values = sorted.map(value).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const { mean, halfWidth } = meanInterval(values);
    return [name, values.map((v) => f3(v)).join(", "), Number.isFinite(halfWidth) ? `${f3(mean)} ± ${f3(halfWidth)}` : f3(mean)];
  });
  out.push(mdTable(["metric", `seeds ${sorted.map((r) => r.seed).join(", ")}`, "mean ± 95% CI"], body), "");
  const c1 = c1Table(rows);
  if (c1) out.push("**C1 at the default preset**", "", c1, "");
  const c3 = c3Table(rows);
  if (c3) out.push("**C3 at the default preset**", "", c3, "");
  return out.join("\n").trimEnd();
}

/**
 * A --vary sweep read as curves over its knob: per value, M1's own likelihood pair accuracy
 * (what the knob is meant to move) and each strategy's proxy pair accuracy, mean ± 95% over
 * seeds. The C2 verdicts per value are in the map above.
 */
function knobCurves(sections: readonly Section[]): string | undefined {
  const out: string[] = [];
  for (const json of [...new Set(sections.map((s) => s.json))]) {
    const values = sections.filter((s) => s.json === json);
    if (values.length < 2) continue;
    const strategies = [...new Set(values.flatMap((s) => strategiesOf(s.rows)))];
    const mean = (rows: readonly AnyAblationRow[], metric: string) => {
      const xs = rows.map((r) => ABLATION_METRICS[metric].value(r.metrics)).filter((v): v is number => v !== null && Number.isFinite(v));
      if (xs.length === 0) return "";
      const { mean: m, halfWidth } = meanInterval(xs);
      return interval(m, halfWidth);
    };
    const body = values.flatMap((s) =>
      budgetsOf(s.rows).map((b) => {
        const at = s.rows.filter((r) => r.budget === b);
        // M1's likelihood does not depend on the strategy: once per seed.
        const perSeedRows = seedsOf(at).map((seed) => at.find((r) => r.seed === seed)!);
        return [s.name.slice(json.length).trim().replace(/^\(|\)$/g, ""), String(b), String(seedsOf(at).length), mean(perSeedRows, "policy_pair_accuracy"), ...strategies.map((st) => mean(at.filter((r) => r.strategy === st), "proxy_pair_accuracy"))];
      }),
    );
    out.push(`### Curves over the knob: ${json}`);
    out.push("");
    out.push("M1's own likelihood as a ranker of held-out responses (once per seed) and each strategy's proxy pair accuracy, mean ± 95% Student-t over seeds, at each value of the varied setting.");
    out.push("");
    out.push(mdTable(["value", "budget", "seeds", label("policy_pair_accuracy"), ...strategies.map((st) => `${st}: ${label("proxy_pair_accuracy")}`)], body));
  }
  return out.length ? out.join("\n") : undefined;
}

function marginsTable(): string {
  return mdTable(["metric", "equivalence margin"], Object.entries(EQUIVALENCE_MARGINS).map(([m, v]) => [`${m} (${label(m)})`, `±${v}`]));
}

export function buildResultsPage(root: string): string {
  const manifest = loadManifest(root);
  const sections = loadSections(root, manifest);
  const defaultFile = manifest.default && path.join(ablationDir(root), manifest.default.json);
  const defaultRows = defaultFile && fs.existsSync(defaultFile) ? readRows(defaultFile) : undefined;
  const out: string[] = [];
  out.push("<!-- Generated by scripts/results.ts from docs/ablation/*.json (listed in docs/ablation/sections.json). Do not edit by hand: change the data or the script and run `node --import tsx scripts/results.ts`. -->");
  out.push("# Results");
  out.push("");
  out.push(
    "Every number on this page is computed from the committed JSON by `scripts/results.ts`, with the statistics of `docs/statistics.md`: " +
      "the seed is the unit, differences are paired by seed, the off-policy evaluator and the expert-only baseline count once per seed, " +
      "verdicts are Holm-corrected paired t-tests and TOST equivalence tests at alpha 0.05, and each comparison reports its minimum detectable effect (MDE, 80% power). " +
      "Intervals (±) are 95% Student-t over seeds, not adjusted for multiplicity. \"Inconclusive\" is not \"no effect\": read the MDE.",
  );
  out.push("");
  out.push("## Headline");
  out.push("");
  out.push(headline(sections, manifest, defaultRows));
  out.push("");
  const answer = answerSection(sections, manifest.map.metrics);
  if (answer) out.push(answer, "");
  out.push("## The C2 map: when does active selection beat the controls?");
  out.push("");
  out.push(
    "Each cell: the verdict for the acquisition function (column) against the control in that sweep and budget (row), the mean paired difference, and the MDE. " +
      "Rows are sweeps (one setting of world, proxy and selection space each) and budgets; settings that differ between sweeps have their own columns. " +
      "Each sweep is one Holm family per metric.",
  );
  out.push("");
  out.push(c2Map(sections, manifest.map.metrics));
  out.push("");
  const curves = knobCurves(sections);
  if (curves) out.push(curves, "");
  const def = defaultSection(manifest, defaultRows);
  if (def) out.push(def, "");
  out.push("## Sweeps");
  out.push("");
  for (const section of sections) out.push(sectionBody(root, section, manifest.map.metrics));
  out.push("## Equivalence margins");
  out.push("");
  out.push("Fixed in `docs/statistics.md` before the sweeps they judge; from `EQUIVALENCE_MARGINS` in `src/ablate/claims.ts`.");
  out.push("");
  out.push(marginsTable());
  out.push("");
  return out.join("\n");
}

/** The README's block: a default run's closing summary and the win rate over its seeds. */
export function buildReadmeBlock(root: string): string {
  const manifest = loadManifest(root);
  const file = manifest.default && path.join(ablationDir(root), manifest.default.json);
  const rows = file && fs.existsSync(file) ? readRows(file).sort((a, b) => a.seed - b.seed) : [];
  const whole = rows.flatMap((r) => {
    const m = wholeRun(r.metrics);
    return m ? [{ seed: r.seed, m }] : [];
  });
  if (whole.length === 0) return "(No default run is committed yet: see `docs/RESULTS.md`.)";
  const first = whole[0];
  const win = meanInterval(whole.map((w) => w.m.gold_win_rate));
  const eo = meanInterval(whole.map((w) => w.m.expert_only_gold_win_rate).filter((x): x is number => x !== null));
  const pm = (x: { mean: number; halfWidth: number }) => (Number.isFinite(x.halfWidth) ? `${f3(x.mean)} ± ${f3(x.halfWidth)}` : f3(x.mean));
  return [
    "```",
    formatSummary("runs/default", first.m, false).trimEnd(),
    "```",
    "",
    `(That is seed ${first.seed}'s run; \`npm start\` runs seed 1, a seed used while building the world. "done in" is stage compute time, which depends on the machine and its load. Over seeds ${seedList(whole.map((w) => w.seed))} the gold win rate is ${pm(win)} and expert-only DPO's ${pm(eo)}: \`docs/RESULTS.md\`.)`,
  ].join("\n");
}

/** README.md with its marked block replaced by `block`. */
export function withReadmeBlock(readme: string, block: string): string {
  return withMarkedBlock(readme, RESULTS_MARKERS, block, "README.md");
}
