/**
 * docs/proxy.md's heads-vs-EFT block is generated from the committed builtin-dpo and eft-dpo
 * sweeps (scripts/proxy-kinds.ts, written by scripts/results.ts): the page must carry exactly
 * what the renderer makes of the committed rows, and a changed value must change the block.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { withMarkedBlock } from "../scripts/doc-block";
import { buildProxyKindsBlock, loadProxyKindsRows, PROXY_KINDS_MARKERS } from "../scripts/proxy-kinds";

const ROOT = path.join(__dirname, "..");

describe("docs/proxy.md's generated heads-vs-EFT block", () => {
  it("is exactly what scripts/proxy-kinds.ts renders from the committed sweeps, between its markers", () => {
    const page = fs.readFileSync(path.join(ROOT, "docs", "proxy.md"), "utf8");
    assert.equal(page.split(PROXY_KINDS_MARKERS.start).length, 2, "docs/proxy.md must hold one proxy-kinds:begin marker");
    const { heads, eft } = loadProxyKindsRows(ROOT);
    assert.equal(page, withMarkedBlock(page, PROXY_KINDS_MARKERS, buildProxyKindsBlock(heads, eft), "docs/proxy.md"), "docs/proxy.md's block is stale or hand-edited: run node --import tsx scripts/results.ts");
  });

  it("pairs by seed over the cells both sweeps have: a seed or strategy only one sweep has changes nothing", () => {
    const { heads, eft } = loadProxyKindsRows(ROOT);
    const before = buildProxyKindsBlock(heads, eft);
    // builtin-dpo has strategies and a budget eft-dpo lacks; they are already left out. A seed only one side has is too.
    const extraSeed = eft.filter((r) => r.seed === eft[0].seed).map((r) => ({ ...r, seed: 999, metrics: { ...r.metrics, proxy_spearman: -1 } }));
    assert.equal(buildProxyKindsBlock(heads, [...eft, ...extraSeed]), before);
    // A value both sides have moves the table.
    const changed = structuredClone(eft);
    for (const r of changed) r.metrics.proxy_spearman = 0.9;
    const after = buildProxyKindsBlock(heads, changed);
    assert.notEqual(after, before);
    assert.match(after, /\| proxy Spearman vs gold \| [\d.]+ ± [\d.]+ \| 0\.900 ± 0\.000 \| -/);
  });

  it("refuses sweeps with nothing in common instead of printing an empty comparison", () => {
    const { heads, eft } = loadProxyKindsRows(ROOT);
    assert.throws(() => buildProxyKindsBlock(heads, eft.map((r) => ({ ...r, seed: r.seed + 1000 }))), /share too few cells/);
  });
});
