/**
 * `proxyrm.plot(figure)`: a plotly figure of the user's own (an ablation curve built in a cell,
 * say) as `application/vnd.plotly.v1+json` plus the same self-contained text/html fallback the
 * stage results use, and a text/plain line. With `displayId`, `update: true` redraws it in place
 * (live curves while forks run).
 */
import { display, type MimeBundle } from "../display";
import { figures, type Figure } from "./html";

export interface PlotOptions {
  displayId?: string;
  update?: boolean;
  width?: number;
  height?: number;
  /** The text/plain fallback (default: the figure's title). */
  text?: string;
}

export function plotBundle(figure: Figure, options: PlotOptions = {}): MimeBundle {
  const title = (figure.layout as { title?: { text?: string } | string }).title;
  const text = options.text ?? (typeof title === "string" ? title : title?.text) ?? "plotly figure";
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout: figure.layout },
    "text/html": `<div class="proxyrm">${figures([figure], { width: options.width ?? 560, height: options.height ?? 380 }).value}</div>`,
    "text/plain": text,
  };
}

export function plot(figure: Figure, options: PlotOptions = {}): MimeBundle {
  const bundle = plotBundle(figure, options);
  display(bundle, { displayId: options.displayId, update: options.update });
  return bundle;
}
