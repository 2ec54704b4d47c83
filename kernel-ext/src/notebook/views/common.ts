/** Pieces every view uses: the payload head and small plotly figures. */
import type { Kind } from "../mime";
import { PAYLOAD_VERSION } from "../mime";
import { COLORS, escapeHtml, layout, type Figure } from "../html";
import type { CallInfo, StagePayload } from "../result";
import type { RunFiles } from "../files";

/** How many rows of a table a payload carries (the frame has them all). */
export const PAYLOAD_ROWS = 20;

export function head<K extends Kind>(kind: K, stage: string, files: RunFiles, call: CallInfo): StagePayload & { kind: K } {
  return { kind, version: PAYLOAD_VERSION, run: files.dir, stage, ran: call.ran, seconds: call.seconds };
}

const SCORES = [0, 1, 2, 3, 4, 5];

/** Grouped bars of score shares, one series per named histogram (counts in the hover). */
export function scoreSharesFigure(title: string, series: readonly { name: string; counts: readonly number[]; color: string }[]): Figure {
  return {
    data: series.map(({ name, counts, color }) => {
      const total = counts.reduce((a, b) => a + b, 0);
      return {
        type: "bar",
        name: escapeHtml(`${name}, n=${total}`),
        x: SCORES,
        y: counts.map((c) => (total > 0 ? Math.round((c / total) * 1000) / 1000 : 0)),
        customdata: counts,
        hovertemplate: "score %{x}: %{y:.1%} (%{customdata})",
        marker: { color },
      };
    }),
    layout: layout(title, {
      barmode: "group",
      xaxis: { title: { text: "score" }, tickvals: SCORES },
      yaxis: { title: { text: "share" }, tickformat: ".0%", rangemode: "tozero" },
      legend: { orientation: "h", x: 0, y: -0.25, yanchor: "top" },
      margin: { l: 55, r: 20, t: 45, b: 90 },
    }),
  };
}

/** Horizontal bars of counts per category (names escaped). */
export function countsFigure(title: string, series: readonly { name: string; labels: readonly string[]; values: readonly number[]; color: string }[], xTitle: string): Figure {
  return {
    data: series.map(({ name, labels, values, color }) => ({
      type: "bar",
      orientation: "h",
      name: escapeHtml(name),
      y: labels.map(escapeHtml),
      x: values,
      marker: { color },
    })),
    layout: layout(title, {
      barmode: "group",
      xaxis: { title: { text: escapeHtml(xTitle) }, rangemode: "tozero" },
      yaxis: { automargin: true, autorange: "reversed" },
      showlegend: series.length > 1,
      legend: { orientation: "h", x: 0, y: -0.25, yanchor: "top" },
    }),
  };
}

/** A histogram of values. */
export function histogramFigure(title: string, values: readonly number[], xTitle: string, color = COLORS.onpolicy): Figure {
  return {
    data: [{ type: "histogram", x: values, marker: { color }, nbinsx: 20, hovertemplate: "%{x}: %{y}<extra></extra>" }],
    layout: layout(title, { xaxis: { title: { text: escapeHtml(xTitle) } }, yaxis: { title: { text: "count" } }, bargap: 0.05 }),
  };
}
