/**
 * Sampling reads earlier positions' keys and values from a cache instead of running the whole
 * sequence again each token. It computes the same function: a position's hidden state equals
 * the full forward's up to float rounding (not bit for bit: wasm's softmax and batched matMul
 * sum a row in SIMD lanes, so the result depends on how many masked columns the row carries,
 * which differs between a full forward of length T and the cached one; the full forward itself
 * gives position 4 different bits at T = 7 and T = 12). The draws are then the same tokens
 * except where two tokens' probabilities tie to ~1e-7. Checked on the default model shape (two
 * layers, four heads) after a little SFT, with batches of unequal rows and early end tokens.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type * as TF from "@tensorflow/tfjs";
import { loadTf } from "../src/backend";
import { Rng } from "../src/rng";
import { answerSequence, contextIds } from "../src/policy/batch";
import { sampleCompletions, sampleToken, type SampleConfig } from "../src/policy/sample";
import { TinyGPT, defaultTinyGPTConfig, type LayerCache } from "../src/policy/tinygpt";
import { EOS, decode, policyContext } from "../src/policy/tokenizer";
import { trainMaskedLM } from "../src/policy/train-lm";
import { readFloats } from "../src/tensor-read";
import { buildWorld } from "../src/world/world";

let tf: typeof TF;
let model: TinyGPT;
const world = buildWorld({ seedPrompts: 200, poolPrompts: 60, heldoutPrompts: 1, flawRate: 0.3, eftSeedExamples: 1, clusterSkew: 1, families: "zipf", misrank: 0 }, 7);
const pool = world.prompts.filter((p) => p.split === "pool").map((p) => p.prompt);

before(async () => {
  ({ tf } = await loadTf());
  model = new TinyGPT(tf, defaultTinyGPTConfig, { seed: 11 });
  const data = world.sft.map((e) => answerSequence(policyContext(e.prompt), e.response, defaultTinyGPTConfig.blockSize));
  await trainMaskedLM(model, data, { steps: 40, batchSize: 16, lr: 3e-3 }, new Rng(3), "sft");
});

/** The sampler as it was before the cache: the whole sequence through the model every token. */
async function sampleWithoutCache(prompts: string[], cfg: SampleConfig, rng: Rng): Promise<string[]> {
  const { blockSize, vocabSize, dModel } = model.config;
  const out: string[] = [];
  const contexts = prompts.map((p) => contextIds(policyContext(p), blockSize, Math.min(cfg.maxNewTokens, blockSize - 1)));
  const lengths = [...new Set(contexts.map((c) => c.length))].sort((a, b) => a - b);
  const result = new Array<string>(prompts.length);
  for (const len of lengths) {
    const rows = contexts.map((c, i) => (c.length === len ? i : -1)).filter((i) => i >= 0);
    for (let start = 0; start < rows.length; start += cfg.batchSize) {
      const batch = rows.slice(start, start + cfg.batchSize);
      const seqs = batch.map((r) => contexts[r].slice());
      const done = batch.map(() => false);
      for (let s = 0; s < Math.min(cfg.maxNewTokens, blockSize - len) && done.some((d) => !d); s++) {
        const t = len + s;
        const logits = await readFloats(
          tf.tidy(() => {
            const hid = tf.reshape(model.hidden(tf.tensor2d(seqs.flat(), [seqs.length, t], "int32")), [seqs.length, t, dModel]);
            return model.logits(tf.reshape(tf.slice(hid, [0, t - 1, 0], [seqs.length, 1, dModel]), [seqs.length, dModel]) as TF.Tensor2D);
          }),
        );
        seqs.forEach((seq, i) => {
          const next = done[i] ? EOS : sampleToken(logits, i * vocabSize, vocabSize, cfg, rng);
          if (next === EOS) done[i] = true;
          seq.push(next);
        });
      }
      batch.forEach((r, i) => (result[r] = decode(seqs[i].slice(len))));
    }
  }
  out.push(...result);
  return out;
}

describe("sampling with a key/value cache", () => {
  it("gives each position the full forward's hidden state, up to float rounding", async () => {
    const ids = [3, 9, 14, 22, 5, 8, 30, 12, 7, 19, 4, 25];
    const full = await readFloats(tf.tidy(() => model.hidden(tf.tensor2d(ids, [1, ids.length], "int32"))));
    // The first 7 positions at once, then one token at a time.
    const d = model.config.dModel;
    let cache: LayerCache[] | undefined;
    const pieces: Float32Array[] = [];
    for (const [from, to] of [[0, 7], ...Array.from({ length: ids.length - 7 }, (_, i) => [7 + i, 8 + i])]) {
      const past = cache;
      const { hidden, present } = tf.tidy(() => model.forward(tf.tensor2d(ids.slice(from, to), [1, to - from], "int32"), past));
      if (past) tf.dispose(past);
      cache = present;
      pieces.push(await readFloats(hidden));
    }
    tf.dispose(cache!);
    const cached = new Float32Array(ids.length * d);
    let at = 0;
    for (const p of pieces) (cached.set(p, at), (at += p.length));
    let worst = 0;
    for (let i = 0; i < full.length; i++) worst = Math.max(worst, Math.abs(cached[i] - full[i]));
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    // The context's own positions, computed the same way in both, are the same bits.
    assert.deepEqual(Buffer.from(cached.buffer, 0, 4 * d * 4), Buffer.from(full.buffer, 0, 4 * d * 4));
  });

  for (const [name, cfg] of [
    ["temperature 1", { temperature: 1, topK: 0, maxNewTokens: 12, batchSize: 16 }],
    ["greedy", { temperature: 0, topK: 0, maxNewTokens: 12, batchSize: 64 }],
    ["top-k 5, batches of 7", { temperature: 0.8, topK: 5, maxNewTokens: 9, batchSize: 7 }],
  ] as const) {
    it(`draws the same responses as the full forward (${name})`, async () => {
      const prompts = pool.flatMap((p) => [p, p]);
      const before = tf.memory().numTensors;
      const cachedOut = await sampleCompletions(model, prompts, cfg, new Rng(5));
      assert.equal(tf.memory().numTensors, before, "the cache leaks no tensors");
      const fullOut = await sampleWithoutCache(prompts, cfg, new Rng(5));
      // One flipped draw shifts the rng for every later row, so compare until the first
      // difference: a wrong cache differs within the first rows, rounding almost never.
      const firstDifference = cachedOut.findIndex((o, i) => o !== fullOut[i]);
      assert.equal(firstDifference, -1, `response ${firstDifference} differs: ${JSON.stringify(cachedOut[firstDifference])} vs ${JSON.stringify(fullOut[firstDifference])}`);
      assert.ok(new Set(cachedOut).size > 10, "the responses vary, so the comparison means something");
    });
  }
});
