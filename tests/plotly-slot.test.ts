/**
 * The plotly loader goes into the first figure output that is shown (display(), or a cell's
 * Out[n] through the kernel's bundleOf), never into one that is only built: a stage call with
 * `display: false` used to use it up, and later figures said "Plotly is not loaded".
 * Its own file: the "already shown" state is process-wide.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setDisplaySink, type MimeBundle } from "../kernel-ext/src/display";
import { bundleOf } from "../kernel-ext/src/kernel/display-bundle";
import { figures } from "../kernel-ext/src/notebook/html";
import { MIME_BUNDLE } from "../kernel-ext/src/notebook/mime";
import { PLOTLY_SLOT } from "../kernel-ext/src/plotly-slot";

const PLOTLY_MARK = "plotly.js v";
const shown: MimeBundle[] = [];
const figure = () => ({ "text/html": figures([{ data: [{ type: "bar", x: [1], y: [2] }], layout: {} }]).value, "text/plain": "a figure" });

before(() => setDisplaySink({ display: (bundle) => void shown.push(bundle), clearOutput() {} }));
after(() => setDisplaySink(undefined));

describe("plotly loader", () => {
  it("a built bundle carries an empty slot, not the loader, and does not use it up", () => {
    const built = figure();
    assert.ok(built["text/html"].includes(PLOTLY_SLOT));
    assert.ok(!built["text/html"].includes(PLOTLY_MARK));
  });

  it("the first figure shown as Out[n] gets it; a later displayed figure does not, and no slot is left in either", () => {
    const value = { [MIME_BUNDLE]: figure };
    const first = bundleOf(value).data["text/html"] as string;
    assert.ok(first.includes(PLOTLY_MARK));
    assert.ok(!first.includes(PLOTLY_SLOT));
    const { display } = require("../kernel-ext/src/display") as typeof import("../kernel-ext/src/display");
    display(figure());
    const later = shown.at(-1)!["text/html"] as string;
    assert.ok(!later.includes(PLOTLY_MARK) && !later.includes(PLOTLY_SLOT) && later.includes("window.Plotly"));
  });
});
