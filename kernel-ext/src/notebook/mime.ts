/**
 * MIME bundles for notebook values (shared/DESIGN.md "Notebook and lab"): each result shows as
 * `application/vnd.proxyrm.<kind>+json` for the lab extension, a self-contained `text/html`
 * for other frontends, and `text/plain` for terminals. docs/mime.md documents every kind and
 * kernel-ext/schemas/<kind>.schema.json holds its JSON Schema.
 */
import { inspect } from "node:util";
import { toMimeBundle as MIME_SYMBOL, type MimeBundle } from "../display";

/** Every kind of `application/vnd.proxyrm.<kind>+json` the notebook API emits. */
export const KINDS = [
  "progress",
  "run",
  "sft",
  "generate",
  "embed",
  "selection",
  "labels",
  "proxy",
  "pairs",
  "dpo",
  "metrics",
  "table",
  // The lab's interactive views (lab/payloads.ts).
  "uncertainty",
  "calibration",
  "training",
  "ledger",
  "ablation",
  "label-widget",
] as const;
export type Kind = (typeof KINDS)[number];

/** Version of the JSON payloads; bumped when a field changes meaning or disappears. */
export const PAYLOAD_VERSION = 1;

export function mimeType(kind: Kind): string {
  return `application/vnd.proxyrm.${kind}+json`;
}

/**
 * `Symbol.for("proxyrm.mimeBundle")`, the method a value implements to display richly: the
 * kernel shows the last expression of a cell that has it as execute_result with the returned
 * bundle. The one declaration is display.ts's (the kernel contract), here under a name that
 * does not clash with the `toMimeBundle(value)` function below.
 */
export const MIME_BUNDLE: typeof MIME_SYMBOL = MIME_SYMBOL;

/** What the notebook API's values implement (display.ts's Displayable also allows `{ data, metadata }`). */
export interface Displayable {
  [MIME_BUNDLE](): MimeBundle;
}

/** Every payload starts with its kind and the payload version. */
export interface Payload {
  kind: Kind;
  version: typeof PAYLOAD_VERSION;
}

export function makeBundle(payload: Payload, html: string, text: string): MimeBundle {
  return { [mimeType(payload.kind)]: payload, "text/html": html, "text/plain": text };
}

type AnyDisplayable = { [MIME_BUNDLE](): MimeBundle | { data: MimeBundle; metadata?: Record<string, unknown> } };

export function isDisplayable(value: unknown): value is AnyDisplayable {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as Partial<AnyDisplayable>)[MIME_BUNDLE] === "function";
}

/**
 * The bundle for any value: its own (results, runs, data frames from this API), a danfo data
 * frame as a table, anything else as text/plain.
 */
export function toMimeBundle(value: unknown): MimeBundle {
  if (isDisplayable(value)) {
    const shown = value[MIME_BUNDLE]();
    return isWrapped(shown) ? shown.data : shown;
  }
  // Loaded lazily: danfo takes seconds to load and most values are not frames.
  const { isDataFrame, tableBundle } = require("./frames") as typeof import("./frames");
  if (isDataFrame(value)) return tableBundle(value);
  return { "text/plain": typeof value === "string" ? value : inspect(value) };
}

function isWrapped(value: MimeBundle | { data: MimeBundle }): value is { data: MimeBundle } {
  const data = (value as { data?: unknown }).data;
  return typeof data === "object" && data !== null && Object.keys(value).every((k) => k === "data" || k === "metadata");
}
