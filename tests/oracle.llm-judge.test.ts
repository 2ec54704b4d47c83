import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { AbortedError } from "../src/errors";
import { ExpertGate, LEDGER_FILE } from "../src/oracle/gate";
import { JUDGE_PROMPT, REASK_LINE, judgeUserMessage, parseScore } from "../src/oracle/judge-prompt";
import { LlmJudgeOracle, type LlmJudgeOptions } from "../src/oracle/llm-judge";
import type { JudgeItem, OracleOutcome } from "../src/oracle/types";
import { goldRubric } from "../src/world/rubric";

const KEY = "sk-test-do-not-leak-7f3a9c";

interface SeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; temperature: number };
}

/** What the fake server does with one request: reply, or hang until the test ends. */
type Behaviour = { status: number; content?: string; body?: string; headers?: Record<string, string> } | "hang" | "gold";

/** A local OpenAI-compatible chat completions server judging with the gold rubric. */
class FakeJudgeServer {
  readonly requests: SeenRequest[] = [];
  /** Behaviours for the next requests, in order; when empty, every request gets "gold". */
  script: Behaviour[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const body = JSON.parse(raw) as SeenRequest["body"];
      this.requests.push({ url: req.url ?? "", headers: req.headers, body });
      const behaviour = this.script.shift() ?? "gold";
      if (behaviour === "hang") return;
      const reply = behaviour === "gold" ? { status: 200, content: gold(body.messages[1].content) } : behaviour;
      const completion = { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: reply.content ?? "" }, finish_reason: "stop" }] };
      const text = reply.body ?? JSON.stringify(completion);
      const headers = reply.headers ?? {};
      const status = reply.status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(text);
    });
  }
}

/** The gold rubric's verdict on the instruction and response in a judge user message. */
function gold(userMessage: string): string {
  const match = /^Instruction:\n([\s\S]*)\n\nResponse:\n([\s\S]*)$/.exec(userMessage);
  assert.ok(match, `user message has the Instruction/Response shape: ${userMessage}`);
  return `The response was checked criterion by criterion.\n${goldRubric(match[1], match[2]).rationale}`;
}

const ITEM: JudgeItem = { response_id: "r1", prompt: "rev abcd", response: "dcbx" };
const outcomesSeen: unknown[] = [];

describe("LlmJudgeOracle against a local OpenAI-compatible server", () => {
  const server = new FakeJudgeServer();
  let url = "";
  before(async () => {
    url = await server.start();
  });
  after(async () => {
    await server.stop();
    // Every outcome any test produced, serialised: the key is in none of them.
    assert.ok(outcomesSeen.length >= 8);
    assert.ok(!JSON.stringify(outcomesSeen).includes(KEY));
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.script = [];
  });

  async function judge(options: Partial<LlmJudgeOptions> = {}, signal?: AbortSignal): Promise<OracleOutcome> {
    const oracle = new LlmJudgeOracle({ url, model: "judge-1", apiKey: KEY, backoffMs: 1, timeoutMs: 5000, costPerCall: 0.01, ...options });
    try {
      const outcome = await oracle.judge(ITEM, signal);
      outcomesSeen.push(outcome);
      return outcome;
    } catch (error) {
      outcomesSeen.push(String(error), (error as Error).stack);
      throw error;
    }
  }

  test("ok: the score is parsed, the reply is the rationale verbatim, the key is sent as a bearer token", async () => {
    const outcome = await judge({ url: `${url}/` });
    const expected = gold(judgeUserMessage(ITEM.prompt, ITEM.response));
    assert.deepEqual(outcome, { ok: true, score: goldRubric(ITEM.prompt, ITEM.response).score, rationale: expected, cost: 0.01 });
    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request.url, "/v1/chat/completions");
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(request.body, {
      model: "judge-1",
      messages: [
        { role: "system", content: JUDGE_PROMPT },
        { role: "user", content: "Instruction:\nrev abcd\n\nResponse:\ndcbx" },
      ],
      temperature: 0,
    });
  });

  test("no key: no Authorization header", async () => {
    const outcome = await judge({ apiKey: undefined });
    assert.ok(outcome.ok);
    assert.equal(server.requests[0].headers.authorization, undefined);
  });

  test("500 twice then ok: three requests, ok", async () => {
    server.script = [{ status: 500, body: "oops" }, { status: 503, body: "busy" }];
    const outcome = await judge();
    assert.ok(outcome.ok);
    assert.equal(server.requests.length, 3);
  });

  test("429 with Retry-After: 0 then ok: the header overrides the backoff", { timeout: 10_000 }, async () => {
    server.script = [{ status: 429, body: "slow down", headers: { "retry-after": "0" } }];
    // A 10-minute backoff: only Retry-After lets this finish inside the test timeout.
    const outcome = await judge({ backoffMs: 600_000 });
    assert.ok(outcome.ok);
    assert.equal(server.requests.length, 2);
  });

  test("400: no retry, a failed outcome with the status", async () => {
    server.script = [{ status: 400, body: '{"error":{"message":"unknown model"}}' }];
    const outcome = await judge();
    assert.equal(server.requests.length, 1);
    assert.ok(!outcome.ok && !outcome.billed);
    assert.equal(outcome.retryable, false);
    assert.match(outcome.error, /HTTP 400 .*unknown model/);
  });

  test("an error body echoing the key is redacted", async () => {
    server.script = [{ status: 401, body: `bad key Bearer ${KEY}` }];
    const outcome = await judge();
    assert.ok(!outcome.ok);
    assert.match(outcome.error, /HTTP 401 bad key Bearer \*\*\*/);
  });

  test("5xx until the retries run out: a retryable failure saying how many tries", async () => {
    server.script = [{ status: 502, body: "" }, { status: 502, body: "" }, { status: 502, body: "" }];
    const outcome = await judge({ retries: 2 });
    assert.equal(server.requests.length, 3);
    assert.deepEqual(outcome, { ok: false, billed: false, error: `POST ${url}/chat/completions: HTTP 502 after 3 tries`, retryable: true });
  });

  test("a server that never answers: one ask, a maybe-billed timeout outcome, never retried", async () => {
    server.script = ["hang", "hang"];
    const outcome = await judge({ timeoutMs: 200, retries: 1 });
    // The provider may still finish and bill it: a retry could pay twice.
    assert.equal(server.requests.length, 1);
    assert.ok(!outcome.ok && !outcome.billed && outcome.mayHaveBilled === true, JSON.stringify(outcome));
    assert.equal(outcome.retryable, false);
    assert.match(outcome.error, /timeout after 200 ms; not retried, the reply may still be billed/);
  });

  test("the caller's signal aborts a request in flight with AbortedError", async () => {
    server.script = ["hang"];
    const controller = new AbortController();
    const pending = judge({}, controller.signal);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await assert.rejects(pending, AbortedError);
  });

  test("a reply without 'Score: N' is a billed failure keeping the reply, not retried by the client", async () => {
    server.script = [{ status: 200, content: "It is quite good." }];
    const outcome = await judge();
    assert.equal(server.requests.length, 1);
    assert.deepEqual(outcome, { ok: false, billed: true, error: "reply has no 'Score: N' line", reply: "It is quite good.", cost: 0.01 });
  });

  test("the re-ask adds the stricter format line to the user message", async () => {
    const oracle = new LlmJudgeOracle({ url, model: "judge-1", backoffMs: 1 });
    const outcome = await oracle.judge(ITEM, undefined, { reask: true });
    assert.ok(outcome.ok);
    assert.equal(server.requests[0].body.messages[1].content, `${judgeUserMessage(ITEM.prompt, ITEM.response)}\n\n${REASK_LINE}`);
    assert.equal(oracle.judgeInput(ITEM), `${JUDGE_PROMPT}\n\n${judgeUserMessage(ITEM.prompt, ITEM.response)}`, "the cache key's text is the item's, re-ask or not");
  });

  test("a 200 that is not a chat completion (truncated JSON) is billed, not retried", async () => {
    for (const body of ["<html>gateway</html>", '{"choices":[{"message":{"content":"Good. Sco']) {
      server.requests.length = 0;
      server.script = [{ status: 200, body }];
      const outcome = await judge();
      assert.equal(server.requests.length, 1);
      assert.ok(!outcome.ok && outcome.billed, JSON.stringify(outcome));
      assert.equal(outcome.reply, body);
    }
  });

  test("429 with Retry-After as an HTTP date then ok", { timeout: 10_000 }, async () => {
    // A fixed date long past, so no clock is read: the client must retry at once.
    server.script = [{ status: 429, body: "slow down", headers: { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" } }];
    // A 10-minute backoff: only the date (already past) lets this finish inside the test timeout.
    const outcome = await judge({ backoffMs: 600_000 });
    assert.ok(outcome.ok);
    assert.equal(server.requests.length, 2);
  });

  test("through the gate: labels carry the reply verbatim, concurrently, in order", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-llm-"));
    try {
      const oracle = new LlmJudgeOracle({ url, model: "judge-1", apiKey: KEY, backoffMs: 1, timeoutMs: 5000, costPerCall: 0.5 });
      const items = ["dcba", "abcd", "", "d"].map((response, i) => ({ response_id: `r${i}`, prompt: "rev abcd", response }));
      const rows = (await new ExpertGate(oracle, { runDir: dir, budget: 4, concurrency: 2 }).label(items)).labels;
      assert.deepEqual(rows.map((row) => row.score), items.map((item) => goldRubric(item.prompt, item.response).score));
      assert.deepEqual(rows.map((row) => row.rationale), items.map((item) => gold(judgeUserMessage(item.prompt, item.response))));
      assert.ok(rows.every((row) => row.oracle === "llm:judge-1" && row.cost === 0.5));
      const ledger = fs.readFileSync(path.join(dir, LEDGER_FILE), "utf8");
      assert.equal(ledger.trim().split("\n").length, 8, "a pending and a scored record per call");
      assert.ok(!ledger.includes(KEY));
      outcomesSeen.push(rows);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("connection refused: a failed outcome naming the url, never the key", async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v1`;
  await new Promise((resolve) => closed.close(resolve));
  const outcome = await new LlmJudgeOracle({ url, model: "m", apiKey: KEY, retries: 1, backoffMs: 1 }).judge(ITEM);
  assert.ok(!outcome.ok && !outcome.billed);
  assert.equal(outcome.retryable, true);
  assert.ok(outcome.error.includes(`${url}/chat/completions`), outcome.error);
  assert.match(outcome.error, /ECONNREFUSED.* after 2 tries$/);
  assert.ok(!JSON.stringify(outcome).includes(KEY));
});

test("the oracle's name and judge input", () => {
  const oracle = new LlmJudgeOracle({ url: "http://127.0.0.1:9/v1", model: "gpt-4o-mini" });
  assert.equal(oracle.name, "llm:gpt-4o-mini");
  assert.equal(oracle.judgeInput(ITEM), `${JUDGE_PROMPT}\n\nInstruction:\nrev abcd\n\nResponse:\ndcbx`);
  assert.throws(() => new LlmJudgeOracle({ url: "not a url", model: "m" }), /judge url/);
  assert.throws(() => new LlmJudgeOracle({ url: "ftp://x/v1", model: "m" }), /judge url/);
  assert.throws(() => new LlmJudgeOracle({ url: "http://x/v1", model: "m", retries: -1 }), /judge retries/);
});

test("the judge prompt is the additive rubric asking for a last 'Score: N' line", () => {
  for (const phrase of ["Add 1 point", "substantial portion", "basic elements", "AI Assistant's perspective", "impeccably tailored", 'Score: <total points>']) {
    assert.ok(JUDGE_PROMPT.includes(phrase), phrase);
  }
});

describe("parseScore", () => {
  const cases: [string, number | undefined][] = [
    ["Score: 4", 4],
    ["Good answer.\nScore: 0", 0],
    ["Score: 5", 5],
    ["Score: 4/5", 4],
    ["Score: 4 / 5", 4],
    ["**Score:** 3", 3],
    ["**Score: 2**", 2],
    ["Score: **1**", 1],
    ["score: 3", 3],
    ["Score: 4.", 4],
    ["First I thought Score: 2, but on reflection\nScore: 5", 5],
    ["Score: 3\nScore: 9", undefined],
    ["Score: 6", undefined],
    ["Score: 4.5", undefined],
    ["Score: 4/10", undefined],
    ["Score: <total points>", undefined],
    ["Score: -1", undefined],
    ["subscore: 3", undefined],
    ["I give it 4 points.", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) {
    test(JSON.stringify(text), () => assert.equal(parseScore(text), expected));
  }
});
