/**
 * Display primitives for notebook code: a MIME bundle shown as display_data, updated in place
 * by display id, and clear_output. The proxyrm kernel installs the real sink when it starts
 * (`setDisplaySink`); outside a kernel (plain node, tests) bundles go to a fallback that prints
 * their text/plain, so library code can call these anywhere.
 */
import { fillPlotlySlot } from "./plotly-slot";

export type MimeBundle = Record<string, unknown>;

export interface DisplaySink {
  /** display_data, or update_display_data when `update` and a displayId are given. */
  display(bundle: MimeBundle, options: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> }): void;
  clearOutput(wait: boolean): void;
}

const KEY = Symbol.for("proxyrm.kernel.displaySink");
type Holder = { [KEY]?: DisplaySink };

const printSink: DisplaySink = {
  display(bundle) {
    const text = bundle["text/plain"];
    if (typeof text === "string") process.stdout.write(`${text}\n`);
  },
  clearOutput() {},
};

/** Installed by the kernel at start-up; a global symbol so every copy of this module sees it. */
export function setDisplaySink(sink: DisplaySink | undefined): void {
  (globalThis as Holder)[KEY] = sink;
}

function sink(): DisplaySink {
  return (globalThis as Holder)[KEY] ?? printSink;
}

/** Shows a MIME bundle. With `displayId`, later calls with `update: true` replace it in place. */
export function display(bundle: MimeBundle, options: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {}): void {
  sink().display(fillPlotlySlot(bundle), options);
}

/** Clears the current cell's output (`wait`: when the next output arrives). */
export function clearOutput(wait = false): void {
  sink().clearOutput(wait);
}

/**
 * A value whose class defines this method shows as its own bundle when it is a cell's last
 * expression (Out[n]) instead of util.inspect text, like IPython's `_repr_mimebundle_`:
 * ```ts
 * class Scores { [toMimeBundle]() { return { "text/plain": "...", "text/html": "<table>..." }; } }
 * ```
 * Return a bundle, or `{ data, metadata }` when metadata is needed.
 */
// Symbol.for (so every copy of this module agrees) is typed `symbol`; the cast declares it
// unique so classes can use it as a method name.
export const toMimeBundle: unique symbol = Symbol.for("proxyrm.mimeBundle") as never;

export interface Displayable {
  [toMimeBundle](): MimeBundle | { data: MimeBundle; metadata?: Record<string, unknown> };
}
