/** `proxyrm label RUN [--port P] [--name NAME]`: the page where a person scores the selected tuples. */
import type { Command } from "commander";
import { AbortedError } from "../errors";
import { parseInteger } from "./options";

export function registerLabel(program: Command): void {
  program
    .command("label")
    .description("score a run's selected tuples by hand on a local page (a run started with --human NAME)")
    .argument("<RUN>", "run directory")
    .option("--port <n>", "port on 127.0.0.1 (default: a free one)", parseInteger("--port", 0, 65535))
    .option("--name <name>", "who labels; must be the run's --human NAME (default: that name)")
    .action(async (run: string, flags: { port?: number; name?: string }) => {
      const { startLabelServer } = await import("../label/server");
      const server = await startLabelServer(run, { port: flags.port, name: flags.name });
      const start = server.progress();
      if (start.remaining > 0) {
        process.stdout.write(`${run}: ${start.remaining} of ${start.total} selected tuples await a score from ${server.person}. Open:\n  ${server.url}\n`);
        process.stdout.write("Keys 0-5 choose a score, Enter saves it. Every saved score is journalled at once; Ctrl-C stops (nothing saved is lost).\n");
      }
      let onSigint!: () => void;
      const interrupted = new Promise<"interrupted">((resolve) => (onSigint = () => resolve("interrupted")));
      process.once("SIGINT", onSigint);
      try {
        const how = await Promise.race([server.done.then(() => "done" as const), interrupted]);
        await server.close();
        if (how === "interrupted") throw new AbortedError("label");
        process.stdout.write(`${run}: all ${start.total} selected tuples are labelled by ${server.person}; run the same \`proxyrm run\` command again to fit the proxy on them\n`);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
