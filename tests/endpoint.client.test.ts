/**
 * The one HTTP client for judge, policy and embedder (src/endpoint/client.ts) and the free
 * fail-fast probe (probe.ts), against real local HTTP servers on 127.0.0.1: billed vs not
 * billed, Retry-After in both forms, jitter, the circuit breaker, the concurrency bound, aborts.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { CallAbortedError, EndpointError } from "../src/errors";
import { backoffWithJitterMs, CircuitOpenError, EndpointClient, retryAfterMs, type EndpointOptions } from "../src/endpoint/client";
import { probeEndpoint } from "../src/endpoint/probe";

const KEY = "sk-client-test-4d1e";

/** What the server does with one request. */
type Reply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | "hang" | "cut";

class ScriptedServer {
  script: Reply[] = [];
  fallback: Reply = { status: 200, body: '{"ok":true}' };
  requests: { method: string; url: string; authorization?: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  replied = 0;
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
    req.resume();
    req.on("end", () => {
      this.requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
      const reply = this.script.shift() ?? this.fallback;
      if (reply === "hang") return;
      if (reply === "cut") {
        // Headers and half a body, then the connection drops: the provider generated a reply.
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        res.write('{"choices":[{"mess');
        setTimeout(() => res.destroy(), 5);
        return;
      }
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      setTimeout(() => {
        this.inFlight--;
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body ?? "");
        this.replied++;
      }, reply.delayMs ?? 0);
    });
  }
}

/** A port nothing listens on: bound a moment ago, then closed. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/v1`;
}

describe("retryAfterMs and backoffWithJitterMs", () => {
  test("Retry-After in delta-seconds and as an HTTP date", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    assert.equal(retryAfterMs("3", now), 3000);
    assert.equal(retryAfterMs(" 1.5 ", now), 1500);
    assert.equal(retryAfterMs("0", now), 0);
    assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:07 GMT", now), 7000);
    assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:27:00 GMT", now), 0, "a date in the past: retry now");
    assert.equal(retryAfterMs("Wednesday, 21-Oct-15 07:28:02 GMT", now), 2000, "the obsolete RFC 850 form");
    assert.equal(retryAfterMs(null, now), undefined);
    assert.equal(retryAfterMs("soon", now), undefined);
    assert.equal(retryAfterMs("-5", now), undefined);
  });

  test("exponential backoff: half fixed, half jitter, capped", () => {
    assert.equal(backoffWithJitterMs(1, 500, 60_000, 0), 250);
    assert.equal(backoffWithJitterMs(1, 500, 60_000, 0.999999), 499.99975);
    assert.equal(backoffWithJitterMs(3, 500, 60_000, 0.5), 1500);
    assert.equal(backoffWithJitterMs(20, 500, 60_000, 0), 30_000);
    assert.equal(backoffWithJitterMs(20, 500, 60_000, 1), 60_000);
    const draws = Array.from({ length: 50 }, (_, i) => backoffWithJitterMs(2, 500, 60_000, i / 50));
    assert.ok(draws.every((d) => d >= 500 && d < 1000));
    assert.equal(new Set(draws).size, 50, "the jitter spreads retries");
  });
});

describe("EndpointClient against a local server", () => {
  const server = new ScriptedServer();
  let url = "";
  before(async () => {
    url = await server.start();
  });
  after(() => server.stop());
  beforeEach(() => {
    server.script = [];
    server.requests = [];
    server.maxInFlight = 0;
    server.replied = 0;
    server.fallback = { status: 200, body: '{"ok":true}' };
  });
  const client = (options: Partial<EndpointOptions> = {}) => new EndpointClient({ role: "judge", url, apiKey: KEY, backoffMs: 1, timeoutMs: 5000, ...options });

  test("a 2xx reply is billed, with its text; the key is sent as a bearer token", async () => {
    const reply = await client().post("/chat/completions", { a: 1 });
    assert.deepEqual(reply, { billed: true, status: 200, text: '{"ok":true}', attempts: 1 });
    assert.equal(server.requests[0].authorization, `Bearer ${KEY}`);
    assert.equal(server.requests[0].url, "/v1/chat/completions");
  });

  test("500, 429 (Retry-After: 0) then 200: retried within the request, billed once", async () => {
    server.script = [{ status: 500 }, { status: 429, headers: { "retry-after": "0" } }];
    const reply = await client().post("/x", {});
    assert.equal(reply.billed, true);
    assert.equal(reply.attempts, 3);
    assert.equal(server.requests.length, 3);
  });

  test("a reply cut off after a 200 status line is billed and not retried", async () => {
    server.script = ["cut"];
    const reply = await client().post("/x", {});
    assert.equal(server.requests.length, 1);
    assert.ok(reply.billed && reply.text === undefined, JSON.stringify(reply));
    assert.match(reply.error, /HTTP 200 reply cut off/);
  });

  test("a 4xx is not billed, not retried, and the key is redacted from its body", async () => {
    server.script = [{ status: 401, body: `no such key Bearer ${KEY}` }];
    const reply = await client().post("/x", {});
    assert.deepEqual(reply, { billed: false, error: `POST ${url}/x: HTTP 401 no such key Bearer ***`, retryable: false, attempts: 1 });
  });

  test("the circuit breaker opens after 5 consecutive transport failures, across requests, and then fails without a request", async () => {
    server.fallback = { status: 503 };
    const c = client({ retries: 3 });
    const first = await c.post("/x", {});
    assert.equal(first.billed, false);
    assert.equal(server.requests.length, 4);
    await assert.rejects(c.post("/x", {}), (error: unknown) => {
      assert.ok(error instanceof CircuitOpenError && error instanceof EndpointError);
      assert.match(error.message, /judge endpoint stopped the run after 5 consecutive transport failures \(last: HTTP 503\)/);
      assert.ok(error.message.startsWith(url));
      return true;
    });
    assert.equal(server.requests.length, 5);
    await assert.rejects(c.post("/x", {}), CircuitOpenError);
    assert.equal(server.requests.length, 5, "an open breaker sends nothing");
  });

  test("a reply of any kind resets the count: 4 failures, a 200, 4 failures do not open it", async () => {
    server.script = [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 200, body: "{}" }, { status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }];
    const c = client({ retries: 3 });
    assert.equal((await c.post("/x", {})).billed, false);
    assert.equal((await c.post("/x", {})).billed, true);
    assert.equal((await c.post("/x", {})).billed, false);
    assert.equal(c.circuitOpen, undefined);
  });

  test("429 with Retry-After is the server pacing us: it never opens the breaker; without it, it counts", async () => {
    server.fallback = { status: 429, headers: { "retry-after": "0" } };
    const c = client({ retries: 3, breakerThreshold: 2 });
    for (let i = 0; i < 3; i++) assert.equal((await c.post("/x", {})).billed, false);
    assert.equal(server.requests.length, 12);
    assert.equal(c.circuitOpen, undefined);
    server.fallback = { status: 429, body: "quota exceeded" };
    await assert.rejects(client({ retries: 3, breakerThreshold: 2 }).post("/x", {}), /after 2 consecutive transport failures \(last: HTTP 429 quota exceeded\)/);
  });

  test("timeouts and refused connections are transport failures", async () => {
    server.script = ["hang", "hang"];
    const c = client({ retries: 0, timeoutMs: 100, breakerThreshold: 3 });
    assert.match((await c.post("/x", {})).billed === false ? "timeout" : "", /timeout/);
    assert.equal((await c.post("/x", {})).billed, false);
    const refused = new EndpointClient({ role: "policy", url: await closedPortUrl(), retries: 1, backoffMs: 1, breakerThreshold: 2 });
    await assert.rejects(refused.post("/completions", {}), /policy endpoint stopped the run after 2 consecutive transport failures \(last: .*ECONNREFUSED/);
  });

  test("timeoutsMayBill: a timed-out request is not retried and ends as maybe billed; other failures still retry", async () => {
    server.script = ["hang", { status: 200, body: "{}" }];
    const paid = client({ retries: 3, timeoutMs: 100, timeoutsMayBill: true });
    const reply = await paid.post("/x", {});
    assert.equal(reply.billed, false);
    assert.equal(reply.billed === false && reply.mayHaveBilled, true);
    assert.equal(reply.attempts, 1);
    assert.equal(server.requests.length, 1, "no second request for the same item");
    // Without the option the same hang is retried, and the retry is answered.
    server.script = ["hang", { status: 200, body: "{}" }];
    const free = client({ retries: 3, timeoutMs: 100 });
    assert.equal((await free.post("/x", {})).billed, true);
    // A 503 is still retried with the option: the server answered, it billed nothing.
    server.script = [{ status: 503 }, { status: 200, body: "{}" }];
    const again = await paid.post("/x", {});
    assert.equal(again.billed, true);
    assert.equal(again.attempts, 2);
  });

  test("at most `concurrency` requests in flight", async () => {
    server.fallback = { status: 200, body: "{}", delayMs: 20 };
    const c = client({ concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => c.post("/x", {})));
    assert.equal(server.maxInFlight, 2);
    assert.equal(server.requests.length, 6);
  });

  test("abort: on the wire it may have been billed; waiting for a slot or a backoff it was not", async () => {
    server.script = ["hang"];
    const c = client({ concurrency: 1 });
    const onWire = new AbortController();
    const first = c.post("/x", {}, onWire.signal);
    const queued = new AbortController();
    const second = c.post("/x", {}, queued.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    queued.abort();
    await assert.rejects(second, (e: unknown) => e instanceof CallAbortedError && e.mayHaveBilled === false);
    onWire.abort();
    await assert.rejects(first, (e: unknown) => e instanceof CallAbortedError && e.mayHaveBilled === true);
    server.script = [{ status: 503 }];
    const backoff = new AbortController();
    // The client's wait between attempts, faked: it says when the client is in it, with no clock.
    const waits: number[] = [];
    let inWait!: () => void;
    const waitEntered = new Promise<void>((resolve) => (inWait = resolve));
    const wait = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((_, reject) => {
        waits.push(ms);
        signal!.addEventListener("abort", () => reject(signal!.reason), { once: true });
        inWait();
      });
    const waiting = client({ backoffMs: 60_000, wait }).post("/x", {}, backoff.signal);
    await waitEntered;
    // The 503 is answered; the client now waits 30-60 s before its retry: abort in that wait.
    assert.equal(server.replied, 1);
    assert.ok(waits.length === 1 && waits[0] >= 30_000 && waits[0] <= 60_000, `one backoff of 30-60 s, got ${waits.join(", ")}`);
    backoff.abort();
    await assert.rejects(waiting, (e: unknown) => e instanceof CallAbortedError && e.mayHaveBilled === false);
  });

  test("bad options name the endpoint's role", () => {
    assert.throws(() => new EndpointClient({ role: "embedder", url: "nope" }), /embedder url: not a URL/);
    assert.throws(() => new EndpointClient({ role: "embedder", url: "ftp://x/v1" }), /embedder url: must be http or https/);
    assert.throws(() => new EndpointClient({ role: "judge", url, breakerThreshold: 0 }), /judge breakerThreshold/);
    assert.throws(() => new EndpointClient({ role: "judge", url, concurrency: 0 }), /judge concurrency/);
  });
});

describe("probeEndpoint: GET <url>/models, free, before any training", () => {
  const server = new ScriptedServer();
  let url = "";
  before(async () => {
    url = await server.start();
  });
  after(() => server.stop());
  beforeEach(() => {
    server.script = [];
    server.requests = [];
    server.fallback = { status: 200, body: JSON.stringify({ object: "list", data: [{ id: "judge-1", object: "model" }, { id: "other" }] }) };
  });
  const probe = (model = "judge-1", base = url) => probeEndpoint(new EndpointClient({ role: "judge", url: base, apiKey: KEY, backoffMs: 1 }), model, "PROXYRM_JUDGE_API_KEY");

  test("a served model passes with one GET", async () => {
    await probe();
    assert.deepEqual(server.requests, [{ method: "GET", url: "/v1/models", authorization: `Bearer ${KEY}` }]);
  });

  const failures: [string, () => void, RegExp][] = [
    ["401", () => (server.script = [{ status: 401, body: `bad Bearer ${KEY}` }]), /\/v1\/models: the judge endpoint rejected the API key \(HTTP 401\); set PROXYRM_JUDGE_API_KEY/],
    ["404", () => (server.fallback = { status: 404, body: "not found" }), /\/v1\/models: not found \(HTTP 404\): is the judge base URL right\? It usually ends in \/v1/],
    ["a model it does not serve", () => undefined, /model "gpt-x" is not served by the judge endpoint \(it serves: judge-1, other\)/],
    ["not a model list", () => (server.fallback = { status: 200, body: "<html>hi</html>" }), /not an OpenAI-compatible model list/],
    ["500 twice", () => (server.fallback = { status: 500, body: "down" }), /the judge endpoint is not usable: HTTP 500 down after 2 tries/],
  ];
  for (const [name, setup, message] of failures) {
    test(`${name}: one EndpointError naming the URL, never the key`, async () => {
      setup();
      await assert.rejects(probe(name === "a model it does not serve" ? "gpt-x" : "judge-1"), (error: unknown) => {
        assert.ok(error instanceof EndpointError, String(error));
        assert.match(error.message, message);
        assert.ok(error.message.startsWith(`${url}/models`), error.message);
        assert.ok(!error.message.includes(KEY) && !error.message.includes("\n"));
        return true;
      });
    });
  }

  test("connection refused: an EndpointError naming the URL", async () => {
    const dead = await closedPortUrl();
    await assert.rejects(probe("judge-1", dead), (error: unknown) => {
      assert.ok(error instanceof EndpointError);
      assert.match(error.message, /ECONNREFUSED/);
      assert.ok(error.message.startsWith(`${dead}/models`));
      return true;
    });
  });
});
