/**
 * The text/html of notebook outputs: one wrapper per output (class `proxyrm`, `data-mime-type`
 * naming its proxyrm MIME type, scoped styles), escaped tables, and plotly figures.
 *
 * Every value from a run (prompts, responses, rationales, strategy names, paths) goes through
 * the report's `html` tag, which escapes each interpolation; figure JSON goes through
 * `jsonForScript`. Plotly (4.8 MB) is inlined once per kernel process, in the first output
 * shown that draws a figure (../plotly-slot.ts), by a script that defines window.Plotly only
 * when it is missing; later figures wait briefly for it and otherwise say how to load it
 * (`proxyrm.loadPlotly()`).
 */
import { randomBytes } from "node:crypto";
import { escapeHtml, html, jsonForScript, SafeHtml, type Figure, type HtmlValue } from "proxyrm/dist/report/html";
import { PLOTLY_SLOT } from "../plotly-slot";
import { mimeType, type Kind } from "./mime";

export { escapeHtml, html, SafeHtml, type Figure, type HtmlValue };

const STYLE = `
.proxyrm { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
.proxyrm .title { font-weight: 600; margin: 2px 0 6px; }
.proxyrm .sub { color: #59636e; margin: 0 0 6px; }
.proxyrm table { border-collapse: collapse; margin: 4px 0 8px; }
.proxyrm th, .proxyrm td { border: 1px solid #d0d7de; padding: 2px 8px; text-align: left; vertical-align: top; }
.proxyrm th { background: #f6f8fa; }
.proxyrm td.num { text-align: right; font-variant-numeric: tabular-nums; }
.proxyrm table.rows td { white-space: pre-wrap; word-break: break-word; max-width: 320px; font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
.proxyrm .figure { max-width: 100%; }
.proxyrm .figure .note { color: #59636e; font-size: 12px; }
.proxyrm progress { width: 320px; vertical-align: middle; }
.proxyrm .row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
`;

/** One output: the wrapper the lab's tests and users' CSS find it by. */
export function section(kind: Kind, body: SafeHtml): string {
  return html`<div class="proxyrm proxyrm-${kind}" data-mime-type="${mimeType(kind)}"><style>${new SafeHtml(STYLE)}</style>${body}</div>`.value;
}

/** Integers as they are, other numbers to 3 decimals, null/NaN as "n/a". */
export function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** A two-column table of named values. */
export function keyValues(rows: readonly (readonly [string, HtmlValue])[]): SafeHtml {
  return html`<table class="kv"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

/** A table of data rows (pre-wrapped monospace cells); numbers right-aligned. */
export function rowsTable(headers: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): SafeHtml {
  const cell = (v: string | number | boolean | null) =>
    typeof v === "number" ? html`<td class="num">${num(v, 4)}</td>` : html`<td>${v === null ? "null" : String(v)}</td>`;
  return html`<table class="rows"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map(cell)}</tr>`,
  )}</tbody></table>`;
}

/** A plain-text table for text/plain: columns padded, long cells cut. */
export function textTable(headers: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[], maxCell = 40): string {
  const show = (v: string | number | boolean | null) => {
    const s = typeof v === "number" ? num(v, 4) : v === null ? "null" : String(v);
    const one = s.replace(/\s+/g, " ");
    return one.length > maxCell ? `${one.slice(0, maxCell - 1)}…` : one;
  };
  const cells = [headers.map(String), ...rows.map((r) => r.map(show))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** Named values as text lines (no header, nothing cut). */
export function kvText(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

// ---------------------------------------------------------------------------------------
// Figures

/** Distinguishes this process's figure ids from a restarted kernel's in the same page. */
const PROCESS_TOKEN = randomBytes(4).toString("hex");
let figureCount = 0;
/**
 * Figures drawn into divs, behind a slot that receives the plotly loader when this is the
 * first figure output the process shows. Figure data sits in a JSON script element
 * (escaped), never in markup.
 */
export function figures(list: readonly Figure[], size: { width: number; height: number } = { width: 520, height: 340 }): SafeHtml {
  if (list.length === 0) return html``;
  const parts = list.map((figure) => {
    const id = `proxyrm-fig-${PROCESS_TOKEN}-${++figureCount}`;
    const draw = `(function () {
  var id = ${JSON.stringify(id)}, tries = 0;
  function draw() {
    var el = document.getElementById(id);
    if (!el) return;
    if (!window.Plotly) {
      if (tries++ < 50) return setTimeout(draw, 100);
      el.querySelector(".note").textContent = "Plotly is not loaded in this page: run proxyrm.loadPlotly() in a cell, then re-run this one.";
      return;
    }
    var fig = JSON.parse(document.getElementById(id + "-data").textContent);
    el.innerHTML = "";
    window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
  }
  draw();
})();`;
    // The div's size is the figure's: report figures carry their own height for a wider page.
    const sized = { data: figure.data, layout: { ...figure.layout, width: size.width, height: size.height } };
    return html`<div class="figure" id="${id}" style="width:${size.width}px;height:${size.height}px"><p class="note">(interactive plot: needs JavaScript and a trusted notebook)</p></div><script type="application/json" id="${id}-data">${new SafeHtml(
      jsonForScript(sized),
    )}</script><script>${new SafeHtml(draw)}</script>`;
  });
  return html`${new SafeHtml(PLOTLY_SLOT)}<div class="row">${parts}</div>`;
}

const FONT = { family: "system-ui, -apple-system, Segoe UI, sans-serif", size: 12 };

/** A small layout in the report's style; `title` is escaped (plotly renders it as HTML). */
export function layout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: escapeHtml(title), x: 0.01, xanchor: "left" }, font: FONT, margin: { l: 55, r: 40, t: 45, b: 50 }, modebar: { orientation: "v" }, ...extra };
}

export const COLORS = { seed: "#d62728", onpolicy: "#1f77b4", gold: "#2ca02c", neutral: "#6e7781", pick: "#ff7f0e" };
