/**
 * The benchmark's pieces that must hold whatever the timings: the k-center data generator is
 * deterministic (tests and bench share it), and docs/BENCHMARKS.md is exactly what
 * scripts/bench-doc.ts builds from the committed docs/bench/results.json.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { clusteredMatrix } from "../bench/clustered-data";
import { buildBenchmarksDoc } from "../scripts/bench-doc";

const ROOT = path.join(__dirname, "..");

describe("bench", () => {
  it("clusteredMatrix: the same seed gives the same bytes, another seed others; blobs are tighter than the spread between them", () => {
    const a = clusteredMatrix({ rows: 400, dim: 8, clusters: 50, seed: 3 });
    const b = clusteredMatrix({ rows: 400, dim: 8, clusters: 50, seed: 3 });
    const c = clusteredMatrix({ rows: 400, dim: 8, clusters: 50, seed: 4 });
    assert.deepEqual(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer));
    assert.notDeepEqual(Buffer.from(a.data.buffer), Buffer.from(c.data.buffer));
    // Nearest-neighbour distances within blobs are far below the typical distance between rows.
    const d = (i: number, j: number) => {
      let s = 0;
      for (let t = 0; t < 8; t++) s += (a.data[i * 8 + t] - a.data[j * 8 + t]) ** 2;
      return s;
    };
    let nearest = 0;
    let typical = 0;
    for (let i = 0; i < 50; i++) {
      let best = Infinity;
      for (let j = 0; j < 400; j++) if (j !== i) best = Math.min(best, d(i, j));
      nearest += best / 50;
      typical += d(i, (i + 200) % 400) / 50;
    }
    assert.ok(nearest * 5 < typical, `nearest ${nearest} vs typical ${typical}`);
  });

  it("docs/BENCHMARKS.md is exactly what scripts/bench-doc.ts builds from docs/bench/results.json", () => {
    const results = JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "bench", "results.json"), "utf8"));
    assert.equal(
      fs.readFileSync(path.join(ROOT, "docs", "BENCHMARKS.md"), "utf8"),
      buildBenchmarksDoc(results),
      "docs/BENCHMARKS.md is stale or hand-edited: run node --import tsx scripts/bench-doc.ts",
    );
  });

  it("pages that send readers to a BENCHMARKS.md section name one that exists and holds measured figures", () => {
    const benchmarks = fs.readFileSync(path.join(ROOT, "docs", "BENCHMARKS.md"), "utf8");
    const cited: [string, string][] = [
      ["docs/kernel.md", "The kernel against stock tslab"],
      ["docs/lab.md", "The uncertainty explorer in the lab against bare plotly"],
      ["docs/lab-kernel.md", "The explorer's projection in the kernel"],
    ];
    for (const [page, heading] of cited) {
      const text = fs.readFileSync(path.join(ROOT, page), "utf8").replace(/\s+/g, " ");
      assert.ok(text.includes(`("${heading}`), `${page} no longer cites "${heading}"`);
      const at = benchmarks.indexOf(`\n## ${heading}`);
      assert.ok(at >= 0, `docs/BENCHMARKS.md has no section starting "${heading}"`);
      const body = benchmarks.slice(at + 4, benchmarks.indexOf("\n## ", at + 4));
      assert.match(body, /_Measured \d{4}-\d\d-\d\d/, `"${heading}" in docs/BENCHMARKS.md has not been measured`);
    }
  });
});
