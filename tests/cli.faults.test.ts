/**
 * Paid labels under failure, through the real CLI (src/dist/cli/main.js) and a fault-injecting
 * judge on 127.0.0.1 (helpers/fault-judge.ts) that counts what a provider would bill:
 *
 * - faults of every kind (429 with Retry-After in seconds and as a date, 500, hangs, dropped
 *   connections, truncated JSON, replies with no score): the run finishes, paid failures are
 *   re-asked once then skipped and reported;
 * - a dead judge mid-run: the circuit breaker stops the run, the same command resumes it;
 * - a real `kill -9` of the CLI at several moments, then the same command;
 * - two processes on one run directory;
 * - a dead or wrong endpoint found by the free probe, before any training.
 *
 * After each: every reply the judge billed is in the journal (lost = 0), no label was bought
 * twice (duplicates = 0), the budget was never exceeded, and the API key is in no file, log or
 * error. The counts are printed as test diagnostics for the docs.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { JUDGE_PROMPT } from "../src/oracle/judge-prompt";
import { ledgerCounts, ledgerRecords, type LedgerRecord } from "../src/oracle/ledger";
import { readLabels } from "../src/store/arrow-tables";
import { build } from "./helpers/build";
import { FAULTS, FaultJudge, type Behaviour, type Fault } from "./helpers/fault-judge";
import { listTree, snapshot } from "./helpers/tree";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");
const SECRET = "sk-test-FAULTS-9d8c7b6a";
const MODEL = "fault-judge";

let tmp: string;
const judge = new FaultJudge({ model: MODEL, apiKey: SECRET, replyDelayMs: 5 });
let url: string;

before(async () => {
  if (!fs.existsSync(BIN)) assert.equal(build().status, 0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-faults-"));
  url = await judge.start();
});

after(async () => {
  await judge.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Every output of every run, to check the key never reached a terminal. */
const outputs: string[] = [];

/** Runs the bin with the key in the environment only; `watch` may kill it. */
function proxyrm(args: string[], cwd: string, watch?: (child: ChildProcess, stderr: () => string) => void, env: Record<string, string> = { PROXYRM_JUDGE_API_KEY: SECRET }): Promise<Outcome> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.PROXYRM_JUDGE_API_KEY) delete childEnv.PROXYRM_JUDGE_API_KEY;
  delete childEnv.OPENAI_API_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      outputs.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr, pid: child.pid! });
    });
    watch?.(child, () => stderr);
  });
}

function workDir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const nonEmptyLines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
const errorLines = (text: string) => nonEmptyLines(text).filter((l) => l.startsWith("proxyrm: "));

/** The ledger key of a judged item (what the server sees as the user message). */
const keyOf = (item: string) => createHash("sha256").update(`llm:${MODEL}\n${JUDGE_PROMPT}\n\n${item}`).digest("hex");

function filesContaining(dir: string, needle: string): string[] {
  return listTree(dir).filter((n) => !n.endsWith("/") && fs.readFileSync(path.join(dir, n)).includes(needle));
}

interface Accounting {
  requests: number;
  faults: number;
  billed: number;
  paid: number;
  failedItems: number;
  duplicates: number;
  lost: number;
}

/**
 * Checks the journal against what the judge billed, after the run finished:
 * - lost: billed replies the journal has no paid call for, plus scored calls whose label is
 *   missing from labels.arrow;
 * - duplicates: items billed again although their first billed reply had a score, or billed
 *   more than once plus the one re-ask;
 * - the budget: neither the billed replies nor the journal's paid calls exceed it;
 * - every call is closed.
 */
function account(dir: string, budget: number): Accounting {
  const records = ledgerRecords(path.join(dir, "ledger.jsonl"));
  const closedBy = new Map<number, LedgerRecord>();
  for (const r of records) if (r.status !== "pending") closedBy.set(r.call, r);
  const pending = records.filter((r) => r.status === "pending");
  assert.ok(pending.every((p) => closedBy.has(p.call)), "a call is still pending after a finished run");
  const paidByKey = new Map<string, number>();
  for (const p of pending) if (closedBy.get(p.call)!.status !== "not-billed") paidByKey.set(p.key, (paidByKey.get(p.key) ?? 0) + 1);
  let lost = 0;
  let duplicates = 0;
  for (const [item, billed] of judge.billed) {
    lost += Math.max(0, billed - (paidByKey.get(keyOf(item)) ?? 0));
    if (billed > 2 || (billed > 1 && judge.scoredFirst.has(item))) duplicates++;
  }
  const labelled = new Set(readLabels(path.join(dir, "labels.arrow")).map((l) => l.response_id));
  lost += records.filter((r) => r.status === "scored" && !labelled.has(r.response_id)).length;
  const counts = ledgerCounts(dir);
  assert.ok(judge.billedTotal <= budget, `the judge billed ${judge.billedTotal} replies for a budget of ${budget}`);
  assert.ok(counts.paid <= budget, `the journal counts ${counts.paid} paid calls for a budget of ${budget}`);
  const metrics = JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")) as { expert_queries: number; expert_failed_items: number };
  assert.equal(metrics.expert_queries, counts.paid);
  return {
    requests: judge.requests,
    faults: Object.values(judge.faults).reduce((a, b) => a + b, 0),
    billed: judge.billedTotal,
    paid: counts.paid,
    failedItems: metrics.expert_failed_items,
    duplicates,
    lost,
  };
}

function noSecretAnywhere(cwd: string): void {
  assert.deepEqual(filesContaining(cwd, SECRET), [], "the API key reached a file");
  assert.ok(!outputs.some((o) => o.includes(SECRET)), "the API key reached stdout or stderr");
}

/** Sums scenario counts for the closing diagnostic. */
const totals: Accounting = { requests: 0, faults: 0, billed: 0, paid: 0, failedItems: 0, duplicates: 0, lost: 0 };
function report(t: TestContext, name: string, a: Accounting): void {
  for (const k of Object.keys(totals) as (keyof Accounting)[]) totals[k] += a[k];
  t.diagnostic(`${name}: requests ${a.requests}, faults ${a.faults}, paid ${a.paid} (judge billed ${a.billed}), failed items ${a.failedItems}, duplicates ${a.duplicates}, lost ${a.lost}`);
  assert.equal(a.duplicates, 0);
  assert.equal(a.lost, 0);
}

const TINY = (out: string, budget: number, concurrency: number) => [
  "run", "--preset", "tiny", "--seed", "7", "--out", out, "--budget", String(budget),
  "--judge-url", url, "--judge-model", MODEL, "--judge-concurrency", String(concurrency), "--config", "judge.json",
];
/** Short timeouts and backoff, so hangs and retries take milliseconds. */
const JUDGE_CONFIG = JSON.stringify({ oracle: { timeoutMs: 400, backoffMs: 20, retries: 3 } });
/**
 * For exact counts: a good reply held up past the timeout by a loaded machine would end as a
 * timed-out ask (paid, unknown) and change them, so only the hangs should reach it.
 */
const COUNTING_JUDGE_CONFIG = JSON.stringify({ oracle: { timeoutMs: 3000, backoffMs: 20, retries: 3 } });

// ---------------------------------------------------------------- faults

describe("a judge that fails in every way real endpoints do", () => {
  it("the run finishes; re-asks are paid, failed items skipped and counted; nothing lost or paid twice", async (t) => {
    const cwd = workDir("faults");
    fs.writeFileSync(path.join(cwd, "judge.json"), COUNTING_JUDGE_CONFIG);
    judge.reset();
    // Each new item in turn gets the next fault on its first request, then good replies; the
    // first item whose reply had no score gets no score on its re-ask too.
    const faultOf = new Map<string, Fault | "ok">();
    let firstNoScore: string | undefined;
    judge.plan = ({ item, nthForItem }): Behaviour => {
      if (!faultOf.has(item)) {
        const fault = faultOf.size < 2 * FAULTS.length ? FAULTS[faultOf.size % FAULTS.length] : "ok";
        faultOf.set(item, fault);
        if (fault === "no-score") firstNoScore ??= item;
      }
      if (nthForItem === 0) return faultOf.get(item)!;
      return nthForItem === 1 && item === firstNoScore ? "no-score" : "ok";
    };
    const budget = 20;
    const result = await proxyrm(TINY("run", budget, 3), cwd);
    assert.equal(result.code, 0, result.stderr);
    for (const f of FAULTS) assert.ok(judge.faults[f] >= 1, `fault ${f} never injected: ${JSON.stringify(judge.faults)}`);
    const a = account(path.join(cwd, "run"), budget);
    const counts = ledgerCounts(path.join(cwd, "run"));
    // Two truncated replies and two without a score: four paid failures, four re-asks.
    assert.equal(counts.noScore, 5, JSON.stringify(counts));
    // A hang is a timed-out ask: never retried (the provider may still bill it), counted as paid
    // of unknown outcome. So the journal pays every billed reply plus each hang, nothing else.
    const hangs = judge.faults.hang;
    assert.equal(counts.unknown, hangs, JSON.stringify(counts));
    assert.equal(a.paid, a.billed + hangs, "the journal pays every billed reply and every timed-out ask, nothing else");
    // One item failed for good, the hangs' items have no label, and the budget four re-asks
    // used leaves the last four picks unasked.
    assert.equal(a.failedItems, 1 + hangs + 4);
    assert.match(result.stderr, /label: 1 item failed \(no score in the judge's replies, a re-ask included\); skipped/);
    assert.match(result.stderr, new RegExp(`label: ${hangs} items without a label: a call's outcome is unknown; skipped`));
    assert.match(result.stderr, /label: 4 items not asked: the budget went on re-asks/);
    assert.match(result.stdout, new RegExp(`items without a label ${1 + hangs + 4} `));
    report(t, "faults", a);
    noSecretAnywhere(cwd);
  });

  it("a judge that dies mid-run: the breaker stops it after 5 transport failures; the same command finishes it", async (t) => {
    const cwd = workDir("breaker");
    fs.writeFileSync(path.join(cwd, "judge.json"), JUDGE_CONFIG);
    judge.reset();
    let answered = 0;
    judge.plan = () => (answered++ < 3 ? "ok" : "500");
    const budget = 8;
    const down = await proxyrm(TINY("run", budget, 1), cwd);
    assert.equal(down.code, 2, down.stderr);
    const errors = errorLines(down.stderr);
    assert.equal(errors.length, 1, down.stderr);
    assert.equal(nonEmptyLines(down.stderr).at(-1), errors[0]);
    assert.match(errors[0], new RegExp(`^proxyrm: ${url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: judge endpoint stopped the run after 5 consecutive transport failures \\(last: HTTP 500`));
    assert.equal(judge.requests, 3 + 5, "calls stopped at the fifth failure in a row");
    assert.equal(ledgerCounts(path.join(cwd, "run")).paid, 3);
    judge.plan = () => "ok";
    const back = await proxyrm(TINY("run", budget, 1), cwd);
    assert.equal(back.code, 0, back.stderr);
    const a = account(path.join(cwd, "run"), budget);
    assert.equal(a.paid, budget);
    report(t, "breaker", a);
    noSecretAnywhere(cwd);
  });
});

// ---------------------------------------------------------------- kill -9

interface KillScenario {
  name: string;
  /** Arms the kill for run `attempt` (0-based); returns a cleanup run after the kill. */
  arm(child: ChildProcess, stderr: () => string, dir: string, attempt: number): () => void;
  /** How many runs are killed before the one that finishes. */
  kills: number;
}

const sigkill = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
};

const KILLS: KillScenario[] = [
  {
    name: "while a judge request is in flight (its reply held back)",
    kills: 1,
    arm(child) {
      judge.plan = ({ n }) => (n === 3 ? "hold" : "ok");
      judge.onRequest = ({ n }) => n === 3 && sigkill(child);
      // The provider finishes the held request after the client died: billed, never received.
      return () => judge.release();
    },
  },
  {
    name: "just after the judge billed a reply",
    kills: 1,
    arm(child) {
      judge.onBilled = (total) => total === 4 && sigkill(child);
      return () => undefined;
    },
  },
  {
    name: "right after a pending record reached the disk",
    kills: 1,
    arm(child, _stderr, dir) {
      const file = path.join(dir, "ledger.jsonl");
      const timer = setInterval(() => {
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if ((text.match(/"status":"pending"/g) ?? []).length >= 5) sigkill(child);
      }, 1);
      return () => clearInterval(timer);
    },
  },
  {
    name: "after labelling, during training",
    kills: 1,
    arm(child, stderr) {
      const timer = setInterval(() => /\[label\] done/.test(stderr()) && sigkill(child), 1);
      return () => clearInterval(timer);
    },
  },
  {
    name: "twice: mid-request, then mid-request of the resumed run",
    kills: 2,
    arm(child, _stderr, _dir, attempt) {
      const at = attempt === 0 ? 2 : judge.requests + 2;
      judge.plan = ({ n }) => (n === at ? "hold" : "ok");
      judge.onRequest = ({ n }) => n === at && sigkill(child);
      return () => judge.release();
    },
  },
];

describe("kill -9 at any moment, then the same command", () => {
  KILLS.forEach((scenario, i) => {
    it(`${scenario.name}: zero labels lost, zero paid twice, the budget never exceeded`, async (t) => {
      const cwd = workDir(`kill-${i}`);
      fs.writeFileSync(path.join(cwd, "judge.json"), JUDGE_CONFIG);
      const dir = path.join(cwd, "run");
      const budget = 8;
      judge.reset();
      judge.plan = () => "ok";
      const stderrs: string[] = [];
      for (let attempt = 0; attempt < scenario.kills; attempt++) {
        let cleanup = () => {};
        const killed = await proxyrm(TINY("run", budget, 2), cwd, (child, stderr) => {
          cleanup = scenario.arm(child, stderr, dir, attempt);
        });
        cleanup();
        judge.onRequest = undefined;
        judge.onBilled = undefined;
        judge.plan = () => "ok";
        assert.equal(killed.signal, "SIGKILL", `run ${attempt + 1} was not killed: exit ${killed.code}\n${killed.stderr}`);
        assert.ok(fs.existsSync(path.join(dir, "proxyrm.lock")), "kill -9 should leave its lock behind");
        stderrs.push(killed.stderr);
      }
      const resumed = await proxyrm(TINY("run", budget, 2), cwd);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.ok(!fs.existsSync(path.join(dir, "proxyrm.lock")), "the finished run left its lock");
      assert.ok(!listTree(dir).some((n) => /\.tmp-|stale/.test(n)), "a temp or stale file was left behind");
      const a = account(dir, budget);
      const unknown = ledgerCounts(dir).unknown;
      if (unknown > 0) assert.match(resumed.stderr + stderrs.slice(1).join(""), /call(s)? of unknown outcome from an interrupted run/);
      t.diagnostic(`${scenario.name}: unknown outcomes ${unknown}`);
      report(t, `kill -9 ${scenario.name}`, a);
      noSecretAnywhere(cwd);
    });
  });

  it("totals over the fault, breaker and kill scenarios", (t) => {
    t.diagnostic(`totals: requests ${totals.requests}, faults ${totals.faults}, paid ${totals.paid} (judge billed ${totals.billed}), failed items ${totals.failedItems}, duplicates ${totals.duplicates}, lost ${totals.lost}`);
    assert.equal(totals.duplicates, 0);
    assert.equal(totals.lost, 0);
  });
});

// ---------------------------------------------------------------- two processes

describe("two processes on one run directory", () => {
  it("the second exits 2 naming the first's pid, pays nothing, writes nothing; the first finishes", async (t) => {
    const cwd = workDir("two");
    // A long timeout: the first process waits on its held request until the test releases it.
    fs.writeFileSync(path.join(cwd, "judge.json"), JSON.stringify({ oracle: { timeoutMs: 120_000 } }));
    const dir = path.join(cwd, "run");
    judge.reset();
    let inLabel!: () => void;
    const labelling = new Promise<void>((resolve) => (inLabel = resolve));
    judge.plan = ({ n }) => (n === 1 ? "hold" : "ok");
    judge.onRequest = ({ n }) => n === 1 && inLabel();
    const first = proxyrm(TINY("run", 6, 1), cwd);
    await labelling;
    const ledgerBefore = fs.readFileSync(path.join(dir, "ledger.jsonl"));
    const requestsBefore = judge.requests;
    const second = await proxyrm(TINY("run", 6, 1), cwd);
    const firstPid = JSON.parse(fs.readFileSync(path.join(dir, "proxyrm.lock"), "utf8")).pid as number;
    assert.equal(second.code, 2, second.stderr);
    assert.deepEqual(nonEmptyLines(second.stderr), [`proxyrm: ${dir} is in use by another proxyrm process (pid ${firstPid}); wait for it to finish or stop it`]);
    assert.equal(judge.requests, requestsBefore, "the second process asked the judge");
    assert.ok(fs.readFileSync(path.join(dir, "ledger.jsonl")).equals(ledgerBefore), "the second process wrote to the ledger");
    judge.onRequest = undefined;
    judge.release();
    judge.plan = () => "ok";
    const done = await first;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.pid, firstPid);
    const a = account(dir, 6);
    assert.equal(a.paid, 6);
    report(t, "two processes", a);
    noSecretAnywhere(cwd);
  });
});

// ---------------------------------------------------------------- fail fast

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("a dead or wrong endpoint fails before any training: one line, exit 2, nothing written, nothing paid", () => {
  const cases: { name: string; args: () => Promise<string[]>; env?: Record<string, string>; message: RegExp }[] = [
    {
      name: "connection refused",
      args: async () => ["--judge-url", `http://127.0.0.1:${await closedPort()}/v1`, "--judge-model", MODEL],
      message: /^proxyrm: http:\/\/127\.0\.0\.1:\d+\/v1\/models: the judge endpoint is not usable: .*ECONNREFUSED/,
    },
    {
      name: "401: a wrong key",
      args: async () => ["--judge-url", url, "--judge-model", MODEL],
      env: { PROXYRM_JUDGE_API_KEY: "sk-wrong-key-5a5a" },
      message: /\/v1\/models: the judge endpoint rejected the API key \(HTTP 401\); set PROXYRM_JUDGE_API_KEY \(or OPENAI_API_KEY\)$/,
    },
    {
      name: "404 on the model",
      args: async () => ["--judge-url", url, "--judge-model", "gpt-nonesuch"],
      message: /model "gpt-nonesuch" is not served by the judge endpoint \(it serves: fault-judge\)$/,
    },
    {
      name: "a base URL without /v1",
      args: async () => ["--judge-url", url.replace(/\/v1$/, ""), "--judge-model", MODEL],
      message: /\/models: not found \(HTTP 404\): is the judge base URL right\? It usually ends in \/v1$/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const cwd = workDir(`fast-${c.name.replace(/\W+/g, "-")}`);
      const before = snapshot(cwd);
      judge.reset();
      const result = await proxyrm(["run", "--preset", "tiny", "--out", "run", ...(await c.args())], cwd, undefined, c.env);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(nonEmptyLines(result.stderr).length, 1, `not one line, or training started:\n${result.stderr}`);
      assert.match(nonEmptyLines(result.stderr)[0], c.message);
      assert.equal(judge.requests, 0, "a paid completion was requested");
      assert.deepEqual(snapshot(cwd), before, "something was written");
      assert.ok(!result.stderr.includes("sk-wrong-key-5a5a"));
      noSecretAnywhere(cwd);
    });
  }
});
