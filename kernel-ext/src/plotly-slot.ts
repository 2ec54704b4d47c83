/**
 * Plotly (4.8 MB) goes into a page once per kernel process, in the first output that is
 * actually shown and draws a figure. Figure markup carries a slot (an HTML comment) where the
 * loader may go; the slot is filled, or dropped, when a bundle is shown (display(), a cell's
 * Out[n]), never when one is merely built: a bundle built and not shown (a call with
 * `display: false`, a bundle taken for a file) must not use up the one loader.
 */
import * as fs from "node:fs";
import type { MimeBundle } from "./display";

/** Where figure markup may receive the loader. */
export const PLOTLY_SLOT = "<!--proxyrm:plotly-loader-->";

/** Process-wide (a global symbol): every copy of this module agrees whether the loader went out. */
const KEY = Symbol.for("proxyrm.plotlyShown");
type Holder = { [KEY]?: boolean };

function loaderScript(): string {
  // Required here, not at the top: the report module is heavy and only needed once.
  const { inlineScriptSource } = require("proxyrm/dist/report/html") as typeof import("proxyrm/dist/report/html");
  const source = fs.readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
  // `module` is shadowed so the UMD wrapper takes its browser branch (it sets window.Plotly)
  // even in frontends that define a CommonJS-like `module`.
  return `<script>if (typeof window !== "undefined" && !window.Plotly) { (function (module) {\n${inlineScriptSource(source, "plotly.min.js")}\n})(undefined); }</script>`;
}

/** The loader script, marking it as shown (`proxyrm.loadPlotly()` shows it on purpose). */
export function plotlyLoader(): string {
  (globalThis as Holder)[KEY] = true;
  return loaderScript();
}

/** Whether this process has shown the loader. */
export function plotlyShown(): boolean {
  return (globalThis as Holder)[KEY] === true;
}

/** A bundle about to be shown: its first slot gets the loader if none went out yet; other slots go. */
export function fillPlotlySlot(bundle: MimeBundle): MimeBundle {
  const markup = bundle["text/html"];
  if (typeof markup !== "string" || !markup.includes(PLOTLY_SLOT)) return bundle;
  const at = markup.indexOf(PLOTLY_SLOT);
  const first = plotlyShown() ? "" : plotlyLoader();
  const rest = markup.slice(at + PLOTLY_SLOT.length).split(PLOTLY_SLOT).join("");
  return { ...bundle, "text/html": markup.slice(0, at) + first + rest };
}
