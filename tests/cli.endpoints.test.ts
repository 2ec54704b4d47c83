/**
 * Policy, embedder and judge as OpenAI-compatible endpoints, end to end through the CLI against
 * `proxyrm serve` (the built-in policy, embeddings and rubric behind a token on 127.0.0.1): a run
 * with all three completes, exports its pairs and EFT judge data, evaluates the proxy against
 * the judge, is byte-identical for a seed, and takes the user's own prompts. Then what is
 * refused (foreign prompts with the built-in policy or rubric, an external policy without an
 * embedder, ...), a NaN embedding, a wrong model found before training, and a kill -9 during
 * generation that asks the policy again only for what was in flight.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadTf } from "../src/backend";
import { resolveConfig } from "../src/config";
import { completionKey, promptSeed } from "../src/policy/endpoint-policy";
import { deriveSeed } from "../src/rng";
import { ledgerCounts } from "../src/oracle/ledger";
import { SERVED_MODELS, startBuiltinServer, type BuiltinServer } from "../src/serve/server";
import { trainSeedPolicy } from "../src/stages/policy";
import { readLabels, readPrompts, readResponses } from "../src/store/arrow-tables";
import { build } from "./helpers/build";
import { listTree, snapshot } from "./helpers/tree";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");
const TOKEN = "serve-test-token-5e6f7a";

let tmp: string;
let serve: ChildProcess;
let base: string;
const outputs: string[] = [];

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The keys come from the environment only. */
const KEYS = { PROXYRM_POLICY_API_KEY: TOKEN, PROXYRM_EMBED_API_KEY: TOKEN, PROXYRM_JUDGE_API_KEY: TOKEN };

function proxyrm(args: string[], cwd: string, watch?: (child: ChildProcess) => void): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...KEYS };
  delete env.OPENAI_API_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      outputs.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
    watch?.(child);
  });
}

function workDir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const endpoints = (url = base) => [
  "--policy-url", url, "--policy-model", SERVED_MODELS.policy,
  "--embed-url", url, "--embed-model", SERVED_MODELS.embed,
  "--judge-url", url, "--judge-model", SERVED_MODELS.judge,
];
const RUN = (out: string, url = base) => ["run", "--preset", "tiny", "--seed", "4", "--out", out, ...endpoints(url)];
const readJsonl = (file: string) => fs.readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
const metricsOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")) as Record<string, unknown>;

before(async () => {
  if (!fs.existsSync(BIN)) assert.equal(build().status, 0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-endpoints-"));
  serve = spawn(process.execPath, [BIN, "serve", "--preset", "tiny", "--seed", "5", "--port", "0"], { env: { ...process.env, PROXYRM_SERVE_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  base = await new Promise<string>((resolve, reject) => {
    serve.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const m = /OpenAI-compatible API on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    serve.on("exit", (code) => reject(new Error(`proxyrm serve exited ${code}`)));
  });
  assert.ok(!stdout.includes(TOKEN), "a token the user gave is printed");
});

after(async () => {
  serve.kill("SIGINT");
  await new Promise((r) => serve.on("close", r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("proxyrm serve", () => {
  it("lists its three models to a client with the key; refuses one without it or from another Host", async () => {
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get(`${base}/models`, { headers }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (d: string) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        }).on("error", reject);
      });
    const ok = await get({ authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.deepEqual((JSON.parse(ok.body) as { data: { id: string }[] }).data.map((m) => m.id), ["proxyrm-policy", "proxyrm-embed", "proxyrm-judge"]);
    assert.equal((await get({})).status, 401);
    assert.equal((await get({ authorization: "Bearer nope-nope-nope" })).status, 401);
    assert.equal((await get({ authorization: `Bearer ${TOKEN}`, host: "evil.example" })).status, 403);
  });
});

describe("a run with policy, embedder and judge as endpoints", () => {
  let dir: string;
  let first: Outcome;
  before(async () => {
    const cwd = workDir("e2e");
    dir = path.join(cwd, "run");
    first = await proxyrm(RUN("run"), cwd);
  });

  it("completes end to end: no tiny GPT trained, pairs and judge data exported, the proxy measured against the judge", () => {
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /policy, embeddings and judge: endpoints/);
    const metrics = metricsOf(dir);
    const budget = resolveConfig("tiny").select.budget;
    assert.equal(metrics.expert_queries, budget);
    assert.equal(metrics.policy_endpoint, true);
    assert.equal(metrics.gold_win_rate, null, "no M2 is trained here");
    assert.equal(typeof metrics.proxy_spearman, "number");
    const held = readResponses(path.join(dir, "responses.arrow")).filter((r) => r.source === "policy-heldout");
    assert.equal(metrics.judge_eval_calls, held.length);
    assert.equal(ledgerCounts(dir, "eval").paid, held.length);
    assert.ok(!fs.existsSync(path.join(dir, "models")), "a tiny GPT was trained or saved");
    // The served policy wrote every response: k per pool and held-out prompt.
    const k = resolveConfig("tiny").generate.k;
    const prompts = readPrompts(path.join(dir, "prompts.arrow"));
    assert.ok(!prompts.some((p) => p.split === "seed"), "seed prompts with nothing to fine-tune");
    assert.equal(readResponses(path.join(dir, "responses.arrow")).length, prompts.length * k);
    const pairs = readJsonl(path.join(dir, "pairs.jsonl"));
    assert.equal(pairs.length, metrics.pairs);
    assert.deepEqual(Object.keys(pairs[0]), ["prompt", "chosen", "rejected", "margin"]);
    const eft = readJsonl(path.join(dir, "eft.jsonl"));
    const labels = readLabels(path.join(dir, "labels.arrow"));
    assert.equal(eft.filter((e) => e.source === "expert").length, labels.length);
    assert.equal(eft.length, prompts.filter((p) => p.split === "pool").length * k);
    const example = eft[0] as { messages: { role: string; content: string }[]; score: number };
    assert.deepEqual(example.messages.map((m) => m.role), ["system", "user", "assistant"]);
    assert.match(example.messages[2].content, new RegExp(`Score: ${example.score}$`));
    assert.ok(fs.existsSync(path.join(dir, "report.html")));
  });

  it("the same seed against the same server gives the same bytes; a finished rerun changes nothing", async () => {
    const cwd = workDir("e2e-again");
    const again = await proxyrm(RUN("run"), cwd);
    assert.equal(again.code, 0, again.stderr);
    // The reply journals are in arrival order (requests run concurrently); everything made from them is not.
    for (const name of listTree(dir).filter((n) => n.endsWith(".arrow") || ["pairs.jsonl", "eft.jsonl", "ledger.jsonl"].includes(n))) {
      assert.ok(fs.readFileSync(path.join(dir, name)).equals(fs.readFileSync(path.join(cwd, "run", name))), `${name} differs between two runs of seed 4`);
    }
    const before = snapshot(dir);
    const rerun = await proxyrm(RUN("run"), path.dirname(dir));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /finished earlier/);
    assert.deepEqual(snapshot(dir), before);
  });

  it("the keys are in no file and no output", () => {
    for (const cwd of [path.dirname(dir), path.join(tmp, "e2e-again")]) {
      assert.deepEqual(listTree(cwd).filter((n) => !n.endsWith("/") && fs.readFileSync(path.join(cwd, n)).includes(TOKEN)), []);
    }
    assert.ok(!outputs.some((o) => o.includes(TOKEN)));
  });

  it("--prompts: the user's own prompts, split into pool and held-out, nothing built in", async () => {
    const cwd = workDir("own");
    const own = Array.from({ length: 20 }, (_, i) => ({ prompt: `Write a haiku about topic ${i}.`, task: i % 2 ? "poetry" : "prose" }));
    fs.writeFileSync(path.join(cwd, "mine.jsonl"), own.map((p) => JSON.stringify(p)).join("\n"));
    const result = await proxyrm([...RUN("run"), "--prompts", "mine.jsonl"], cwd);
    assert.equal(result.code, 0, result.stderr);
    const prompts = readPrompts(path.join(cwd, "run", "prompts.arrow"));
    assert.deepEqual(prompts.map((p) => p.prompt).sort(), own.map((p) => p.prompt).sort());
    assert.equal(prompts.filter((p) => p.split === "heldout").length, 4, "a fifth held out");
    assert.ok(prompts.every((p) => p.task === "poetry" || p.task === "prose"));
  });
});

describe("refused before anything runs: one line, exit 2, nothing written", () => {
  const foreign = (cwd: string) => fs.writeFileSync(path.join(cwd, "mine.jsonl"), '{"prompt":"rev abcd"}\n{"prompt":"Summarise this article."}\n');
  const cases: { name: string; args: () => string[]; setup?: (cwd: string) => void; message: RegExp }[] = [
    {
      name: "foreign prompts with the built-in policy and rubric",
      args: () => ["run", "--preset", "tiny", "--out", "run", "--prompts", "mine.jsonl"],
      setup: foreign,
      message: /^proxyrm: mine\.jsonl: prompt 2 \("Summarise this article\."\) is not a task of the built-in world \(.*\), and the built-in policy and rubric would score it 0; for your own prompts give --policy-url, --embed-url and --judge-url \(or --human\)$/,
    },
    {
      name: "foreign prompts with an external policy but the built-in rubric",
      args: () => ["run", "--preset", "tiny", "--out", "run", "--prompts", "mine.jsonl", "--policy-url", base, "--policy-model", SERVED_MODELS.policy, "--embed-url", base, "--embed-model", SERVED_MODELS.embed],
      setup: foreign,
      message: /prompt 2 .* and the built-in rubric would score it 0/,
    },
    {
      name: "an external policy without an embedder",
      args: () => ["run", "--preset", "tiny", "--out", "run", "--policy-url", base, "--policy-model", SERVED_MODELS.policy],
      message: /^proxyrm: --embed-url: with --policy-url the policy is an endpoint, not the built-in tiny GPT, whose hidden states are the built-in embeddings/,
    },
    {
      name: "an external policy with a strategy that needs the built-in off-policy evaluator",
      args: () => [...RUN("run"), "--strategy", "uncertainty"],
      message: /^proxyrm: --strategy: uncertainty scores its first round with the built-in off-policy evaluator/,
    },
    {
      name: "an external policy with the EFT proxy",
      args: () => [...RUN("run"), "--proxy", "eft"],
      message: /^proxyrm: --proxy: .*--proxy eft fine-tunes the tiny GPT/,
    },
    { name: "--policy-url without a model", args: () => ["run", "--preset", "tiny", "--out", "run", "--policy-url", base], message: /needs both --policy-url and --policy-model/ },
    { name: "--policy-api nope", args: () => [...RUN("run"), "--policy-api", "nope"], message: /^proxyrm: --policy-api: must be chat or completions, got "nope"$/ },
    {
      name: "a policy model the server does not serve (the free probe)",
      args: () => ["run", "--preset", "tiny", "--out", "run", ...endpoints().map((a) => (a === SERVED_MODELS.policy ? "my-llama" : a))],
      message: /\/v1\/models: model "my-llama" is not served by the policy endpoint \(it serves: proxyrm-policy, proxyrm-embed, proxyrm-judge\)$/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const cwd = workDir(`refused-${c.name.replace(/\W+/g, "-")}`);
      c.setup?.(cwd);
      const before = snapshot(cwd);
      const result = await proxyrm(c.args(), cwd);
      assert.equal(result.code, 2, result.stderr);
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], c.message);
      assert.deepEqual(snapshot(cwd), before);
    });
  }
});

describe("faults of the policy and the embedder", () => {
  it("an embedding with a NaN (null in JSON): one line naming the text, exit 2", async () => {
    const fake = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d)).on("end", () => {
        if (req.url === "/v1/models") return res.writeHead(200, { "content-type": "application/json" }).end('{"data":[{"id":"bad-embed"}]}');
        const input = (JSON.parse(body) as { input: string[] }).input;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: input.map((_, index) => ({ index, embedding: index === 1 ? [0.5, null] : [0.5, 0.25] })) }));
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
      const cwd = workDir("nan");
      const args = RUN("run").map((a, i, all) => (all[i - 1] === "--embed-url" ? url : all[i - 1] === "--embed-model" ? "bad-embed" : a));
      const result = await proxyrm(args, cwd);
      assert.equal(result.code, 2, result.stderr);
      const errors = result.stderr.trim().split("\n").filter((l) => l.startsWith("proxyrm: "));
      assert.equal(errors.length, 1);
      assert.match(errors[0], /\/v1\/embeddings: the embedding of ".*" has a non-finite value \(null\) at dimension 1$/);
      assert.ok(!fs.existsSync(path.join(cwd, "run", "embeddings.arrow")));
    } finally {
      await new Promise((r) => fake.close(r));
    }
  });

  it("kill -9 during generation: the same command asks the policy again only for replies that were in flight", async () => {
    // An in-process server, to count what each prompt costs.
    const { tf } = await loadTf();
    const model = await trainSeedPolicy(tf, resolveConfig("tiny", undefined, { seed: 5 }));
    const asked = new Map<string, number>();
    let server: BuiltinServer | undefined;
    server = await startBuiltinServer({
      model,
      token: TOKEN,
      onRequest: (route, body) => {
        if (route !== "/v1/chat/completions" || body.model !== SERVED_MODELS.policy) return;
        const prompt = (body.messages as { content: string }[])[0].content;
        asked.set(prompt, (asked.get(prompt) ?? 0) + 1);
      },
    });
    try {
      const cwd = workDir("kill-generate");
      const journal = path.join(cwd, "run", "policy_replies.jsonl");
      let journalled = new Set<string>();
      const killed = await proxyrm(RUN("run", server.url), cwd, (child) => {
        const timer = setInterval(() => {
          const lines = fs.existsSync(journal) ? fs.readFileSync(journal, "utf8").split("\n").filter((l) => l.endsWith("}")) : [];
          if (lines.length >= 6) {
            child.kill("SIGKILL");
            clearInterval(timer);
            journalled = new Set(lines.map((l) => (JSON.parse(l) as { key: string }).key));
          }
        }, 1);
        child.on("close", () => clearInterval(timer));
      });
      assert.equal(killed.signal, "SIGKILL", killed.stderr);
      const before = new Map(asked);
      const resumed = await proxyrm(RUN("run", server.url), cwd);
      assert.equal(resumed.code, 0, resumed.stderr);
      const prompts = readPrompts(path.join(cwd, "run", "prompts.arrow"));
      assert.deepEqual([...asked.keys()].sort(), prompts.map((p) => p.prompt).sort(), "every prompt was asked");
      let again = 0;
      for (const [prompt, n] of asked) {
        if (n > 1) again++;
        assert.ok(n <= 2, `${prompt} asked ${n} times`);
      }
      // A prompt whose reply was journalled before the kill is never asked again.
      const config = resolveConfig("tiny", undefined, { seed: 4 });
      const k = config.generate.k;
      const policyConfig = { ...config.policy, url: server.url, model: SERVED_MODELS.policy };
      const keyOf = (prompt: string) => completionKey(policyConfig, prompt, k, config.generate.temperature, promptSeed(deriveSeed(4, "generate"), prompt, 0));
      const safe = prompts.filter((p) => journalled.has(keyOf(p.prompt)));
      assert.equal(safe.length, journalled.size, "every journalled reply belongs to a prompt of the run");
      for (const p of safe) assert.equal(asked.get(p.prompt), 1, `${p.prompt}: journalled before the kill, asked again`);
      void before;
      assert.ok(journalled.size >= 6);
      assert.ok(again <= config.policy.concurrency, `${again} prompts asked twice; at most the ${config.policy.concurrency} in flight may be`);
      assert.equal(readResponses(path.join(cwd, "run", "responses.arrow")).filter((r) => r.source.startsWith("policy")).length, prompts.length * k);
    } finally {
      await server.close();
      server = undefined;
    }
  });
});
