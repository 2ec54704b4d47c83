/** Views of the active-learning stages: select (the picks) and label (the paid expert scores). */
import { frameFromColumns, type Cell } from "../frames";
import { expertCalls, type RunFiles } from "../files";
import { COLORS, escapeHtml, figures, html, keyValues, layout, num, kvText, rowsTable, textTable, type Figure } from "../html";
import { scoreHistogram, type CallInfo, type StagePayload, type View } from "../result";
import { countsFigure, head, PAYLOAD_ROWS, scoreSharesFigure } from "./common";
import { projectedIndices, projectView } from "./policy";

// ------------------------------------------------------------------------------- selection

export interface Pick {
  /** 1-based position in pick order. */
  rank: number;
  /** 1-based active-learning round. */
  round: number;
  response_id: string;
  prompt_id: string;
  task: string;
  prompt: string;
  response: string;
}

export interface SelectionPayload extends StagePayload {
  kind: "selection";
  strategy: string;
  budget: number;
  rounds: number;
  pool_size: number;
  /** Distinct prompts among the picks. */
  prompts_covered: number;
  /** Every pick, in pick order. */
  picks: Pick[];
  /** Pool responses and picks per task. */
  tasks: { task: string; pool: number; picked: number }[];
}

export function selectionView(files: RunFiles, call: CallInfo): View<SelectionPayload> {
  const { config } = files;
  const selection = files.selection();
  const picks: Pick[] = selection.rounds.flatMap((ids, r) => ids.map((id) => ({ id, round: r + 1 }))).map(({ id, round }, i) => {
    const item = files.item(id);
    return { rank: i + 1, round, response_id: id, prompt_id: item.prompt_id, task: item.task, prompt: item.prompt, response: item.response };
  });
  const pool = files.pool();
  const prompts = files.promptById();
  const tasks = new Map<string, { pool: number; picked: number }>();
  for (const r of pool) {
    const t = prompts.get(r.prompt_id)?.task ?? "";
    const entry = tasks.get(t) ?? { pool: 0, picked: 0 };
    entry.pool++;
    tasks.set(t, entry);
  }
  for (const p of picks) {
    const entry = tasks.get(p.task);
    if (entry) entry.picked++;
  }
  const data: SelectionPayload = {
    ...head("selection", "select", files, call),
    strategy: selection.strategy,
    budget: config.select.budget,
    rounds: config.select.rounds,
    pool_size: pool.length,
    prompts_covered: new Set(picks.map((p) => p.prompt_id)).size,
    picks,
    tasks: [...tasks].map(([task, c]) => ({ task, ...c })).sort((a, b) => b.pool - a.pool || (a.task < b.task ? -1 : 1)),
  };
  const rows = (): [string, string][] => [
    ["strategy", data.strategy],
    ["picked", `${data.picks.length} of ${data.pool_size} pool responses (budget ${data.budget}, ${data.rounds} round${data.rounds === 1 ? "" : "s"})`],
    ["prompts covered", String(data.prompts_covered)],
  ];
  const headers = ["rank", "round", "response_id", "task", "prompt", "response"];
  const tableRows = () => data.picks.slice(0, PAYLOAD_ROWS).map((p) => [p.rank, p.round, p.response_id, p.task, p.prompt, p.response]);
  return {
    data,
    html: () => {
      const shares = countsFigure(
        "Share per task: pool vs picks",
        [
          { name: "pool", labels: data.tasks.map((t) => t.task), values: data.tasks.map((t) => share(t.pool, data.pool_size)), color: COLORS.neutral },
          { name: "picks", labels: data.tasks.map((t) => t.task), values: data.tasks.map((t) => share(t.picked, data.picks.length)), color: COLORS.pick },
        ],
        "share",
      );
      return html`${keyValues(rows())}${figures([picksScatter(files, data), shares])}
<p class="sub">Picks (${shown(data.picks.length)})</p>${rowsTable(headers, tableRows())}`;
    },
    text: () => `${kvText(rows())}\n\n${textTable(headers, tableRows())}`,
    frame: () => {
      const col = (name: string, get: (p: Pick) => Cell) => ({ name, values: picks.map(get) });
      return frameFromColumns(
        [col("rank", (p) => p.rank), col("round", (p) => p.round), col("response_id", (p) => p.response_id), col("prompt_id", (p) => p.prompt_id), col("task", (p) => p.task), col("prompt", (p) => p.prompt), col("response", (p) => p.response)],
        { name: "selection", run: files.dir },
      );
    },
  };
}

const share = (n: number, total: number) => (total > 0 ? Math.round((n / total) * 1000) / 1000 : 0);
const shown = (total: number) => (total > PAYLOAD_ROWS ? `first ${PAYLOAD_ROWS} of ${total}` : `all ${total}`);

/** The pool's EFT map (grey) with the picks on it, numbered in pick order. */
function picksScatter(files: RunFiles, data: SelectionPayload): Figure {
  const eft = files.embeddings("eft");
  const indices = projectedIndices(eft.ids.length);
  const rowOf = new Map(eft.ids.map((id, i) => [id, i]));
  const pickRows = data.picks.map((p) => rowOf.get(p.response_id)).filter((i): i is number => i !== undefined);
  // One projection over the shown pool and the picks, so both sit in the same coordinates.
  const all = [...indices, ...pickRows];
  const p = projectView(files, "eft", all);
  const n = indices.length;
  return {
    data: [
      { type: "scatter", mode: "markers", name: "pool", x: p.x.slice(0, n), y: p.y.slice(0, n), marker: { size: 4, color: "#c9d1d9" }, hoverinfo: "skip" },
      {
        type: "scatter",
        mode: "markers",
        name: escapeHtml(`picks (${data.strategy})`),
        x: p.x.slice(n),
        y: p.y.slice(n),
        text: data.picks.map((pk) => escapeHtml(`#${pk.rank} ${pk.response_id}`)),
        hovertemplate: "%{text}<extra></extra>",
        marker: { size: 8, color: COLORS.pick, line: { width: 1, color: "#ffffff" } },
      },
    ],
    layout: layout("Picks on the pool's EFT map (PCA)", { xaxis: { zeroline: false }, yaxis: { zeroline: false }, legend: { orientation: "h", x: 0, y: -0.15, yanchor: "top" } }),
  };
}

// ---------------------------------------------------------------------------------- labels

export interface LabelRowView {
  response_id: string;
  prompt: string;
  response: string;
  score: number;
  rationale: string;
  oracle: string;
  cost: number;
}

export interface LabelsPayload extends StagePayload {
  kind: "labels";
  budget: number;
  /** Paid expert calls in the ledger (lines without a tag). */
  expert_queries: number;
  /** Calls this call paid for (0 when every label came back from the ledger); null outside a call. */
  paid_now: number | null;
  /** Sum of the labels' costs. */
  cost: number;
  oracle: string;
  /** Counts of scores 0..5: the on-policy labels and the seed EFT labels (the paper's imbalance). */
  histogram: number[];
  seed_eft_histogram: number[];
  total: number;
  rows: LabelRowView[];
}

export function labelsView(files: RunFiles, call: CallInfo): View<LabelsPayload> {
  const labels = files.labels();
  const paid = expertCalls(files.ledger());
  const rowsOf = labels.map((l) => {
    const item = files.item(l.response_id);
    return { response_id: l.response_id, prompt: item.prompt, response: item.response, score: l.score, rationale: l.rationale, oracle: l.oracle, cost: l.cost };
  });
  const data: LabelsPayload = {
    ...head("labels", "label", files, call),
    budget: files.config.select.budget,
    expert_queries: paid,
    paid_now: call.paidBefore === undefined ? null : paid - call.paidBefore,
    cost: Math.round(labels.reduce((a, l) => a + l.cost, 0) * 1e6) / 1e6,
    oracle: files.config.oracle.kind === "llm" ? `llm (${files.config.oracle.model ?? ""})` : "rubric",
    histogram: scoreHistogram(labels.map((l) => l.score)),
    seed_eft_histogram: scoreHistogram(files.labels("seed_eft_labels.arrow").map((l) => l.score)),
    total: labels.length,
    rows: rowsOf.slice(0, PAYLOAD_ROWS),
  };
  const rows = (): [string, string][] => [
    ["labels", `${data.total} (budget ${data.budget})`],
    ["expert queries paid", `${data.expert_queries}${data.paid_now === null ? "" : ` (${data.paid_now} in this call)`}`],
    ["cost", num(data.cost, 4)],
    ["oracle", data.oracle],
    ["scores 0..5", data.histogram.join(" ")],
  ];
  const headers = ["response_id", "prompt", "response", "score", "rationale"];
  const tableRows = () => data.rows.map((r) => [r.response_id, r.prompt, r.response, r.score, r.rationale]);
  return {
    data,
    html: () =>
      html`<div class="row"><div>${keyValues(rows())}</div>${figures([
        scoreSharesFigure("Scores: on-policy expert labels vs seed EFT", [
          { name: "on-policy expert labels", counts: data.histogram, color: COLORS.onpolicy },
          { name: "seed EFT labels (off-policy)", counts: data.seed_eft_histogram, color: COLORS.seed },
        ]),
      ])}</div>
<p class="sub">Labels (${shown(data.total)})</p>${rowsTable(headers, tableRows())}`,
    text: () => `${kvText(rows())}\n\n${textTable(headers, tableRows())}`,
    frame: () => {
      const col = (name: keyof LabelRowView) => ({ name, values: rowsOf.map((r) => r[name]) });
      return frameFromColumns(
        [col("response_id"), col("prompt"), col("response"), col("score"), col("rationale"), col("oracle"), col("cost")],
        { name: "labels", run: files.dir },
      );
    },
  };
}
