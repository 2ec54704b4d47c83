/**
 * The issue-11 strategies inside a real (tiny, proxy-only) run on the zipf world: the select
 * stage hands each what it needs (task families, prompt ids, the heads' last layer), the
 * proxy-features space changes what k-center sees, and typiclust-bald's first round takes no
 * proxy (it equals typiclust's) while its second round pays for and uses a refit proxy.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, runPipeline } from "../src/pipeline";
import type { DeepPartial, RunConfig } from "../src/config";
import { readLabels, readPrompts, readResponses } from "../src/store/arrow-tables";

let tmp: string;
before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-select-run-"))));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const selection = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "selection.json"), "utf8")) as { rounds: string[][]; response_ids: string[] };

async function run(name: string, select: DeepPartial<RunConfig["select"]>): Promise<string> {
  const dir = path.join(tmp, name);
  const config = resolveConfig("tiny", { world: { families: "zipf", misrank: 0.3, poolPrompts: 24 } }, { seed: 9, proxyOnly: true, select: { budget: 6, ...select } });
  await runPipeline({ config, out: dir });
  return dir;
}

describe("issue-11 strategies in a run", () => {
  it("each picks budget distinct pool responses and gets a proxy_metrics.json with per-task fields", async () => {
    for (const strategy of ["stratified-random", "typiclust", "probcover", "badge", "d-optimal", "delta-ucb", "drts"]) {
      const dir = await run(strategy, { strategy });
      const ids = selection(dir).response_ids;
      assert.equal(new Set(ids).size, 6, strategy);
      const metrics = JSON.parse(fs.readFileSync(path.join(dir, "proxy_metrics.json"), "utf8"));
      assert.equal(typeof metrics.label_families, "number", strategy);
      assert.ok(metrics.per_task && Object.keys(metrics.per_task).length === metrics.heldout_families, strategy);
      if (strategy === "stratified-random") {
        // Six picks over a pool of more than six families: six families, one label each.
        const prompts = new Map(readPrompts(path.join(dir, "prompts.arrow")).map((p) => [p.prompt_id, p.task]));
        const responses = new Map(readResponses(path.join(dir, "responses.arrow")).map((r) => [r.response_id, r.prompt_id]));
        const poolFamilies = new Set([...prompts].filter(([id]) => id.startsWith("pool")).map(([, t]) => t));
        assert.ok(poolFamilies.size >= 6);
        assert.equal(new Set(ids.map((id) => prompts.get(responses.get(id)!))).size, 6);
        assert.equal(metrics.label_families, 6);
      }
      if (strategy === "delta-ucb") {
        // Pairs: the six picks are three pairs of responses to the same prompt.
        const responses = new Map(readResponses(path.join(dir, "responses.arrow")).map((r) => [r.response_id, r.prompt_id]));
        for (let k = 0; k < 6; k += 2) assert.equal(responses.get(ids[k]), responses.get(ids[k + 1]));
      }
      if (strategy === "drts") {
        // Pairs: every pick but the last has a partner from its prompt picked before it or just
        // after it (a prompt's later pair may reuse a side and cost one query).
        const responses = new Map(readResponses(path.join(dir, "responses.arrow")).map((r) => [r.response_id, r.prompt_id]));
        for (let p = 0; p < 5; p++) {
          assert.ok(ids.slice(0, p + 2).some((id) => id !== ids[p] && responses.get(id) === responses.get(ids[p])), `drts pick ${p}`);
        }
      }
    }
  });

  it("--select-space proxy-features changes coreset-eft's picks", async () => {
    const policy = selection(await run("space-policy", { strategy: "coreset-eft", space: "policy" })).response_ids;
    const features = selection(await run("space-features", { strategy: "coreset-eft", space: "proxy-features" })).response_ids;
    assert.notDeepEqual(features, policy);
  });

  it("typiclust-bald's first round is typiclust's, without a proxy; its second pays and refits", async () => {
    const both = await run("tb", { strategy: "typiclust-bald", rounds: 2 });
    const alone = await run("t", { strategy: "typiclust", budget: 3 });
    assert.deepEqual(selection(both).rounds[0], selection(alone).response_ids);
    assert.equal(selection(both).rounds[1].length, 3);
    assert.equal(readLabels(path.join(both, "labels.arrow")).length, 6);
  });
});
