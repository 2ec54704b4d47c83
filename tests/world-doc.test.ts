/**
 * docs/world.md's misrank-check block is generated from docs/world/misrank-check.json
 * (scripts/misrank-check.ts --commit, rendered by scripts/misrank-table.ts): the committed page
 * must carry exactly what the renderer makes of the committed runs, and a number changed in the
 * data must change the block.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildMisrankBlock, loadMisrankRuns, MISRANK_MARKERS, withMisrankBlock } from "../scripts/misrank-table";

const ROOT = path.join(__dirname, "..");
const doc = () => fs.readFileSync(path.join(ROOT, "docs", "world.md"), "utf8");

describe("docs/world.md's generated misrank-check block", () => {
  it("is exactly what scripts/misrank-table.ts renders from docs/world/misrank-check.json, between its markers", () => {
    const page = doc();
    assert.equal(page.split(MISRANK_MARKERS.start).length, 2, "docs/world.md must hold one misrank-check:begin marker");
    assert.equal(page.split(MISRANK_MARKERS.end).length, 2, "docs/world.md must hold one misrank-check:end marker");
    assert.equal(page, withMisrankBlock(page, buildMisrankBlock(loadMisrankRuns(ROOT))), "docs/world.md's misrank-check block is stale or hand-edited: run node --import tsx scripts/misrank-check.ts --commit");
  });

  it("reads its numbers from the runs: a changed value changes the table and the summary", () => {
    const runs = loadMisrankRuns(ROOT);
    const before = buildMisrankBlock(runs);
    const changed = structuredClone(runs);
    // A run where the misranked families rank below the others: lifting them above must lower the count.
    const run = changed.find((r) => r.policy_pair_accuracy_misranked !== null && r.policy_pair_accuracy_misranked < r.policy_pair_accuracy_other!)!;
    run.policy_pair_accuracy_misranked = 0.987654;
    const after = buildMisrankBlock(changed);
    assert.notEqual(after, before);
    assert.match(after, /\| 0\.988 \|/);
    const below = (text: string) => Number(/below the other families' in (\d+) of/.exec(text)![1]);
    assert.equal(below(after), below(before) - 1);
  });

  it("a page without its markers is refused, not rewritten", () => {
    assert.throws(() => withMisrankBlock("# no block here\n", "x"), /misrank-check:begin/);
  });
});
