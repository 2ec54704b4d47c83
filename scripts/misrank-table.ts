/**
 * docs/world.md's misrank-check block, built as a string from the committed runs in
 * docs/world/misrank-check.json (written by `scripts/misrank-check.ts --commit`). Pure: no run
 * is read here, so tests/world-doc.test.ts can compare the committed page with it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { withMarkedBlock } from "./doc-block";

export const MISRANK_MARKERS = { start: "<!-- misrank-check:begin -->", end: "<!-- misrank-check:end -->" };
export const MISRANK_JSON = path.join("docs", "world", "misrank-check.json");

export const MISRANK_METRICS = ["policy_pair_accuracy", "policy_pair_accuracy_misranked", "policy_pair_accuracy_other", "proxy_pair_accuracy"] as const;
export type MisrankMetric = (typeof MISRANK_METRICS)[number];

/** One finished run of scripts/misrank-check.ts, as committed. */
export interface MisrankRun extends Record<MisrankMetric, number | null> {
  misrank: number;
  seed: number;
  strategy: string;
  budget: number;
  backend: string;
  /** proxy_metrics.json's `seconds`: stage compute time, which depends on the machine and its load. */
  seconds: number;
  /** Task families in the frequency-weighted held-out split (proxy_metrics.json's per_task). */
  heldout_families: number;
  /** M1's held-out samples on the misranked families: exact echoes, exactly right, all; null at misrank 0. */
  misranked_samples: { echo: number; right: number; all: number } | null;
}

export function loadMisrankRuns(root: string): MisrankRun[] {
  return JSON.parse(fs.readFileSync(path.join(root, MISRANK_JSON), "utf8")) as MisrankRun[];
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "  -  " : x.toFixed(3));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const present = (xs: (number | null)[]) => xs.filter((x): x is number => typeof x === "number");
const distinct = <T>(xs: T[]) => [...new Set(xs)];
const list = (xs: (string | number)[]) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);

function range(xs: number[]): string {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** "1-3" for consecutive seeds, else "1, 4 and 7". */
function seedList(seeds: number[]): string {
  const s = [...seeds].sort((a, b) => a - b);
  return s.length > 1 && s.every((x, i) => i === 0 || x === s[i - 1] + 1) ? `${s[0]}-${s[s.length - 1]}` : list(s);
}

function oneOf<T>(runs: MisrankRun[], pick: (r: MisrankRun) => T, what: string): T {
  const values = distinct(runs.map(pick));
  if (values.length !== 1) throw new Error(`misrank-check runs differ in ${what}: ${values.join(", ")}`);
  return values[0];
}

function table(runs: MisrankRun[], knob: number[]): string[] {
  const lines = [`| misrank | seed | ${MISRANK_METRICS.join(" | ")} | misranked samples: echo / right / all |`, `|---|---|${MISRANK_METRICS.map(() => "---").join("|")}|---|`];
  for (const misrank of knob) {
    const rows = runs.filter((r) => r.misrank === misrank);
    for (const r of rows) {
      const s = r.misranked_samples;
      lines.push(`| ${misrank} | ${r.seed} | ${MISRANK_METRICS.map((k) => fmt(r[k])).join(" | ")} | ${s ? `${s.echo} / ${s.right} / ${s.all}` : "-"} |`);
    }
    const meanOf = (k: MisrankMetric) => {
      const xs = present(rows.map((r) => r[k]));
      return xs.length ? mean(xs) : null;
    };
    lines.push(`| ${misrank} | mean | ${MISRANK_METRICS.map((k) => fmt(meanOf(k))).join(" | ")} | |`);
  }
  return lines;
}

function summary(runs: MisrankRun[], knob: number[], seeds: number[]): string {
  const pooled = knob.map((m) => mean(present(runs.filter((r) => r.misrank === m).map((r) => r.policy_pair_accuracy))));
  const seedsOnEveryValue = seeds.filter((s) => knob.every((m) => runs.some((r) => r.seed === s && r.misrank === m && r.policy_pair_accuracy !== null)));
  const fallingSeeds = seedsOnEveryValue.filter((s) => {
    const xs = knob.map((m) => runs.find((r) => r.seed === s && r.misrank === m)!.policy_pair_accuracy!);
    return xs.every((x, i) => i === 0 || x < xs[i - 1]);
  });
  const steps = knob.slice(1).map((m, i) => `${fmt(pooled[i] - pooled[i + 1])} from ${knob[i]} to ${m}`);
  const split = runs.filter((r) => r.policy_pair_accuracy_misranked !== null && r.policy_pair_accuracy_other !== null);
  const below = split.filter((r) => r.policy_pair_accuracy_misranked! < r.policy_pair_accuracy_other!);
  const splitKnob = knob.filter((m) => split.some((r) => r.misrank === m));
  const meanAt = (m: number, k: MisrankMetric) => fmt(mean(present(split.filter((r) => r.misrank === m).map((r) => r[k]))));
  const samples = runs.flatMap((r) => (r.misranked_samples ? [r.misranked_samples] : []));
  const total = (k: "echo" | "right" | "all") => samples.reduce((a, s) => a + s[k], 0);
  const sentences = [
    `Pooled, M1's likelihood pair accuracy averages ${list(pooled.map(fmt))} at misrank ${list(knob)}; it falls at every step of the knob in ${fallingSeeds.length} of ${seedsOnEveryValue.length} seeds, and its mean falls by ${list(steps)}.`,
  ];
  if (split.length) {
    sentences.push(
      `On the misranked families it is below the other families' in ${below.length} of ${split.length} runs (means ${list(splitKnob.map((m) => meanAt(m, "policy_pair_accuracy_misranked")))} against ${list(splitKnob.map((m) => meanAt(m, "policy_pair_accuracy_other")))} at misrank ${list(splitKnob)}); its lowest value there is ${fmt(Math.min(...present(split.map((r) => r.policy_pair_accuracy_misranked))))} (chance: 0.500).`,
    );
  }
  if (samples.length) sentences.push(`Of M1's ${total("all")} held-out samples on the misranked families, ${total("echo")} are exact echoes and ${total("right")} exactly right.`);
  sentences.push(`The frequency-weighted held-out split covers ${range(runs.map((r) => r.heldout_families))} task families in these runs.`);
  return sentences.join(" ");
}

/** The block between MISRANK_MARKERS: the conditions, the table and a summary, all from `runs`. */
export function buildMisrankBlock(runs: MisrankRun[]): string {
  if (!runs.length) throw new Error("docs/world/misrank-check.json has no runs");
  const knob = distinct(runs.map((r) => r.misrank)).sort((a, b) => a - b);
  const seeds = distinct(runs.map((r) => r.seed)).sort((a, b) => a - b);
  const ordered = [...runs].sort((a, b) => a.misrank - b.misrank || a.seed - b.seed);
  const seconds = ordered.map((r) => Math.round(r.seconds));
  return [
    `Measured on the **tuning seeds ${seedList(seeds)}** (smoke preset, proxy-only, budget ${oneOf(runs, (r) => r.budget, "budget")}, strategy ${oneOf(runs, (r) => r.strategy, "strategy")}, backend ${oneOf(runs, (r) => r.backend, "backend")}; stage compute time ${range(seconds)} s a run, which depends on the machine and its load). Data: \`${MISRANK_JSON}\`. The last column counts M1's held-out samples on the misranked families that are exact echoes / exactly right / all of them:`,
    "",
    ...table(ordered, knob),
    "",
    summary(ordered, knob, seeds),
  ].join("\n");
}

/** docs/world.md with its marked block replaced by `block`. */
export function withMisrankBlock(doc: string, block: string): string {
  return withMarkedBlock(doc, MISRANK_MARKERS, block, "docs/world.md");
}
