/**
 * `proxyrm.ablate({...})`: the strategy x budget x seed grid from a notebook, through the same
 * runner as `proxyrm ablate` (runAblation: child processes, resumable, ablation.json after every
 * cell). Each finished cell updates one display (one display id): metric vs budget per
 * strategy with 95% Student-t bands over seeds, and a metric selector in the lab.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { planCells, seedsOf, type AblationPlan } from "proxyrm/dist/ablate/grid";
import { ABLATION_METRICS, type AnyAblationRow } from "proxyrm/dist/ablate/results";
import { runAblation } from "proxyrm/dist/ablate/run";
import type { DeepPartial, PresetName, RunConfig } from "proxyrm/dist/config";
import { AbortedError, BadOptionError } from "proxyrm/dist/errors";
import { meanInterval } from "proxyrm/dist/eval/stats";
import { display, type MimeBundle } from "../../display";
import { COLORS, escapeHtml, figures, html, kvText, layout, num, section } from "../html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Displayable } from "../mime";
import { currentSignal } from "../signal";
import type { AblationBand, AblationPayload, TrainingStatus } from "./payloads";

export interface AblateOptions {
  strategies: string[];
  budgets: number[];
  /** How many seeds (base .. base + seeds - 1); 3 or more for bands worth reading. */
  seeds: number;
  /** Base seed (default 1). */
  seed?: number;
  preset?: PresetName;
  /** RunConfig fields for every cell (as `proxyrm ablate --config`). */
  config?: DeepPartial<RunConfig>;
  rounds?: number;
  /** Cells stop after the proxy: proxy metrics only, much faster. */
  proxyOnly?: boolean;
  /** The sweep directory (default runs/ablate-<preset>[-proxy], as the CLI). */
  out?: string;
  /** Child processes at once (default 2). */
  jobs?: number;
  /** The metric shown first (default proxy_spearman for proxy-only sweeps, else gold_win_rate). */
  metric?: string;
  signal?: AbortSignal;
  /** Show the live display (default true). */
  display?: boolean;
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export class AblationResult implements Displayable {
  constructor(
    readonly data: AblationPayload,
    /** ablation.json's rows. */
    readonly rows: AnyAblationRow[],
  ) {}

  [MIME_BUNDLE](): MimeBundle {
    return ablationBundle(this.data);
  }
}

export async function ablate(options: AblateOptions): Promise<AblationResult> {
  if (!options || !Array.isArray(options.strategies)) throw new BadOptionError("strategies", "ablate({ strategies: [...], budgets: [...], seeds: n })");
  if (!Array.isArray(options.budgets)) throw new BadOptionError("budgets", "a list of budgets, e.g. [8, 16]");
  if (!(Number.isInteger(options.seeds) && options.seeds >= 1)) throw new BadOptionError("seeds", `a number of seeds >= 1, got ${JSON.stringify(options.seeds)}`);
  const preset = options.preset ?? (options.config?.preset as PresetName | undefined);
  const plan: AblationPlan = {
    out: options.out ?? `runs/ablate-${preset ?? "default"}${options.proxyOnly ? "-proxy" : ""}`,
    preset,
    base: options.config,
    strategies: options.strategies,
    budgets: options.budgets,
    seed: options.seed ?? 1,
    seeds: options.seeds,
    rounds: options.rounds,
    proxyOnly: options.proxyOnly,
  };
  const total = planCells(plan).length;
  const metric = options.metric ?? (options.proxyOnly ? "proxy_spearman" : "gold_win_rate");
  if (!(metric in ABLATION_METRICS)) throw new BadOptionError("metric", `one of ${Object.keys(ABLATION_METRICS).join(", ")}, got ${JSON.stringify(metric)}`);
  const displayId = `proxyrm-ablation-${process.pid}-${Date.now().toString(36)}`;
  let shown = false;
  let message: string | null = null;
  const show = (status: TrainingStatus) => {
    const payload = ablationPayload(plan, readRows(plan.out), total, metric, status, message);
    if (options.display !== false) display(ablationBundle(payload), { displayId, update: shown });
    shown = true;
    return payload;
  };
  show("running");
  try {
    const rows = await runAblation(plan, {
      jobs: options.jobs,
      signal: options.signal ?? currentSignal(),
      progress: {
        start() {},
        tick() {},
        end() {},
        log(line) {
          message = line;
          // ablation.json is rewritten after every finished cell, before this line.
          show("running");
        },
      },
    });
    return new AblationResult(show("done"), rows);
  } catch (err) {
    message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    show(err instanceof AbortedError || options.signal?.aborted ? "interrupted" : "failed");
    throw err;
  }
}

function readRows(out: string): AnyAblationRow[] {
  const file = path.join(out, "ablation.json");
  if (!fs.existsSync(file)) return [];
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as AnyAblationRow[];
  } catch {
    return []; // written atomically, so only a foreign file lands here; the next cell rewrites it
  }
}

export function ablationPayload(plan: AblationPlan, rows: readonly AnyAblationRow[], total: number, metric: string, status: TrainingStatus, message: string | null): AblationPayload {
  const names = Object.keys(ABLATION_METRICS);
  const cells = rows.map((r) => ({
    strategy: r.strategy,
    budget: r.budget,
    seed: r.seed,
    values: Object.fromEntries(names.map((m) => [m, finiteOrNull(ABLATION_METRICS[m].value(r.metrics))])),
  }));
  const available = names.filter((m) => m === metric || cells.some((c) => c.values[m] !== null));
  const bands: AblationBand[] = [];
  for (const m of available) {
    for (const strategy of plan.strategies) {
      for (const budget of [...plan.budgets].sort((a, b) => a - b)) {
        const values = cells.filter((c) => c.strategy === strategy && c.budget === budget).map((c) => c.values[m]).filter((v): v is number => v !== null);
        if (values.length === 0) continue;
        const { mean, halfWidth, n } = meanInterval(values);
        const hw = Number.isFinite(halfWidth) ? halfWidth : 0;
        bands.push({ strategy, budget, metric: m, n, mean: r4(mean), lo: r4(mean - hw), hi: r4(mean + hw) });
      }
    }
  }
  return {
    kind: "ablation",
    version: PAYLOAD_VERSION,
    out: plan.out,
    status,
    strategies: [...plan.strategies],
    budgets: [...plan.budgets].sort((a, b) => a - b),
    seeds: seedsOf(plan),
    done: rows.length,
    total,
    metrics: available.map((name) => ({ name, label: ABLATION_METRICS[name].label })),
    metric,
    cells: cells.map((c) => ({ ...c, values: Object.fromEntries(available.map((m) => [m, c.values[m]])) })),
    bands,
    message,
  };
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? r4(v) : null;
}

const PALETTE = [COLORS.onpolicy, COLORS.seed, COLORS.gold, COLORS.pick, "#9467bd", "#8c564b", "#e377c2"];

function ablationBundle(p: AblationPayload): MimeBundle {
  const label = p.metrics.find((m) => m.name === p.metric)?.label ?? p.metric;
  const traces = p.strategies.flatMap((strategy, k) => {
    const b = p.bands.filter((x) => x.metric === p.metric && x.strategy === strategy);
    if (b.length === 0) return [];
    const color = PALETTE[k % PALETTE.length];
    return [
      { type: "scatter", mode: "lines", x: [...b.map((x) => x.budget), ...b.map((x) => x.budget).reverse()], y: [...b.map((x) => x.hi), ...b.map((x) => x.lo).reverse()], fill: "toself", fillcolor: color, opacity: 0.15, line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
      { type: "scatter", mode: "lines+markers", name: escapeHtml(strategy), x: b.map((x) => x.budget), y: b.map((x) => x.mean), customdata: b.map((x) => [x.lo, x.hi, x.n]), hovertemplate: "budget %{x}: %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}], n=%{customdata[2]}", line: { color } },
    ];
  });
  const figure = { data: traces, layout: layout(`${label} vs budget (95% bands over seeds)`, { xaxis: { title: { text: "expert budget" } }, yaxis: { title: { text: escapeHtml(label) } }, legend: { orientation: "h", y: -0.25 } }) };
  const title = `ablation · ${p.out} · ${p.status} · ${p.done}/${p.total} cells`;
  const rows: [string, string][] = p.bands
    .filter((b) => b.metric === p.metric)
    .map((b) => [`${b.strategy} b${b.budget}`, `${num(b.mean)} [${num(b.lo)}, ${num(b.hi)}] n=${b.n}`]);
  return makeBundle(
    p,
    section("ablation", html`<p class="title">${title}</p>${p.message ? html`<p class="sub">${p.message}</p>` : html``}${figures([figure], { width: 620, height: 380 })}`),
    `${title}\n${label}\n${kvText(rows)}${p.message ? `\n${p.message}` : ""}`,
  );
}
