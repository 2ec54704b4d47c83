/**
 * The uncertainty explorer (`run.explore()`): every pool response projected to 2-D (PCA with
 * the existing pca2, or UMAP through umap-js), coloured by the proxy's std, with the
 * strategy's picks and the expert labels marked. The lab extension draws it with WebGL traces
 * and sends lasso selections back over comm target `proxyrm` (`lasso.select`); the explorer
 * keeps the last one as its query set, which the notebook can pay to label
 * (`await explorer.querySet().label()`).
 */
import { randomBytes } from "node:crypto";
import { UMAP } from "umap-js";
import { Rng } from "proxyrm/dist/rng";
import { UserError } from "proxyrm/dist/errors";
import type { LassoAck, WidgetRequest } from "../../comm-messages";
import type { MimeBundle } from "../../display";
import { registerWidget } from "../../kernel/widgets";
import type { RunFiles } from "../files";
import { COLORS, escapeHtml, figures, html, keyValues, kvText, layout, num, section } from "../html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Displayable } from "../mime";
import { pca2 } from "../projection";
import { float32Base64, int32Base64 } from "./b64";
import type { UncertaintyPayload } from "./payloads";

export interface ExploreOptions {
  /** Which embedding view to project (default "eft": what the proxy reads). */
  view?: "ift" | "eft";
  /** "pca" (default, exact and fast) or "umap" (umap-js, seeded by the run's seed; slower). */
  projection?: "pca" | "umap";
}

/** Labels a query set through the run's paying gate (ProxyRun.labelQuery). */
export type QueryLabeller = (ids: readonly string[], options?: { budget?: number }) => Promise<QueryLabels>;

export interface QueryLabels {
  /** Query-set responses with a label now (paid now or earlier). */
  labelled: number;
  /** Paid calls this request made. */
  paid: number;
  /** Where the labels are: query_labels.arrow in the run directory. */
  file: string;
}

/** The points a lasso selected, as a set of response ids the notebook can pay to label. */
export class QuerySet {
  constructor(
    readonly ids: readonly string[],
    /** Of them, the ones without an expert label when the set was made. */
    readonly unlabelled: readonly string[],
    private readonly labeller: QueryLabeller,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  /** Pays the run's oracle for the set's unlabelled responses (at most `budget` calls; default all). */
  label(options: { budget?: number } = {}): Promise<QueryLabels> {
    return this.labeller(this.unlabelled, options);
  }

  toString(): string {
    return `query set: ${this.ids.length} responses (${this.unlabelled.length} unlabelled)`;
  }
}

const TOKEN = randomBytes(4).toString("hex");
let explorers = 0;

export class UncertaintyExplorer implements Displayable {
  readonly widget = `explore-${TOKEN}-${++explorers}`;
  private selection: string[] = [];
  private readonly listeners: ((set: QuerySet) => void)[] = [];
  private readonly labelled: Set<string>;

  constructor(
    readonly data: UncertaintyPayload,
    private readonly labeller: QueryLabeller,
  ) {
    this.data.widget = this.widget;
    this.labelled = new Set(data.labelled.map((l) => data.response_ids[l.index]));
    const known = new Set(data.response_ids);
    registerWidget(this.widget, (message) => this.onMessage(message, known));
  }

  /** The last lasso selection from the lab (empty until one arrives). */
  querySet(): QuerySet {
    return new QuerySet(this.selection, this.selection.filter((id) => !this.labelled.has(id)), this.labeller);
  }

  /** Called with the query set each time a lasso selection arrives. */
  onSelect(listener: (set: QuerySet) => void): void {
    this.listeners.push(listener);
  }

  /** Sets the query set from code, as a lasso would (ids must be pool responses). */
  select(ids: readonly string[]): QuerySet {
    const known = new Set(this.data.response_ids);
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) throw new UserError(`response ${unknown} is not in this explorer's pool`, { code: "bad-option", blame: unknown });
    this.selection = [...new Set(ids)];
    const set = this.querySet();
    for (const listener of this.listeners) listener(set);
    return set;
  }

  private onMessage(message: WidgetRequest, known: Set<string>): LassoAck {
    if (message.type !== "lasso.select") throw new Error(`the uncertainty explorer takes lasso.select, not ${message.type}`);
    const unknown = message.response_ids.find((id) => !known.has(id));
    if (unknown !== undefined) throw new Error(`response ${unknown.slice(0, 80)} is not in this explorer's pool`);
    const set = this.select(message.response_ids);
    return { type: "lasso.ack", widget: this.widget, count: set.size, unlabelled: set.unlabelled.length };
  }

  [MIME_BUNDLE](): MimeBundle {
    return makeBundle(this.data, explorerHtml(this.data, this.htmlPoints), explorerText(this.data));
  }

  /** Plain coordinates for the HTML fallback figure (the payload has them as base64). */
  htmlPoints: { x: number[]; y: number[]; std: number[] | null; mean: number[] | null } = { x: [], y: [], std: null, mean: null };
}

/** Builds the explorer of a run whose embed stage is done (proxy scores and labels when present). */
export function explorerData(files: RunFiles, options: ExploreOptions = {}): { payload: UncertaintyPayload; points: UncertaintyExplorer["htmlPoints"] } {
  const view = options.view ?? "eft";
  const method = options.projection ?? "pca";
  if (view !== "ift" && view !== "eft") throw new UserError(`explore: view must be "ift" or "eft", got ${JSON.stringify(view)}`, { code: "bad-option", blame: "view" });
  if (method !== "pca" && method !== "umap") throw new UserError(`explore: projection must be "pca" or "umap", got ${JSON.stringify(method)}`, { code: "bad-option", blame: "projection" });
  const pool = files.pool();
  const matrix = files.embeddings(view);
  const row = new Map(matrix.ids.map((id, i) => [id, i]));
  const data = new Float32Array(pool.length * matrix.dim);
  pool.forEach((r, i) => {
    const at = row.get(r.response_id);
    if (at === undefined) throw new UserError(`${files.dir}: response ${r.response_id} has no ${view} embedding`, { code: "bad-file", blame: "embeddings.arrow" });
    data.set(matrix.data.subarray(at * matrix.dim, (at + 1) * matrix.dim), i * matrix.dim);
  });
  let x: number[];
  let y: number[];
  let explained: [number, number] | null = null;
  if (method === "pca") {
    const p = pca2(data, pool.length, matrix.dim);
    ({ x, y } = p);
    explained = p.explained;
  } else {
    ({ x, y } = umap2(data, pool.length, matrix.dim, files.config.seed));
  }

  const index = new Map(pool.map((r, i) => [r.response_id, i]));
  const promptIds = [...new Set(pool.map((r) => r.prompt_id))];
  const promptAt = new Map(promptIds.map((p, i) => [p, i]));
  const byId = files.promptById();
  const scored = Boolean(files.manifest()?.stages.score) && files.has("proxy_scores.arrow");
  let mean: number[] | null = null;
  let std: number[] | null = null;
  if (scored) {
    mean = new Array(pool.length).fill(0);
    std = new Array(pool.length).fill(0);
    for (const s of files.proxyScores()) {
      const i = index.get(s.response_id);
      if (i === undefined) continue;
      mean[i] = s.mean;
      std[i] = s.std;
    }
  }
  const selected = files.has("selection.json")
    ? files
        .selection()
        .rounds.flatMap((ids, r) => ids.map((id) => ({ id, round: r + 1 })))
        .map(({ id, round }, k) => ({ index: index.get(id) ?? -1, round, rank: k + 1 }))
        .filter((s) => s.index >= 0)
    : [];
  const labelled = [...files.labels(), ...files.labels("query_labels.arrow")]
    .map((l) => ({ index: index.get(l.response_id) ?? -1, score: l.score, rationale: l.rationale, oracle: l.oracle }))
    .filter((l) => l.index >= 0);
  const payload: UncertaintyPayload = {
    kind: "uncertainty",
    version: PAYLOAD_VERSION,
    run: files.dir,
    widget: "",
    view,
    projection: method,
    explained,
    n: pool.length,
    x: float32Base64(x),
    y: float32Base64(y),
    color: !scored ? "none" : files.config.proxy.kind === "heads" ? "disagreement" : "std",
    mean: mean && float32Base64(mean),
    std: std && float32Base64(std),
    response_ids: pool.map((r) => r.response_id),
    prompt_index: int32Base64(pool.map((r) => promptAt.get(r.prompt_id)!)),
    prompts: promptIds.map((p) => byId.get(p)?.prompt ?? ""),
    tasks: promptIds.map((p) => byId.get(p)?.task ?? ""),
    responses: pool.map((r) => r.text),
    selected,
    labelled,
  };
  return { payload, points: { x, y, std, mean } };
}

/** UMAP to 2-D, seeded (umap-js takes a random function: ours, from the run's seed). */
function umap2(data: Float32Array, rows: number, dim: number, seed: number): { x: number[]; y: number[] } {
  if (rows < 3) return { x: new Array(rows).fill(0), y: new Array(rows).fill(0) };
  const rng = new Rng(seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, rows - 1), random: () => rng.next() });
  const vectors = Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
  const out = umap.fit(vectors);
  const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
  return { x: out.map((p) => round4(p[0])), y: out.map((p) => round4(p[1])) };
}

/** Points drawn by the HTML fallback (the lab draws them all with WebGL). */
const HTML_POINTS = 5000;

function explorerHtml(p: UncertaintyPayload, pts: UncertaintyExplorer["htmlPoints"]): string {
  const step = Math.max(1, Math.ceil(p.n / HTML_POINTS));
  const idx = Array.from({ length: Math.ceil(p.n / step) }, (_, k) => k * step);
  const hover = idx.map((i) => escapeHtml(`${p.response_ids[i]}${pts.mean ? ` · proxy ${num(pts.mean[i], 2)} ± ${num(pts.std![i], 2)}` : ""}`));
  const sel = p.selected;
  const lab = p.labelled;
  const axis = (k: 0 | 1) => (p.explained ? `${p.projection.toUpperCase()}${k + 1} (${(p.explained[k] * 100).toFixed(0)}%)` : `UMAP${k + 1}`);
  const figure = {
    data: [
      {
        type: "scattergl",
        mode: "markers",
        name: "pool",
        x: idx.map((i) => pts.x[i]),
        y: idx.map((i) => pts.y[i]),
        text: hover,
        hovertemplate: "%{text}<extra></extra>",
        marker: pts.std ? { size: 5, color: idx.map((i) => pts.std![i]), colorscale: "Viridis", showscale: true, colorbar: { title: { text: p.color } } } : { size: 5, color: COLORS.neutral },
      },
      { type: "scattergl", mode: "markers", name: "selected", x: sel.map((s) => pts.x[s.index]), y: sel.map((s) => pts.y[s.index]), marker: { size: 9, symbol: "circle-open", color: COLORS.pick } },
      { type: "scattergl", mode: "markers", name: "labelled", x: lab.map((l) => pts.x[l.index]), y: lab.map((l) => pts.y[l.index]), marker: { size: 5, symbol: "x", color: COLORS.seed } },
    ],
    layout: layout(`Pool (${p.view}) by proxy ${p.color}`, { xaxis: { title: { text: axis(0) }, zeroline: false }, yaxis: { title: { text: axis(1) }, zeroline: false }, legend: { orientation: "h", y: -0.2 } }),
  };
  const rows: [string, string][] = [
    ["points", String(p.n)],
    ["projection", `${p.projection} of the ${p.view} view`],
    ["colour", p.color === "none" ? "none (run.score() first)" : p.color],
    ["selected", String(p.selected.length)],
    ["labelled", String(p.labelled.length)],
  ];
  return section("uncertainty", html`<p class="title">uncertainty explorer · ${p.run}</p><div class="row"><div>${keyValues(rows)}</div>${figures([figure], { width: 620, height: 440 })}</div>`);
}

function explorerText(p: UncertaintyPayload): string {
  return `uncertainty explorer · ${p.run}\n${kvText([
    ["points", String(p.n)],
    ["projection", `${p.projection} of the ${p.view} view`],
    ["colour", p.color],
    ["selected", String(p.selected.length)],
    ["labelled", String(p.labelled.length)],
  ])}`;
}
