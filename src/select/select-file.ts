/**
 * `proxyrm select` as a library call: active selection over a user's own embeddings file,
 * outside any run (shared/DESIGN.md, "CLI contract"). A notebook can call it too.
 */
import { BadOptionError, UserError } from "../errors";
import { Rng } from "../rng";
import { readEmbeddings } from "../store/embeddings";
import { getStrategy } from "./index";
import type { Matrix, Need } from "./types";

export interface SelectFromFileOptions {
  strategy: string;
  /** An Arrow IPC file with a FixedSizeList<Float32|Float64> column. */
  embeddingsFile: string;
  /** The vector column; default "embedding". */
  column?: string;
  /** How many to pick. */
  k: number;
  /** k-center's first pick; default 0, as DESIGN.md fixes it for the CLI. */
  first?: number;
  seed: number;
}

/**
 * Row indices to label next, in pick order. A user file holds one embedding per row, so the
 * one matrix serves as both the IFT and the EFT view. A file with a `view` column (proxyrm's
 * own embeddings.arrow) is first narrowed to the view the strategy needs, and indices count
 * rows of that view. Strategies needing a proxy evaluator are refused: there is none here.
 */
export function selectFromFile(opts: SelectFromFileOptions): number[] {
  const strategy = getStrategy(opts.strategy);
  if (strategy.needs.some((need) => need === "proxy" || need.startsWith("proxy."))) {
    throw new UserError(`strategy ${strategy.name} needs a proxy evaluator; use it inside \`proxyrm run\``, {
      code: "needs-proxy",
      blame: "--strategy",
    });
  }
  const missing = strategy.needs.find((need) => need === "tasks" || need === "prompts");
  if (missing) {
    throw new UserError(`strategy ${strategy.name} needs each row's ${missing === "tasks" ? "task family" : "prompt"}, which an embeddings file does not carry; use it inside \`proxyrm run\``, {
      code: "needs-run",
      blame: "--strategy",
    });
  }
  const file = readEmbeddings(opts.embeddingsFile, { column: opts.column, view: neededView(strategy.needs) });
  const rows = file.ids.length;
  const { k } = opts;
  if (!Number.isInteger(k) || k < 1 || k > rows) {
    throw new BadOptionError("--k", `must be in 1..${rows} (${opts.embeddingsFile} has ${rows} rows), got ${k}`);
  }
  const first = opts.first ?? 0;
  if (!Number.isInteger(first) || first < 0 || first >= rows) {
    throw new BadOptionError("--first", `must be a row in 0..${rows - 1} (${opts.embeddingsFile} has ${rows} rows), got ${first}`);
  }
  const matrix: Matrix = { rows, dim: file.dim, data: file.data };
  return strategy.select(rows, {
    budget: k,
    rng: new Rng(opts.seed),
    embeddings: { ift: matrix, eft: matrix },
    first,
  });
}

function neededView(needs: readonly Need[]): "ift" | "eft" | undefined {
  if (needs.includes("embeddings.eft")) return "eft";
  if (needs.includes("embeddings.ift")) return "ift";
  return undefined;
}
