/**
 * `proxyrm run` through the real compiled bin (src/dist/cli/main.js, rebuilt with npm run build
 * when a source is newer): the closing summary and a finished rerun that changes nothing; a
 * table of bad inputs, each exit 2 with one `proxyrm: ` line naming the culprit and no run
 * directory left behind; a user's prompt pool; and an OpenAI-compatible judge, dead and live,
 * whose API key must never reach a file or the terminal.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ledgerRecords, paidCalls } from "../src/oracle/ledger";
import { readLabels, readPrompts, readResponses } from "../src/store/arrow-tables";
import { goldRubric } from "../src/world/rubric";
import { listTree, snapshot } from "./helpers/tree";
import { build } from "./helpers/build";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");
const BUILD_INFO = path.join(ROOT, "src", "dist", ".tsbuildinfo");
const SECRET = "sk-test-SECRET";

const CONTRACT_FILES = [
  "manifest.json",
  "prompts.arrow",
  "responses.arrow",
  "embeddings.arrow",
  "labels.arrow",
  "proxy_scores.arrow",
  "pairs.arrow",
  "metrics.json",
  "ledger.jsonl",
  "report.html",
];

let tmp: string;
/** A finished `run --preset tiny --seed 3` made once in `before`, and what the command printed. */
let finishedDir: string;
let firstRun: Outcome;

// ---------------------------------------------------------------- helpers

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin asynchronously (a judge served by this process must keep answering). No API key from our env leaks in. */
function proxyrm(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!options.env?.PROXYRM_JUDGE_API_KEY) delete env.PROXYRM_JUDGE_API_KEY;
  if (!options.env?.OPENAI_API_KEY) delete env.OPENAI_API_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMtime(p));
    else if (e.name.endsWith(".ts") || e.name.endsWith(".json")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfStale(): void {
  const stale = !fs.existsSync(BIN) || !fs.existsSync(BUILD_INFO) || newestSourceMtime(path.join(ROOT, "src")) > fs.statSync(BUILD_INFO).mtimeMs;
  if (!stale) return;
  const built = build();
  assert.equal(built.status, 0, `tsc -b failed:\n${built.output}`);
}

function workDir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Files under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return listTree(dir).filter((n) => !n.endsWith("/") && fs.readFileSync(path.join(dir, n)).includes(needle));
}

const nonEmptyLines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** The ledger's records closing a call with a score: one per label paid for. */
function ledger(dir: string): Record<string, unknown>[] {
  return ledgerRecords(path.join(dir, "ledger.jsonl")).filter((r) => r.status === "scored") as unknown as Record<string, unknown>[];
}

const readMetrics = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")) as Record<string, number | string | null>;

/** A port nothing listens on: bound by us a moment ago, then closed. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// ---------------------------------------------------------------- setup

before(async () => {
  buildIfStale();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-cli-run-"));
  const cwd = workDir("finished");
  finishedDir = path.join(cwd, "run");
  firstRun = await proxyrm(["run", "--preset", "tiny", "--out", "run", "--seed", "3"], { cwd });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------- a good run

describe("proxyrm run --preset tiny", () => {
  it("exits 0, prints the closing summary and leaves a complete run directory", () => {
    assert.equal(firstRun.code, 0, firstRun.stderr);
    assert.doesNotMatch(firstRun.stderr, /^proxyrm: /m);
    for (const name of CONTRACT_FILES) assert.ok(fs.existsSync(path.join(finishedDir, name)), `${name} missing`);
    const m = readMetrics(finishedDir);
    const line = (prefix: string) => {
      const found = firstRun.stdout.split("\n").find((l) => l.trim().startsWith(prefix));
      assert.ok(found, `no "${prefix}" line in:\n${firstRun.stdout}`);
      return found;
    };
    const fixed = (key: string) => (m[key] as number).toFixed(3);
    assert.match(line("expert queries paid"), new RegExp(`paid\\s+${m.expert_queries}\\b`));
    assert.equal(m.expert_queries, 4);
    assert.match(line("preference pairs"), new RegExp(`pairs\\s+${m.pairs}\\b`));
    assert.ok(line("gold win rate").includes(fixed("gold_win_rate")));
    const proxy = line("proxy vs gold");
    assert.ok(proxy.includes(`spearman ${fixed("proxy_spearman")}`) && proxy.includes(`ECE ${fixed("proxy_ece")}`), proxy);
    const off = line("off-policy");
    assert.ok(off.includes(`spearman ${fixed("offpolicy_proxy_spearman")}`) && off.includes(`ECE ${fixed("offpolicy_proxy_ece")}`), off);
    assert.ok(line("expert-only").includes(fixed("expert_only_gold_win_rate")));
  });

  it("a second identical invocation exits 0, says it finished earlier and changes no file", async () => {
    const before = snapshot(finishedDir);
    const again = await proxyrm(["run", "--preset", "tiny", "--out", "run", "--seed", "3"], { cwd: path.dirname(finishedDir) });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /finished earlier/);
    assert.deepEqual(snapshot(finishedDir), before);
  });
});

describe("proxyrm run --proxy-only", () => {
  it("stops after the proxy: prints the proxies' agreement, writes proxy_metrics.json with the whole run's numbers, no pairs or DPO", async () => {
    const cwd = workDir("proxy-only");
    const result = await proxyrm(["run", "--preset", "tiny", "--out", "run", "--seed", "3", "--proxy-only"], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const dir = path.join(cwd, "run");
    const m = JSON.parse(fs.readFileSync(path.join(dir, "proxy_metrics.json"), "utf8")) as Record<string, unknown>;
    const whole = readMetrics(finishedDir);
    assert.equal(m.proxy_only, true);
    for (const k of ["expert_queries", "proxy_spearman", "proxy_pair_accuracy", "proxy_ece", "offpolicy_proxy_ece"]) assert.equal(m[k], whole[k], k);
    for (const f of ["metrics.json", "pairs.arrow", "report.html", "models/dpo.ckpt"]) assert.ok(!fs.existsSync(path.join(dir, f)), f);
    assert.match(result.stdout, /proxy-only run done/);
    assert.ok(result.stdout.includes(`spearman ${(m.proxy_spearman as number).toFixed(3)}`), result.stdout);
    assert.doesNotMatch(result.stdout, /win rate/);
    const again = await proxyrm(["run", "--preset", "tiny", "--out", "run", "--seed", "3", "--proxy-only"], { cwd });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /finished earlier/);
  });
});

// ---------------------------------------------------------------- bad input

interface BadCase {
  name: string;
  args: string[];
  /** Writes what the case needs into its working directory. */
  setup?: (cwd: string) => void;
  /** Every one of these must appear in the error line. */
  culprit: string[];
  todo?: string;
}

const TINY = ["run", "--preset", "tiny", "--out", "run"];
const write = (name: string, text: string) => (cwd: string) => fs.writeFileSync(path.join(cwd, name), text);

const BAD: BadCase[] = [
  { name: "unknown flag", args: [...TINY, "--bogus"], culprit: ["--bogus"] },
  { name: "unknown command", args: ["bogus"], culprit: ["bogus"] },
  { name: "--preset huge", args: ["run", "--preset", "huge", "--out", "run"], culprit: ["--preset", "huge"] },
  { name: "--seed -1", args: [...TINY, "--seed", "-1"], culprit: ["--seed", "-1"] },
  { name: "--seed abc", args: [...TINY, "--seed", "abc"], culprit: ["--seed", "abc"] },
  { name: "--budget 0", args: [...TINY, "--budget", "0"], culprit: ["--budget"] },
  { name: "--budget 1.5", args: [...TINY, "--budget", "1.5"], culprit: ["--budget", "1.5"] },
  {
    name: "--strategy nope",
    args: [...TINY, "--strategy", "nope"],
    culprit: ["strategy", "nope"],
  },
  { name: "--proxy nope", args: [...TINY, "--proxy", "nope"], culprit: ["--proxy", "nope"] },
  { name: "--min-margin -1", args: [...TINY, "--min-margin", "-1"], culprit: ["--min-margin", "-1"] },
  { name: "--min-margin abc", args: [...TINY, "--min-margin", "abc"], culprit: ["--min-margin", "abc"] },
  { name: "--config with pairs.minMargin 9", args: [...TINY, "--config", "c.json"], setup: write("c.json", '{"pairs": {"minMargin": 9}}'), culprit: ["pairs.minMargin", "9"] },
  { name: "--config missing.json", args: [...TINY, "--config", "missing.json"], culprit: ["missing.json"] },
  { name: "--config with invalid JSON", args: [...TINY, "--config", "bad.json"], setup: write("bad.json", '{"seed": 3,'), culprit: ["bad.json"] },
  { name: "--config with an unknown field", args: [...TINY, "--config", "c.json"], setup: write("c.json", '{"sede": 3}'), culprit: ["sede"] },
  {
    name: "--config with an unknown nested field",
    args: [...TINY, "--config", "c.json"],
    setup: write("c.json", '{"select": {"budgte": 3}}'),
    culprit: ["select.budgte"],
  },
  { name: "--config with a wrong-typed field", args: [...TINY, "--config", "c.json"], setup: write("c.json", '{"seed": "x"}'), culprit: ["seed"] },
  {
    name: "--config with a wrong-typed optional field",
    args: [...TINY, "--config", "c.json"],
    setup: write("c.json", '{"prompts": 5}'),
    culprit: ["prompts"],
  },
  {
    name: "--prompts missing.jsonl",
    args: [...TINY, "--prompts", "missing.jsonl"],
    culprit: ["missing.jsonl"],
  },
  {
    name: "--prompts an empty file",
    args: [...TINY, "--prompts", "empty.jsonl"],
    setup: write("empty.jsonl", ""),
    culprit: ["empty.jsonl"],
  },
  {
    name: "--prompts with a malformed JSON line",
    args: [...TINY, "--prompts", "p.jsonl"],
    setup: write("p.jsonl", '{"prompt": "reverse abc"}\n{"prompt": "sort cba"\n'),
    culprit: ["p.jsonl", "line 2"],
  },
  {
    name: "--prompts with a row lacking prompt",
    args: [...TINY, "--prompts", "p.jsonl"],
    setup: write("p.jsonl", '{"prompt": "reverse abc"}\n\n{"text": "sort cba"}\n'),
    culprit: ["p.jsonl", "line 3", "prompt"],
  },
  {
    name: "--prompts with a prompt the built-in world does not know",
    args: [...TINY, "--prompts", "p.jsonl"],
    setup: write("p.jsonl", '{"prompt": "rev abc"}\n{"prompt": "Write a poem about the sea"}\n'),
    culprit: ["p.jsonl", "prompt 2", "Write a poem", "--policy-url"],
  },
  {
    name: "--prompts with an unknown extension",
    args: [...TINY, "--prompts", "bad.txt"],
    setup: write("bad.txt", "reverse abc\n"),
    culprit: ["bad.txt"],
  },
  { name: "--judge-url notaurl", args: [...TINY, "--judge-url", "notaurl", "--judge-model", "m"], culprit: ["--judge-url", "notaurl"] },
  { name: "--judge-url without --judge-model", args: [...TINY, "--judge-url", "http://127.0.0.1:9/v1"], culprit: ["--judge-model"] },
  { name: "--out an existing regular file", args: ["run", "--preset", "tiny", "--out", "afile"], setup: write("afile", "not a run\n"), culprit: ["afile"] },
  {
    name: "a rerun into a directory made with another config",
    args: ["run", "--preset", "tiny", "--out", "run", "--seed", "3", "--budget", "5"],
    setup: (cwd) => fs.cpSync(finishedDir, path.join(cwd, "run"), { recursive: true, preserveTimestamps: true }),
    culprit: ["run", "select.budget"],
  },
  { name: "--backend nope", args: [...TINY, "--backend", "nope"], culprit: ["backend", "nope"] },
  {
    name: "--budget larger than the pool (16 prompts x 2 = 32 responses)",
    args: [...TINY, "--budget", "1000"],
    culprit: ["1000", "32"],
  },
];

describe("proxyrm run: bad input exits 2 with one line naming the culprit and leaves nothing behind", () => {
  BAD.forEach((c, i) => {
    it(c.name, c.todo ? { todo: c.todo } : {}, async () => {
      const cwd = workDir(`bad-${i}`);
      c.setup?.(cwd);
      const before = snapshot(cwd);
      const result = await proxyrm(c.args, { cwd });
      const lines = nonEmptyLines(result.stderr);
      assert.equal(result.code, 2, `exit ${result.code}; stderr:\n${result.stderr}`);
      assert.equal(lines.length, 1, `stderr is not one line:\n${result.stderr}`);
      assert.match(lines[0], /^proxyrm: /);
      for (const word of c.culprit) assert.ok(lines[0].includes(word), `"${lines[0]}" does not name ${word}`);
      assert.equal(result.stdout, "");
      // No run directory, no runs/, no temp file: the working directory is as it was.
      assert.deepEqual(snapshot(cwd), before);
    });
  });
});

describe("proxyrm run: flags beat the --config file", () => {
  it(
    "--preset tiny wins over the file's \"preset\": \"smoke\" (so the tiny run is found finished)",
    async () => {
      const cwd = workDir("preset-precedence");
      fs.cpSync(finishedDir, path.join(cwd, "run"), { recursive: true });
      fs.writeFileSync(path.join(cwd, "c.json"), '{"preset": "smoke"}');
      const before = snapshot(cwd);
      const result = await proxyrm(["run", "--preset", "tiny", "--seed", "3", "--config", "c.json", "--out", "run"], { cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /finished earlier/);
      assert.deepEqual(snapshot(cwd), before);
    },
  );
});

// ---------------------------------------------------------------- a user's prompt pool

describe("proxyrm run --prompts", () => {
  it("a jsonl pool with duplicates: prompts.arrow's pool split is the file's prompts, deduplicated, in order", async () => {
    const cwd = workDir("own-prompts");
    const rows: { prompt: string; task?: string }[] = [];
    // Prompts of the built-in tasks (the built-in policy and rubric refuse any other, tested below).
    const own = (i: number) => `rev ${"abcdefgh"[i % 8]}${"abcdefgh"[Math.floor(i / 8)]}hhgh`;
    for (let i = 0; i < 20; i++) rows.push(i % 3 === 0 ? { prompt: own(i), task: "mine" } : { prompt: own(i) });
    rows.splice(5, 0, { prompt: own(1) }, { prompt: own(3), task: "mine" });
    rows.push({ prompt: own(19) });
    fs.writeFileSync(path.join(cwd, "pool.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n\n`);
    const result = await proxyrm([...TINY, "--prompts", "pool.jsonl"], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const seen = new Set<string>();
    const expected = rows.filter((r) => (seen.has(r.prompt) ? false : (seen.add(r.prompt), true)));
    assert.equal(expected.length, 20);
    const pool = readPrompts(path.join(cwd, "run", "prompts.arrow")).filter((p) => p.split === "pool");
    assert.deepEqual(pool.map((p) => p.prompt), expected.map((r) => r.prompt));
    assert.deepEqual(pool.map((p) => p.task), expected.map((r) => r.task ?? "custom"));
    const policy = readResponses(path.join(cwd, "run", "responses.arrow")).filter((r) => r.source === "policy");
    assert.equal(policy.length, 20 * 2);
    assert.equal(readMetrics(path.join(cwd, "run")).expert_queries, 4);
  });
});

// ---------------------------------------------------------------- an OpenAI-compatible judge

/** The live test judge's reply: the gold rubric's verdict, in a format with spaces, a blank line and non-ASCII to check it is kept verbatim. */
function judgeReply(prompt: string, response: string): string {
  const g = goldRubric(prompt, response);
  return `Test judge \u2014 criteria ${g.criteria.map((c) => (c ? "y" : "n")).join("")}  \n\n  (${prompt.length} chars of instruction)\nScore: ${g.score}`;
}

describe("proxyrm run --judge-url", () => {
  it("a dead endpoint: exit 2, one line naming the URL, no labels, and the key nowhere", async () => {
    const cwd = workDir("dead-judge");
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const result = await proxyrm([...TINY, "--judge-url", url, "--judge-model", "m"], { cwd, env: { PROXYRM_JUDGE_API_KEY: SECRET } });
    assert.equal(result.code, 2, `exit ${result.code}; stderr:\n${result.stderr}`);
    const lines = nonEmptyLines(result.stderr);
    // Progress lines may come first; the error is the one and last `proxyrm: ` line, with no stack.
    const errors = lines.filter((l) => l.startsWith("proxyrm: "));
    assert.equal(errors.length, 1, result.stderr);
    assert.equal(lines.at(-1), errors[0]);
    assert.ok(errors[0].includes(url), `"${errors[0]}" does not name ${url}`);
    assert.ok(!lines.some((l) => /^\s+at /.test(l)), "a stack trace on stderr");
    assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET), "the key was printed");
    assert.deepEqual(filesContaining(cwd, SECRET), []);
    assert.ok(!fs.existsSync(path.join(cwd, "run", "labels.arrow")), "labels.arrow written although nothing was labelled");
    assert.deepEqual(ledger(path.join(cwd, "run")), [], "a failed call was recorded as paid");
  });

  describe("a live endpoint", () => {
    let server: http.Server;
    let url: string;
    /** Requests seen by the judge in the current test, answered or not. */
    let requests: { authorization?: string; model: string; user: string; status: number }[] = [];
    /** After this many answered calls the judge is down (503, Retry-After: 0 so retries are quick). */
    let answerAtMost = Infinity;

    before(async () => {
      server = http.createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8").on("data", (d: string) => (body += d));
        req.on("end", () => {
          if (req.method === "GET" && req.url === "/v1/models") {
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "test-judge", object: "model" }] }));
            return;
          }
          if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
            res.writeHead(404).end();
            return;
          }
          const parsed = JSON.parse(body) as { model: string; messages: { role: string; content: string }[] };
          const user = parsed.messages.find((m) => m.role === "user")!.content;
          const request = { authorization: req.headers.authorization, model: parsed.model, user, status: 200 };
          requests.push(request);
          const match = /^Instruction:\n([\s\S]*?)\n\nResponse:\n([\s\S]*)$/.exec(user);
          if (!match) {
            request.status = 400;
            res.writeHead(400, { "content-type": "application/json" }).end('{"error":"unexpected user message"}');
            return;
          }
          if (requests.filter((r) => r.status === 200).length > answerAtMost) {
            request.status = 503;
            res.writeHead(503, { "content-type": "application/json", "retry-after": "0" }).end('{"error":"overloaded"}');
            return;
          }
          const reply = judgeReply(match[1], match[2]);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ id: "c", object: "chat.completion", model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }] }));
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });

    after(() => new Promise<void>((r) => server.close(() => r())));

    const answered = () => requests.filter((r) => r.status === 200);

    it("labels with the judge's verbatim reply, tags the ledger llm:<model>, skips the paid baselines, never stores the key", async () => {
      requests = [];
      answerAtMost = Infinity;
      const cwd = workDir("live-judge");
      const dir = path.join(cwd, "run");
      const result = await proxyrm([...TINY, "--judge-url", url, "--judge-model", "test-judge"], { cwd, env: { PROXYRM_JUDGE_API_KEY: SECRET } });
      assert.equal(result.code, 0, result.stderr);

      assert.equal(requests.length, 4, "the judge should be paid exactly the budget");
      assert.ok(requests.every((r) => r.status === 200), JSON.stringify(requests.map((r) => r.status)));
      assert.ok(requests.every((r) => r.authorization === `Bearer ${SECRET}`), "the key from PROXYRM_JUDGE_API_KEY was not sent");
      assert.ok(requests.every((r) => r.model === "test-judge"));
      assert.equal(new Set(requests.map((r) => r.user)).size, 4, "an item was judged twice");

      const prompts = new Map(readPrompts(path.join(dir, "prompts.arrow")).map((p) => [p.prompt_id, p.prompt]));
      const responses = new Map(readResponses(path.join(dir, "responses.arrow")).map((r) => [r.response_id, r]));
      const labels = readLabels(path.join(dir, "labels.arrow"));
      assert.equal(labels.length, 4);
      for (const l of labels) {
        const r = responses.get(l.response_id)!;
        const prompt = prompts.get(r.prompt_id)!;
        assert.equal(l.rationale, judgeReply(prompt, r.text), `${l.response_id}: rationale is not the reply verbatim`);
        assert.equal(l.score, goldRubric(prompt, r.text).score);
        assert.equal(l.oracle, "llm:test-judge");
      }

      const lines = ledger(dir);
      assert.equal(lines.length, 4);
      assert.ok(lines.every((l) => l.oracle === "llm:test-judge"), JSON.stringify(lines));
      assert.ok(!lines.some((l) => Object.values(l).includes("baseline")), "baseline calls paid without --baselines");
      assert.ok(!fs.existsSync(path.join(dir, "baseline_labels.arrow")));
      const metrics = readMetrics(dir);
      assert.equal(metrics.expert_only_gold_win_rate, null);
      assert.equal(metrics.expert_queries, 4);

      assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET), "the key was printed");
      assert.deepEqual(filesContaining(cwd, SECRET), []);
    });

    it("an outage mid-labelling exits 2 naming the URL; the same command later pays only the missing labels", async () => {
      requests = [];
      answerAtMost = 2;
      const cwd = workDir("judge-outage");
      const dir = path.join(cwd, "run");
      const args = [...TINY, "--judge-url", url, "--judge-model", "test-judge"];
      // The OPENAI_API_KEY fallback this time.
      const env = { OPENAI_API_KEY: SECRET };
      const down = await proxyrm(args, { cwd, env });
      assert.equal(down.code, 2, down.stderr);
      const last = nonEmptyLines(down.stderr).at(-1)!;
      assert.match(last, /^proxyrm: /);
      assert.ok(last.includes(url), `"${last}" does not name ${url}`);
      assert.equal(answered().length, 2);
      assert.ok(requests.every((r) => r.authorization === `Bearer ${SECRET}`), "the key from OPENAI_API_KEY was not sent");
      const paidBefore = ledger(dir);
      assert.equal(paidBefore.length, 2, "the two answered calls must be in the journal");
      assert.ok(!fs.existsSync(path.join(dir, "labels.arrow")));

      answerAtMost = Infinity;
      const back = await proxyrm(args, { cwd, env });
      assert.equal(back.code, 0, back.stderr);
      assert.equal(answered().length, 4, "labels in the journal were paid again");
      const lines = ledger(dir);
      assert.equal(lines.length, 4);
      assert.deepEqual(lines.slice(0, 2), paidBefore);
      // Calls 3 and 4 got no billed reply (503s until the breaker opened): journalled, not
      // counted, asked again.
      assert.deepEqual(lines.map((l) => l.call), [1, 2, 5, 6]);
      assert.equal(paidCalls(dir), 4);
      assert.equal(new Set(lines.map((l) => l.key)).size, 4, "an item paid twice");
      assert.equal(readLabels(path.join(dir, "labels.arrow")).length, 4);
      for (const out of [down, back]) assert.ok(!out.stdout.includes(SECRET) && !out.stderr.includes(SECRET), "the key was printed");
      assert.deepEqual(filesContaining(cwd, SECRET), []);
    });
  });
});

// ---------------------------------------------------------------- Ctrl-C

describe("proxyrm run interrupted by SIGINT", () => {
  let cwd: string;
  let interrupted: Outcome;

  before(async () => {
    cwd = workDir("sigint");
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PROXYRM_JUDGE_API_KEY;
    delete env.OPENAI_API_KEY;
    interrupted = await new Promise<Outcome>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...TINY, "--seed", "5"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let sent = false;
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        // Training has started: interrupt it as a user at the terminal would.
        if (!sent && stderr.includes("[sft] start")) {
          sent = true;
          child.kill("SIGINT");
        }
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  });

  it("stops before finishing, writes no metrics, and the same command then completes the run", async () => {
    assert.notEqual(interrupted.code, 0, interrupted.stderr);
    assert.ok(interrupted.stderr.includes("[sft] start"));
    const dir = path.join(cwd, "run");
    assert.ok(!fs.existsSync(path.join(dir, "metrics.json")), "the run finished although it was interrupted");
    assert.ok(!listTree(dir).some((n) => /\.tmp-/.test(n)), "a temp file was left behind");
    const resumed = await proxyrm([...TINY, "--seed", "5"], { cwd });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.doesNotMatch(resumed.stdout, /finished earlier/);
    for (const name of CONTRACT_FILES) assert.ok(fs.existsSync(path.join(dir, name)), `${name} missing after the resumed run`);
  });

  it(
    "reports the interruption on one line, without a stack trace or the exit code of a bug",
    () => {
      const errors = nonEmptyLines(interrupted.stderr).filter((l) => !/^\[[^\]]+\] /.test(l));
      assert.equal(errors.length, 1, interrupted.stderr);
      assert.match(errors[0], /^proxyrm: .*interrupt/i);
      assert.ok(interrupted.code !== 0 && interrupted.code !== 1, `exit ${interrupted.code}`);
    },
  );
});
