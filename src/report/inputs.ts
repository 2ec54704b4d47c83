/**
 * Reads what the report shows from a run directory and checks its shape, so that a hand-edited
 * or foreign metrics.json fails with one line naming the file and field instead of drawing a
 * wrong plot. metrics.json is required; curves.json, manifest.json, pairs.arrow and
 * labels.arrow are shown when present and skipped when absent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BadFileError, UserError } from "../errors";
import type { ReliabilityBin } from "../eval/metrics";
import type { Metrics } from "../stages/evaluate";
import { readLabels, readPairs } from "../store/arrow-tables";
import { readManifest, type Manifest } from "../store/manifest";
import type { LabelRow, PairRow } from "../types";

/**
 * metrics.json as the report reads it. Numbers may be null: the evaluator writes NaN (a
 * Spearman over constant scores, say) and JSON turns NaN into null.
 */
export type ReportMetrics = {
  [K in keyof Metrics]: Metrics[K] extends number | null ? number | null : Metrics[K];
};

/** Training loss per step, one series per training run, as `RunContext.saveCurve` writes it. */
export type Curves = Record<string, (number | null)[]>;

/** Everything the report draws from one run directory. */
export interface ReportInputs {
  runDir: string;
  metrics: ReportMetrics;
  curves?: Curves;
  manifest?: Manifest;
  pairs?: { total: number; first: PairRow[] };
  labels?: { total: number; first: LabelRow[] };
}

/** How many rows of pairs.arrow and labels.arrow the report shows. */
export const TABLE_ROWS = 20;

const NUMBER_FIELDS = [
  "expert_queries", "expert_cost", "pairs", "pairs_per_query", "gold_win_rate", "gold_mean_sft", "gold_mean_dpo",
  "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "offpolicy_proxy_spearman", "offpolicy_proxy_pair_accuracy",
  "offpolicy_proxy_ece", "retention_sft", "retention_dpo", "expert_only_gold_win_rate", "expert_only_pairs",
  "budget", "seed", "seconds",
] as const satisfies readonly (keyof Metrics)[];
const STRING_FIELDS = ["strategy", "backend"] as const satisfies readonly (keyof Metrics)[];
const HISTOGRAMS = ["seed_eft_labels", "onpolicy_labels", "heldout_gold"] as const satisfies readonly (keyof Metrics["histograms"])[];
const BIN_FIELDS = ["lo", "hi", "count", "confidence", "accuracy"] as const satisfies readonly (keyof ReliabilityBin)[];
/** Scores 0..5. */
const SCORE_LEVELS = 6;

/** Reads and checks a run directory; throws a UserError naming the path when it cannot. */
export function readReportInputs(runDir: string): ReportInputs {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) {
    throw new UserError(`${runDir}: run directory not found`, { code: "bad-file", blame: runDir });
  }
  const file = (name: string) => path.join(runDir, name);
  const metricsFile = file("metrics.json");
  if (!fs.existsSync(metricsFile)) throw new BadFileError(metricsFile, "not found (has the run finished its eval stage?)");
  const inputs: ReportInputs = { runDir, metrics: checkMetrics(metricsFile, readJson(metricsFile)) };
  if (fs.existsSync(file("curves.json"))) inputs.curves = checkCurves(file("curves.json"), readJson(file("curves.json")));
  inputs.manifest = readManifest(runDir);
  if (fs.existsSync(file("pairs.arrow"))) {
    const rows = readPairs(file("pairs.arrow"));
    inputs.pairs = { total: rows.length, first: rows.slice(0, TABLE_ROWS) };
  }
  if (fs.existsSync(file("labels.arrow"))) {
    const rows = readLabels(file("labels.arrow"));
    inputs.labels = { total: rows.length, first: rows.slice(0, TABLE_ROWS) };
  }
  return inputs;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new BadFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadFileError(file, `not valid JSON (${(err as Error).message})`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isNumberOrNull = (value: unknown) => value === null || (typeof value === "number" && Number.isFinite(value));
const describe = (value: unknown) => (value === undefined ? "missing" : `${JSON.stringify(value)?.slice(0, 40)}`);

/** Checks the fields the report uses; extra fields are allowed (newer evaluators may add some). */
export function checkMetrics(file: string, value: unknown): ReportMetrics {
  if (!isObject(value)) throw new BadFileError(file, "expected a JSON object of metrics");
  const bad = (field: string, expected: string, got: unknown) => new BadFileError(file, `field "${field}": expected ${expected}, got ${describe(got)}`);
  for (const field of NUMBER_FIELDS) {
    if (!isNumberOrNull(value[field])) throw bad(field, "a number or null", value[field]);
  }
  for (const field of STRING_FIELDS) {
    if (typeof value[field] !== "string") throw bad(field, "a string", value[field]);
  }
  const histograms = value.histograms;
  if (!isObject(histograms)) throw bad("histograms", "an object", histograms);
  for (const name of HISTOGRAMS) {
    const counts = histograms[name];
    const ok = Array.isArray(counts) && counts.length === SCORE_LEVELS && counts.every((c) => Number.isInteger(c) && c >= 0);
    if (!ok) throw bad(`histograms.${name}`, `${SCORE_LEVELS} counts (scores 0..5)`, counts);
  }
  const reliability = value.reliability;
  if (!isObject(reliability)) throw bad("reliability", "an object", reliability);
  checkBins(file, "reliability.proxy", reliability.proxy, false);
  checkBins(file, "reliability.offpolicy", reliability.offpolicy, true);
  return value as unknown as ReportMetrics;
}

function checkBins(file: string, field: string, bins: unknown, nullable: boolean): void {
  if (nullable && bins === null) return;
  if (!Array.isArray(bins)) throw new BadFileError(file, `field "${field}": expected a list of bins${nullable ? " or null" : ""}, got ${describe(bins)}`);
  bins.forEach((bin, index) => {
    if (!isObject(bin)) throw new BadFileError(file, `field "${field}[${index}]": expected {${BIN_FIELDS.join(", ")}}, got ${describe(bin)}`);
    for (const key of BIN_FIELDS) {
      if (typeof bin[key] !== "number" || !Number.isFinite(bin[key])) {
        throw new BadFileError(file, `field "${field}[${index}].${key}": expected a number, got ${describe(bin[key])}`);
      }
    }
  });
}

/** curves.json: an object of loss series; null entries (a NaN loss) are kept as gaps. */
export function checkCurves(file: string, value: unknown): Curves {
  if (!isObject(value)) throw new BadFileError(file, "expected a JSON object of {name: [loss per step]}");
  for (const [name, series] of Object.entries(value)) {
    if (!Array.isArray(series) || !series.every(isNumberOrNull)) {
      throw new BadFileError(file, `curve "${name}": expected a list of numbers, got ${describe(series)}`);
    }
  }
  return value as Curves;
}
