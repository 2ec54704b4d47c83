#!/usr/bin/env node
/**
 * The proxyrm command line. Parsing lives in one file per command; the work lives in the
 * library so a notebook can call it too. One catch: a UserError is one line on stderr and
 * exit 2, anything else a stack trace and exit 1.
 */
import { Command, CommanderError } from "commander";
import { AbortedError, UserError } from "../errors";
import { registerAblate } from "./ablate";
import { registerRun } from "./run";
import { registerSelect } from "./select";
import { registerExport } from "./export";
import { registerReport } from "./report";
import { registerKernel } from "./kernel";
import { registerLabel } from "./label";
import { registerServe } from "./serve";
import { registerLab } from "./lab";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("proxyrm")
    .description("Build a cheap proxy reward model from a tiny expert budget (Chen et al. 2024)")
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(false);
  registerRun(program);
  registerAblate(program);
  registerSelect(program);
  registerExport(program);
  registerReport(program);
  registerKernel(program);
  registerLabel(program);
  registerServe(program);
  registerLab(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0) return 0;
    process.stderr.write(`proxyrm: ${err.message.replace(/^error: /, "").split("\n")[0]}\n`);
    return 2;
  }
  if (err instanceof AbortedError) {
    // Ctrl-C: nothing is lost (finished stages and paid labels are on disk); 130 = 128 + SIGINT.
    process.stderr.write(`proxyrm: ${err.message}; rerun the same command to resume\n`);
    return 130;
  }
  if (err instanceof UserError) {
    process.stderr.write(`proxyrm: ${err.message.split("\n")[0]}\n`);
    return 2;
  }
  process.stderr.write(`proxyrm: unexpected error (a bug, please report it)\n${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
