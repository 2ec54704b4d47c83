/**
 * Sampling from TinyGPT with a cache of each layer's keys and values, so a step costs one
 * position, not the whole sequence. Prompts are bucketed by length so every row of a forward
 * pass has the same length and needs no padding mask; only the last position goes through the
 * output matrix.
 */
import { throwIfAborted } from "../abort";
import { groupBy } from "../group-by";
import { Rng } from "../rng";
import { readFloats } from "../tensor-read";
import type { Progress } from "../progress";
import { contextIds } from "./batch";
import { EOS, decode, policyContext } from "./tokenizer";
import type { LayerCache, TinyGPT } from "./tinygpt";

export interface SampleConfig {
  /** 0 means greedy. */
  temperature: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK: number;
  maxNewTokens: number;
  /** Rows per forward pass. */
  batchSize: number;
}

/** Draws one token id from logits with temperature and top-k; ties go to the lower id. */
export function sampleToken(logits: Float32Array, offset: number, vocab: number, cfg: SampleConfig, rng: Rng): number {
  if (cfg.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < vocab; i++) if (logits[offset + i] > logits[offset + best]) best = i;
    return best;
  }
  const order = Array.from({ length: vocab }, (_, i) => i);
  let keep = order;
  if (cfg.topK > 0 && cfg.topK < vocab) {
    keep = order.sort((a, b) => logits[offset + b] - logits[offset + a] || a - b).slice(0, cfg.topK);
  }
  let max = -Infinity;
  for (const i of keep) max = Math.max(max, logits[offset + i]);
  const weights = keep.map((i) => Math.exp((logits[offset + i] - max) / cfg.temperature));
  return keep[rng.weighted(weights)];
}

/**
 * One completion per prompt (repeat a prompt to get k samples). Results are in input order and
 * depend only on the model, the prompts, the config and the rng's state.
 */
export async function sampleCompletions(
  model: TinyGPT,
  prompts: string[],
  cfg: SampleConfig,
  rng: Rng,
  progress?: Progress,
  signal?: AbortSignal,
  stage = "generate",
): Promise<string[]> {
  const tf = model.tf;
  const { blockSize, vocabSize } = model.config;
  const contexts = prompts.map((p) => contextIds(policyContext(p), blockSize, Math.min(cfg.maxNewTokens, blockSize - 1)));
  const buckets = groupBy(contexts.keys(), (i) => contexts[i].length);
  const out: string[] = new Array(prompts.length).fill("");
  progress?.start(stage, prompts.length);
  try {
    for (const len of [...buckets.keys()].sort((a, b) => a - b)) {
      const members = buckets.get(len)!;
      for (let start = 0; start < members.length; start += cfg.batchSize) {
        throwIfAborted(signal, stage);
        const rows = members.slice(start, start + cfg.batchSize);
        const seqs = rows.map((r) => contexts[r].slice());
        const done = rows.map(() => false);
        const steps = Math.min(cfg.maxNewTokens, blockSize - len);
        // The context goes through once; each later step feeds the token just drawn and reads
        // the earlier positions' keys and values from the cache (the same logits up to float
        // rounding: tests/sample.kv-cache.test.ts).
        let cache: LayerCache[] | undefined;
        try {
          for (let s = 0; s < steps && done.some((d) => !d); s++) {
            // Each token: a batch of 256 rows is a long synchronous stretch, and an interrupt must not wait for it.
            throwIfAborted(signal, stage);
            const fed = s === 0 ? seqs : seqs.map((seq) => seq.slice(-1));
            const width = fed[0].length;
            const past = cache;
            const step = tf.tidy(() => {
              const ids = tf.tensor2d(fed.flat(), [seqs.length, width], "int32");
              const { hidden, present } = model.forward(ids, past);
              const hid = tf.reshape(hidden, [seqs.length, width, model.config.dModel]);
              const last = tf.reshape(tf.slice(hid, [0, width - 1, 0], [seqs.length, 1, model.config.dModel]), [seqs.length, model.config.dModel]);
              return { logits: model.logits(last as import("@tensorflow/tfjs").Tensor2D), present };
            });
            if (past) tf.dispose(past);
            cache = step.present;
            const logits = await readFloats(step.logits);
            seqs.forEach((seq, i) => {
              // Finished rows keep padding with EOS so the batch stays rectangular.
              const next = done[i] ? EOS : sampleToken(logits, i * vocabSize, vocabSize, cfg, rng);
              if (next === EOS) done[i] = true;
              seq.push(next);
            });
          }
        } finally {
          if (cache) tf.dispose(cache);
        }
        rows.forEach((r, i) => (out[r] = decode(seqs[i].slice(len))));
        progress?.tick(rows.length);
        await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    progress?.end();
  }
  return out;
}
