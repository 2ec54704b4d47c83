/**
 * Frozen features of a (prompt, response) for the reward heads: M1's pooled judge-input
 * embedding plus how M1 itself rates the response as a continuation of the prompt (mean and
 * minimum token log-probability, the end token's log-probability, the body's minimum, the
 * length). Measured on the built-in world (docs/proxy.md): with 100 labels, heads on pooled
 * embeddings alone reach within-prompt pair accuracy ~0.44, the EFT judge ~0.6, these ~0.86.
 */
import { throwIfAborted } from "../abort";
import { answerSequence, makeBatch } from "../policy/batch";
import { policyContext } from "../policy/tokenizer";
import type { TinyGPT } from "../policy/tinygpt";
import type { JudgeQuery } from "../proxy/types";
import { readFloats } from "../tensor-read";
import { eftText, embedTexts } from "./policy-embedder";

/** Likelihood features per response. */
export const LIKELIHOOD_FEATURES = 5;

export function judgeFeatureDim(model: TinyGPT): number {
  return model.config.dModel + LIKELIHOOD_FEATURES;
}

/** Row-major [items.length * judgeFeatureDim(model)]. */
export async function judgeFeatures(model: TinyGPT, items: JudgeQuery[], signal?: AbortSignal): Promise<Float32Array> {
  const tf = model.tf;
  const d = model.config.dModel;
  const dim = judgeFeatureDim(model);
  const pooled = await embedTexts(model, items.map((q) => eftText(q.prompt, q.response)), 256, undefined, signal);
  const out = new Float32Array(items.length * dim);
  const seqs = items.map((q) => answerSequence(policyContext(q.prompt), q.response, model.config.blockSize));
  for (let s = 0; s < seqs.length; s += 256) {
    throwIfAborted(signal, "features");
    const batch = seqs.slice(s, s + 256);
    const [logpTensor, maskTensor] = tf.tidy(() => {
      const { ids, mask } = makeBatch(tf, batch);
      return [model.tokenLogProbs(ids), mask];
    });
    const logp = await readFloats(logpTensor);
    const mask = await readFloats(maskTensor);
    const width = logp.length / batch.length;
    batch.forEach((_, i) => {
      const row = s + i;
      const v: number[] = [];
      for (let j = 0; j < width; j++) if (mask[i * width + j] > 0) v.push(logp[i * width + j]);
      const body = v.slice(0, -1); // without the end token
      out.set(pooled.subarray(row * d, (row + 1) * d), row * dim);
      out.set(
        [v.reduce((a, x) => a + x, 0) / v.length, Math.min(...v), v[v.length - 1], body.length ? Math.min(...body) : 0, v.length / 8],
        row * dim + d,
      );
    });
    await new Promise((r) => setImmediate(r));
  }
  return out;
}
