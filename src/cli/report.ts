/** `proxyrm report RUN`: writes RUN/report.html, a self-contained page of a finished run. */
import type { Command } from "commander";

/** Adds the `report` command; the work is `writeReport` in src/report/write.ts. */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description("Write RUN/report.html: a finished run's metrics, plots, pairs and labels in one offline page")
    .argument("<RUN>", "run directory")
    .action(async (run: string) => {
      // Loaded on use, so `proxyrm --help` does not read apache-arrow.
      const { writeReport } = await import("../report/write");
      process.stdout.write(`wrote ${writeReport(run)}\n`);
    });
}
