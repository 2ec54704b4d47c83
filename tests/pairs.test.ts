/**
 * buildPairs (shared/DESIGN.md "Pairs"): one pair per prompt, best vs worst by score, no pair on
 * a zero margin, a margin below the configured minimum, or identical texts, ties to the earlier
 * response, TRL's column names + margin.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildPairs, type ScoredResponse } from "../src/pairs/build";
import { resolveConfig, runPipeline } from "../src/pipeline";
import { readPairs } from "../src/store/arrow-tables";

const r = (prompt_id: string, text: string, score: number): ScoredResponse => ({
  prompt_id,
  prompt: `prompt of ${prompt_id}`,
  text,
  score,
});

describe("buildPairs", () => {
  it("pairs the best against the worst response of each prompt, with the margin", () => {
    const pairs = buildPairs([
      r("p1", "mid", 3),
      r("p1", "best", 5),
      r("p1", "worst", 1),
      r("p1", "low", 2),
      r("p2", "a", 0.25),
      r("p2", "b", 4.75),
    ]);
    assert.deepEqual(pairs, [
      { prompt: "prompt of p1", chosen: "best", rejected: "worst", margin: 4 },
      { prompt: "prompt of p2", chosen: "b", rejected: "a", margin: 4.5 },
    ]);
  });

  it("keeps prompts in first-seen order even when their responses interleave", () => {
    const pairs = buildPairs([r("q", "x", 1), r("p", "y", 1), r("q", "z", 2), r("p", "w", 0)]);
    assert.deepEqual(
      pairs.map((p) => [p.prompt, p.chosen, p.rejected]),
      [
        ["prompt of q", "z", "x"],
        ["prompt of p", "y", "w"],
      ],
    );
  });

  it("makes no pair for a zero margin or a single response", () => {
    assert.deepEqual(buildPairs([r("p", "a", 3), r("p", "b", 3), r("p", "c", 3)]), []);
    assert.deepEqual(buildPairs([r("p", "only", 5)]), []);
    assert.deepEqual(buildPairs([]), []);
  });

  it("makes no pair when best and worst are the same text", () => {
    // Noisy labels can score one text twice differently; that is no preference.
    assert.deepEqual(buildPairs([r("p", "same", 5), r("p", "same", 2)]), []);
  });

  it("drops pairs whose margin is below minMargin, keeping those at or above it", () => {
    const input = [r("a", "a1", 3.2), r("a", "a2", 3.0), r("b", "b1", 4), r("b", "b2", 3.5), r("c", "c1", 5), r("c", "c2", 1)];
    assert.equal(buildPairs(input).length, 3);
    assert.deepEqual(buildPairs(input, 0.5).map((p) => p.chosen), ["b1", "c1"]);
    assert.deepEqual(buildPairs(input, 1).map((p) => p.chosen), ["c1"]);
    assert.deepEqual(buildPairs(input, 4).map((p) => p.chosen), ["c1"]);
    assert.deepEqual(buildPairs(input, 4.01), []);
    // A zero minimum still makes no pair for a zero margin.
    assert.deepEqual(buildPairs([r("p", "x", 2), r("p", "y", 2)], 0), []);
  });

  it("a run's pairs.minMargin (--min-margin) bounds every pair's margin in pairs.arrow", async () => {
    // Without a minimum, proxy means give nearly every pool prompt a pair, so pairs per query is
    // pool prompts / budget whatever the method does.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-pairs-"));
    try {
      const margins: Record<number, number[]> = {};
      for (const minMargin of [0, 0.5]) {
        const out = path.join(tmp, `m${minMargin}`);
        await runPipeline({ config: resolveConfig("tiny", undefined, { seed: 3, pairs: { minMargin } }), out, until: "pairs" });
        margins[minMargin] = readPairs(path.join(out, "pairs.arrow")).map((p) => p.margin);
      }
      const pool = resolveConfig("tiny").world.poolPrompts;
      assert.ok(margins[0].length >= pool - 1, `${margins[0].length} pairs from ${pool} prompts without a minimum`);
      assert.ok(margins[0.5].every((m) => m >= 0.5), `margins ${margins[0.5]}`);
      assert.equal(margins[0.5].length, margins[0].filter((m) => m >= 0.5).length);
      assert.ok(margins[0.5].length < margins[0].length, "a minimum of 0.5 dropped no pair: the test says nothing");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("breaks ties to the earlier response for both best and worst", () => {
    const pairs = buildPairs([
      r("p", "first-worst", 1),
      r("p", "first-best", 4),
      r("p", "second-best", 4),
      r("p", "second-worst", 1),
    ]);
    assert.deepEqual(pairs, [{ prompt: "prompt of p", chosen: "first-best", rejected: "first-worst", margin: 3 }]);
  });

  it("is a pure function of its input: same input, same pairs, input unmutated", () => {
    const input = [r("a", "x", 2), r("a", "y", 0), r("b", "u", 1), r("b", "v", 5)];
    const copy = structuredClone(input);
    assert.deepEqual(buildPairs(input), buildPairs(copy));
    assert.deepEqual(input, copy);
  });

  it("gives every pair chosen score > rejected score on random data", () => {
    const responses: ScoredResponse[] = [];
    for (let p = 0; p < 20; p++) for (let k = 0; k < 4; k++) responses.push(r(`p${p}`, `t${p}-${k}`, (p * 7 + k * 3) % 6));
    const score = new Map(responses.map((x) => [x.text, x.score]));
    const pairs = buildPairs(responses);
    assert.ok(pairs.length > 0);
    for (const pair of pairs) {
      assert.ok(pair.margin > 0);
      assert.equal(pair.margin, score.get(pair.chosen)! - score.get(pair.rejected)!);
      const group = responses.filter((x) => x.prompt === pair.prompt).map((x) => x.score);
      assert.equal(score.get(pair.chosen), Math.max(...group));
      assert.equal(score.get(pair.rejected), Math.min(...group));
    }
  });
});
