/**
 * `proxyrm label`'s server: a small page on 127.0.0.1 where a person scores a run's selected
 * tuples one by one, through the shared HumanLabeller (so through the one gate and its journal).
 *
 * Guarded like a local notebook server: it binds 127.0.0.1 only; every API request needs the
 * random token of the URL the command prints (compared in constant time); a request whose Host is
 * not this server (DNS rebinding) or whose Origin is another site is refused; writes need a JSON
 * body, which a cross-site form cannot send without a preflight that is refused. The page gets a
 * strict Content-Security-Policy and no Referer leaves it (the token is in its URL).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../errors";
import { HUMAN_RUBRIC, HumanLabeller, type HumanProgress, type HumanTask } from "../oracle/human";
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from "./page";

export interface LabelServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Must match the run's `--human NAME` when given. */
  name?: string;
  /** The access token; a random one by default (tests may fix it). */
  token?: string;
}

export interface LabelServer {
  /** The page's URL, token included: the one thing to open. */
  url: string;
  port: number;
  person: string;
  progress(): HumanProgress;
  /** Resolves once every selected tuple has a score (at once if none was waiting). */
  done: Promise<void>;
  /** Stops serving and releases the run directory. */
  close(): Promise<void>;
}

/** Largest request body accepted (a score and a note of at most 4000 characters fit easily). */
const MAX_BODY_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Opens the run for labelling (taking its lock) and serves the page.
 * @throws UserError when the run cannot be labelled by hand or the port is taken.
 */
export async function startLabelServer(runDir: string, options: LabelServerOptions = {}): Promise<LabelServer> {
  const labeller = HumanLabeller.open(runDir, { name: options.name });
  const token = options.token ?? randomBytes(24).toString("base64url");
  let port = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const checkDone = () => {
    if (labeller.queue().length === 0) finish();
  };

  const state = (next: HumanTask | undefined) => ({
    person: labeller.person,
    run: runDir,
    rubric: HUMAN_RUBRIC.map((r) => r.criterion),
    progress: labeller.progress(),
    next: next ?? null,
  });

  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const guard = (req: http.IncomingMessage, needsToken: boolean, url: URL) => {
    if (!allowedHosts().includes(req.headers.host ?? "")) throw new HttpError(403, "wrong Host header");
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts().map((h) => `http://${h}`).includes(origin)) throw new HttpError(403, "requests from other origins are refused");
    if (!needsToken) return;
    const given = (req.headers["x-proxyrm-token"] as string | undefined) ?? url.searchParams.get("token") ?? "";
    if (!sameToken(given, token)) throw new HttpError(403, "missing or wrong token: open the URL proxyrm label printed");
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, type: string, body: string) => res.writeHead(status, { "content-type": type, ...SECURITY_HEADERS }).end(body);
    const json = (status: number, body: unknown) => send(status, "application/json; charset=utf-8", JSON.stringify(body));
    try {
      guard(req, false, url); // Host and Origin, for every request, whatever its route
      if (req.method === "GET" && url.pathname === "/") {
        guard(req, true, url);
        return send(200, "text/html; charset=utf-8", PAGE_HTML);
      }
      if (req.method === "GET" && url.pathname === "/app.js") {
        guard(req, false, url);
        return send(200, "text/javascript; charset=utf-8", PAGE_JS);
      }
      if (req.method === "GET" && url.pathname === "/app.css") {
        guard(req, false, url);
        return send(200, "text/css; charset=utf-8", PAGE_CSS);
      }
      if (req.method === "GET" && url.pathname === "/api/state") {
        guard(req, true, url);
        return json(200, state(labeller.queue()[0]));
      }
      if (req.method === "POST" && url.pathname === "/api/label") {
        guard(req, true, url);
        if (!(req.headers["content-type"] ?? "").startsWith("application/json")) throw new HttpError(415, "send JSON");
        let body: { response_id?: unknown; score?: unknown; note?: unknown };
        try {
          body = JSON.parse(await readBody(req)) as typeof body;
        } catch (error) {
          if (error instanceof HttpError) throw error;
          throw new HttpError(400, "the body is not JSON");
        }
        if (typeof body.response_id !== "string") throw new HttpError(400, "response_id must be a string");
        const note = body.note === undefined || body.note === null ? "" : body.note;
        if (typeof note !== "string") throw new HttpError(400, "note must be a string");
        // Journalled (pending + scored, fsynced) before this reply is sent.
        const result = await labeller.submit(body.response_id, body.score as number, note);
        json(200, { ...state(labeller.queue()[0]), duplicate: result.duplicate, saved: { response_id: result.response_id, score: result.score } });
        checkDone();
        return;
      }
      throw new HttpError(req.method === "GET" || req.method === "POST" ? 404 : 405, "not found");
    } catch (error) {
      if (error instanceof HttpError) return json(error.status, { error: error.message });
      if (error instanceof UserError) return json(400, { error: error.message });
      return json(500, { error: "internal error (see the terminal)" });
    }
  };

  const server = http.createServer((req, res) => void handle(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    labeller.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`--port ${options.port}: cannot listen on 127.0.0.1 (${code ?? (error as Error).message})`, { code: "bad-option", blame: "--port" });
  }
  port = (server.address() as AddressInfo).port;
  checkDone();
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    person: labeller.person,
    progress: () => labeller.progress(),
    done,
    close: async () => {
      // Let replies already written reach the browser, then drop kept-alive connections.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
      labeller.close();
    },
  };
}
