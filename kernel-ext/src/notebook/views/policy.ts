/** Views of the policy stages: sft (M0 -> M1), generate (k on-policy samples), embed (2-D map). */
import { trainingCurvesFigure } from "proxyrm/dist/report/figures";
import { frameFromArrow, frameFromColumns, type Cell } from "../frames";
import type { RunFiles } from "../files";
import { COLORS, escapeHtml, figures, html, keyValues, layout, num, kvText, rowsTable, textTable, type Figure } from "../html";
import { pca2 } from "../projection";
import { lossSummary, type CallInfo, type StagePayload, type View } from "../result";
import { countsFigure, head } from "./common";

// ------------------------------------------------------------------------------------- sft

export interface SftPayload extends StagePayload {
  kind: "sft";
  backend: string;
  /** RunConfig.model (TinyGPT sizes). */
  model: Record<string, number>;
  steps: number;
  batch_size: number;
  lr: number;
  /** Seed (prompt, answer) examples M0 was fine-tuned on. */
  seed_examples: number;
  loss: { first: number | null; last: number | null; min: number | null };
  /** Training loss per step (null where a step's loss was not finite). */
  curve: (number | null)[];
}

function curveFrame(curve: readonly (number | null)[]) {
  return frameFromColumns([
    { name: "step", values: curve.map((_, i) => i + 1) },
    { name: "loss", values: [...curve] },
  ]);
}

export function sftView(files: RunFiles, call: CallInfo): View<SftPayload> {
  const { config } = files;
  const curve = files.curves().sft ?? [];
  const data: SftPayload = {
    ...head("sft", "sft", files, call),
    backend: files.manifest()?.backend ?? "unknown",
    model: { ...config.model },
    steps: config.sft.steps,
    batch_size: config.sft.batchSize,
    lr: config.sft.lr,
    seed_examples: files.responses().filter((r) => r.source === "seed").length,
    loss: lossSummary(curve),
    curve,
  };
  const rows = (): [string, string][] => [
    ["seed examples", String(data.seed_examples)],
    ["steps × batch", `${data.steps} × ${data.batch_size} (lr ${data.lr})`],
    ["model", Object.entries(data.model).map(([k, v]) => `${k} ${v}`).join(", ")],
    ["loss first → last", `${num(data.loss.first)} → ${num(data.loss.last)}`],
    ["backend", data.backend],
  ];
  return {
    data,
    html: () => {
      const fig = curve.length ? trainingCurvesFigure({ sft: curve }) : undefined;
      return html`<div class="row"><div>${keyValues(rows())}</div>${figures(fig ? [fig] : [])}</div>`;
    },
    text: () => kvText(rows()),
    frame: () => curveFrame(curve),
  };
}

// -------------------------------------------------------------------------------- generate

export interface GeneratePayload extends StagePayload {
  kind: "generate";
  k: number;
  temperature: number;
  pool_prompts: number;
  pool_responses: number;
  heldout_prompts: number;
  heldout_responses: number;
  /** Mean share of distinct texts among each pool prompt's k responses. */
  distinct_share: number;
  empty_responses: number;
  /** Pool prompts per task (the world's unequal clusters), most frequent first. */
  tasks: { task: string; prompts: number }[];
  /** The first pool prompts with their k responses. */
  samples: { prompt_id: string; task: string; prompt: string; responses: string[] }[];
}

const SAMPLE_PROMPTS = 8;

export function generateView(files: RunFiles, call: CallInfo): View<GeneratePayload> {
  const { config } = files;
  const prompts = files.promptById();
  const pool = files.pool();
  const byPrompt = new Map<string, string[]>();
  for (const r of pool) {
    const list = byPrompt.get(r.prompt_id) ?? [];
    list.push(r.text);
    byPrompt.set(r.prompt_id, list);
  }
  const heldout = files.responses().filter((r) => r.source === "policy-heldout");
  const taskCounts = new Map<string, number>();
  for (const id of byPrompt.keys()) {
    const task = prompts.get(id)?.task ?? "";
    taskCounts.set(task, (taskCounts.get(task) ?? 0) + 1);
  }
  const distinct = [...byPrompt.values()].map((texts) => new Set(texts).size / texts.length);
  const data: GeneratePayload = {
    ...head("generate", "generate", files, call),
    k: config.generate.k,
    temperature: config.generate.temperature,
    pool_prompts: byPrompt.size,
    pool_responses: pool.length,
    heldout_prompts: new Set(heldout.map((r) => r.prompt_id)).size,
    heldout_responses: heldout.length,
    distinct_share: distinct.length ? Math.round((distinct.reduce((a, b) => a + b, 0) / distinct.length) * 1e4) / 1e4 : 0,
    empty_responses: pool.filter((r) => r.text.trim() === "").length,
    tasks: [...taskCounts].map(([task, n]) => ({ task, prompts: n })).sort((a, b) => b.prompts - a.prompts || (a.task < b.task ? -1 : 1)),
    samples: [...byPrompt].slice(0, SAMPLE_PROMPTS).map(([id, texts]) => ({ prompt_id: id, task: prompts.get(id)?.task ?? "", prompt: prompts.get(id)?.prompt ?? "", responses: texts })),
  };
  const rows = (): [string, string][] => [
    ["pool", `${data.pool_prompts} prompts × k=${data.k} = ${data.pool_responses} responses (temperature ${data.temperature})`],
    ["held-out", `${data.heldout_prompts} prompts, ${data.heldout_responses} responses`],
    ["distinct per prompt", `${(data.distinct_share * 100).toFixed(1)}%`],
    ["empty responses", String(data.empty_responses)],
  ];
  const sampleRows = () => data.samples.map((s) => [s.prompt_id, s.task, s.prompt, s.responses[0] ?? ""]);
  const sampleHeaders = ["prompt_id", "task", "prompt", ...Array.from({ length: data.k }, (_, i) => `response ${i + 1}`)];
  return {
    data,
    html: () => {
      const fig = countsFigure("Pool prompts per task", [{ name: "prompts", labels: data.tasks.map((t) => t.task), values: data.tasks.map((t) => t.prompts), color: COLORS.onpolicy }], "prompts");
      return html`<div class="row"><div>${keyValues(rows())}</div>${figures([fig])}</div>
<p class="sub">First ${data.samples.length} pool prompts and M1's samples</p>${rowsTable(sampleHeaders, data.samples.map((s) => [s.prompt_id, s.task, s.prompt, ...s.responses]))}`;
    },
    text: () => `${kvText(rows())}\n\n${textTable(sampleHeaders.slice(0, 4), sampleRows())}`,
    frame: () => {
      const rowsOf = files.responses().filter((r) => r.source === "policy" || r.source === "policy-heldout");
      const col = (name: string, get: (r: (typeof rowsOf)[number]) => Cell) => ({ name, values: rowsOf.map(get) });
      return frameFromColumns(
        [
          col("response_id", (r) => r.response_id),
          col("prompt_id", (r) => r.prompt_id),
          col("task", (r) => prompts.get(r.prompt_id)?.task ?? null),
          col("prompt", (r) => prompts.get(r.prompt_id)?.prompt ?? null),
          col("text", (r) => r.text),
          col("source", (r) => r.source),
        ],
        { name: "responses (policy)", run: files.dir },
      );
    },
  };
}

// ----------------------------------------------------------------------------------- embed

/** At most this many points go into a projection (an even stride over the pool beyond it). */
export const PROJECTION_LIMIT = 5000;

export interface ProjectionView {
  x: number[];
  y: number[];
  /** Share of variance of the two components. */
  explained: [number, number];
}

export interface EmbedPayload extends StagePayload {
  kind: "embed";
  /** Embedded pool responses (rows per view). */
  rows: number;
  dim: number;
  views: ["ift", "eft"];
  /** Top-two principal components of each view, for the points in response_ids. */
  projection: { method: "pca"; sampled: boolean; response_ids: string[]; tasks: string[]; ift: ProjectionView; eft: ProjectionView };
}

/** Pool indices kept in a projection (all of them up to the limit). */
export function projectedIndices(n: number): number[] {
  if (n <= PROJECTION_LIMIT) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: PROJECTION_LIMIT }, (_, i) => Math.floor((i * n) / PROJECTION_LIMIT));
}

/** The PCA of one view over the given rows of the embedding matrix. */
export function projectView(files: RunFiles, view: "ift" | "eft", indices: readonly number[]): ProjectionView {
  const m = files.embeddings(view);
  const sub = new Float32Array(indices.length * m.dim);
  indices.forEach((row, i) => sub.set(m.data.subarray(row * m.dim, (row + 1) * m.dim), i * m.dim));
  return pca2(sub, indices.length, m.dim);
}

/** A scatter of projected points, one trace per task (names escaped). */
export function taskScatter(title: string, p: ProjectionView, tasks: readonly string[], ids: readonly string[]): Figure {
  const byTask = new Map<string, number[]>();
  tasks.forEach((t, i) => byTask.set(t, [...(byTask.get(t) ?? []), i]));
  return {
    data: [...byTask].map(([task, idx]) => ({
      type: "scatter",
      mode: "markers",
      name: escapeHtml(task),
      x: idx.map((i) => p.x[i]),
      y: idx.map((i) => p.y[i]),
      text: idx.map((i) => escapeHtml(ids[i])),
      hovertemplate: "%{text}<extra></extra>",
      marker: { size: 5, opacity: 0.7 },
    })),
    layout: layout(title, {
      xaxis: { title: { text: `PC1 (${(p.explained[0] * 100).toFixed(0)}%)` }, zeroline: false },
      yaxis: { title: { text: `PC2 (${(p.explained[1] * 100).toFixed(0)}%)` }, zeroline: false },
    }),
  };
}

export function embedView(files: RunFiles, call: CallInfo): View<EmbedPayload> {
  const pool = files.pool();
  const eft = files.embeddings("eft");
  const indices = projectedIndices(eft.ids.length);
  const ids = indices.map((i) => eft.ids[i]);
  const prompts = files.promptById();
  const byId = files.responseById();
  const data: EmbedPayload = {
    ...head("embed", "embed", files, call),
    rows: eft.ids.length,
    dim: eft.dim,
    views: ["ift", "eft"],
    projection: {
      method: "pca",
      sampled: indices.length < eft.ids.length,
      response_ids: ids,
      tasks: ids.map((id) => prompts.get(byId.get(id)?.prompt_id ?? "")?.task ?? ""),
      ift: projectView(files, "ift", indices),
      eft: projectView(files, "eft", indices),
    },
  };
  const rows = (): [string, string][] => [
    ["pool responses", `${data.rows} (${pool.length} in the pool)`],
    ["dimension", String(data.dim)],
    ["views", "ift (prompt), eft (prompt + response)"],
    ["PCA variance (ift, eft)", `${(sum(data.projection.ift.explained) * 100).toFixed(0)}%, ${(sum(data.projection.eft.explained) * 100).toFixed(0)}%`],
  ];
  return {
    data,
    html: () =>
      html`${keyValues(rows())}${figures([
        taskScatter("IFT view (prompts), by task", data.projection.ift, data.projection.tasks, ids),
        taskScatter("EFT view (judge inputs), by task", data.projection.eft, data.projection.tasks, ids),
      ])}`,
    text: () => kvText(rows()),
    frame: () => frameFromArrow(files.file("embeddings.arrow"), { name: "embeddings", run: files.dir }),
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
