/**
 * The strategy contract (shared/DESIGN.md, "Strategy contract"): every strategy is a pure,
 * seeded function from a pool and what it needs to the indices to label next, in pick order.
 * Besides the types, this file holds the checks every strategy runs on its context, so that
 * a bad input fails the same way (a one-line UserError naming the input) whichever strategy
 * meets it first.
 */
import { BadOptionError } from "../errors";
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
}

export interface SelectContext {
  /** How many to pick now. */
  budget: number;
  rng: Rng;
  embeddings?: { ift?: Matrix; eft?: Matrix };
  proxy?: ProxyPrediction;
  /** Indices already labelled: never picked again, and k-center treats them as centres. */
  labelled?: readonly number[];
  /** k-center's first pick when nothing is labelled (default: drawn from rng). */
  first?: number;
}

/** An input a strategy cannot work without; the contract test and the CLI supply these. */
export type Need = "embeddings.ift" | "embeddings.eft" | "proxy";

export interface Strategy {
  /** As on the command line (`--strategy`) and as the module's file name. */
  name: string;
  needs: readonly Need[];
  /** One line for `--help` and docs/strategies.md. */
  summary: string;
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
