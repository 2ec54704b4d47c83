/**
 * Embeddings from the policy's hidden states (the paper's selectors use M1's representations):
 * the final-layer states averaged over the input's tokens. coresetIFT embeds the prompt as the
 * policy reads it; coresetEFT embeds the judge input (prompt + response + judge mark).
 */
import { throwIfAborted } from "../abort";
import type { Progress } from "../progress";
import { contextIds } from "../policy/batch";
import { PAD, judgeContext, policyContext } from "../policy/tokenizer";
import type { TinyGPT } from "../policy/tinygpt";
import { readFloats } from "../tensor-read";

/** Mean-pooled final hidden states, row-major [texts.length * dModel]. */
export async function embedTexts(
  model: TinyGPT,
  texts: string[],
  batchSize = 256,
  progress?: Progress,
  signal?: AbortSignal,
  stage = "embed",
): Promise<Float32Array> {
  const tf = model.tf;
  const d = model.config.dModel;
  const out = new Float32Array(texts.length * d);
  const ids = texts.map((t) => contextIds(t, model.config.blockSize));
  progress?.start(stage, texts.length);
  try {
    for (let s = 0; s < texts.length; s += batchSize) {
      throwIfAborted(signal, stage);
      const rows = ids.slice(s, s + batchSize);
      const t = Math.max(...rows.map((r) => r.length));
      const flat = new Int32Array(rows.length * t).fill(PAD);
      const mask = new Float32Array(rows.length * t);
      rows.forEach((r, i) => {
        flat.set(r, i * t);
        mask.fill(1, i * t, i * t + r.length);
      });
      const pooled = await readFloats(
        tf.tidy(() => {
          const hid = tf.reshape(model.hidden(tf.tensor2d(flat, [rows.length, t], "int32")), [rows.length, t, d]);
          const m = tf.tensor3d(mask, [rows.length, t, 1]);
          return tf.div(tf.sum(tf.mul(hid, m), 1), tf.sum(m, 1));
        }),
      );
      out.set(pooled, s * d);
      progress?.tick(rows.length);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    progress?.end();
  }
  return out;
}

/** The instruction-following view: what the policy reads before answering. */
export const iftText = (prompt: string) => policyContext(prompt);
/** The evaluation view: what the judge reads before scoring. */
export const eftText = (prompt: string, response: string) => judgeContext(prompt, response);
