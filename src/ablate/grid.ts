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
}

export interface Cell {
  strategy: string;
  budget: number;
  seed: number;
  dir: string;
  config: RunConfig;
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
  for (const seed of seedsOf(plan)) {
    for (const budget of plan.budgets) {
      for (const strategy of plan.strategies) {
        const flags: DeepPartial<RunConfig> = {
          seed,
          select: { strategy, budget, ...(plan.rounds ? { rounds: plan.rounds } : {}) },
          ...(plan.proxyOnly ? { proxyOnly: true } : {}),
        };
        const config = resolveConfig(plan.preset, plan.base, flags);
        cells.push({ strategy, budget, seed, dir: path.join(plan.out, "cells", `${strategy}-b${budget}-s${seed}`), config });
      }
    }
  }
  return cells;
}

export function sharedDir(plan: AblationPlan, seed: number): string {
  return path.join(plan.out, "shared", `seed-${seed}`);
}

/** The shared prefix's config for a seed: the first cell's (the prefix ignores strategy and budget). */
export function sharedConfig(cells: Cell[], seed: number): RunConfig {
  return cells.find((c) => c.seed === seed)!.config;
}

const SHARED_SLICES = (c: RunConfig) => canonicalJson({ seed: c.seed, world: c.world, model: c.model, sft: c.sft, generate: c.generate, prompts: c.prompts, backend: c.backend });

/**
 * Starts a cell's run directory from its seed's shared stages: hard links (copies across file
 * systems) of their files and a manifest with the cell's config and those stages done. Stages
 * rewrite files by rename, so a cell never changes the shared copy.
 */
export function seedCell(cell: Cell, shared: string): void {
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
