/**
 * `run.table(name)`: the run directory's tables as danfo data frames. Arrow files come as they
 * are stored (embeddings spread into embedding_0..embedding_<d-1>); selection.json and
 * ledger.jsonl are tabulated.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "proxyrm/dist/errors";
import { frameFromArrow, frameFromColumns, type Cell, type DataFrame } from "./frames";
import { ledgerRecords } from "proxyrm/dist/oracle/ledger";
import type { LedgerLine, Selection } from "./files";

/** Table name -> file, and the call that writes it (for the "not yet" message). */
export const RUN_TABLES: Record<string, { file: string; writer: string }> = {
  prompts: { file: "prompts.arrow", writer: "sft" },
  responses: { file: "responses.arrow", writer: "generate" },
  embeddings: { file: "embeddings.arrow", writer: "embed" },
  selection: { file: "selection.json", writer: "select" },
  labels: { file: "labels.arrow", writer: "label" },
  ledger: { file: "ledger.jsonl", writer: "label" },
  seed_eft_labels: { file: "seed_eft_labels.arrow", writer: "sft" },
  proxy_scores: { file: "proxy_scores.arrow", writer: "score" },
  pairs: { file: "pairs.arrow", writer: "pairs" },
  baseline_labels: { file: "baseline_labels.arrow", writer: "eval" },
  expert_only_pairs: { file: "expert_only_pairs.arrow", writer: "eval" },
};

/** Names of the tables the run directory holds now (known ones and any other .arrow file). */
export function tableNames(dir: string): string[] {
  const known = Object.entries(RUN_TABLES).filter(([, t]) => fs.existsSync(path.join(dir, t.file))).map(([name]) => name);
  const knownFiles = new Set(Object.values(RUN_TABLES).map((t) => t.file));
  const other = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".arrow") && !knownFiles.has(f)).map((f) => f.slice(0, -".arrow".length)) : [];
  return [...known, ...other.sort()];
}

export function readRunTable(dir: string, name: string): DataFrame {
  const from = { name, run: dir };
  const known = RUN_TABLES[name.replace(/\.(arrow|json|jsonl)$/, "")];
  const file = known ? known.file : name.endsWith(".arrow") ? name : `${name}.arrow`;
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) {
    if (known) throw new UserError(`${full} is not written yet: run.${known.writer}() writes it`, { code: "bad-file", blame: full });
    throw new UserError(`no table "${name}" in ${dir} (tables: ${tableNames(dir).join(", ") || "none yet"})`, { code: "bad-option", blame: name });
  }
  from.name = known ? name.replace(/\.(arrow|json|jsonl)$/, "") : file.slice(0, -".arrow".length);
  if (file === "selection.json") {
    const s = JSON.parse(fs.readFileSync(full, "utf8")) as Selection;
    const rows = s.rounds.flatMap((ids, r) => ids.map((id) => ({ id, round: r + 1 })));
    return frameFromColumns(
      [
        { name: "rank", values: rows.map((_, i) => i + 1) },
        { name: "round", values: rows.map((x) => x.round) },
        { name: "response_id", values: rows.map((x) => x.id) },
      ],
      from,
    );
  }
  if (file === "ledger.jsonl") {
    // Pending records and the records closing them (docs/oracles.md); fields a kind lacks are null.
    const lines: LedgerLine[] = ledgerRecords(full);
    const col = (name: string): { name: string; values: Cell[] } => ({ name, values: lines.map((l) => ((l as unknown as Record<string, Cell>)[name] ?? null)) });
    const names = ["call", "status", "response_id", "oracle", "score", "rationale", "error", "cost", "reask", "tag"];
    return frameFromColumns(names.map(col), from);
  }
  return frameFromArrow(full, from);
}
