/**
 * The payloads of the lab's interactive views, declared once: the kernel builds them
 * (uncertainty.ts, calibration.ts, training.ts, ledger.ts, ablation.ts, label-widget.ts) and the
 * lab extension imports these types to draw them. kernel-ext/schemas/<kind>.schema.json holds
 * the JSON Schema of each, and docs/mime.md documents them.
 *
 * This file imports only types, from comm-messages.ts and proxyrm's types-only reliability-bin.ts
 * (both import nothing), so the extension can compile it for the browser as it is.
 *
 * Large numeric columns travel as base64 of little-endian Float32 (or Int32) arrays (`B64`), so
 * a 100k-point explorer is a few MB of JSON rather than tens.
 */
import type { ReliabilityBin } from "proxyrm/dist/eval/reliability-bin";
import type { LabelItem, LabelProgress, RubricCriterion } from "../../comm-messages";

/**
 * The head every lab payload has. Declared here rather than imported from ../mime so this file
 * pulls in no Node code: the lab extension compiles it for the browser.
 */
export interface Payload {
  kind: string;
  /** Payload version (mime.ts PAYLOAD_VERSION); bumped when a field changes meaning or disappears. */
  version: 1;
}

/** base64 of a little-endian Float32Array (or Int32Array where said) with `n` elements. */
export type B64 = string;

// -------------------------------------------------------------------- uncertainty explorer

export interface UncertaintyPayload extends Payload {
  kind: "uncertainty";
  run: string;
  /** Comm widget id: lasso selections are sent with it (`lasso.select`). */
  widget: string;
  /** Which embedding view was projected. */
  view: "ift" | "eft";
  projection: "pca" | "umap";
  /** PCA: share of variance of each component; null for UMAP. */
  explained: [number, number] | null;
  /** Pool responses shown (every one). */
  n: number;
  x: B64;
  y: B64;
  /**
   * What `std` is: the spread of the ensemble's reward heads ("disagreement") or the EFT
   * judge's predictive std over the score token ("std"); "none" before the proxy scored the pool.
   */
  color: "std" | "disagreement" | "none";
  /** Proxy mean and std per point (Float32), null before the score stage. */
  mean: B64 | null;
  std: B64 | null;
  response_ids: string[];
  /** Int32: index into `prompts` / `tasks` of each point's prompt. */
  prompt_index: B64;
  prompts: string[];
  tasks: string[];
  responses: string[];
  /** Picks of the strategy (index into the points), with their 1-based round and rank. */
  selected: UncertaintyPick[];
  /** Points with an expert label (index into the points). */
  labelled: UncertaintyLabel[];
}

export interface UncertaintyPick {
  index: number;
  round: number;
  rank: number;
}

export interface UncertaintyLabel {
  index: number;
  score: number;
  rationale: string;
  oracle: string;
}

// ------------------------------------------------------------------------- calibration

export type { ReliabilityBin };

export interface EvaluatorCalibration {
  ece: number;
  bins: ReliabilityBin[];
  /** Per held-out response, in `heldout.response_ids` order. */
  mean: number[];
  std: number[];
  /** Share of responses with |mean - gold| <= 1 std and <= 2 std. */
  coverage: { one_sigma: number; two_sigma: number };
  /** Spearman of std vs |mean - gold|: does the std track the error? null when constant. */
  std_error_spearman: number | null;
}

export interface CalibrationPayload extends Payload {
  kind: "calibration";
  run: string;
  /** Held-out responses (M1's samples on held-out prompts) with their gold scores. */
  heldout: { response_ids: string[]; gold: number[] };
  /** The on-policy proxy. */
  proxy: EvaluatorCalibration;
  /** The off-policy evaluator (seed EFT); null when the run had no baselines. */
  offpolicy: EvaluatorCalibration | null;
  /** Score histograms 0..5. */
  histograms: { seed_eft: number[]; expert: number[]; gold: number[] };
}

// ---------------------------------------------------------------------- training curves

export type TrainingStatus = "running" | "done" | "interrupted" | "failed";

export interface TrainingSeries {
  /** "sft", "proxy", "dpo", "expert_only" (the baseline's DPO), ... */
  name: string;
  metric: "loss" | "margin" | "accuracy";
  /** One value per step; null where the value was not finite. */
  values: (number | null)[];
}

export interface TrainingPayload extends Payload {
  kind: "training";
  run: string;
  status: TrainingStatus;
  /** The series being trained now, else null. */
  current: string | null;
  series: TrainingSeries[];
}

// --------------------------------------------------------------------------- cost ledger

export interface LedgerCall {
  /** 1-based, per tag. */
  call: number;
  /** "baseline" etc.; null for the main expert budget. */
  tag: string | null;
  response_id: string;
  oracle: string;
  status: "pending" | "scored" | "no-score" | "unknown" | "not-billed";
  /** Whether it counts as paid (scored, no-score, unknown, pending). */
  paid: boolean;
  cost: number;
  /** Running totals over the main budget's calls (tag null) up to this one. */
  paid_so_far: number;
  spend_so_far: number;
}

export interface LedgerPayload extends Payload {
  kind: "ledger";
  run: string;
  /** The main expert budget, in paid calls. */
  budget: number;
  /** Price per call of the run's oracle. */
  price: number;
  calls: LedgerCall[];
  totals: {
    paid: number;
    spend: number;
    scored: number;
    /** Billed replies with no score plus calls of unknown outcome. */
    failures: number;
    not_billed: number;
    /** Labels answered without a new call (an earlier call with the same judge input). */
    cache_hits: number;
    /** Paid calls under other tags (baseline), with their spend. */
    other_paid: number;
    other_spend: number;
  };
}

// ---------------------------------------------------------------------- live ablation

export interface AblationCellRow {
  strategy: string;
  budget: number;
  seed: number;
  /** Every selectable metric's value in the cell (null where the cell has none). */
  values: Record<string, number | null>;
}

export interface AblationBand {
  strategy: string;
  budget: number;
  metric: string;
  n: number;
  mean: number;
  /** 95% Student-t interval over seeds; equal to mean when n = 1. */
  lo: number;
  hi: number;
}

export interface AblationPayload extends Payload {
  kind: "ablation";
  /** The sweep's directory. */
  out: string;
  status: TrainingStatus;
  strategies: string[];
  budgets: number[];
  seeds: number[];
  /** Finished cells of total. */
  done: number;
  total: number;
  /** Selectable metrics, with labels; `metric` is the one shown first. */
  metrics: { name: string; label: string }[];
  metric: string;
  cells: AblationCellRow[];
  bands: AblationBand[];
  /** The last progress line, or what stopped the sweep. */
  message: string | null;
}

// -------------------------------------------------------------------- labelling widget

export interface LabelWidgetPayload extends Payload {
  kind: "label-widget";
  run: string;
  /** Comm widget id: the frontend sends `label.next` / `label.submit` with it. */
  widget: string;
  /** `human:<name>`. */
  oracle: string;
  rubric: RubricCriterion[];
  progress: LabelProgress;
  /** The tuple to score first, null when every selected tuple has a score. */
  item: LabelItem | null;
}
