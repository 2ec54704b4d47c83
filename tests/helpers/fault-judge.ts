/**
 * A fault-injecting OpenAI-compatible judge for the reliability tests, on 127.0.0.1 only. It
 * judges with the gold rubric, and a plan (a pure function of the item and how often it was
 * asked, so every loop is bounded) decides per request: a good reply, or one of the faults
 * real endpoints produce: 429 with Retry-After in seconds or as an HTTP date, 500, a hang, a
 * dropped connection, truncated JSON, a reply with no score; or "hold" (keep the request
 * unanswered until the test releases it, for kill -9 and two-process tests).
 *
 * It counts what a provider would bill: every 200 it generates, per item (a held request is
 * billed when released, even if its client died meanwhile, as a provider's would be).
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { REASK_LINE } from "../../src/oracle/judge-prompt";
import { goldRubric } from "../../src/world/rubric";

export const FAULTS = ["429-seconds", "429-date", "500", "hang", "reset", "truncated", "no-score"] as const;
export type Fault = (typeof FAULTS)[number];
export type Behaviour = Fault | "ok" | "hold";

/** One chat request as the plan sees it. */
export interface JudgeRequestInfo {
  /** The judged instruction and response ("Instruction:...Response:..."), re-ask line removed. */
  item: string;
  /** 0 for the item's first request, 1 for its second (a retry or a re-ask), ... */
  nthForItem: number;
  /** Whether the request carried the re-ask's stricter format line. */
  reask: boolean;
  /** 1-based over all chat requests. */
  n: number;
}

export interface FaultJudgeOptions {
  model: string;
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** Delay before each good reply, so a test can act while calls are in flight. */
  replyDelayMs?: number;
}

/** A stable small number per item, for plans that spread faults over items. */
export function itemHash(item: string): number {
  return createHash("sha256").update(item).digest().readUInt32LE(0);
}

export class FaultJudge {
  plan: (request: JudgeRequestInfo) => Behaviour = () => "ok";
  /** Called when a chat request arrives (before any reply) and after a 200 was generated. */
  onRequest?: (request: JudgeRequestInfo) => void;
  onBilled?: (billedTotal: number, request: JudgeRequestInfo) => void;
  /** Chat requests received. */
  requests = 0;
  /** GET /v1/models requests (the free probe). */
  probes = 0;
  faults: Record<Fault, number> = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  /** 200 replies generated, per item: what a provider bills. */
  readonly billed = new Map<string, number>();
  /** Items whose first billed reply had a score. */
  readonly scoredFirst = new Set<string>();
  /** Authorization headers seen (to check which key was sent). */
  readonly authorizations = new Set<string>();
  private readonly asked = new Map<string, number>();
  private held: { res: http.ServerResponse; info: JudgeRequestInfo }[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  constructor(readonly options: FaultJudgeOptions) {}

  get billedTotal(): number {
    let n = 0;
    for (const v of this.billed.values()) n += v;
    return n;
  }

  get heldCount(): number {
    return this.held.length;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Answers every held request now (billing each, whether or not its client is still there). */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const { res, info } of held) this.replyOk(res, info);
  }

  /** Forgets counts between scenarios (not the plan or hooks). */
  reset(): void {
    this.requests = 0;
    this.probes = 0;
    for (const f of FAULTS) this.faults[f] = 0;
    this.billed.clear();
    this.scoredFirst.clear();
    this.asked.clear();
    this.authorizations.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      if (req.headers.authorization) this.authorizations.add(req.headers.authorization);
      if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"invalid api key"}}');
        return;
      }
      if (req.method === "GET" && req.url === "/v1/models") {
        this.probes++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: this.options.model, object: "model" }] }));
        return;
      }
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      const user = (JSON.parse(body) as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === "user")!.content;
      const reask = user.endsWith(`\n\n${REASK_LINE}`);
      const item = reask ? user.slice(0, -(REASK_LINE.length + 2)) : user;
      const nthForItem = this.asked.get(item) ?? 0;
      this.asked.set(item, nthForItem + 1);
      const info: JudgeRequestInfo = { item, nthForItem, reask, n: ++this.requests };
      this.onRequest?.(info);
      this.act(this.plan(info), res, info);
    });
  }

  private act(behaviour: Behaviour, res: http.ServerResponse, info: JudgeRequestInfo): void {
    if (behaviour !== "ok" && behaviour !== "hold") this.faults[behaviour]++;
    const json = (status: number, text: string, headers: Record<string, string> = {}) =>
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(text);
    switch (behaviour) {
      case "ok":
        setTimeout(() => this.replyOk(res, info), this.options.replyDelayMs ?? 0);
        return;
      case "hold":
        this.held.push({ res, info });
        return;
      case "429-seconds":
        json(429, '{"error":"rate limited"}', { "retry-after": "0" });
        return;
      case "429-date":
        // An HTTP date a second in the past: "retry now", in the date form.
        json(429, '{"error":"rate limited"}', { "retry-after": new Date(Date.now() - 1000).toUTCString() });
        return;
      case "500":
        json(500, '{"error":"internal"}');
        return;
      case "hang":
        return; // never answered; the client times out and the connection is closed at stop()
      case "reset":
        res.socket?.destroy();
        return;
      case "truncated": {
        this.bill(info, false);
        const full = this.completion(`The response was checked.\n${goldRubric(...split(info.item)).rationale}`);
        json(200, full.slice(0, Math.floor(full.length / 2)));
        return;
      }
      case "no-score":
        this.bill(info, false);
        json(200, this.completion("I cannot rate this response."));
        return;
    }
  }

  private replyOk(res: http.ServerResponse, info: JudgeRequestInfo): void {
    this.bill(info, true);
    if (res.destroyed || res.writableEnded) return; // its client is gone; the provider billed anyway
    res.writeHead(200, { "content-type": "application/json" }).end(this.completion(`The response was checked.\n${goldRubric(...split(info.item)).rationale}`));
  }

  private bill(info: JudgeRequestInfo, scored: boolean): void {
    const before = this.billed.get(info.item) ?? 0;
    if (before === 0 && scored) this.scoredFirst.add(info.item);
    this.billed.set(info.item, before + 1);
    this.onBilled?.(this.billedTotal, info);
  }

  private completion(content: string): string {
    return JSON.stringify({ id: "c", object: "chat.completion", model: this.options.model, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] });
  }
}

/** The instruction and response of a judge user message. */
function split(item: string): [string, string] {
  const match = /^Instruction:\n([\s\S]*?)\n\nResponse:\n([\s\S]*)$/.exec(item);
  if (!match) throw new Error(`not a judge user message: ${item}`);
  return [match[1], match[2]];
}
