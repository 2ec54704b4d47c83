/**
 * Active selection over one embedding matrix outside any run (`proxyrm select`, a notebook):
 * a pure function of arrays. Reading the user's file is the caller's (src/cli/select.ts reads
 * it with the store's readEmbeddings), so strategies never touch files.
 */
import { BadOptionError, UserError } from "../errors";
import { Rng } from "../rng";
import { getStrategy } from "./index";
import type { Matrix, Need } from "./types";

export interface SelectFromMatrixOptions {
  strategy: string;
  /** One embedding per row; it serves as both the IFT and the EFT view. */
  embeddings: Matrix;
  /** How many to pick. */
  k: number;
  /** k-center's first pick; default 0, as DESIGN.md fixes it for the CLI. */
  first?: number;
  seed: number;
  /** Where the rows came from, named in error messages (a file name). */
  source?: string;
}

/**
 * The strategy, refused when it needs a proxy evaluator (there is none outside a run), and the
 * embedding view it reads (a file with a `view` column is narrowed to it before selection).
 */
export function standaloneStrategy(name: string): { view: "ift" | "eft" | undefined } {
  const strategy = getStrategy(name);
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
  return { view: neededView(strategy.needs) };
}

/** Row indices to label next, in pick order. */
export function selectFromMatrix(opts: SelectFromMatrixOptions): number[] {
  standaloneStrategy(opts.strategy);
  const strategy = getStrategy(opts.strategy);
  const { rows } = opts.embeddings;
  const has = `${opts.source ?? "the embeddings"} has ${rows} rows`;
  const { k } = opts;
  if (!Number.isInteger(k) || k < 1 || k > rows) throw new BadOptionError("--k", `must be in 1..${rows} (${has}), got ${k}`);
  const first = opts.first ?? 0;
  if (!Number.isInteger(first) || first < 0 || first >= rows) throw new BadOptionError("--first", `must be a row in 0..${rows - 1} (${has}), got ${first}`);
  return strategy.select(rows, {
    budget: k,
    rng: new Rng(opts.seed),
    embeddings: { ift: opts.embeddings, eft: opts.embeddings },
    first,
  });
}

function neededView(needs: readonly Need[]): "ift" | "eft" | undefined {
  if (needs.includes("embeddings.eft")) return "eft";
  if (needs.includes("embeddings.ift")) return "ift";
  return undefined;
}
