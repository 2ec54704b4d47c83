/** `proxyrm select`: flags -> the embeddings file (store) -> selectFromMatrix() -> `{"indices":[...]}` on stdout. */
import type { Command } from "commander";
import { strategies } from "../select/index";
import { selectFromMatrix, standaloneStrategy } from "../select/select-matrix";
import { readEmbeddings } from "../store/embeddings";
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
      // The strategy is checked before the file is read: a refused one costs no read.
      const { view } = standaloneStrategy(flags.strategy);
      checkMemory(flags.embeddings, flags.column, flags.maxMemory);
      const file = readEmbeddings(flags.embeddings, { column: flags.column, view });
      const indices = selectFromMatrix({
        strategy: flags.strategy,
        embeddings: { rows: file.ids.length, dim: file.dim, data: file.data },
        k: flags.k,
        first: flags.first,
        seed: flags.seed,
        source: flags.embeddings,
      });
      process.stdout.write(`${JSON.stringify({ indices })}\n`);
    });
}
