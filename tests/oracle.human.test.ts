/**
 * The human oracle's library API (src/oracle/human.ts), which `proxyrm label` and the lab's
 * labelling widget share: the queue, submit journalled before it resolves, a resend recorded
 * once, bad scores refused, the lock held while open; and the config rules for `--human`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BadOptionError, UserError } from "../src/errors";
import { HumanLabeller, LabelsAwaitedError } from "../src/oracle/human";
import { ledgerRecords, paidCalls } from "../src/oracle/ledger";
import { resolveConfig, runPipeline } from "../src/pipeline";
import { RunLockedError, holdsRunDir } from "../src/store/run-lock";

let tmp: string;
let dir: string;
const config = () => resolveConfig("tiny", undefined, { seed: 13, oracle: { kind: "human", person: "bo" }, baselines: false });

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-human-"));
  dir = path.join(tmp, "run");
  await assert.rejects(runPipeline({ config: config(), out: dir }), (error: unknown) => {
    assert.ok(error instanceof LabelsAwaitedError, String(error));
    assert.equal(error.message, `${dir}: 4 of 4 selected tuples await a score from bo: run \`proxyrm label ${dir}\`, then this command again`);
    return true;
  });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("HumanLabeller", () => {
  it("queues the selection in pick order; submit journals before resolving; a resend is recorded once", async () => {
    const selection = (JSON.parse(fs.readFileSync(path.join(dir, "selection.json"), "utf8")) as { response_ids: string[] }).response_ids;
    const labeller = HumanLabeller.open(dir);
    try {
      assert.ok(holdsRunDir(dir), "the labeller holds the run directory");
      assert.deepEqual(labeller.queue().map((t) => t.response_id), selection);
      assert.ok(labeller.queue().every((t) => t.prompt.length > 0 && t.task.length > 0));
      const first = await labeller.submit(selection[0], 3, "close");
      // Resolved: the scored record is already on disk.
      const scored = ledgerRecords(path.join(dir, "ledger.jsonl")).filter((r) => r.status === "scored");
      assert.deepEqual(scored.map((r) => [r.response_id, r.oracle, (r as { score: number }).score, (r as { rationale: string }).rationale]), [[selection[0], "human:bo", 3, "close"]]);
      assert.deepEqual(first, { response_id: selection[0], score: 3, note: "close", duplicate: false, progress: { labelled: 1, total: 4, remaining: 3 } });
      const again = await labeller.submit(selection[0], 5, "changed my mind");
      assert.equal(again.duplicate, true);
      assert.equal(again.score, 3, "the first score stands");
      assert.equal(paidCalls(dir), 1);
      await assert.rejects(labeller.submit(selection[1], 6), BadOptionError);
      await assert.rejects(labeller.submit(selection[1], 2.5), BadOptionError);
      await assert.rejects(labeller.submit(selection[1], 2, "x".repeat(4001)), /note: must be text of at most 4000/);
      await assert.rejects(labeller.submit("nope", 2), /response nope is not one of the 4 selected tuples/);
      assert.deepEqual(labeller.queue().map((t) => t.response_id), selection.slice(1));
      assert.throws(() => HumanLabeller.open(dir, { name: "someone" }), /--name: .* is labelled by "bo", not "someone"/);
    } finally {
      labeller.close();
    }
    assert.ok(!holdsRunDir(dir));
  });

  it("another process's lock keeps a labeller out", () => {
    fs.writeFileSync(path.join(dir, "proxyrm.lock"), JSON.stringify({ pid: 4242, host: "elsewhere" }));
    try {
      assert.throws(() => HumanLabeller.open(dir), RunLockedError);
    } finally {
      fs.rmSync(path.join(dir, "proxyrm.lock"));
    }
  });

  it("once every tuple has a score, the same run finishes from them", async () => {
    const labeller = HumanLabeller.open(dir);
    for (const t of labeller.queue()) await labeller.submit(t.response_id, 4);
    labeller.close();
    const result = await runPipeline({ config: config(), out: dir });
    assert.equal(result.metrics!.expert_queries, 4);
    assert.equal(result.metrics!.expert_failed_items, 0);
  });
});

describe("--human in the config", () => {
  const cases: [Parameters<typeof resolveConfig>[2], RegExp][] = [
    [{ oracle: { kind: "human", person: "bo" }, baselines: true }, /--baselines: the expert-only baseline would need a person/],
    [{ oracle: { kind: "human", person: "bo" }, baselines: false, select: { rounds: 2 } }, /--rounds: a person labels the selection in one round/],
    [{ oracle: { kind: "human", person: "b o" }, baselines: false }, /--human: a person's name of letters/],
    [{ oracle: { kind: "human" }, baselines: false }, /--human: a person's name/],
    [{ oracle: { kind: "rubric", person: "bo" } }, /oracle\.person: is for oracle\.kind "human"/],
  ];
  for (const [flags, message] of cases) {
    it(message.source, () => {
      assert.throws(() => resolveConfig("tiny", undefined, flags), (error: unknown) => error instanceof UserError && message.test(error.message));
    });
  }
});
