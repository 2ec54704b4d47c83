/**
 * Embeddings from an OpenAI-compatible `/embeddings` endpoint, for the IFT view (the prompt),
 * the EFT view (the judge's input: instruction and response) and, with an external policy, the
 * reward heads' features. Texts are sent in batches, each distinct text once; every vector is
 * checked (one dimension, finite numbers: a NaN is an error naming the text, never a silent
 * distance) and journalled before use.
 */
import { throwIfAborted } from "../abort";
import { EndpointError } from "../errors";
import type { EmbedEndpointConfig } from "../config";
import type { EndpointClient } from "../endpoint/client";
import { ReplyJournal, replyKey } from "../endpoint/reply-journal";
import type { Progress } from "../progress";

export interface EmbeddingRows {
  dim: number;
  /** Row-major [texts.length * dim]. */
  data: Float32Array;
}

export class EndpointEmbedder {
  constructor(
    private readonly client: EndpointClient,
    private readonly config: EmbedEndpointConfig,
    private readonly journal?: ReplyJournal<number[]>,
  ) {}

  private get url(): string {
    return `${this.client.base}/embeddings`;
  }

  /** One vector per text, in text order. */
  async embed(texts: string[], progress?: Progress, signal?: AbortSignal, stage = "embed"): Promise<EmbeddingRows> {
    const keyOf = (text: string) => replyKey({ model: this.config.model, text });
    const vectors = new Map<string, number[]>();
    const missing: string[] = [];
    for (const text of new Set(texts)) {
      const known = this.journal?.get(keyOf(text));
      if (known) vectors.set(text, known);
      else missing.push(text);
    }
    progress?.start(stage, missing.length);
    try {
      const batches: string[][] = [];
      for (let i = 0; i < missing.length; i += this.config.batchSize) batches.push(missing.slice(i, i + this.config.batchSize));
      await Promise.all(
        batches.map(async (batch) => {
          throwIfAborted(signal, stage);
          const got = await this.ask(batch, signal);
          this.journal?.put(batch.map((text, i) => ({ key: keyOf(text), value: got[i] })));
          batch.forEach((text, i) => vectors.set(text, got[i]));
          progress?.tick(batch.length);
        }),
      );
    } finally {
      progress?.end();
    }
    const dim = texts.length === 0 ? 0 : vectors.get(texts[0])!.length;
    const data = new Float32Array(texts.length * dim);
    texts.forEach((text, i) => {
      const v = vectors.get(text)!;
      if (v.length !== dim) throw new EndpointError(this.url, `embeddings of ${dim} and ${v.length} dimensions in one run`);
      data.set(v, i * dim);
    });
    return { dim, data };
  }

  private async ask(batch: string[], signal?: AbortSignal): Promise<number[][]> {
    const reply = await this.client.post("/embeddings", { model: this.config.model, input: batch }, signal);
    const strip = (error: string) => error.replace(`POST ${this.url}: `, "");
    if (!reply.billed) throw new EndpointError(this.url, `the embedder failed: ${strip(reply.error)}`);
    if (reply.text === undefined) throw new EndpointError(this.url, `the embedder's reply could not be read: ${strip(reply.error)}`);
    let data: { index?: number; embedding?: unknown }[];
    try {
      data = (JSON.parse(reply.text) as { data: typeof data }).data;
      if (!Array.isArray(data)) throw new Error("no data");
    } catch {
      throw new EndpointError(this.url, 'not an OpenAI embeddings reply (expected {"data":[{"embedding":[...]}]})');
    }
    if (data.length !== batch.length) throw new EndpointError(this.url, `${data.length} embeddings for ${batch.length} inputs`);
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d, i) => {
      const v = d.embedding;
      if (!Array.isArray(v) || v.length === 0) throw new EndpointError(this.url, `input ${i} of a batch got no embedding (base64 replies are not supported; ask for floats)`);
      const bad = v.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
      if (bad >= 0) throw new EndpointError(this.url, `the embedding of ${JSON.stringify(batch[i].slice(0, 60))} has a non-finite value (${String(v[bad])}) at dimension ${bad}`);
      return v as number[];
    });
  }
}
