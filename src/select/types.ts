/**
 * The strategy contract (shared/DESIGN.md, "Strategy contract"): every strategy is a pure,
 * seeded function from a pool and what it needs to the indices to label next, in pick order.
 * Besides the types, this file holds the checks every strategy runs on its context, so that
 * a bad input fails the same way (a one-line UserError naming the input) whichever strategy
 * meets it first.
 */
import { BadOptionError } from "../errors";
import { SCORE_LEVELS } from "../proxy/types";
import type { Rng } from "../rng";

/** Row-major `rows x dim` matrix, e.g. one embedding per pool item. */
export interface Matrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/** The proxy evaluator's view of the pool, one entry per pool item. */
export interface ProxyPrediction {
  mean: Float64Array;
  std: Float64Array;
  /** rows*6: the score distribution over 0..5, row-major, when the proxy gives one. */
  probs?: Float64Array;
  /**
   * One rows*6 score distribution per ensemble member (reward heads: each member's mean with
   * the ensemble's residual std, discretised to 0..5); `probs` stays the ensemble's.
   */
  members?: Float64Array[];
  /**
   * The reward heads' last layer: each pool item's hidden activations, every member's side by
   * side (rows x members*hidden). What a Fisher / gradient-embedding strategy reads.
   */
  features?: Matrix;
}

export interface SelectContext {
  /** How many to pick now. */
  budget: number;
  rng: Rng;
  embeddings?: { ift?: Matrix; eft?: Matrix };
  proxy?: ProxyPrediction;
  /** Indices already labelled: never picked again, and k-center treats them as centres. */
  labelled?: readonly number[];
  /**
   * The coreset strategies' first pick when nothing is labelled (default: drawn from rng).
   * `hybrid` ignores it: its first pick is its most uncertain item.
   */
  first?: number;
  /** Each pool item's task family (prompts.arrow `task`): what stratified strategies stratify by. */
  tasks?: readonly string[];
  /** Each pool item's prompt id: responses to one prompt form the pairs pair strategies pick. */
  prompts?: readonly string[];
}

/** An input a strategy cannot work without; the contract test and the CLI supply these. */
export type Need = "embeddings.ift" | "embeddings.eft" | "proxy" | "proxy.members" | "proxy.features" | "tasks" | "prompts";
export const NEEDS: readonly Need[] = ["embeddings.ift", "embeddings.eft", "proxy", "proxy.members", "proxy.features", "tasks", "prompts"];

export interface Strategy {
  /** As on the command line (`--strategy`) and as the module's file name. */
  name: string;
  needs: readonly Need[];
  /** One line for `--help` and docs/strategies.md. */
  summary: string;
  /**
   * The proxy is needed only once something is labelled: the first round picks without it,
   * and the run gives it none then (so it never leans on the off-policy evaluator).
   */
  proxyAfterFirstRound?: boolean;
  /** Indices into the pool, in pick order; never mutates `ctx`. */
  select(poolSize: number, ctx: SelectContext): number[];
}

/**
 * Checks what every strategy relies on and returns the labelled set: `poolSize` and `budget`
 * are non-negative integers, `labelled` indices are in the pool, and `budget` fits in the
 * unlabelled rest (a UserError naming both numbers, never a silent clamp).
 */
export function checkPoolAndBudget(strategy: string, poolSize: number, ctx: SelectContext): Set<number> {
  if (!Number.isInteger(poolSize) || poolSize < 0) {
    throw new BadOptionError("pool size", `must be a non-negative integer, got ${poolSize}`);
  }
  const { budget } = ctx;
  if (!Number.isInteger(budget) || budget < 0) {
    throw new BadOptionError("budget", `must be a non-negative integer, got ${budget}`);
  }
  const labelled = new Set<number>();
  for (const index of ctx.labelled ?? []) {
    if (!Number.isInteger(index) || index < 0 || index >= poolSize) {
      throw new BadOptionError("labelled", `index ${index} is not in the pool of ${poolSize} items`);
    }
    labelled.add(index);
  }
  const available = poolSize - labelled.size;
  if (budget > available) {
    throw new BadOptionError(
      "budget",
      `${strategy} cannot pick ${budget}: only ${available} of ${poolSize} pool items are unlabelled`,
    );
  }
  return labelled;
}

/**
 * The embedding matrix a strategy needs, checked against the pool: present, `poolSize` rows,
 * the right length, and every value finite (a NaN row would otherwise win or lose every
 * distance comparison and skew the picks without a word).
 */
export function requireEmbeddings(strategy: string, view: "ift" | "eft", poolSize: number, ctx: SelectContext): Matrix {
  const name = `embeddings.${view}`;
  const matrix = ctx.embeddings?.[view];
  if (matrix === undefined) throw new BadOptionError(name, `strategy ${strategy} needs ${name}, none given`);
  return checkMatrix(name, matrix, poolSize);
}

/** A per-item label column (`tasks`, `prompts`): present, one string per pool item. */
export function requireLabels(strategy: string, need: "tasks" | "prompts", poolSize: number, ctx: SelectContext): readonly string[] {
  const labels = ctx[need];
  if (labels === undefined) throw new BadOptionError(need, `strategy ${strategy} needs ${need}, none given`);
  if (labels.length !== poolSize) throw new BadOptionError(need, `has ${labels.length} rows but the pool has ${poolSize} items`);
  const bad = labels.findIndex((l) => typeof l !== "string");
  if (bad >= 0) throw new BadOptionError(need, `row ${bad} is not a string`);
  return labels;
}

function checkMatrix(name: string, matrix: Matrix, poolSize: number): Matrix {
  const { rows, dim, data } = matrix;
  if (rows !== poolSize) throw new BadOptionError(name, `has ${rows} rows but the pool has ${poolSize} items`);
  if (!Number.isInteger(dim) || dim < 1) throw new BadOptionError(name, `dimension must be a positive integer, got ${dim}`);
  if (data.length !== rows * dim) {
    throw new BadOptionError(name, `has ${data.length} values, expected ${rows} rows x ${dim}`);
  }
  for (let k = 0; k < data.length; k++) {
    const value = data[k];
    // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (value - value !== 0) throw new BadOptionError(name, `row ${Math.floor(k / dim)} has ${value}`);
  }
  return matrix;
}

/**
 * k-center's first pick: none when items are labelled (they are the centres), else
 * `ctx.first` (checked to be in the pool) or, when absent, one drawn from `ctx.rng`.
 */
export function resolveFirst(poolSize: number, labelled: ReadonlySet<number>, ctx: SelectContext): number | undefined {
  if (ctx.first !== undefined && (!Number.isInteger(ctx.first) || ctx.first < 0 || ctx.first >= poolSize)) {
    throw new BadOptionError("first", `must be an index in 0..${poolSize - 1}, got ${ctx.first}`);
  }
  if (labelled.size > 0) return undefined;
  return ctx.first ?? ctx.rng.int(poolSize);
}

/**
 * The proxy prediction a strategy needs, checked against the pool: present (with `probs` or
 * `members` when `parts` asks for them), every array given holding `poolSize` rows, every
 * value finite, `std` non-negative and every distribution row non-negative and summing to 1.
 * Arrays a strategy does not read are checked too, so a broken proxy fails whichever proxy
 * strategy meets it. Errors name the field (`proxy.mean`, `proxy.members[2]`) and the row.
 */
export function requireProxy(
  strategy: string,
  poolSize: number,
  ctx: SelectContext,
  parts: { probs?: boolean; members?: boolean; features?: boolean } = {},
): ProxyPrediction {
  const need = parts.members ? "proxy.members" : parts.features ? "proxy.features" : "proxy";
  const proxy = ctx.proxy;
  if (proxy === undefined) throw new BadOptionError(need, `strategy ${strategy} needs ${need}, none given`);
  checkColumn("proxy.mean", proxy.mean, poolSize, false);
  checkColumn("proxy.std", proxy.std, poolSize, true);
  if (proxy.probs !== undefined) checkDistributions("proxy.probs", proxy.probs, poolSize);
  else if (parts.probs) {
    throw new BadOptionError("proxy.probs", `strategy ${strategy} needs the proxy's score distribution, none given`);
  }
  if (proxy.members !== undefined) {
    proxy.members.forEach((member, m) => checkDistributions(`proxy.members[${m}]`, member, poolSize));
  }
  if (proxy.features !== undefined) checkMatrix("proxy.features", proxy.features, poolSize);
  else if (parts.features) throw new BadOptionError("proxy.features", `strategy ${strategy} needs proxy.features (the reward heads' last layer), none given`);
  if (parts.members) {
    if (proxy.members === undefined) throw new BadOptionError("proxy.members", `strategy ${strategy} needs proxy.members, none given`);
    const count = proxy.members.length;
    // With one member every item's disagreement is 0: the picks would say nothing.
    if (count < 2) throw new BadOptionError("proxy.members", `strategy ${strategy} needs at least 2 ensemble members, got ${count}`);
  }
  return proxy;
}

function checkColumn(name: string, values: Float64Array | undefined, poolSize: number, nonNegative: boolean): void {
  if (values === undefined) throw new BadOptionError(name, "missing");
  if (values.length !== poolSize) throw new BadOptionError(name, `has ${values.length} rows but the pool has ${poolSize} items`);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value - value !== 0 || (nonNegative && value < 0)) throw new BadOptionError(name, `row ${i} has ${value}`);
  }
}

/** Tolerance on a row's sum: float64 softmax and discretised-Gaussian rows are off by ~1e-15. */
const SUM_TOLERANCE = 1e-6;

function checkDistributions(name: string, probs: Float64Array, poolSize: number): void {
  if (probs.length !== poolSize * SCORE_LEVELS) {
    throw new BadOptionError(
      name,
      `has ${probs.length} values, expected ${poolSize} rows x ${SCORE_LEVELS} (the pool has ${poolSize} items)`,
    );
  }
  for (let i = 0; i < poolSize; i++) {
    let sum = 0;
    for (let s = 0; s < SCORE_LEVELS; s++) {
      const p = probs[i * SCORE_LEVELS + s];
      if (p - p !== 0 || p < 0) throw new BadOptionError(name, `row ${i} has ${p} for score ${s}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      throw new BadOptionError(name, `row ${i} sums to ${sum}, not 1 (a distribution over scores 0..${SCORE_LEVELS - 1})`);
    }
  }
}
