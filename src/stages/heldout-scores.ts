/**
 * heldout_scores.arrow: each evaluator's score of every held-out response (M1's samples on
 * held-out prompts), with the gold score, written by the eval stage. metrics.json keeps only
 * the aggregates (Spearman, ECE); the lab's calibration view needs the responses one by one to
 * ask whether the proxy's std tracks its error. Long format (one row per evaluator and
 * response) keeps every column non-null when the off-policy evaluator did not run.
 */
import { SCORE_LEVELS } from "../proxy/types";
import { readTable, writeTable, type TableSpec } from "../store/arrow-tables";

export const HELDOUT_SCORES_FILE = "heldout_scores.arrow";

export interface HeldoutScoreRow {
  /** "proxy" (on-policy) or "offpolicy" (the seed-EFT evaluator). */
  evaluator: string;
  response_id: string;
  prompt_id: string;
  gold: number;
  mean: number;
  std: number;
  /** The 6-way score distribution the ECE is computed on. */
  p0: number;
  p1: number;
  p2: number;
  p3: number;
  p4: number;
  p5: number;
}

const prob = (name: `p${0 | 1 | 2 | 3 | 4 | 5}`) => ({ name, kind: "float64" as const });

export const HELDOUT_SCORES_SPEC: TableSpec<HeldoutScoreRow> = {
  table: "heldout_scores",
  columns: [
    { name: "evaluator", kind: "utf8", check: (v) => (v === "proxy" || v === "offpolicy" ? undefined : `${v} is not proxy or offpolicy`) },
    { name: "response_id", kind: "utf8" },
    { name: "prompt_id", kind: "utf8" },
    { name: "gold", kind: "int32" },
    { name: "mean", kind: "float64" },
    { name: "std", kind: "float64" },
    prob("p0"),
    prob("p1"),
    prob("p2"),
    prob("p3"),
    prob("p4"),
    prob("p5"),
  ],
};

/** One evaluator's scores as rows (probs: row-major [n x 6]). */
export function heldoutRows(
  evaluator: "proxy" | "offpolicy",
  held: readonly { response_id: string; prompt_id: string }[],
  gold: readonly number[],
  scores: { mean: ArrayLike<number>; std: ArrayLike<number>; probs: ArrayLike<number> },
): HeldoutScoreRow[] {
  return held.map((r, i) => {
    const p = (s: number) => scores.probs[i * SCORE_LEVELS + s];
    return { evaluator, response_id: r.response_id, prompt_id: r.prompt_id, gold: gold[i], mean: scores.mean[i], std: scores.std[i], p0: p(0), p1: p(1), p2: p(2), p3: p(3), p4: p(4), p5: p(5) };
  });
}

export const writeHeldoutScores = (file: string, rows: readonly HeldoutScoreRow[]): void => writeTable(file, HELDOUT_SCORES_SPEC, rows);
export const readHeldoutScores = (file: string): HeldoutScoreRow[] => readTable(file, HELDOUT_SCORES_SPEC);
