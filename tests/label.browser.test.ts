/**
 * `proxyrm label` in headless chromium (playwright-core, /usr/bin/chromium, a fresh profile per
 * browser): a person scores a `--human` run's selected tuples with keys 0-5 and Enter, notes
 * included; a kill -9 of the page's server loses no saved score and records none twice; the run
 * then finishes from the human labels. The guards: a token, other Origins and Hosts refused, text
 * from data shown as text, one process per run directory.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { ledgerRecords, paidCalls, type ScoredRecord } from "../src/oracle/ledger";
import { readLabels, readResponses, writeResponses } from "../src/store/arrow-tables";
import { build } from "./helpers/build";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");
const CHROMIUM = "/usr/bin/chromium";
const RUN = ["run", "--preset", "tiny", "--seed", "11", "--human", "alice", "--out", "run"];

let tmp: string;
let cwd: string;
const children = new Set<ChildProcess>();

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function proxyrm(args: string[], dir = cwd): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts `proxyrm label` and waits for the URL it prints. */
async function startLabel(dir = cwd, run = "run"): Promise<{ child: ChildProcess; url: string; exit: Promise<Outcome> }> {
  const child = spawn(process.execPath, [BIN, "label", run], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exit = new Promise<Outcome>((resolve) =>
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const found = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(stdout);
      if (found) resolve(found[0]);
    });
    void exit.then((o) => reject(new Error(`proxyrm label exited ${o.code}: ${o.stderr}`)));
  });
  return { child, url, exit };
}

function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  // chromium.launch() gives every browser a fresh temporary profile.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
}

/** Everything the page reports that a user would see as a failure. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  return problems;
}

const humanScored = (dir: string) => ledgerRecords(path.join(dir, "ledger.jsonl")).filter((r): r is ScoredRecord => r.status === "scored" && r.oracle === "human:alice");

/** Scores the tuple on screen with a key, optionally with a note, and waits for the next one. */
async function scoreOnPage(page: Page, score: number, note?: string): Promise<string> {
  const id = (await page.locator("#response-id").textContent())!;
  const before = (await page.locator("#progress").textContent())!;
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(String(score));
  assert.equal(await page.locator(`#scores button[data-score="${score}"]`).getAttribute("aria-pressed"), "true");
  if (note !== undefined) {
    await page.locator("#note").fill(note);
    await page.locator("#note").press("Control+Enter");
  } else {
    await page.keyboard.press("Enter");
  }
  await page.locator("#progress").filter({ hasNotText: before }).waitFor();
  return id;
}

before(async () => {
  if (!fs.existsSync(BIN)) assert.equal(build().status, 0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-label-"));
  cwd = path.join(tmp, "main");
  fs.mkdirSync(cwd);
  const first = await proxyrm(RUN);
  assert.equal(first.code, 2, first.stderr);
  const last = first.stderr.trim().split("\n").at(-1)!;
  assert.equal(last, "proxyrm: run: 4 of 4 selected tuples await a score from alice: run `proxyrm label run`, then this command again");
  // A copy whose first selected response is hostile HTML, for the escaping test, and one nobody
  // labels, for the guard tests.
  fs.cpSync(cwd, path.join(tmp, "hostile"), { recursive: true });
  fs.cpSync(cwd, path.join(tmp, "spare"), { recursive: true });
});

after(() => {
  for (const child of children) child.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("proxyrm label in a browser", () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(() => browser.close());

  it("keys 0-5 and Enter score the tuples; a kill -9 loses nothing saved; the run then finishes from the human labels", async () => {
    const dir = path.join(cwd, "run");
    const first = await startLabel();
    const page = await browser.newPage();
    const problems = watch(page);
    await page.goto(first.url);
    await page.locator("#progress").filter({ hasText: "0 of 4 labelled" }).waitFor();
    assert.equal(await page.locator("#rubric li").count(), 5);
    assert.match((await page.locator("#who").textContent())!, /alice/);
    const scored: Record<string, { score: number; note: string }> = {};
    scored[await scoreOnPage(page, 4)] = { score: 4, note: "" };
    scored[await scoreOnPage(page, 1, "only the first letter is right")] = { score: 1, note: "only the first letter is right" };
    assert.equal(await page.locator("#progress").textContent(), "2 of 4 labelled");
    assert.equal(humanScored(dir).length, 2, "each acknowledged score is in the journal");

    // kill -9 the server: both saved scores survive, nothing is pending or doubled.
    first.child.kill("SIGKILL");
    assert.equal((await first.exit).signal, "SIGKILL");
    const second = await startLabel();
    await page.goto(second.url);
    await page.locator("#progress").filter({ hasText: "2 of 4 labelled" }).waitFor();
    assert.ok(!Object.keys(scored).includes((await page.locator("#response-id").textContent())!), "a saved tuple was offered again");
    // A resend of a saved score (a retry after the crash) is recorded once; the first score stands.
    const [resent] = Object.keys(scored);
    const again = await page.evaluate(
      async ([id, url]) => {
        const token = new URL(url).searchParams.get("token")!;
        const r = await fetch("/api/label", { method: "POST", headers: { "content-type": "application/json", "x-proxyrm-token": token }, body: JSON.stringify({ response_id: id, score: 0 }) });
        return (await r.json()) as { duplicate: boolean; saved: { score: number } };
      },
      [resent, second.url] as const,
    );
    assert.equal(again.duplicate, true);
    assert.equal(again.saved.score, scored[resent].score);
    assert.equal(humanScored(dir).length, 2);

    scored[await scoreOnPage(page, 5)] = { score: 5, note: "" };
    scored[await scoreOnPage(page, 0, "empty <answer> & \"quotes\"")] = { score: 0, note: 'empty <answer> & "quotes"' };
    await page.locator("#done").filter({ hasText: "All 4 selected tuples are labelled" }).waitFor();
    const done = await second.exit;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /all 4 selected tuples are labelled by alice/);
    assert.deepEqual(problems, []);
    await page.close();

    const records = ledgerRecords(path.join(dir, "ledger.jsonl"));
    assert.equal(records.length, 8, "a pending and a scored record per tuple, nothing else");
    assert.equal(paidCalls(dir), 4);
    const finished = await proxyrm(RUN);
    assert.equal(finished.code, 0, finished.stderr);
    const labels = readLabels(path.join(dir, "labels.arrow"));
    assert.deepEqual(Object.fromEntries(labels.map((l) => [l.response_id, { score: l.score, note: l.rationale }])), scored);
    assert.ok(labels.every((l) => l.oracle === "human:alice"));
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8")) as { expert_queries: number };
    assert.equal(metrics.expert_queries, 4);
    assert.ok(!fs.existsSync(path.join(dir, "proxyrm.lock")));
  });

  it("text from the data is shown as text, never run as HTML", async () => {
    const hostile = path.join(tmp, "hostile");
    const dir = path.join(hostile, "run");
    const selected = (JSON.parse(fs.readFileSync(path.join(dir, "selection.json"), "utf8")) as { response_ids: string[] }).response_ids[0];
    const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
    const rows = readResponses(path.join(dir, "responses.arrow")).map((r) => (r.response_id === selected ? { ...r, text: payload } : r));
    writeResponses(path.join(dir, "responses.arrow"), rows);
    const label = await startLabel(hostile);
    const page = await browser.newPage();
    await page.goto(label.url);
    await page.locator("#progress").filter({ hasText: "0 of 4 labelled" }).waitFor();
    assert.equal(await page.locator("#response").textContent(), payload);
    assert.equal(await page.locator("#response img, #response script").count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    await page.close();
    label.child.kill("SIGINT");
    const stopped = await label.exit;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr.trim(), /^proxyrm: label interrupted; rerun the same command to resume$/);
  });

  it("a page from another origin cannot use the API even with the token", async () => {
    const label = await startLabel(path.join(tmp, "spare"));
    const other = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<p>elsewhere</p>"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const result = await page.evaluate(async (url) => {
        const token = new URL(url).searchParams.get("token")!;
        try {
          const r = await fetch(new URL("/api/state", url), { headers: { "x-proxyrm-token": token } });
          return `HTTP ${r.status}`;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      }, label.url);
      assert.match(result, /^blocked: TypeError$/);
      await page.close();
    } finally {
      await new Promise((r) => other.close(r));
      label.child.kill("SIGINT");
      await label.exit;
    }
  });
});

describe("proxyrm label: guards and one process per run", () => {
  /** Raw HTTP with headers a browser would not let a page set. */
  function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on("error", reject);
      req.end(options.body);
    });
  }

  it("no token, a wrong token, another Origin or Host, a form post: refused", async () => {
    const spare = path.join(tmp, "spare");
    const label = await startLabel(spare);
    try {
      const url = new URL(label.url);
      const token = url.searchParams.get("token")!;
      const base = `http://127.0.0.1:${url.port}`;
      const page = await request(label.url);
      assert.equal(page.status, 200);
      assert.match(page.headers["content-security-policy"] as string, /script-src 'self'/);
      assert.equal(page.headers["referrer-policy"], "no-referrer");
      const refused: [string, Parameters<typeof request>[1], number][] = [
        [`${base}/`, {}, 403],
        [`${base}/?token=wrong`, {}, 403],
        [`${base}/api/state`, {}, 403],
        [`${base}/api/state`, { headers: { "x-proxyrm-token": "x".repeat(token.length) } }, 403],
        [`${base}/api/state`, { headers: { "x-proxyrm-token": token, origin: "http://evil.example" } }, 403],
        [`${base}/api/state`, { headers: { "x-proxyrm-token": token, host: `evil.example:${url.port}` } }, 403],
        [`${base}/api/label`, { method: "POST", headers: { "x-proxyrm-token": token, "content-type": "application/x-www-form-urlencoded" }, body: "response_id=x&score=3" }, 415],
        [`${base}/api/label`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } }, 403],
      ];
      for (const [target, options, status] of refused) {
        const r = await request(target, options);
        assert.equal(r.status, status, `${options?.method ?? "GET"} ${target} ${JSON.stringify(options?.headers)}: ${r.body}`);
        assert.equal(r.headers["access-control-allow-origin"], undefined);
      }
      const bad = await request(`${base}/api/label`, { method: "POST", headers: { "x-proxyrm-token": token, "content-type": "application/json" }, body: JSON.stringify({ response_id: "nope", score: 3 }) });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /response nope is not one of the 4 selected tuples/);

      // The label page holds the run directory: a run on it now is refused, naming the pid.
      const run = await proxyrm(RUN, spare);
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim(), `proxyrm: ${path.join(spare, "run")} is in use by another proxyrm process (pid ${label.child.pid}); wait for it to finish or stop it`);
    } finally {
      label.child.kill("SIGINT");
      await label.exit;
    }
  });

  it("bad runs: one line, exit 2", async () => {
    const plain = path.join(tmp, "plain");
    fs.mkdirSync(plain);
    const rubricRun = await proxyrm(["run", "--preset", "tiny", "--out", "run", "--until", "select"], plain);
    assert.equal(rubricRun.code, 0, rubricRun.stderr);
    const cases: [string[], string, RegExp][] = [
      [["label", "missing"], plain, /^proxyrm: missing: not a run directory \(no manifest\.json\)$/],
      [["label", "run"], plain, /^proxyrm: run: its expert is the rubric, not a person; start a run with --human NAME to label by hand$/],
      [["label", "run", "--name", "bob"], cwd, /^proxyrm: --name: run is labelled by "alice", not "bob"$/],
      [["label", "run", "--port", "99999"], cwd, /^proxyrm: --port: must be an integer in \[0, 65535\], got 99999$/],
    ];
    for (const [args, dir, message] of cases) {
      const r = await proxyrm(args, dir);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr.trim(), message);
    }
  });
});
