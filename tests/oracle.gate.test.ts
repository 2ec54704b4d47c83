import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, BadFileError, CallAbortedError, EndpointError, UserError } from "../src/errors";
import { ExpertGate, JudgeFailedError, LEDGER_FILE } from "../src/oracle/gate";
import { ledgerCounts, paidCalls, type LedgerRecord } from "../src/oracle/ledger";
import { holdsRunDir } from "../src/store/run-lock";
import { RubricOracle } from "../src/oracle/rubric";
import type { JudgeItem, JudgeRequest, Oracle, OracleOutcome } from "../src/oracle/types";
import { Rng } from "../src/rng";
import { goldRubric } from "../src/world/rubric";
import { expectedAnswer, samplePrompt } from "../src/world/tasks";

const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempRunDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-gate-"));
  dirs.push(dir);
  return dir;
}

/** Built-in prompts with responses of every quality, so the rubric gives a spread of scores. */
function worldItems(n: number, seed = 1): JudgeItem[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const { prompt } = samplePrompt(rng);
    const answer = expectedAnswer(prompt) as string;
    const variants = [answer, [...answer].reverse().join(""), answer.slice(0, 1), "", `${answer}zz`, "??"];
    return { response_id: `r${i}`, prompt, response: variants[i % variants.length] };
  });
}

/** Wraps an oracle to count calls and the most calls in flight at once. */
class CountingOracle implements Oracle {
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly name: string;
  readonly costPerCall?: number;
  constructor(
    private readonly inner: Oracle,
    private readonly hooks: { delayMs?: (item: JudgeItem) => number; onCall?: (call: number, item: JudgeItem) => void } = {},
  ) {
    this.name = inner.name;
    this.costPerCall = inner.costPerCall;
  }
  judgeInput(item: JudgeItem): string {
    return this.inner.judgeInput(item);
  }
  async judge(item: JudgeItem, signal?: AbortSignal, request?: JudgeRequest): Promise<OracleOutcome> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      this.hooks.onCall?.(this.calls, item);
      const delay = this.hooks.delayMs?.(item) ?? 0;
      if (delay > 0) await sleep(delay);
      return await this.inner.judge(item, signal, request);
    } finally {
      this.inFlight--;
    }
  }
}

/** An oracle that fails for chosen response ids: not billed (a dead endpoint) or billed without a score. */
class FailingOracle implements Oracle {
  readonly name = "failing";
  readonly costPerCall = 2;
  readonly requests: { id: string; reask: boolean }[] = [];
  constructor(
    private readonly failIds: Set<string>,
    private readonly how: "not-billed" | "no-score" | "no-score-once" | "timed-out" = "not-billed",
  ) {}
  judgeInput(item: JudgeItem): string {
    return `${item.prompt}\n${item.response}`;
  }
  async judge(item: JudgeItem, _signal?: AbortSignal, request: JudgeRequest = {}): Promise<OracleOutcome> {
    this.requests.push({ id: item.response_id, reask: request.reask === true });
    await sleep(1);
    if (this.failIds.has(item.response_id)) {
      if (this.how === "not-billed") return { ok: false, billed: false, error: "boom", retryable: true };
      if (this.how === "timed-out") return { ok: false, billed: false, mayHaveBilled: true, error: "timeout after 200 ms; not retried", retryable: false };
      if (this.how === "no-score" || !request.reask) return { ok: false, billed: true, error: "reply has no 'Score: N' line", reply: "I cannot rate this.", cost: 2 };
    }
    return { ok: true, score: 3, rationale: "fine. Score: 3", cost: 2 };
  }
}

const ledgerFile = (dir: string) => path.join(dir, LEDGER_FILE);

function records(dir: string): LedgerRecord[] {
  const file = ledgerFile(dir);
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), "ledger ends with a newline");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as LedgerRecord);
}

const statuses = (dir: string) => records(dir).map((r) => `${r.call}${r.tag ? `/${r.tag}` : ""}:${r.status}:${r.response_id}`);
const key = (oracle: Oracle, item: JudgeItem) => createHash("sha256").update(`${oracle.name}\n${oracle.judgeInput(item)}`).digest("hex");

describe("ExpertGate: labels, cache and budget", () => {
  test("pays each item once and returns the oracle's labels in input order", async () => {
    const dir = tempRunDir();
    const oracle = new CountingOracle(new RubricOracle({ costPerCall: 0.25 }));
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 10 });
    const items = worldItems(6);
    const report = await gate.label(items);
    assert.equal(oracle.calls, 6);
    assert.deepEqual(
      report.labels,
      items.map((item) => {
        const gold = goldRubric(item.prompt, item.response);
        return { response_id: item.response_id, score: gold.score, rationale: gold.rationale, oracle: "rubric", cost: 0.25 };
      }),
    );
    assert.deepEqual([report.failed, report.unknown, report.unasked, report.paidNow, report.recovered], [[], [], [], 6, 0]);
    assert.ok(new Set(report.labels.map((row) => row.score)).size >= 3, "the items spread over the scale");
    assert.equal(gate.paid, 6);
    assert.equal(gate.remaining, 4);
    const again = await gate.label(items);
    assert.deepEqual(again.labels, report.labels);
    assert.equal(again.paidNow, 0);
    assert.equal(oracle.calls, 6, "the second request was served from the cache");
  });

  test("every call is a pending record before the oracle is asked, then the record closing it", async () => {
    const dir = tempRunDir();
    const rubric = new RubricOracle({ costPerCall: 1.5 });
    const items = worldItems(3);
    const seenAtCall: string[] = [];
    const oracle = new CountingOracle(rubric, {
      onCall: () => {
        // Inside the call: the journal already holds this call's pending record, durably.
        const last = records(dir).at(-1)!;
        seenAtCall.push(`${last.call}:${last.status}`);
      },
    });
    await new ExpertGate(oracle, { runDir: dir, budget: 4 }).label([...items, items[0]]);
    assert.deepEqual(seenAtCall, ["1:pending", "2:pending", "3:pending"]);
    const lines = records(dir);
    assert.equal(lines.length, 6);
    items.forEach((item, i) => {
      const gold = goldRubric(item.prompt, item.response);
      const k = key(rubric, item);
      assert.deepEqual(lines[2 * i], { call: i + 1, status: "pending", key: k, response_id: item.response_id, oracle: "rubric", cost: 1.5 });
      assert.deepEqual(lines[2 * i + 1], { call: i + 1, status: "scored", key: k, response_id: item.response_id, oracle: "rubric", cost: 1.5, score: gold.score, rationale: gold.rationale });
    });
    assert.ok(!fs.readFileSync(ledgerFile(dir), "utf8").includes(dir), "no paths in the ledger");
    assert.deepEqual(ledgerCounts(dir), { paid: 3, scored: 3, noScore: 0, unknown: 0, notBilled: 0, cost: 4.5 });
    assert.equal(paidCalls(dir), 3);
    assert.equal(paidCalls(dir, "baseline"), 0);
  });

  test("a second gate on the same run dir pays nothing for labels in the ledger", async () => {
    const dir = tempRunDir();
    const items = worldItems(5);
    const first = await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 5 }).label(items);
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 5 });
    assert.equal(gate.paid, 5);
    assert.equal(gate.remaining, 0);
    assert.deepEqual((await gate.label(items.slice().reverse())).labels, first.labels.slice().reverse());
    assert.equal(oracle.calls, 0);
    assert.equal(records(dir).length, 10);
  });

  test("a different oracle name is a different cache key", async () => {
    const dir = tempRunDir();
    const items = worldItems(2);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 4 }).label(items);
    const other = new CountingOracle(new FailingOracle(new Set()));
    await new ExpertGate(other, { runDir: dir, budget: 4 }).label(items);
    assert.equal(other.calls, 2);
  });

  test("the budget is a hard stop: items past it are not asked, and a fresh gate counts from the file", async () => {
    const dir = tempRunDir();
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 3 });
    const items = worldItems(5);
    const report = await gate.label(items.slice(0, 4));
    assert.equal(oracle.calls, 3);
    assert.deepEqual(report.labels.map((l) => l.response_id), ["r0", "r1", "r2"]);
    assert.deepEqual(report.unasked, ["r3"]);
    // Paid labels stay usable after the budget is gone.
    assert.equal((await gate.label(items.slice(0, 3))).labels.length, 3);
    const fresh = new CountingOracle(new RubricOracle());
    const later = await new ExpertGate(fresh, { runDir: dir, budget: 3 }).label(items);
    assert.equal(fresh.calls, 0);
    assert.deepEqual(later.unasked, ["r3", "r4"]);
    assert.equal(paidCalls(dir), 3);
  });

  test("items with the same judge input in one request are paid once", async () => {
    const dir = tempRunDir();
    const [a, b] = worldItems(2);
    const twin = { ...a, response_id: "twin" };
    const oracle = new CountingOracle(new RubricOracle());
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 2 }).label([a, b, twin, a]);
    assert.equal(oracle.calls, 2);
    assert.deepEqual(report.labels.map((row) => row.response_id), ["r0", "r1", "twin", "r0"]);
    assert.equal(report.labels[2].score, report.labels[0].score);
    assert.equal(paidCalls(dir), 2);
  });

  test("concurrency 4 keeps at most 4 calls in flight; rows in input order; every call opened and closed", async () => {
    const dir = tempRunDir();
    const items = worldItems(12);
    const oracle = new CountingOracle(new RubricOracle(), { delayMs: (item) => 1 + ((Number(item.response_id.slice(1)) * 7) % 5) });
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 12, concurrency: 4 });
    const report = await gate.label(items);
    assert.equal(oracle.maxInFlight, 4);
    assert.deepEqual(report.labels.map((row) => row.response_id), items.map((item) => item.response_id));
    assert.deepEqual(report.labels.map((row) => row.score), items.map((item) => goldRubric(item.prompt, item.response).score));
    const pending = records(dir).filter((r) => r.status === "pending");
    const scored = records(dir).filter((r) => r.status === "scored");
    assert.deepEqual(pending.map((r) => r.call), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(scored.map((r) => r.call).sort((x, y) => x - y), pending.map((r) => r.call));
    assert.equal(gate.remaining, 0);
  });

  test("a baseline-tagged gate has its own budget and call numbers, and its records carry the tag", async () => {
    const dir = tempRunDir();
    const items = worldItems(6);
    const main = new ExpertGate(new RubricOracle(), { runDir: dir, budget: 2 });
    await main.label(items.slice(0, 2));
    const baselineOracle = new CountingOracle(new RubricOracle());
    const baseline = new ExpertGate(baselineOracle, { runDir: dir, budget: 3, tag: "baseline" });
    assert.equal(baseline.paid, 0);
    // items[1] was paid by the main gate: cached whatever the tag.
    await baseline.label(items.slice(1, 5));
    assert.equal(baselineOracle.calls, 3);
    assert.equal(baseline.paid, 3);
    assert.equal(main.paid, 2);
    assert.deepEqual(statuses(dir).filter((s) => s.includes("scored")), ["1:scored:r0", "2:scored:r1", "1/baseline:scored:r2", "2/baseline:scored:r3", "3/baseline:scored:r4"]);
    assert.equal(paidCalls(dir), 2);
    assert.equal(paidCalls(dir, "baseline"), 3);
    const mainOracle = new CountingOracle(new RubricOracle());
    await new ExpertGate(mainOracle, { runDir: dir, budget: 2 }).label(items.slice(0, 5));
    assert.equal(mainOracle.calls, 0, "the main gate sees the baseline's labels as cached");
    const over = await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3, tag: "baseline" }).label(items.slice(5));
    assert.deepEqual(over.unasked, ["r5"]);
  });

  test("label() holds the run directory's lock while it pays", async () => {
    const dir = tempRunDir();
    const held: boolean[] = [];
    const oracle = new CountingOracle(new RubricOracle(), { onCall: () => held.push(holdsRunDir(dir)) });
    await new ExpertGate(oracle, { runDir: dir, budget: 2 }).label(worldItems(2));
    assert.deepEqual(held, [true, true]);
    assert.equal(holdsRunDir(dir), false);
    assert.ok(!fs.existsSync(path.join(dir, "proxyrm.lock")), "the lock file was left behind");
  });
});

describe("ExpertGate: paid failures and re-asks", () => {
  test("a reply with no score is journalled as paid and re-asked once; the re-ask's label is the item's", async () => {
    const dir = tempRunDir();
    const items = worldItems(3);
    const oracle = new FailingOracle(new Set(["r1"]), "no-score-once");
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 5 }).label(items);
    assert.deepEqual(oracle.requests, [
      { id: "r0", reask: false },
      { id: "r1", reask: false },
      { id: "r1", reask: true },
      { id: "r2", reask: false },
    ]);
    assert.deepEqual(report.labels.map((l) => l.response_id), ["r0", "r1", "r2"]);
    assert.equal(report.paidNow, 4);
    assert.deepEqual(statuses(dir), ["1:pending:r0", "1:scored:r0", "2:pending:r1", "2:no-score:r1", "3:pending:r1", "3:scored:r1", "4:pending:r2", "4:scored:r2"]);
    const [noScore, reask] = [records(dir)[3], records(dir)[4]];
    assert.deepEqual(noScore, { call: 2, status: "no-score", key: key(oracle, items[1]), response_id: "r1", oracle: "failing", cost: 2, error: "reply has no 'Score: N' line", rationale: "I cannot rate this." });
    assert.equal((reask as { reask?: boolean }).reask, true);
    assert.deepEqual(ledgerCounts(dir), { paid: 4, scored: 3, noScore: 1, unknown: 0, notBilled: 0, cost: 8 });
  });

  test("no score twice: the item is marked failed and skipped, the others are labelled, and it is never asked again", async () => {
    const dir = tempRunDir();
    const items = worldItems(4);
    const oracle = new FailingOracle(new Set(["r1"]), "no-score");
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 6, concurrency: 2 }).label(items);
    assert.deepEqual(report.labels.map((l) => l.response_id), ["r0", "r2", "r3"]);
    assert.deepEqual(report.failed, ["r1"]);
    assert.equal(oracle.requests.filter((r) => r.id === "r1").length, 2);
    assert.equal(paidCalls(dir), 5);
    const again = new FailingOracle(new Set(["r1"]), "no-score");
    const later = await new ExpertGate(again, { runDir: dir, budget: 6 }).label(items);
    assert.deepEqual(again.requests, [], "a failed item was asked again");
    assert.deepEqual(later.failed, ["r1"]);
  });

  test("re-asks are paid calls: with the budget spent on one, the last item is not asked", async () => {
    const dir = tempRunDir();
    const items = worldItems(3);
    const oracle = new FailingOracle(new Set(["r0"]), "no-score-once");
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 3 }).label(items);
    assert.deepEqual(report.labels.map((l) => l.response_id), ["r0", "r1"]);
    assert.deepEqual(report.unasked, ["r2"]);
    assert.equal(paidCalls(dir), 3);
  });

  test("with no budget left for the re-ask the item is failed, not over budget", async () => {
    const dir = tempRunDir();
    const oracle = new FailingOracle(new Set(["r1"]), "no-score-once");
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 2 }).label(worldItems(2));
    assert.deepEqual(report.failed, ["r1"]);
    assert.equal(paidCalls(dir), 2);
    assert.equal(oracle.requests.length, 2);
  });

  test("an oracle returning a score outside 0..5 is a paid failure, not a label", async () => {
    const dir = tempRunDir();
    const liar: Oracle = {
      name: "liar",
      judgeInput: (item) => item.response,
      judge: async () => ({ ok: true, score: 7, rationale: "Score: 7", cost: 0 }),
    };
    const report = await new ExpertGate(liar, { runDir: dir, budget: 2 }).label(worldItems(1));
    assert.deepEqual(report.failed, ["r0"]);
    assert.deepEqual(statuses(dir), ["1:pending:r0", "1:no-score:r0", "2:pending:r0", "2:no-score:r0"]);
  });

  test("an item out of retries (not billed) is passed over, the others are asked, then the request fails; a rerun asks it", async () => {
    const dir = tempRunDir();
    const items = worldItems(6);
    const oracle = new CountingOracle(new FailingOracle(new Set(["r2"])));
    await assert.rejects(new ExpertGate(oracle, { runDir: dir, budget: 6, concurrency: 2 }).label(items), (error: unknown) => {
      assert.ok(error instanceof JudgeFailedError && error instanceof UserError);
      assert.equal(error.message, "judge failed for response r2: boom");
      assert.equal(error.retryable, true);
      return true;
    });
    assert.equal(oracle.inFlight, 0, "nothing left in flight when the error arrives");
    assert.equal(oracle.calls, 6, "the other items were asked");
    assert.ok(records(dir).some((r) => r.status === "not-billed" && r.response_id === "r2"));
    assert.equal(paidCalls(dir), 5, "the unbilled call is not counted");
    const retry = new CountingOracle(new RubricOracle());
    await new ExpertGate(retry, { runDir: dir, budget: 6 }).label(items);
    assert.equal(retry.calls, 1, "only the unbilled item was asked again");
  });

  test("a timed-out ask that may be billed is an unknown outcome: paid, reported, never asked again; the request goes on", async () => {
    const dir = tempRunDir();
    const items = worldItems(4);
    const oracle = new CountingOracle(new FailingOracle(new Set(["r1"]), "timed-out"));
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 4 }).label(items);
    assert.deepEqual(report.unknown, ["r1"]);
    assert.equal(report.labels.length, 3);
    assert.ok(records(dir).some((r) => r.status === "unknown" && r.response_id === "r1"));
    assert.equal(paidCalls(dir), 4, "the timed-out ask counts against the budget");
    const again = new CountingOracle(new FailingOracle(new Set())); // the same oracle, now answering
    const second = await new ExpertGate(again, { runDir: dir, budget: 8 }).label(items);
    assert.equal(again.calls, 0, "the item is never asked again: a second ask could pay twice");
    assert.deepEqual(second.unknown, ["r1"]);
  });

  test("a 4xx (not billed, not retryable) stops the request at once", async () => {
    const dir = tempRunDir();
    let calls = 0;
    const rejecting: Oracle = {
      name: "rejecting",
      judgeInput: (item) => item.response,
      judge: async () => {
        calls++;
        return { ok: false, billed: false, error: "POST http://x/v1/chat/completions: HTTP 404 no such model", retryable: false };
      },
    };
    await assert.rejects(new ExpertGate(rejecting, { runDir: dir, budget: 5 }).label(worldItems(4)), /judge failed for response r0: .*HTTP 404 no such model$/);
    assert.equal(calls, 1);
    assert.equal(paidCalls(dir), 0);
  });

  test("an EndpointError (the circuit breaker) closes the call as not billed and stops the request", async () => {
    const dir = tempRunDir();
    let calls = 0;
    const tripping: Oracle = {
      name: "tripping",
      judgeInput: (item) => item.response,
      judge: async () => {
        calls++;
        if (calls === 2) throw new EndpointError("http://127.0.0.1:9/v1", "stopped after 5 consecutive transport failures");
        return { ok: true, score: 1, rationale: "Score: 1", cost: 0 };
      },
    };
    await assert.rejects(new ExpertGate(tripping, { runDir: dir, budget: 5 }).label(worldItems(4)), /consecutive transport failures/);
    assert.equal(calls, 2);
    assert.deepEqual(statuses(dir), ["1:pending:r0", "1:scored:r0", "2:pending:r1", "2:not-billed:r1"]);
    assert.equal(paidCalls(dir), 1);
  });
});

describe("ExpertGate: crashes, kills and aborts", () => {
  test("a pending record with no result (a kill mid-call) is an unknown outcome: counted, reported once, never asked again", async () => {
    const dir = tempRunDir();
    const rubric = new RubricOracle();
    const items = worldItems(4);
    await new ExpertGate(rubric, { runDir: dir, budget: 4 }).label(items.slice(0, 1));
    // What a process killed during call 2 leaves: the pending record and nothing after it.
    fs.appendFileSync(ledgerFile(dir), `${JSON.stringify({ call: 2, status: "pending", key: key(rubric, items[1]), response_id: "r1", oracle: "rubric", cost: 1 })}\n`);
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 4 });
    assert.equal(gate.paid, 2, "the pending call counts against the budget");
    const report = await gate.label(items);
    assert.equal(report.recovered, 1);
    assert.deepEqual(report.unknown, ["r1"]);
    assert.deepEqual(report.labels.map((l) => l.response_id), ["r0", "r2", "r3"]);
    assert.equal(oracle.calls, 2, "only r2 and r3 were asked");
    assert.deepEqual(statuses(dir).slice(2, 4), ["2:pending:r1", "2:unknown:r1"]);
    assert.deepEqual(ledgerCounts(dir), { paid: 4, scored: 3, noScore: 0, unknown: 1, notBilled: 0, cost: 4 });
    const again = await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 4 }).label(items);
    assert.equal(again.recovered, 0, "reported once: the unknown outcome is journalled");
    assert.deepEqual(again.unknown, ["r1"]);
  });

  test("a torn pending record (killed mid-append) was never asked: dropped, and the item is asked", async () => {
    const dir = tempRunDir();
    const items = worldItems(3);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3 }).label(items.slice(0, 2));
    fs.appendFileSync(ledgerFile(dir), '{"call":3,"status":"pend');
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 3 });
    assert.equal(gate.paid, 2);
    const report = await gate.label(items);
    assert.equal(oracle.calls, 1);
    assert.equal(report.labels.length, 3);
    assert.deepEqual(statuses(dir).slice(4), ["3:pending:r2", "3:scored:r2"]);
  });

  test("a torn closing record (killed mid-append of the result) leaves the call pending: unknown, not paid twice", async () => {
    const dir = tempRunDir();
    const items = worldItems(2);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 2 }).label(items);
    const text = fs.readFileSync(ledgerFile(dir), "utf8");
    fs.writeFileSync(ledgerFile(dir), text.slice(0, text.lastIndexOf('{"call":2,"status":"scored"') + 30));
    const oracle = new CountingOracle(new RubricOracle());
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 2 }).label(items);
    assert.equal(oracle.calls, 0);
    assert.deepEqual(report.unknown, ["r1"]);
    assert.deepEqual(statuses(dir), ["1:pending:r0", "1:scored:r0", "2:pending:r1", "2:unknown:r1"]);
  });

  test("a whole last record that lost only its newline counts", async () => {
    const dir = tempRunDir();
    const items = worldItems(3);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3 }).label(items.slice(0, 2));
    fs.writeFileSync(ledgerFile(dir), fs.readFileSync(ledgerFile(dir), "utf8").replace(/\n$/, ""));
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 3 });
    assert.equal(gate.paid, 2);
    await gate.label(items);
    assert.equal(oracle.calls, 1);
    assert.deepEqual(statuses(dir), ["1:pending:r0", "1:scored:r0", "2:pending:r1", "2:scored:r1", "3:pending:r2", "3:scored:r2"]);
  });

  test("a ledger from before pending records (one line per scored call) resumes", async () => {
    const dir = tempRunDir();
    const rubric = new RubricOracle();
    const items = worldItems(3);
    const legacy = items.slice(0, 2).map((item, i) => {
      const gold = goldRubric(item.prompt, item.response);
      return JSON.stringify({ call: i + 1, key: key(rubric, item), response_id: item.response_id, oracle: "rubric", score: gold.score, rationale: gold.rationale, cost: 1 });
    });
    fs.writeFileSync(ledgerFile(dir), `${legacy.join("\n")}\n`);
    const oracle = new CountingOracle(new RubricOracle());
    const report = await new ExpertGate(oracle, { runDir: dir, budget: 3 }).label(items);
    assert.equal(oracle.calls, 1);
    assert.equal(report.labels.length, 3);
    assert.deepEqual(statuses(dir).slice(2), ["3:pending:r2", "3:scored:r2"]);
  });

  test("a malformed line that is not the torn tail is a BadFileError naming the line", async () => {
    const dir = tempRunDir();
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3 }).label(worldItems(3));
    const lines = fs.readFileSync(ledgerFile(dir), "utf8").split("\n");
    const at = (i: number) => JSON.parse(lines[i]) as Record<string, unknown>;
    const cases: [string[], RegExp][] = [
      [[lines[0], "not json", ...lines.slice(2)], /ledger\.jsonl: line 2: not JSON/],
      [[lines[0], JSON.stringify({ ...at(1), score: 9 }), ...lines.slice(2)], /line 2: score must be an integer 0\.\.5/],
      [[lines[0], lines[1], JSON.stringify({ ...at(2), call: 5 }), ...lines.slice(3)], /line 3: call 5 out of sequence, expected 2/],
      [[lines[0], "[1,2]", ...lines.slice(2)], /line 2: not a JSON object/],
      [[lines[0], JSON.stringify({ ...at(1), status: "done" }), ...lines.slice(2)], /line 2: status must be one of/],
      [[lines[1], ...lines.slice(2)], /line 1: scored record for call 1 which has no pending record/],
      [[lines[0], lines[1], lines[1], ...lines.slice(2)], /line 3: call 1 closed twice/],
      [[lines[0], JSON.stringify({ ...at(1), response_id: "other" }), ...lines.slice(2)], /line 2: call 1 closed with another key, response or oracle/],
    ];
    for (const [bad, message] of cases) {
      fs.writeFileSync(ledgerFile(dir), bad.join("\n"));
      assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3 }), (error: unknown) => {
        assert.ok(error instanceof BadFileError, String(error));
        assert.match(error.message, message);
        return true;
      });
    }
  });

  test("abort mid-way: AbortedError; a call stopped before it was sent is not billed; a resumed gate pays the rest", async () => {
    const dir = tempRunDir();
    const items = worldItems(5);
    const controller = new AbortController();
    const oracle = new CountingOracle(new RubricOracle(), {
      onCall: (call) => {
        if (call === 3) controller.abort();
      },
    });
    await assert.rejects(new ExpertGate(oracle, { runDir: dir, budget: 5 }).label(items, controller.signal), AbortedError);
    assert.equal(oracle.calls, 3);
    // The rubric saw the abort on call 3 before answering: it bills on delivery, so not billed.
    assert.deepEqual(statuses(dir).slice(4), ["3:pending:r2", "3:not-billed:r2"]);
    assert.equal(paidCalls(dir), 2);
    const resumed = new CountingOracle(new RubricOracle());
    const report = await new ExpertGate(resumed, { runDir: dir, budget: 5 }).label(items);
    assert.equal(resumed.calls, 3);
    assert.equal(report.labels.length, 5);
  });

  test("a call aborted while it may have been billed is journalled as an unknown outcome", async () => {
    const dir = tempRunDir();
    const controller = new AbortController();
    const onWire: Oracle = {
      name: "wire",
      judgeInput: (item) => item.response,
      judge: async () => {
        controller.abort();
        throw new CallAbortedError("request", true);
      },
    };
    await assert.rejects(new ExpertGate(onWire, { runDir: dir, budget: 3 }).label(worldItems(2), controller.signal), AbortedError);
    assert.deepEqual(statuses(dir), ["1:pending:r0", "1:unknown:r0"]);
    assert.equal(paidCalls(dir), 1);
  });

  test("calls in flight when the signal fires are journalled before AbortedError", async () => {
    const dir = tempRunDir();
    const items = worldItems(6);
    const controller = new AbortController();
    // An oracle that ignores the signal, as a call already answered by the server would.
    const oracle = new CountingOracle(new RubricOracle(), {
      delayMs: () => 2,
      onCall: (call) => {
        if (call === 2) controller.abort();
      },
    });
    const deaf: Oracle = { name: oracle.name, judgeInput: (item) => oracle.judgeInput(item), judge: (item) => oracle.judge(item) };
    await assert.rejects(new ExpertGate(deaf, { runDir: dir, budget: 6, concurrency: 2 }).label(items, controller.signal), AbortedError);
    assert.equal(oracle.calls, 2);
    assert.deepEqual(records(dir).filter((r) => r.status === "scored").map((r) => r.response_id).sort(), ["r0", "r1"]);
  });

  test("bad options are BadOptionErrors", () => {
    const dir = tempRunDir();
    assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: -1 }), /budget: must be an integer >= 0/);
    assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: 1, concurrency: 0 }), /concurrency/);
    assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: 1, reasks: -1 }), /reasks/);
    assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: 1, tag: "" }), /tag/);
  });
});

describe("RubricOracle", () => {
  const items = worldItems(60, 3);
  const scoresOf = async (oracle: RubricOracle, list: JudgeItem[]) => {
    const outcomes = await Promise.all(list.map((item) => oracle.judge(item)));
    return new Map(
      outcomes.map((outcome, i) => {
        assert.ok(outcome.ok);
        return [list[i].response_id, outcome];
      }),
    );
  };

  test("noise 0 is exactly the gold rubric", async () => {
    const labels = await scoresOf(new RubricOracle({ noise: 0, seed: 5 }), items);
    for (const item of items) {
      const gold = goldRubric(item.prompt, item.response);
      assert.deepEqual(labels.get(item.response_id), { ok: true, score: gold.score, rationale: gold.rationale, cost: 1 });
    }
  });

  test("noise is deterministic per (seed, item), whatever the order", async () => {
    const noisy = new RubricOracle({ noise: 0.5, seed: 11 });
    const forward = await scoresOf(noisy, items);
    const backward = await scoresOf(new RubricOracle({ noise: 0.5, seed: 11 }), items.slice().reverse());
    const sequential = new Map<string, OracleOutcome>();
    for (const item of items.slice(30).concat(items.slice(0, 30))) sequential.set(item.response_id, await noisy.judge(item));
    let moved = 0;
    for (const item of items) {
      const a = forward.get(item.response_id) as OracleOutcome & { ok: true };
      assert.deepEqual(backward.get(item.response_id), a);
      assert.deepEqual(sequential.get(item.response_id), a);
      const gold = goldRubric(item.prompt, item.response);
      assert.ok(Math.abs(a.score - gold.score) <= 1 && a.score >= 0 && a.score <= 5);
      assert.ok(a.rationale.endsWith(`Score: ${a.score}`), "the rationale's verdict is the noisy score");
      if (a.score !== gold.score) moved++;
    }
    assert.ok(moved > 10 && moved < 50, `about half the labels move (moved ${moved} of 60)`);
    const otherSeed = await scoresOf(new RubricOracle({ noise: 0.5, seed: 12 }), items);
    assert.ok(items.some((item) => (otherSeed.get(item.response_id) as { score: number }).score !== (forward.get(item.response_id) as { score: number }).score));
  });

  test("noise 1 moves every label by exactly one point, staying in 0..5", async () => {
    const labels = await scoresOf(new RubricOracle({ noise: 1, seed: 2 }), items);
    for (const item of items) {
      const gold = goldRubric(item.prompt, item.response).score;
      const score = (labels.get(item.response_id) as { score: number }).score;
      assert.equal(Math.abs(score - gold), 1);
    }
  });

  test("latency honours the AbortSignal", async () => {
    const controller = new AbortController();
    const pending = new RubricOracle({ latencyMs: 60_000 }).judge(worldItems(1)[0], controller.signal);
    setImmediate(() => controller.abort());
    await assert.rejects(pending, AbortedError);
  });

  test("bad options are BadOptionErrors naming the field", () => {
    assert.throws(() => new RubricOracle({ noise: 1.5 }), /rubric\.noise/);
    assert.throws(() => new RubricOracle({ costPerCall: -1 }), /rubric\.costPerCall/);
    assert.throws(() => new RubricOracle({ latencyMs: Number.NaN }), /rubric\.latencyMs/);
    assert.throws(() => new RubricOracle({ seed: 0.5 }), /rubric\.seed/);
  });
});
