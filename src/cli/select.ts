/** `proxyrm select`: flags -> selectFromFile() -> `{"indices":[...]}` on stdout. */
import type { Command } from "commander";
import { strategies } from "../select/index";
import { selectFromFile } from "../select/select-file";
import { checkMemory, parseMaxMemory } from "./select-memory";
import { parseInteger } from "./options";

interface SelectFlags {
  strategy: string;
  embeddings: string;
  column: string;
  k: number;
  first?: number;
  seed: number;
  maxMemory?: number;
}

export function registerSelect(program: Command): void {
  program
    .command("select")
    .description("Pick the rows of your own embeddings file to label next (active selection)")
    .requiredOption("--strategy <name>", `selection strategy: ${Object.keys(strategies).join(", ")}`)
    .requiredOption("--embeddings <file>", "Arrow IPC file with a FixedSizeList<Float32> column")
    .option("--column <name>", "the embedding column", "embedding")
    .requiredOption("--k <count>", "how many rows to pick", parseInteger("--k", 1))
    .option("--first <index>", "k-center's first pick (default 0)", parseInteger("--first", 0))
    .option("--seed <n>", "random seed", parseInteger("--seed", 0, 0xffffffff), 0)
    .option("--max-memory <size>", "refuse (exit 2) when the memory estimate exceeds this, e.g. 8G (default: the memory available now)", parseMaxMemory)
    .action((flags: SelectFlags) => {
      checkMemory(flags.embeddings, flags.column, flags.maxMemory);
      const indices = selectFromFile({
        strategy: flags.strategy,
        embeddingsFile: flags.embeddings,
        column: flags.column,
        k: flags.k,
        first: flags.first,
        seed: flags.seed,
      });
      process.stdout.write(`${JSON.stringify({ indices })}\n`);
    });
}
