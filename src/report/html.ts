/**
 * HTML for the run report: one escaping function, a tagged template that applies it to every
 * interpolated value, and the page shell (styles, the inlined plotly bundle, the figures).
 *
 * Everything in a report that comes from a run (prompts, responses, rationales, config strings,
 * curve names) is data a model or a user wrote, so it may contain markup. The `html` tag escapes
 * every interpolation unless it is already `SafeHtml` built by this module, which makes the safe
 * path the default one rather than something each caller must remember.
 */

/** Markup that is already escaped (built by `html`); interpolating it does not escape again. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/** A value `html` accepts: text and numbers are escaped, SafeHtml is kept, arrays are joined. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/**
 * Tagged template: `html\`<td>${text}</td>\`` escapes `text`. null, undefined and false render
 * as nothing, so optional parts read as `${cond && html\`...\`}`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => (out += render(value) + strings[index + 1]));
  return new SafeHtml(out);
}

/**
 * JSON for inside a <script> element. `<`, `>` and `&` become \u escapes so no value can
 * close the element (`</script`) or open an HTML comment (`<!--`) in it; U+2028/2029 are
 * escaped because older JavaScript parsers treat them as line ends inside strings.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * JavaScript source made safe to inline in a <script> element. `</script` would end the
 * element early; `<\/script` means the same inside the strings, regexes and comments where it
 * can occur. `<!--` followed by `<script` would switch the HTML parser into a state where the
 * closing tag is not recognised, which no escape can undo, so that is refused.
 */
export function inlineScriptSource(source: string, what: string): string {
  if (/<!--/.test(source) && /<script/i.test(source)) {
    throw new Error(`${what}: contains "<!--" and "<script", so it cannot be inlined in a <script> element`);
  }
  return source.replace(/<\/(script)/gi, "<\\/$1");
}

/** A table with a header row; cells are HtmlValues (escaped unless SafeHtml). */
export function table(headers: readonly HtmlValue[], rows: readonly (readonly HtmlValue[])[], className = ""): SafeHtml {
  return html`<table class="${className}"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** A plotly figure as plain JSON (what `Plotly.newPlot(div, data, layout)` takes). */
export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** A figure placed on the page: `id` is its div's id. */
export interface PlacedFigure {
  id: string;
  figure: Figure;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0 auto; max-width: 1150px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
p.sub { color: #59636e; margin: 0 0 16px; } p.note { color: #59636e; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num, table.summary td:not(:first-child) { font-variant-numeric: tabular-nums; }
table.rows td { white-space: pre-wrap; word-break: break-word; max-width: 360px; font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; font-size: 12px; }
.figures { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; } .figure { min-height: 380px; border: 1px solid #d0d7de; }
.figure.wide { grid-column: 1 / -1; } h3 { font-size: 15px; margin: 16px 0 4px; }
.summary-row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; } .summary-row > .figure { flex: 1 1 420px; }
@media (max-width: 900px) { .figures { grid-template-columns: 1fr; } }
`;

/**
 * The whole page: plotly inlined (the report must open offline), the figures as one JSON
 * block, and a few lines that draw each figure into the div with its id.
 */
export function renderPage(page: { title: string; body: SafeHtml; figures: readonly PlacedFigure[]; plotlySource: string }): string {
  const figures = Object.fromEntries(page.figures.map((f) => [f.id, f.figure]));
  const drawFigures = `(function () {
  var figures = JSON.parse(document.getElementById("proxyrm-figures").textContent);
  Object.keys(figures).forEach(function (id) {
    Plotly.newPlot(id, figures[id].data, figures[id].layout, { responsive: true, displaylogo: false });
  });
})();`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
<script>${inlineScriptSource(page.plotlySource, "plotly.min.js")}</script>
</head>
<body class="proxyrm">
${page.body.value}
<script type="application/json" id="proxyrm-figures">${jsonForScript(figures)}</script>
<script>${drawFigures}</script>
</body>
</html>
`;
}
