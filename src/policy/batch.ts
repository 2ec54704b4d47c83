/**
 * Turns token sequences into padded training batches. A sequence carries the index of the first
 * position whose token is a training target (the answer, or the judge's score digit), so the
 * prompt never contributes to a loss.
 */
import type * as TF from "@tensorflow/tfjs";
import { EOS, PAD, encode } from "./tokenizer";

export interface TargetSequence {
  ids: number[];
  /** Tokens at positions >= targetFrom are predicted and scored; earlier ones are context. */
  targetFrom: number;
}

/** context + answer + end token, truncating the context from the left to fit blockSize. */
export function answerSequence(context: string, answer: string, blockSize: number): TargetSequence {
  let ctx = encode(context);
  const ans = [...encode(answer), EOS];
  const room = blockSize - ans.length;
  if (room < 1) {
    // An answer longer than the model's window: keep its start, that is what the model can learn.
    return { ids: [...ctx.slice(-1), ...ans.slice(0, blockSize - 1)], targetFrom: 1 };
  }
  if (ctx.length > room) ctx = ctx.slice(ctx.length - room);
  return { ids: [...ctx, ...ans], targetFrom: ctx.length };
}

/** Context ids alone (for sampling and embeddings), left-truncated to leave `reserve` slots. */
export function contextIds(context: string, blockSize: number, reserve = 0): number[] {
  const ids = encode(context);
  const room = Math.max(1, blockSize - reserve);
  return ids.length > room ? ids.slice(ids.length - room) : ids;
}

/**
 * ids [B, T] (right-padded to the longest row, trimmed to it: wasm time grows with T) and the
 * target mask [B, T-1] aligned with TinyGPT.tokenLogProbs.
 */
export function makeBatch(tf: typeof TF, seqs: TargetSequence[]): { ids: TF.Tensor2D; mask: TF.Tensor2D } {
  const t = Math.max(2, ...seqs.map((s) => s.ids.length));
  const ids = new Int32Array(seqs.length * t).fill(PAD);
  const mask = new Float32Array(seqs.length * (t - 1));
  seqs.forEach((s, i) => {
    ids.set(s.ids, i * t);
    for (let j = Math.max(1, s.targetFrom); j < s.ids.length; j++) mask[i * (t - 1) + j - 1] = 1;
  });
  return { ids: tf.tensor2d(ids, [seqs.length, t], "int32"), mask: tf.tensor2d(mask, [seqs.length, t - 1]) };
}
