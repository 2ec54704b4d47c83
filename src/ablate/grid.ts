/**
 * The ablation grid: strategies x budgets x seeds, each cell one `proxyrm run`. Cells of one seed
 * share the stages that do not depend on the strategy or budget (world, sft, generate, embed):
 * they run once per seed in `shared/seed-<n>` and each cell starts from hard links to them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveConfig, type DeepPartial, type PresetName, type RunConfig } from "../config";
import { BadOptionError, UserError } from "../errors";
import { canonicalJson, readManifest, writeManifest } from "../store/manifest";

export interface AblationPlan {
  out: string;
  preset?: PresetName;
  /** A --config file's fields, applied to every cell. */
  base?: DeepPartial<RunConfig>;
  strategies: string[];
  budgets: number[];
  /** Base seed; seeds are base .. base + count - 1. */
  seed: number;
  seeds: number;
  rounds?: number;
  /** Cells stop after the proxy (`run --proxy-only`): proxy metrics only, minutes for 30 seeds. */
  proxyOnly?: boolean;
  /**
   * `--vary KEY=v1,v2`: one config field (a dotted RunConfig path) swept over values, the rest
   * of the grid repeated at each, so a knob gives a whole curve. Each value is its own setting.
   */
  vary?: { key: string; values: (string | number | boolean)[] };
}

export interface Cell {
  strategy: string;
  budget: number;
  seed: number;
  dir: string;
  config: RunConfig;
  /** "KEY=value" under --vary, else "". */
  variant: string;
  /** The run directory of its seed's (and variant's) shared stages. */
  shared: string;
  /** The --config fields with the varied one applied: what the cell's row records as its setting. */
  base: DeepPartial<RunConfig>;
}

/** "0.3" -> 0.3, "true" -> true, anything else stays a string (the config's type check names a mismatch). */
export function parseVaryValue(text: string): string | number | boolean {
  if (text === "true" || text === "false") return text === "true";
  return text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** `KEY=v1,v2,...` -> the plan's vary; a one-line error for anything else. */
export function parseVary(text: string): { key: string; values: (string | number | boolean)[] } {
  const eq = text.indexOf("=");
  const key = text.slice(0, eq);
  const values = text.slice(eq + 1).split(",").map((v) => v.trim());
  if (eq < 1 || !/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(key) || values.some((v) => v === "")) {
    throw new BadOptionError("--vary", `expected KEY=v1,v2 with KEY a config field such as world.misrank, got "${text}"`);
  }
  if (new Set(values).size !== values.length) throw new BadOptionError("--vary", "a value is named twice");
  return { key, values: values.map(parseVaryValue) };
}

/** A copy of `base` with the dotted `key` set to `value`. */
function withField(base: DeepPartial<RunConfig>, key: string, value: string | number | boolean): DeepPartial<RunConfig> {
  const out = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const parts = key.split(".");
  let node = out;
  for (const part of parts.slice(0, -1)) {
    if (node[part] === undefined || typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
  return out as DeepPartial<RunConfig>;
}

/** Stages whose outputs depend only on the seed and the world/model/sft/generate config. */
export const SHARED_STAGES = ["world", "sft", "generate", "embed"] as const;
const SHARED_FILES = ["prompts.arrow", "responses.arrow", "seed_eft_labels.arrow", "embeddings.arrow", "models/sft.ckpt", "curves.json"];

export function seedsOf(plan: AblationPlan): number[] {
  return Array.from({ length: plan.seeds }, (_, i) => plan.seed + i);
}

/** Every cell, seed-major (a seed's cells run after its shared stages). Validates the grid. */
export function planCells(plan: AblationPlan): Cell[] {
  if (plan.strategies.length === 0) throw new BadOptionError("--strategies", "name at least one strategy");
  if (plan.budgets.length === 0) throw new BadOptionError("--budgets", "name at least one budget");
  if (new Set(plan.strategies).size !== plan.strategies.length) throw new BadOptionError("--strategies", "a strategy is named twice");
  if (new Set(plan.budgets).size !== plan.budgets.length) throw new BadOptionError("--budgets", "a budget is named twice");
  const cells: Cell[] = [];
  const variants = plan.vary ? plan.vary.values.map((v) => ({ label: `${plan.vary!.key}=${v}`, base: withField(plan.base ?? {}, plan.vary!.key, v) })) : [{ label: "", base: plan.base ?? {} }];
  for (const seed of seedsOf(plan)) {
    // Variants whose value leaves the shared stages' inputs alone share them (e.g. select.space).
    const firstSlices = new Map<string, string>();
    for (const variant of variants) {
      for (const budget of plan.budgets) {
        for (const strategy of plan.strategies) {
          const flags: DeepPartial<RunConfig> = {
            seed,
            select: { strategy, budget, ...(plan.rounds ? { rounds: plan.rounds } : {}) },
            ...(plan.proxyOnly ? { proxyOnly: true } : {}),
          };
          const config = resolveConfig(plan.preset, variant.base, flags);
          const slices = SHARED_SLICES(config);
          if (!firstSlices.has(slices)) firstSlices.set(slices, variant.label);
          const sharedLabel = firstSlices.get(slices)!;
          const cellsDir = variant.label ? path.join(plan.out, "cells", variant.label) : path.join(plan.out, "cells");
          cells.push({
            strategy,
            budget,
            seed,
            dir: path.join(cellsDir, `${strategy}-b${budget}-s${seed}`),
            config,
            variant: variant.label,
            shared: path.join(plan.out, "shared", sharedLabel ? `seed-${seed}-${sharedLabel}` : `seed-${seed}`),
            base: variant.base,
          });
        }
      }
    }
  }
  return cells;
}

const SHARED_SLICES = (c: RunConfig) => canonicalJson({ seed: c.seed, world: c.world, model: c.model, sft: c.sft, generate: c.generate, prompts: c.prompts, backend: c.backend });

/**
 * The shared prefix's config for a shared directory: its first cell's (the prefix ignores
 * strategy, budget and selection space). A prefix that has finished keeps the config it was made
 * with when its world/model/sft/generate settings are the plan's: the plan's first cell changes
 * when a sweep is resumed with a budget, strategy or space added, and the prefix reads none of
 * those, so resuming it must neither refuse ("made with a different config") nor recompute it.
 */
export function sharedConfig(cells: Cell[], shared: string): RunConfig {
  const planned = cells.find((c) => c.shared === shared)!.config;
  const made = readManifest(shared);
  if (made && SHARED_STAGES.every((s) => made.stages[s]) && SHARED_SLICES(made.config as RunConfig) === SHARED_SLICES(planned)) return made.config as RunConfig;
  return planned;
}

/**
 * Starts a cell's run directory from its seed's shared stages: hard links (copies across file
 * systems) of their files and a manifest with the cell's config and those stages done. Stages
 * rewrite files by rename, so a cell never changes the shared copy.
 */
export function seedCell(cell: Pick<Cell, "dir" | "config">, shared: string): void {
  if (readManifest(cell.dir)) return; // started earlier: its own manifest rules
  const source = readManifest(shared);
  if (!source || !SHARED_STAGES.every((s) => source.stages[s])) throw new UserError(`${shared} has not finished the shared stages`);
  if (SHARED_SLICES(source.config as RunConfig) !== SHARED_SLICES(cell.config)) {
    throw new UserError(`${shared} was made with other world/model/sft/generate settings than ${cell.dir}`);
  }
  fs.mkdirSync(path.join(cell.dir, "models"), { recursive: true });
  for (const name of SHARED_FILES) {
    const from = path.join(shared, name);
    const to = path.join(cell.dir, name);
    if (!fs.existsSync(from)) continue;
    fs.rmSync(to, { force: true });
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
  const stages = Object.fromEntries(SHARED_STAGES.map((s) => [s, source.stages[s]]));
  writeManifest(cell.dir, { ...source, config: cell.config, stages });
}
