/**
 * Values -> MIME bundles, and the display calls notebook code makes -> iopub messages.
 *
 * A cell's last value shows as text/plain via util.inspect (IPython's repr), or as the value's
 * own bundle when it defines `[toMimeBundle]()`. Notebook code displays through two doors,
 * both routed to the running cell: this package's `display` / `clearOutput` (the sink
 * installed here) and tslab's `display` API (tslab reads its `lastWriteDisplayData` hook).
 */
import * as util from "node:util";
import { setDisplaySink, toMimeBundle, type MimeBundle } from "../display";
import { fillPlotlySlot } from "../plotly-slot";

export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

export interface DisplayPublisher {
  displayData(content: DisplayContent, update: boolean): void;
  clearOutput(wait: boolean): void;
}

/** The bundle a value shows as (execute_result and user_expressions). */
export function bundleOf(value: unknown): { data: MimeBundle; metadata: Record<string, unknown> } {
  const custom = customBundle(value);
  if (custom) {
    // Shown now (Out[n], user_expressions): the plotly slot is filled here, not when built.
    const data = encodeBundle(fillPlotlySlot(custom.data));
    if (!("text/plain" in data)) data["text/plain"] = plainText(value);
    return { data, metadata: custom.metadata };
  }
  return { data: { "text/plain": plainText(value) }, metadata: {} };
}

export function plainText(value: unknown): string {
  return util.inspect(value, { colors: false });
}

function customBundle(value: unknown): { data: MimeBundle; metadata: Record<string, unknown> } | null {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return null;
  const method = (value as { [toMimeBundle]?: unknown })[toMimeBundle];
  if (typeof method !== "function") return null;
  const out = method.call(value) as MimeBundle | { data: MimeBundle; metadata?: Record<string, unknown> } | null | undefined;
  if (!out || typeof out !== "object") return null;
  const keys = Object.keys(out);
  const wrapped = "data" in out && keys.every((k) => k === "data" || k === "metadata");
  if (wrapped) {
    const { data, metadata } = out as { data: MimeBundle; metadata?: Record<string, unknown> };
    return { data, metadata: metadata ?? {} };
  }
  return { data: out as MimeBundle, metadata: {} };
}

/** Binary values become base64 (the Jupyter convention for image/png and friends). */
export function encodeBundle(bundle: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(bundle)) {
    out[mime] = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") : value;
  }
  return out;
}

/** tslab's display API calls this module-level hook of tslab/dist/jupyter. */
interface TslabJupyterModule {
  lastWriteDisplayData: ((data: DisplayContent, update: boolean) => void) | null;
}

/** Routes both display APIs to `publisher` for the rest of the process's life. */
export function installDisplay(publisher: DisplayPublisher): void {
  setDisplaySink({
    display(bundle, options) {
      const content: DisplayContent = { data: encodeBundle(bundle), metadata: options.metadata ?? {} };
      if (options.displayId !== undefined) content.transient = { display_id: options.displayId };
      publisher.displayData(content, Boolean(options.update && options.displayId !== undefined));
    },
    clearOutput(wait) {
      publisher.clearOutput(wait);
    },
  });
  const tslabJupyter = require("tslab/dist/jupyter") as TslabJupyterModule;
  tslabJupyter.lastWriteDisplayData = (content, update) => {
    // tslab sends `transient: { display_id: undefined }` for plain displays; drop the hole.
    const transient = content.transient?.display_id !== undefined ? { display_id: content.transient.display_id } : undefined;
    publisher.displayData({ data: content.data, metadata: content.metadata ?? {}, ...(transient ? { transient } : {}) }, update);
  };
}
