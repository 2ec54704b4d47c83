/** `proxyrm export RUN --format trl-jsonl|parquet|eft-jsonl [--out FILE]`: pairs or the EFT judge dataset for external trainers. */
import type { Command } from "commander";
import { EXPORT_FORMATS, exportPairs, parseExportFormat, type ExportFormat } from "../store/export";
import { exportEftDataset } from "../store/export-eft";

/** Adds the `export` command; the work is in src/store/export.ts and export-eft.ts. */
export function registerExport(program: Command): void {
  program
    .command("export")
    .description("Export a run's preference pairs (for TRL, OpenRLHF and other trainers) or its expert and proxy labels as an EFT judge dataset")
    .argument("<RUN>", "run directory")
    .option("--format <format>", `output format: ${EXPORT_FORMATS.join(" | ")}`, parseExportFormat, "trl-jsonl" as ExportFormat)
    .option("--out <FILE>", "output file (default: RUN/pairs.jsonl, RUN/pairs.parquet or RUN/eft.jsonl)")
    .action((run: string, options: { format: ExportFormat; out?: string }) => {
      if (options.format === "eft-jsonl") {
        const { file, expert, proxy } = exportEftDataset(run, options.out);
        process.stdout.write(`wrote ${expert} expert and ${proxy} proxy judge examples to ${file}\n`);
        return;
      }
      const { file, rows } = exportPairs(run, options.format, options.out);
      process.stdout.write(`wrote ${rows} pairs to ${file}\n`);
    });
}
