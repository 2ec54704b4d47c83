/** Views of pairs (best vs worst per prompt) and dpo (M1 -> M2). */
import { trainingCurvesFigure } from "proxyrm/dist/report/figures";
import { frameFromArrow, frameFromColumns } from "../frames";
import { expertCalls, type RunFiles } from "../files";
import { COLORS, figures, html, keyValues, num, kvText, rowsTable, textTable } from "../html";
import { lossSummary, type CallInfo, type StagePayload, type View } from "../result";
import { head, histogramFigure, PAYLOAD_ROWS } from "./common";

// ----------------------------------------------------------------------------------- pairs

export interface PairsPayload extends StagePayload {
  kind: "pairs";
  /** Rows of pairs.arrow. */
  pairs: number;
  pool_prompts: number;
  expert_queries: number;
  /** pairs / expert_queries: the paper's "nine times more" (null with no queries). */
  pairs_per_query: number | null;
  margin: { mean: number | null; min: number | null; max: number | null };
  rows: { prompt: string; chosen: string; rejected: string; margin: number }[];
}

export function pairsView(files: RunFiles, call: CallInfo): View<PairsPayload> {
  const pairs = files.pairs();
  const queries = expertCalls(files.ledger());
  const margins = pairs.map((p) => p.margin);
  const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
  const data: PairsPayload = {
    ...head("pairs", "pairs", files, call),
    pairs: pairs.length,
    pool_prompts: new Set(files.pool().map((r) => r.prompt_id)).size,
    expert_queries: queries,
    pairs_per_query: queries > 0 ? r4(pairs.length / queries) : null,
    margin: margins.length
      ? { mean: r4(margins.reduce((a, b) => a + b, 0) / margins.length), min: r4(Math.min(...margins)), max: r4(Math.max(...margins)) }
      : { mean: null, min: null, max: null },
    rows: pairs.slice(0, PAYLOAD_ROWS).map((p) => ({ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, margin: r4(p.margin) })),
  };
  const rows = (): [string, string][] => [
    ["pairs", `${data.pairs} from ${data.pool_prompts} pool prompts`],
    ["per expert query", `${num(data.pairs_per_query)} (${data.expert_queries} queries paid)`],
    ["margin mean [min, max]", `${num(data.margin.mean)} [${num(data.margin.min)}, ${num(data.margin.max)}]`],
  ];
  const headers = ["prompt", "chosen", "rejected", "margin"];
  const tableRows = () => data.rows.map((p) => [p.prompt, p.chosen, p.rejected, p.margin]);
  const shown = data.pairs > PAYLOAD_ROWS ? `first ${PAYLOAD_ROWS} of ${data.pairs}` : `all ${data.pairs}`;
  return {
    data,
    html: () =>
      html`<div class="row"><div>${keyValues(rows())}</div>${figures(margins.length ? [histogramFigure("Score margin, chosen − rejected", margins.map(r4), "margin", COLORS.onpolicy)] : [])}</div>
<p class="sub">Pairs (${shown})</p>${rowsTable(headers, tableRows())}`,
    text: () => `${kvText(rows())}\n\n${textTable(headers, tableRows())}`,
    frame: () => frameFromArrow(files.file("pairs.arrow"), { name: "pairs", run: files.dir }),
  };
}

// ------------------------------------------------------------------------------------- dpo

export interface DpoPayload extends StagePayload {
  kind: "dpo";
  pairs: number;
  epochs: number;
  batch_size: number;
  lr: number;
  beta: number;
  loss: { first: number | null; last: number | null; min: number | null };
  /** DPO loss per step. */
  curve: (number | null)[];
}

export function dpoView(files: RunFiles, call: CallInfo): View<DpoPayload> {
  const { dpo } = files.config;
  const curve = files.curves().dpo ?? [];
  const data: DpoPayload = {
    ...head("dpo", "dpo", files, call),
    pairs: files.pairs().length,
    epochs: dpo.epochs,
    batch_size: dpo.batchSize,
    lr: dpo.lr,
    beta: dpo.beta,
    loss: lossSummary(curve),
    curve,
  };
  const rows = (): [string, string][] => [
    ["pairs × epochs", `${data.pairs} × ${data.epochs} (batch ${data.batch_size}, lr ${data.lr}, beta ${data.beta})`],
    ["steps", String(curve.length)],
    ["loss first → last", `${num(data.loss.first)} → ${num(data.loss.last)}`],
  ];
  return {
    data,
    html: () => {
      const fig = curve.length ? trainingCurvesFigure({ dpo: curve }) : undefined;
      return html`<div class="row"><div>${keyValues(rows())}</div>${figures(fig ? [fig] : [])}</div>`;
    },
    text: () => kvText(rows()),
    frame: () =>
      frameFromColumns([
        { name: "step", values: curve.map((_, i) => i + 1) },
        { name: "loss", values: [...curve] },
      ]),
  };
}
