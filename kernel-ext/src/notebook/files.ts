/**
 * Reads what a run directory holds for the notebook's results, each file once per reader. A
 * reader is made per result, after the stage has written its files, so results always show
 * what is on disk (also for a run reopened after a kernel restart).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunConfig } from "proxyrm/dist/config";
import type { Metrics } from "proxyrm/dist/stages/evaluate";
import { readLabels, readPairs, readPrompts, readProxyScores, readResponses } from "proxyrm/dist/store/arrow-tables";
import { readEmbeddings, type EmbeddingMatrix } from "proxyrm/dist/store/embeddings";
import { readManifest, type Manifest } from "proxyrm/dist/store/manifest";
import type { LabelRow, PairRow, PromptRow, ProxyScoreRow, ResponseRow } from "proxyrm/dist/types";
import { LEDGER_FILE, ledgerRecords, paidCallsOf, type LedgerRecord } from "proxyrm/dist/oracle/ledger";

export interface Selection {
  strategy: string;
  rounds: string[][];
  response_ids: string[];
}

/** A ledger.jsonl line, as the gate writes it (a pending record or the one closing a call). */
export type LedgerLine = LedgerRecord;

export class RunFiles {
  private readonly memo = new Map<string, unknown>();

  constructor(
    readonly dir: string,
    readonly config: RunConfig,
  ) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  has(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  private once<T>(key: string, load: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, load());
    return this.memo.get(key) as T;
  }

  manifest(): Manifest | undefined {
    return this.once("manifest", () => readManifest(this.dir));
  }

  prompts(): PromptRow[] {
    return this.once("prompts", () => readPrompts(this.file("prompts.arrow")));
  }

  promptById(): Map<string, PromptRow> {
    return this.once("promptById", () => new Map(this.prompts().map((p) => [p.prompt_id, p])));
  }

  responses(): ResponseRow[] {
    return this.once("responses", () => readResponses(this.file("responses.arrow")));
  }

  responseById(): Map<string, ResponseRow> {
    return this.once("responseById", () => new Map(this.responses().map((r) => [r.response_id, r])));
  }

  /** The selection pool in the pipeline's order (responses of source `policy`). */
  pool(): ResponseRow[] {
    return this.once("pool", () => this.responses().filter((r) => r.source === "policy"));
  }

  labels(name = "labels.arrow"): LabelRow[] {
    return this.once(`labels:${name}`, () => (this.has(name) ? readLabels(this.file(name)) : []));
  }

  proxyScores(): ProxyScoreRow[] {
    return this.once("proxyScores", () => readProxyScores(this.file("proxy_scores.arrow")));
  }

  pairs(name = "pairs.arrow"): PairRow[] {
    return this.once(`pairs:${name}`, () => readPairs(this.file(name)));
  }

  selection(): Selection {
    return this.once("selection", () => JSON.parse(fs.readFileSync(this.file("selection.json"), "utf8")) as Selection);
  }

  curves(): Record<string, (number | null)[]> {
    return this.once("curves", () => (this.has("curves.json") ? JSON.parse(fs.readFileSync(this.file("curves.json"), "utf8")) : {}));
  }

  metrics(): Metrics {
    return this.once("metrics", () => JSON.parse(fs.readFileSync(this.file("metrics.json"), "utf8")) as Metrics);
  }

  ledger(): LedgerLine[] {
    return this.once("ledger", () => ledgerRecords(this.file(LEDGER_FILE)));
  }

  embeddings(view: "ift" | "eft"): EmbeddingMatrix {
    return this.once(`embeddings:${view}`, () => readEmbeddings(this.file("embeddings.arrow"), { view }));
  }

  /** (prompt, response text, task) of a response id. */
  item(responseId: string): { prompt_id: string; prompt: string; task: string; response: string } {
    const r = this.responseById().get(responseId);
    const p = r && this.promptById().get(r.prompt_id);
    return { prompt_id: r?.prompt_id ?? "", prompt: p?.prompt ?? "", task: p?.task ?? "", response: r?.text ?? "" };
  }
}

/** Paid expert calls, as the gate counts them (untagged: baseline calls have their own budget). */
export function expertCalls(ledger: readonly LedgerLine[]): number {
  return paidCallsOf(ledger);
}
