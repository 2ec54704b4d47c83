/**
 * `proxyrm serve`: the built-in world's policy M1, its embeddings and the gold rubric as an
 * OpenAI-compatible server, so the endpoint path (`--policy-url`, `--embed-url`, `--judge-url`)
 * runs end to end with no outside service, and a notebook or script written against vLLM and a
 * hosted judge can be tried locally first.
 *
 *   GET  /v1/models             proxyrm-policy, proxyrm-embed, proxyrm-judge
 *   POST /v1/chat/completions   proxyrm-policy: n samples of the last user message;
 *                               proxyrm-judge: the rubric's verdict on "Instruction:...Response:..."
 *   POST /v1/completions        proxyrm-policy: n samples per prompt
 *   POST /v1/embeddings         proxyrm-embed: M1's mean-pooled hidden states
 *
 * It binds 127.0.0.1 only and every request needs `Authorization: Bearer <token>`. Sampling is
 * seeded by the request's `seed` (as vLLM does), so a run against it is reproducible.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../errors";
import { embedTexts } from "../embed/policy-embedder";
import { REASK_LINE } from "../oracle/judge-prompt";
import { sampleCompletions } from "../policy/sample";
import type { TinyGPT } from "../policy/tinygpt";
import { Rng } from "../rng";
import { goldRubric } from "../world/rubric";

export const SERVED_MODELS = { policy: "proxyrm-policy", embed: "proxyrm-embed", judge: "proxyrm-judge" } as const;

export interface BuiltinServerOptions {
  model: TinyGPT;
  /** 0 (the default) picks a free port. */
  port?: number;
  token: string;
  /** Called for every authorised request with its path and JSON body (logging, tests). */
  onRequest?: (path: string, body: Record<string, unknown>) => void;
}

export interface BuiltinServer {
  /** Base URL, …/v1. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A random token for a server started without one. */
export function newServeToken(): string {
  return `pxr-${randomBytes(24).toString("base64url")}`;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Most samples one request may ask for (n x prompts). */
const MAX_SAMPLES = 4096;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function readJson(req: http.IncomingMessage): Promise<Json> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, "request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
        if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
        resolve(body as Json);
      } catch {
        reject(new ApiError(400, "the body is not a JSON object"));
      }
    });
    req.on("error", reject);
  });
}

function intField(body: Json, name: string, fallback: number, min: number, max: number): number {
  const v = body[name] ?? fallback;
  if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) throw new ApiError(400, `${name} must be an integer in [${min}, ${max}]`);
  return v as number;
}

export async function startBuiltinServer(options: BuiltinServerOptions): Promise<BuiltinServer> {
  const { model, token } = options;
  let port = 0;
  let requests = 0;
  // tfjs works one call at a time: requests are answered in arrival order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };

  const sample = async (prompts: string[], body: Json): Promise<string[]> => {
    const n = intField(body, "n", 1, 1, 128);
    if (prompts.length * n > MAX_SAMPLES) throw new ApiError(400, `at most ${MAX_SAMPLES} samples per request`);
    const temperature = body.temperature ?? 1;
    if (!(typeof temperature === "number" && temperature >= 0 && temperature <= 5)) throw new ApiError(400, "temperature must be a number in [0, 5]");
    const maxTokens = intField(body, "max_tokens", 16, 1, 1 << 20);
    const seed = intField(body, "seed", requests, 0, 2 ** 31 - 1);
    const cfg = { temperature, topK: 0, maxNewTokens: Math.min(maxTokens, model.config.blockSize - 1), batchSize: 256 };
    return serial(() => sampleCompletions(model, prompts.flatMap((p) => Array.from({ length: n }, () => p)), cfg, new Rng(seed)));
  };

  const judge = (user: string): string => {
    const text = user.endsWith(`\n\n${REASK_LINE}`) ? user.slice(0, -(REASK_LINE.length + 2)) : user;
    const match = /^Instruction:\n([\s\S]*?)\n\nResponse:\n([\s\S]*)$/.exec(text);
    if (!match) throw new ApiError(400, 'proxyrm-judge expects the user message "Instruction:\\n<prompt>\\n\\nResponse:\\n<response>"');
    return `The response was checked criterion by criterion.\n${goldRubric(match[1], match[2]).rationale}`;
  };

  const route = async (req: http.IncomingMessage, url: URL): Promise<Json> => {
    if (req.method === "GET" && url.pathname === "/v1/models") {
      return { object: "list", data: Object.values(SERVED_MODELS).map((id) => ({ id, object: "model", owned_by: "proxyrm" })) };
    }
    if (req.method !== "POST") throw new ApiError(404, `no route ${req.method} ${url.pathname}`);
    const body = await readJson(req);
    options.onRequest?.(url.pathname, body);
    const name = body.model;
    if (url.pathname === "/v1/chat/completions") {
      const messages = body.messages;
      if (!Array.isArray(messages)) throw new ApiError(400, "messages must be an array");
      const user = [...messages].reverse().find((m) => (m as Json)?.role === "user") as Json | undefined;
      if (typeof user?.content !== "string") throw new ApiError(400, "no user message with text content");
      if (name === SERVED_MODELS.judge) {
        return { id: `chatcmpl-${requests}`, object: "chat.completion", model: name, choices: [{ index: 0, message: { role: "assistant", content: judge(user.content) }, finish_reason: "stop" }] };
      }
      if (name !== SERVED_MODELS.policy) throw new ApiError(404, `model ${JSON.stringify(name)} is not served here`);
      const texts = await sample([user.content], body);
      return { id: `chatcmpl-${requests}`, object: "chat.completion", model: name, choices: texts.map((content, index) => ({ index, message: { role: "assistant", content }, finish_reason: "stop" })) };
    }
    if (url.pathname === "/v1/completions") {
      if (name !== SERVED_MODELS.policy) throw new ApiError(404, `model ${JSON.stringify(name)} is not served here`);
      const prompts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
      if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((p) => typeof p === "string")) throw new ApiError(400, "prompt must be a string or an array of strings");
      const texts = await sample(prompts as string[], body);
      return { id: `cmpl-${requests}`, object: "text_completion", model: name, choices: texts.map((text, index) => ({ index, text, finish_reason: "stop" })) };
    }
    if (url.pathname === "/v1/embeddings") {
      if (name !== SERVED_MODELS.embed) throw new ApiError(404, `model ${JSON.stringify(name)} is not served here`);
      const input = typeof body.input === "string" ? [body.input] : body.input;
      if (!Array.isArray(input) || input.length === 0 || input.length > MAX_SAMPLES || !input.every((t) => typeof t === "string")) throw new ApiError(400, `input must be a string or an array of at most ${MAX_SAMPLES} strings`);
      const vectors = await serial(() => embedTexts(model, input as string[]));
      const d = model.config.dModel;
      return { object: "list", model: name, data: (input as string[]).map((_, index) => ({ object: "embedding", index, embedding: Array.from(vectors.subarray(index * d, (index + 1) * d)) })) };
    }
    throw new ApiError(404, `no route POST ${url.pathname}`);
  };

  const expected = Buffer.from(`Bearer ${token}`);
  const server = http.createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const reply = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return reply(403, { error: { message: "wrong Host header" } });
    const given = Buffer.from(req.headers.authorization ?? "");
    if (!(given.length === expected.length && timingSafeEqual(given, expected))) {
      req.resume();
      return reply(401, { error: { message: "missing or wrong API key (Authorization: Bearer <the token proxyrm serve was given or printed>)", type: "invalid_request_error" } });
    }
    route(req, url).then(
      (body) => reply(200, body),
      (error: unknown) => reply(error instanceof ApiError ? error.status : 500, { error: { message: error instanceof ApiError ? error.message : "internal error" } }),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    throw new UserError(`--port ${options.port}: cannot listen on 127.0.0.1 (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { code: "bad-option", blame: "--port" });
  }
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
    },
  };
}
