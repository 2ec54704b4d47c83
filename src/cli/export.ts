/** `proxyrm export RUN --format trl-jsonl|parquet [--out FILE]`: pairs for external trainers. */
import type { Command } from "commander";
import { EXPORT_FORMATS, exportPairs, parseExportFormat, type ExportFormat } from "../store/export";

/** Adds the `export` command; the work is `exportPairs` in src/store/export.ts. */
export function registerExport(program: Command): void {
  program
    .command("export")
    .description("Export a run's preference pairs (pairs.arrow) for TRL, OpenRLHF and other trainers")
    .argument("<RUN>", "run directory")
    .option("--format <format>", `output format: ${EXPORT_FORMATS.join(" | ")}`, parseExportFormat, "trl-jsonl" as ExportFormat)
    .option("--out <FILE>", "output file (default: RUN/pairs.jsonl or RUN/pairs.parquet)")
    .action((run: string, options: { format: ExportFormat; out?: string }) => {
      const { file, rows } = exportPairs(run, options.format, options.out);
      process.stdout.write(`wrote ${rows} pairs to ${file}\n`);
    });
}
