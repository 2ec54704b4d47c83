/**
 * Active-learning rounds inside `runPipeline`: the budget splits evenly over rounds, a strategy
 * that needs a proxy is scored by the free off-policy evaluator in round one and by a proxy
 * refit on the labels so far afterwards, and nothing is paid twice, also across a resume.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, runPipeline } from "../src/pipeline";
import { roundBudgets } from "../src/stages/query";
import { ledgerRecords, paidCalls } from "../src/oracle/ledger";
import { readLabels } from "../src/store/arrow-tables";
import { readManifest, writeManifest } from "../src/store/manifest";

let tmp: string;
before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-rounds-"))));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const selection = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "selection.json"), "utf8")) as { rounds: string[][]; response_ids: string[] };
/** Untagged calls closed with a score: one per expert label paid for. */
const untaggedLedger = (dir: string) => ledgerRecords(path.join(dir, "ledger.jsonl")).filter((e) => e.tag === undefined && e.status === "scored");

describe("active-learning rounds", () => {
  it("splits a budget evenly, earlier rounds taking the remainder", () => {
    assert.deepEqual(roundBudgets(6, 3), [2, 2, 2]);
    assert.deepEqual(roundBudgets(7, 3), [3, 2, 2]);
    assert.deepEqual(roundBudgets(5, 1), [5]);
  });

  it("labels a batch per round, refits, and pays each tuple once", async () => {
    const dir = path.join(tmp, "r3");
    await runPipeline({ config: resolveConfig("tiny", undefined, { seed: 7, select: { strategy: "uncertainty", budget: 6, rounds: 3 } }), out: dir });
    const sel = selection(dir);
    assert.deepEqual(sel.rounds.map((r) => r.length), [2, 2, 2]);
    assert.equal(new Set(sel.response_ids).size, 6);
    assert.deepEqual(readLabels(path.join(dir, "labels.arrow")).map((l) => l.response_id), sel.response_ids);
    const paid = untaggedLedger(dir);
    assert.equal(paid.length, 6);
    assert.equal(new Set(paid.map((e) => e.key)).size, 6);

    // Round one is scored by the off-policy evaluator: the same picks as a one-round run of that size.
    const one = path.join(tmp, "r1");
    await runPipeline({ config: resolveConfig("tiny", undefined, { seed: 7, select: { strategy: "uncertainty", budget: 2, rounds: 1 } }), out: one });
    assert.deepEqual(selection(one).response_ids, sel.rounds[0]);

    // A crash before the end of selection: the rerun takes the paid labels from the ledger.
    const m = readManifest(dir)!;
    for (const s of Object.keys(m.stages)) if (!["world", "sft", "generate", "embed"].includes(s)) delete m.stages[s];
    writeManifest(dir, m);
    await runPipeline({ config: resolveConfig("tiny", undefined, { seed: 7, select: { strategy: "uncertainty", budget: 6, rounds: 3 } }), out: dir });
    assert.equal(untaggedLedger(dir).length, 6);
    assert.equal(paidCalls(dir), 6);
    assert.deepEqual(selection(dir).response_ids, sel.response_ids);
  });
});
