/**
 * The committed notebooks that scripts/notebooks.sh executes and publishes: saved with their
 * outputs (every code cell ran, no errors, proxyrm outputs for the lab extension to draw),
 * without the 4.8 MB plotly loader, on the public API only; and their HTML copies in
 * docs/notebooks/ load plotly once from plotly.min.js and show the plots' fallbacks.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const ROOT = path.join(__dirname, "..");
/** Every notebook in notebooks/: all of them are committed executed. */
const PUBLISHED = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).map((f) => f.replace(/\.ipynb$/, "")).sort();
/** The mark the inlined plotly bundle carries (its banner). */
const PLOTLY_MARK = "plotly.js v";

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  name?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join("") : s);

describe("published notebooks", () => {
  for (const name of PUBLISHED) {
    it(`${name}: committed executed, small, public API only; its HTML copy is in docs/notebooks`, () => {
      const file = path.join(ROOT, "notebooks", `${name}.ipynb`);
      const raw = fs.readFileSync(file, "utf8");
      assert.ok(raw.length < 3_000_000, `${name}.ipynb is ${raw.length} bytes`);
      assert.ok(!raw.includes(PLOTLY_MARK), "no inlined plotly in the saved notebook");
      const cells = (JSON.parse(raw) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
      for (const cell of cells) {
        assert.ok(!/from\s+["'][^"']*\/dist\//.test(text(cell.source)), `imports a dist/ path: ${text(cell.source).slice(0, 120)}`);
        // Executed: every code cell ran (declarations and comments may show nothing).
        assert.equal(typeof cell.execution_count, "number", `a code cell that did not run: ${text(cell.source).slice(0, 80)}`);
        assert.ok(!(cell.outputs ?? []).some((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr")), `an error in: ${text(cell.source).slice(0, 80)}`);
      }
      assert.ok(cells.filter((c) => (c.outputs ?? []).length > 0).length >= cells.length / 2, "most code cells show something");
      const mimes = cells.flatMap((c) => (c.outputs ?? []).flatMap((o) => Object.keys(o.data ?? {})));
      assert.ok(mimes.some((m) => m.startsWith("application/vnd.proxyrm.")), "proxyrm outputs for the lab extension");

      const html = fs.readFileSync(path.join(ROOT, "docs", "notebooks", `${name}.html`), "utf8");
      assert.match(html, /<head>\n<script src="plotly\.min\.js"><\/script>/);
      assert.ok(!html.includes(PLOTLY_MARK), "the HTML copy loads plotly from plotly.min.js, not inlined");
      assert.ok(html.includes('class="proxyrm proxyrm-'), "the proxyrm outputs' HTML fallbacks are in the copy");
    });
  }

  it("publishes all six notebooks", () => assert.equal(PUBLISHED.length, 6));

  it("docs/notebooks/plotly.min.js is the plotly the kernel inlines", () => {
    const shipped = fs.readFileSync(path.join(ROOT, "docs", "notebooks", "plotly.min.js"));
    assert.ok(shipped.equals(fs.readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"))));
  });
});
