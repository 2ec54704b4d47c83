/** `proxyrm ablate`: the strategy x budget x seed grid, resumable, with curves and intervals. */
import type { Command } from "commander";
import { SELECT_SPACES, readConfigFile, type PresetName, type SelectSpace } from "../config";
import { parseVary } from "../ablate/grid";
import { BadOptionError } from "../errors";
import { strategies } from "../select/index";
import { parseInteger } from "./options";
import { cliReporter } from "./progress";

interface AblateFlags {
  strategies: string;
  budgets: string;
  seeds: number;
  seed: number;
  preset?: string;
  config?: string;
  out?: string;
  rounds?: number;
  proxyOnly?: boolean;
  vary?: string;
  selectSpace?: string;
  jobs: number;
}

function parseBudgets(value: string): number[] {
  return value.split(",").map((b) => parseInteger("--budgets", 1, 1e9)(b.trim()));
}

export function registerAblate(program: Command): void {
  program
    .command("ablate")
    .description("run every strategy x budget x seed cell (resumable) and plot metric-vs-budget curves with 95% intervals")
    .requiredOption("--strategies <list>", `comma-separated strategies, e.g. random,coreset-eft (known: ${Object.keys(strategies).join(", ")})`)
    .requiredOption("--budgets <list>", "comma-separated expert budgets, e.g. 28,56")
    .option("--seeds <n>", "how many seeds (base .. base+n-1)", parseInteger("--seeds", 1, 1000), 3)
    .option("--seed <n>", "base seed", parseInteger("--seed", 0, 2 ** 31 - 1000), 1)
    .option("--preset <name>", "size preset for every cell: tiny | smoke | default")
    .option("--config <file>", "JSON file with RunConfig fields applied to every cell")
    .option("--rounds <n>", "active-learning rounds per cell", parseInteger("--rounds", 1, 1000))
    .option("--proxy-only", "cells stop after the proxy: proxy metrics against gold, no pairs, DPO or report (many seeds in minutes)")
    .option("--vary <KEY=v1,v2>", "sweep one config field over values (e.g. world.misrank=0,0.3,0.6): the grid runs at each, every value its own setting")
    .option("--select-space <space>", "where embedding strategies measure distance in every cell: policy | proxy-features")
    .option("--jobs <n>", "cells run at once, one process each", parseInteger("--jobs", 1, 64), 2)
    .option("--out <dir>", "sweep directory (default runs/ablate-<preset>)")
    .action(async (flags: AblateFlags) => {
      const strategies = flags.strategies.split(",").map((s) => s.trim()).filter(Boolean);
      if (strategies.length === 0) throw new BadOptionError("--strategies", "name at least one strategy");
      let base = flags.config ? readConfigFile(flags.config) : undefined;
      if (flags.selectSpace !== undefined) {
        if (!SELECT_SPACES.includes(flags.selectSpace as SelectSpace)) throw new BadOptionError("--select-space", `must be ${SELECT_SPACES.join(" or ")}, got "${flags.selectSpace}"`);
        base = { ...base, select: { ...base?.select, space: flags.selectSpace as SelectSpace } };
      }
      const vary = flags.vary !== undefined ? parseVary(flags.vary) : undefined;
      const out = flags.out ?? `runs/ablate-${flags.preset ?? base?.preset ?? "default"}${flags.proxyOnly ? "-proxy" : ""}`;
      const { runAblation } = await import("../ablate/run");
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      try {
        const rows = await runAblation(
          {
            out,
            preset: flags.preset as PresetName | undefined,
            base,
            strategies,
            budgets: parseBudgets(flags.budgets),
            seed: flags.seed,
            seeds: flags.seeds,
            rounds: flags.rounds,
            proxyOnly: flags.proxyOnly,
            vary,
          },
          { jobs: flags.jobs, progress: cliReporter(), signal: controller.signal },
        );
        process.stdout.write(`${out}: ${rows.length} runs; ablation.json and ablation.html written\n`);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
