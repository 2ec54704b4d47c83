/**
 * Row types of the run directory's Arrow tables (shared/DESIGN.md, "Run directory contract").
 * Column names are snake_case exactly as they appear in the files.
 */

export type Split = "seed" | "pool" | "heldout" | "heldout-uniform";

/** prompts.arrow */
export interface PromptRow {
  prompt_id: string;
  prompt: string;
  task: string;
  split: Split;
}

/** Where a response came from: seed data, the SFT policy on the pool, evaluation samples. */
export type ResponseSource = "seed" | "seed-eft" | "policy" | "policy-heldout" | "policy-heldout-uniform" | "eval-sft" | "eval-dpo" | "eval-expert-only";

/** responses.arrow */
export interface ResponseRow {
  response_id: string;
  prompt_id: string;
  text: string;
  source: ResponseSource;
}

export type EmbeddingView = "ift" | "eft";

/** embeddings.arrow: one row per (id, view); `embedding` is FixedSizeList<Float32>[dim]. */
export interface EmbeddingTable {
  ids: string[];
  views: EmbeddingView[];
  dim: number;
  /** Row-major [ids.length * dim]. */
  data: Float32Array;
}

/** labels.arrow and baseline_labels.arrow */
export interface LabelRow {
  response_id: string;
  score: number;
  rationale: string;
  oracle: string;
  cost: number;
}

/** proxy_scores.arrow */
export interface ProxyScoreRow {
  response_id: string;
  mean: number;
  std: number;
}

/** pairs.arrow: TRL's preference columns plus the score margin. */
export interface PairRow {
  prompt: string;
  chosen: string;
  rejected: string;
  margin: number;
}
