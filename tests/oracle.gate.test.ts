import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, BadFileError, BudgetExhaustedError, UserError } from "../src/errors";
import { ExpertGate, JudgeFailedError, LEDGER_FILE } from "../src/oracle/gate";
import { RubricOracle } from "../src/oracle/rubric";
import type { JudgeItem, Oracle, OracleOutcome } from "../src/oracle/types";
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
  constructor(
    private readonly inner: Oracle,
    private readonly hooks: { delayMs?: (item: JudgeItem) => number; onCall?: (call: number, item: JudgeItem) => void } = {},
  ) {
    this.name = inner.name;
  }
  judgeInput(item: JudgeItem): string {
    return this.inner.judgeInput(item);
  }
  async judge(item: JudgeItem, signal?: AbortSignal): Promise<OracleOutcome> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      this.hooks.onCall?.(this.calls, item);
      const delay = this.hooks.delayMs?.(item) ?? 0;
      if (delay > 0) await sleep(delay);
      return await this.inner.judge(item, signal);
    } finally {
      this.inFlight--;
    }
  }
}

/** An oracle that fails for chosen response ids. */
class FailingOracle implements Oracle {
  readonly name = "failing";
  constructor(private readonly failIds: Set<string>) {}
  judgeInput(item: JudgeItem): string {
    return `${item.prompt}\n${item.response}`;
  }
  async judge(item: JudgeItem): Promise<OracleOutcome> {
    await sleep(1);
    if (this.failIds.has(item.response_id)) return { ok: false, error: "boom", retryable: true };
    return { ok: true, score: 3, rationale: "fine. Score: 3", cost: 2 };
  }
}

function ledgerLines(dir: string): Record<string, unknown>[] {
  const file = path.join(dir, LEDGER_FILE);
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), "ledger ends with a newline");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

describe("ExpertGate", () => {
  test("pays each item once and returns the oracle's labels in input order", async () => {
    const dir = tempRunDir();
    const oracle = new CountingOracle(new RubricOracle({ costPerCall: 0.25 }));
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 10 });
    const items = worldItems(6);
    const rows = await gate.label(items);
    assert.equal(oracle.calls, 6);
    assert.deepEqual(
      rows,
      items.map((item) => {
        const gold = goldRubric(item.prompt, item.response);
        return { response_id: item.response_id, score: gold.score, rationale: gold.rationale, oracle: "rubric", cost: 0.25 };
      }),
    );
    assert.ok(new Set(rows.map((row) => row.score)).size >= 3, "the items spread over the scale");
    assert.equal(gate.paid, 6);
    assert.equal(gate.remaining, 4);
    assert.deepEqual(await gate.label(items), rows);
    assert.equal(oracle.calls, 6, "the second request was served from the cache");
  });

  test("a second gate on the same run dir pays nothing for labels in the ledger", async () => {
    const dir = tempRunDir();
    const items = worldItems(5);
    const first = await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 5 }).label(items);
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 5 });
    assert.equal(gate.paid, 5);
    assert.equal(gate.remaining, 0);
    assert.deepEqual(await gate.label(items.slice().reverse()), first.slice().reverse());
    assert.equal(oracle.calls, 0);
    assert.equal(ledgerLines(dir).length, 5);
  });

  test("a different oracle name is a different cache key", async () => {
    const dir = tempRunDir();
    const items = worldItems(2);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 4 }).label(items);
    const other = new CountingOracle(new FailingOracle(new Set()));
    await new ExpertGate(other, { runDir: dir, budget: 4 }).label(items);
    assert.equal(other.calls, 2);
  });

  test("the budget is a hard stop: the oracle is not called once it is spent", async () => {
    const dir = tempRunDir();
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 3 });
    const items = worldItems(4);
    await gate.label(items.slice(0, 3));
    await assert.rejects(gate.label(items.slice(3)), (error: unknown) => {
      assert.ok(error instanceof BudgetExhaustedError);
      assert.match(error.message, /3 of 3/);
      return true;
    });
    assert.equal(oracle.calls, 3);
    assert.equal(ledgerLines(dir).length, 3);
    // Paid labels stay usable after the budget is gone.
    assert.equal((await gate.label(items.slice(0, 3))).length, 3);
    // A fresh gate counts the budget from the file, not from memory.
    const fresh = new CountingOracle(new RubricOracle());
    await assert.rejects(new ExpertGate(fresh, { runDir: dir, budget: 3 }).label(items.slice(3)), BudgetExhaustedError);
    assert.equal(fresh.calls, 0);
  });

  test("a request larger than the remaining budget throws before paying anything", async () => {
    const dir = tempRunDir();
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 5 });
    const items = worldItems(7);
    await gate.label(items.slice(0, 2));
    await assert.rejects(gate.label(items.slice(0, 6)), (error: unknown) => {
      assert.ok(error instanceof BudgetExhaustedError);
      assert.match(error.message, /4 new labels requested but only 3 of 5/);
      return true;
    });
    assert.equal(oracle.calls, 2);
    assert.equal(ledgerLines(dir).length, 2);
    // Cached items do not count against the request: 2 cached + 3 new fits.
    await gate.label(items.slice(0, 5));
    assert.equal(gate.paid, 5);
  });

  test("the ledger has one line per paid call: call 1..n, the cache key, no times or paths", async () => {
    const dir = tempRunDir();
    const rubric = new RubricOracle({ costPerCall: 1.5 });
    const items = worldItems(4);
    await new ExpertGate(rubric, { runDir: dir, budget: 4 }).label([...items, items[0]]);
    const lines = ledgerLines(dir);
    assert.equal(lines.length, 4);
    lines.forEach((line, i) => {
      const item = items[i];
      const gold = goldRubric(item.prompt, item.response);
      assert.deepEqual(line, {
        call: i + 1,
        key: createHash("sha256").update(`rubric\n${rubric.judgeInput(item)}`).digest("hex"),
        response_id: item.response_id,
        oracle: "rubric",
        score: gold.score,
        rationale: gold.rationale,
        cost: 1.5,
      });
    });
    assert.ok(!fs.readFileSync(path.join(dir, LEDGER_FILE), "utf8").includes(dir), "no paths in the ledger");
  });

  test("a baseline-tagged gate has its own budget, and its lines carry the tag", async () => {
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
    const lines = ledgerLines(dir);
    assert.deepEqual(
      lines.map((line) => [line.call, line.tag, line.response_id]),
      [[1, undefined, "r0"], [2, undefined, "r1"], [1, "baseline", "r2"], [2, "baseline", "r3"], [3, "baseline", "r4"]],
    );
    // The main gate sees the baseline's labels as cached (it re-reads the ledger per request).
    const mainOracle = new CountingOracle(new RubricOracle());
    const mainAgain = new ExpertGate(mainOracle, { runDir: dir, budget: 2 });
    await mainAgain.label(items.slice(0, 5));
    assert.equal(mainOracle.calls, 0);
    await assert.rejects(new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3, tag: "baseline" }).label(items.slice(5)), /\(tag baseline\)/);
  });

  test("a torn last line (killed mid-write) is ignored and the next append starts cleanly", async () => {
    const dir = tempRunDir();
    const items = worldItems(5);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 5 }).label(items.slice(0, 3));
    const file = path.join(dir, LEDGER_FILE);
    fs.appendFileSync(file, '{"call":4,"key":"ab');
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 5 });
    assert.equal(gate.paid, 3);
    await gate.label(items.slice(0, 4));
    assert.equal(oracle.calls, 1, "only the unjournalled item is paid");
    const lines = ledgerLines(dir);
    assert.deepEqual(lines.map((line) => line.call), [1, 2, 3, 4]);
    assert.equal(lines[3].response_id, "r3");
    assert.equal(new ExpertGate(new RubricOracle(), { runDir: dir, budget: 5 }).paid, 4);
  });

  test("a whole last line that lost only its newline counts as paid", async () => {
    const dir = tempRunDir();
    const items = worldItems(4);
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 4 }).label(items.slice(0, 3));
    const file = path.join(dir, LEDGER_FILE);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/\n$/, ""));
    const oracle = new CountingOracle(new RubricOracle());
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 4 });
    assert.equal(gate.paid, 3);
    await gate.label(items);
    assert.equal(oracle.calls, 1);
    assert.deepEqual(ledgerLines(dir).map((line) => line.call), [1, 2, 3, 4]);
  });

  test("a malformed line that is not the torn tail is a BadFileError naming the line", async () => {
    const dir = tempRunDir();
    await new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3 }).label(worldItems(3));
    const file = path.join(dir, LEDGER_FILE);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const cases: [string, RegExp][] = [
      ["not json", /ledger\.jsonl: line 2: not JSON/],
      [JSON.stringify({ ...JSON.parse(lines[1]), score: 9 }), /ledger\.jsonl: line 2: score must be an integer 0\.\.5/],
      [JSON.stringify({ ...JSON.parse(lines[1]), call: 5 }), /ledger\.jsonl: line 2: call 5 out of sequence, expected 2/],
      ["[1,2]", /ledger\.jsonl: line 2: not a JSON object/],
    ];
    for (const [bad, message] of cases) {
      fs.writeFileSync(file, [lines[0], bad, ...lines.slice(2)].join("\n"));
      assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: 3 }), (error: unknown) => {
        assert.ok(error instanceof BadFileError, String(error));
        assert.match(error.message, message);
        return true;
      });
    }
  });

  test("items with the same judge input in one request are paid once", async () => {
    const dir = tempRunDir();
    const [a, b] = worldItems(2);
    const twin = { ...a, response_id: "twin" };
    const oracle = new CountingOracle(new RubricOracle());
    const rows = await new ExpertGate(oracle, { runDir: dir, budget: 2 }).label([a, b, twin, a]);
    assert.equal(oracle.calls, 2);
    assert.deepEqual(rows.map((row) => row.response_id), ["r0", "r1", "twin", "r0"]);
    assert.equal(rows[2].score, rows[0].score);
    assert.equal(ledgerLines(dir).length, 2);
  });

  test("concurrency 4 keeps at most 4 calls in flight and returns rows in input order", async () => {
    const dir = tempRunDir();
    const items = worldItems(12);
    const oracle = new CountingOracle(new RubricOracle(), { delayMs: (item) => 1 + ((Number(item.response_id.slice(1)) * 7) % 5) });
    const gate = new ExpertGate(oracle, { runDir: dir, budget: 12, concurrency: 4 });
    const rows = await gate.label(items);
    assert.equal(oracle.maxInFlight, 4);
    assert.deepEqual(rows.map((row) => row.response_id), items.map((item) => item.response_id));
    assert.deepEqual(rows.map((row) => row.score), items.map((item) => goldRubric(item.prompt, item.response).score));
    const lines = ledgerLines(dir);
    assert.deepEqual(lines.map((line) => line.call), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(lines.map((line) => line.response_id).sort(), items.map((item) => item.response_id).sort());
    assert.equal(gate.remaining, 0);
  });

  test("abort mid-way throws AbortedError and keeps the labels already paid", async () => {
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
    // The rubric saw the abort on call 3 and gave no label: only calls 1-2 were journalled.
    assert.deepEqual(ledgerLines(dir).map((line) => line.response_id), ["r0", "r1"]);
    const resumed = new CountingOracle(new RubricOracle());
    const rows = await new ExpertGate(resumed, { runDir: dir, budget: 5 }).label(items);
    assert.equal(resumed.calls, 3);
    assert.equal(rows.length, 5);
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
    assert.deepEqual(ledgerLines(dir).map((line) => line.response_id).sort(), ["r0", "r1"]);
  });

  test("a failed outcome throws JudgeFailedError after in-flight calls settle; paid labels stay", async () => {
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
    const paid = ledgerLines(dir).map((line) => line.response_id);
    assert.ok(!paid.includes("r2"));
    assert.ok(paid.includes("r0") && paid.includes("r1"));
    assert.equal(paid.length, oracle.calls - 1);
  });

  test("an oracle returning a score outside 0..5 is a failure, not a label", async () => {
    const dir = tempRunDir();
    const liar: Oracle = {
      name: "liar",
      judgeInput: (item) => item.response,
      judge: async () => ({ ok: true, score: 7, rationale: "Score: 7", cost: 0 }),
    };
    await assert.rejects(new ExpertGate(liar, { runDir: dir, budget: 1 }).label(worldItems(1)), JudgeFailedError);
    assert.equal(ledgerLines(dir).length, 0);
  });

  test("bad options are BadOptionErrors", () => {
    const dir = tempRunDir();
    assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: -1 }), /budget: must be an integer >= 0/);
    assert.throws(() => new ExpertGate(new RubricOracle(), { runDir: dir, budget: 1, concurrency: 0 }), /concurrency/);
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
