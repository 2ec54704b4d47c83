/**
 * The one HTTP client for every OpenAI-compatible endpoint proxyrm calls: the judge, the policy
 * and the embedder. It bounds the requests in flight, times out each attempt, retries what may
 * succeed later (network errors, timeouts, 429, 5xx) with exponential backoff and jitter or the
 * server's Retry-After (seconds or an HTTP date), and stops the whole run through a circuit
 * breaker after N consecutive transport failures (network errors, timeouts, 5xx, a 429 without
 * Retry-After), instead of grinding through every item of a dead endpoint.
 *
 * What it returns says whether the provider billed the request: a 2xx reply was billed (even if
 * its body cannot be read: the provider generated it); anything else was not. The caller hands
 * in the API key: this module never reads the environment and never lets the key into an error.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { BadOptionError, CallAbortedError, EndpointError } from "../errors";

export interface EndpointOptions {
  /** What the endpoint serves, for messages: "judge", "policy", "embedder". */
  role: string;
  /** Base URL, e.g. http://127.0.0.1:8000/v1 (a trailing "/" is fine). */
  url: string;
  /** Sent as `Authorization: Bearer <key>` only when given. */
  apiKey?: string;
  /** Per attempt, covering the reply body too. Default 60000. */
  timeoutMs?: number;
  /** Extra attempts after the first on network errors, timeouts, 429 and 5xx. Default 3. */
  retries?: number;
  /** First backoff; it doubles per retry, capped at maxBackoffMs, then jittered. Default 500. */
  backoffMs?: number;
  /** Longest wait between attempts, whatever Retry-After asks for. Default 60000. */
  maxBackoffMs?: number;
  /** Most requests in flight at once. Default 8. */
  concurrency?: number;
  /** Consecutive transport failures that stop the run. Default 5. */
  breakerThreshold?: number;
  /** Jitter source in [0, 1); Math.random by default (jitter only moves waits, never results). */
  random?: () => number;
  /**
   * The wait between attempts; rejects when `signal` aborts. node:timers/promises' setTimeout by
   * default; a test passes its own to know when the client is waiting, without a wall clock.
   */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The endpoint bills every request it finishes, even one whose client timed out waiting (a
   * judge, where labels are paid for). Then a timeout after the request was sent is not retried:
   * the reply may still be billed, and a retry could pay for the same item twice. The request
   * ends with `mayHaveBilled`, and the caller counts it as paid. Default false.
   */
  timeoutsMayBill?: boolean;
}

/**
 * The result of a request after its retries. `billed: true`: a 2xx reply, with its body text, or
 * `text: undefined` and `error` when the body could not be read (cut off, timed out). `billed:
 * false`: no 2xx reply; `retryable` says whether a later try may succeed (false for a 4xx).
 */
export type EndpointReply =
  | { billed: true; status: number; text: string; attempts: number }
  | { billed: true; status: number; text: undefined; error: string; attempts: number }
  | { billed: false; error: string; retryable: boolean; attempts: number; mayHaveBilled?: true };

/** The breaker is open: the endpoint failed at the transport level N times in a row. */
export class CircuitOpenError extends EndpointError {
  constructor(url: string, role: string, failures: number, last: string) {
    super(url, `${role} endpoint stopped the run after ${failures} consecutive transport failures (last: ${last}); labels paid so far are kept, rerun the same command to resume`);
    this.name = "CircuitOpenError";
  }
}

/** How much of an error reply's body goes into a message. */
const BODY_SNIPPET_CHARS = 200;

/** One attempt's result. `transport`: a failure of the connection or server, for the breaker. */
type Attempt =
  | { kind: "reply"; status: number; text?: string; error?: string }
  | {
      kind: "error";
      error: string;
      retryable: boolean;
      transport: boolean;
      retryAfterMs?: number;
      /** No status came back before the timeout: the request was sent and may still be billed. */
      timedOutAfterSend?: true;
    };

function checkCount(field: string, value: number, min: number): void {
  if (!(Number.isSafeInteger(value) && value >= min)) throw new BadOptionError(field, `must be an integer >= ${min}, got ${value}`);
}

/**
 * Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP date. The wait in ms (0 for a date in
 * the past), or undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  // An IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT") or an obsolete form Date.parse reads.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * The wait before retry `attempt` + 1: the exponential ceiling min(base * 2^(attempt-1), max),
 * half of it fixed and half random ("equal jitter"), so callers that failed together do not
 * retry together, yet none retries at once. `random` in [0, 1).
 */
export function backoffWithJitterMs(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), maxMs);
  return ceiling / 2 + random * (ceiling / 2);
}

/** Node's fetch hides the socket error under `cause` ("fetch failed" alone says nothing). */
function networkErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as (Error & { code?: string }) | undefined;
  if (cause instanceof Error) return cause.code && !cause.message.includes(cause.code) ? `${cause.code} ${cause.message}` : cause.message || cause.code || error.message;
  return error.message;
}

/** A counting semaphore whose waits honour an AbortSignal. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async take(signal?: AbortSignal): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new CallAbortedError("request", false));
      };
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(go);
    });
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export class EndpointClient {
  readonly role: string;
  /** The base URL without a trailing "/". */
  readonly base: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly timeoutsMayBill: boolean;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly breakerThreshold: number;
  private readonly random: () => number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly slots: Slots;
  /** Transport failures since the last reply of any kind. */
  private consecutiveFailures = 0;
  private open?: CircuitOpenError;

  constructor(options: EndpointOptions) {
    this.role = options.role;
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new BadOptionError(`${options.role} url`, `not a URL: ${options.url}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new BadOptionError(`${options.role} url`, `must be http or https: ${options.url}`);
    this.base = options.url.replace(/\/+$/, "");
    this.apiKey = options.apiKey || undefined;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.timeoutsMayBill = options.timeoutsMayBill ?? false;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.breakerThreshold = options.breakerThreshold ?? 5;
    this.random = options.random ?? Math.random;
    this.wait = options.wait ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    const concurrency = options.concurrency ?? 8;
    checkCount(`${this.role} timeoutMs`, this.timeoutMs, 1);
    checkCount(`${this.role} retries`, this.retries, 0);
    checkCount(`${this.role} backoffMs`, this.backoffMs, 0);
    checkCount(`${this.role} maxBackoffMs`, this.maxBackoffMs, 0);
    checkCount(`${this.role} breakerThreshold`, this.breakerThreshold, 1);
    checkCount(`${this.role} concurrency`, concurrency, 1);
    this.slots = new Slots(concurrency);
  }

  /** POSTs JSON to `${base}${pathname}`, with retries. */
  post(pathname: string, body: unknown, signal?: AbortSignal): Promise<EndpointReply> {
    return this.request("POST", pathname, JSON.stringify(body), signal, this.retries, this.timeoutMs);
  }

  /** GETs `${base}${pathname}` (the probe: its own, shorter, limits). */
  get(pathname: string, signal?: AbortSignal, limits: { retries?: number; timeoutMs?: number } = {}): Promise<EndpointReply> {
    return this.request("GET", pathname, undefined, signal, limits.retries ?? this.retries, limits.timeoutMs ?? this.timeoutMs);
  }

  /** The error of an open breaker, if it is open. */
  get circuitOpen(): CircuitOpenError | undefined {
    return this.open;
  }

  /** Removes the key from text that may quote it (a server may echo request headers). */
  redact(text: string): string {
    return this.apiKey === undefined ? text : text.split(this.apiKey).join("***");
  }

  private async request(method: string, pathname: string, body: string | undefined, signal: AbortSignal | undefined, retries: number, timeoutMs: number): Promise<EndpointReply> {
    if (this.open) throw this.open;
    const url = `${this.base}${pathname}`;
    const tries = retries + 1;
    await this.slots.take(signal);
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.open) throw this.open;
        const result = await this.attempt(method, url, body, signal, timeoutMs);
        if (result.kind === "reply") {
          this.consecutiveFailures = 0;
          return result.text === undefined
            ? { billed: true, status: result.status, text: undefined, error: this.redact(`${method} ${url}: ${result.error}`), attempts: attempt }
            : { billed: true, status: result.status, text: result.text, attempts: attempt };
        }
        if (result.transport) {
          this.consecutiveFailures++;
          if (this.consecutiveFailures >= this.breakerThreshold) {
            this.open = new CircuitOpenError(this.base, this.role, this.consecutiveFailures, this.redact(result.error));
            throw this.open;
          }
        } else {
          this.consecutiveFailures = 0; // the server answered: it is reachable
        }
        if (!result.retryable) return { billed: false, error: this.redact(`${method} ${url}: ${result.error}`), retryable: false, attempts: attempt };
        if (result.timedOutAfterSend && this.timeoutsMayBill) {
          return { billed: false, mayHaveBilled: true, error: this.redact(`${method} ${url}: ${result.error}; not retried, the reply may still be billed`), retryable: false, attempts: attempt };
        }
        if (attempt === tries) {
          return { billed: false, error: this.redact(`${method} ${url}: ${result.error} after ${tries} ${tries === 1 ? "try" : "tries"}`), retryable: true, attempts: attempt };
        }
        try {
          await this.wait(this.waitMs(attempt, result.retryAfterMs), signal);
        } catch (error) {
          if (signal?.aborted) throw new CallAbortedError("request", false);
          throw error;
        }
      }
    } finally {
      this.slots.give();
    }
  }

  /** Retry-After when the server gave one, else exponential backoff with jitter; capped. */
  private waitMs(attempt: number, retryAfter: number | undefined): number {
    if (retryAfter !== undefined) return Math.min(retryAfter, this.maxBackoffMs);
    return backoffWithJitterMs(attempt, this.backoffMs, this.maxBackoffMs, this.random());
  }

  /** One HTTP attempt, bounded by timeoutMs and the caller's signal. */
  private async attempt(method: string, url: string, body: string | undefined, signal: AbortSignal | undefined, timeoutMs: number): Promise<Attempt> {
    if (signal?.aborted) throw new CallAbortedError("request", false);
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      // Sent, no reply yet: the provider may be working on it (and bill it).
      if (signal?.aborted) throw new CallAbortedError("request", true);
      if (timeout.aborted) return { kind: "error", error: `timeout after ${timeoutMs} ms`, retryable: true, transport: true, timedOutAfterSend: true };
      return { kind: "error", error: networkErrorText(error), retryable: true, transport: true };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new CallAbortedError("request", true);
      const why = timeout.aborted ? `timeout after ${timeoutMs} ms reading the reply` : `reply cut off (${networkErrorText(error)})`;
      if (response.ok) return { kind: "reply", status: response.status, error: `HTTP ${response.status} ${why}` };
      // An error status came back: not billed, whatever happened to its body.
      return { kind: "error", error: `HTTP ${response.status} ${why}`, retryable: true, transport: true };
    }
    if (response.ok) return { kind: "reply", status: response.status, text };
    const status = `HTTP ${response.status}${text ? ` ${text.slice(0, BODY_SNIPPET_CHARS).replace(/\s+/g, " ").trim()}` : ""}`;
    if (response.status === 429) {
      // With Retry-After the server is pacing us (a healthy server under load): not a failure for
      // the breaker. Without it (e.g. a spent quota) nothing says waiting will help: it counts.
      const wait = retryAfterMs(response.headers.get("retry-after"));
      return { kind: "error", error: status, retryable: true, transport: wait === undefined, retryAfterMs: wait };
    }
    if (response.status >= 500) return { kind: "error", error: status, retryable: true, transport: true, retryAfterMs: retryAfterMs(response.headers.get("retry-after")) };
    return { kind: "error", error: status, retryable: false, transport: false };
  }
}

