/** How a run object shows: its settings and which stages are done (kind `run`). */
import type { MimeBundle } from "../display";
import { readManifest } from "proxyrm/dist/store/manifest";
import type { RunConfig } from "proxyrm/dist/config";
import { html, keyValues, kvText, rowsTable, section, textTable } from "./html";
import { makeBundle, PAYLOAD_VERSION, type Payload } from "./mime";

export interface RunPayload extends Payload {
  kind: "run";
  run: string;
  preset: string;
  seed: number;
  strategy: string;
  budget: number;
  rounds: number;
  proxy_kind: string;
  backend: string | null;
  /** The run this one was forked from in this kernel, else null. */
  forked_from: string | null;
  stages: { name: string; done: boolean; seconds: number | null }[];
  /** The first unfinished stage, or null when the run is finished. */
  next: string | null;
}

interface RunLike {
  readonly dir: string;
  readonly config: RunConfig;
  readonly forkedFrom: string | null;
  readonly stages: string[];
}

export function runPayload(run: RunLike): RunPayload {
  const manifest = readManifest(run.dir);
  const stages = run.stages.map((name) => {
    const record = manifest?.stages[name];
    return { name, done: Boolean(record), seconds: record ? record.seconds : null };
  });
  const c = run.config;
  return {
    kind: "run",
    version: PAYLOAD_VERSION,
    run: run.dir,
    preset: c.preset,
    seed: c.seed,
    strategy: c.select.strategy,
    budget: c.select.budget,
    rounds: c.select.rounds,
    proxy_kind: c.proxy.kind,
    backend: manifest?.backend ?? null,
    forked_from: run.forkedFrom,
    stages,
    next: stages.find((s) => !s.done)?.name ?? null,
  };
}

/** Stages without a method of their own run as part of the next call that has one. */
const CALL_FOR: Record<string, string> = { world: "sft", offpolicy: "score", "expert-only": "eval", report: "all" };

export function runBundle(run: RunLike): MimeBundle {
  const p = runPayload(run);
  const rows: [string, string][] = [
    ["preset, seed", `${p.preset}, ${p.seed}`],
    ["strategy, budget", `${p.strategy}, ${p.budget}${p.rounds > 1 ? ` in ${p.rounds} rounds` : ""}`],
    ["proxy", p.proxy_kind],
    ["backend", p.backend ?? "n/a"],
    ...(p.forked_from ? ([["forked from", p.forked_from]] as [string, string][]) : []),
    ["next", p.next === null ? "finished" : `run.${CALL_FOR[p.next] ?? p.next}()`],
  ];
  const stageRows = p.stages.map((s) => [s.name, s.done ? "done" : "pending", s.seconds === null ? "" : `${s.seconds.toFixed(1)} s`]);
  const body = html`<p class="title">run ${p.run}</p><div class="row"><div>${keyValues(rows)}</div><div>${rowsTable(["stage", "state", "time"], stageRows)}</div></div>`;
  const text = `run ${p.run}\n${kvText(rows)}\n\n${textTable(["stage", "state", "time"], stageRows)}`;
  return makeBundle(p, section("run", body), text);
}
