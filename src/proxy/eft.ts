/**
 * The EFT proxy (the paper's M_eval): the SFT policy fine-tuned as a judge to emit the score
 * digit after the judge input. Its distribution over the six score tokens, renormalised, gives
 * the proxy's mean and uncertainty. The off-policy evaluator is the same recipe on seed EFT data.
 */
import { throwIfAborted } from "../abort";
import { groupBy } from "../group-by";
import { Rng } from "../rng";
import { readFloats } from "../tensor-read";
import type { Progress } from "../progress";
import { answerSequence, contextIds } from "../policy/batch";
import { SCORE_TOKENS, judgeContext } from "../policy/tokenizer";
import type { TinyGPT } from "../policy/tinygpt";
import { trainMaskedLM, type LMTrainConfig } from "../policy/train-lm";
import { SCORE_LEVELS, summarise, type JudgeQuery, type ProxyEvaluator, type ProxyScores } from "./types";

export interface LabelledQuery extends JudgeQuery {
  score: number;
}

export class EftJudge implements ProxyEvaluator {
  readonly kind = "eft" as const;
  constructor(readonly model: TinyGPT) {}

  async predict(items: JudgeQuery[], signal?: AbortSignal): Promise<ProxyScores> {
    const tf = this.model.tf;
    const d = this.model.config.dModel;
    const probs = new Float64Array(items.length * SCORE_LEVELS);
    const contexts = items.map((q) => contextIds(judgeContext(q.prompt, q.response), this.model.config.blockSize, 2));
    // Bucket by length: the score is read at the last position, so rows must not be padded.
    const byLen = groupBy(contexts.keys(), (i) => contexts[i].length);
    for (const [t, members] of byLen) {
      for (let s = 0; s < members.length; s += 256) {
        throwIfAborted(signal, "score");
        const rows = members.slice(s, s + 256);
        const logits = await readFloats(
          tf.tidy(() => {
            const ids = tf.tensor2d(rows.flatMap((r) => contexts[r]), [rows.length, t], "int32");
            const hid = tf.reshape(this.model.hidden(ids), [rows.length, t, d]);
            const last = tf.reshape(tf.slice(hid, [0, t - 1, 0], [rows.length, 1, d]), [rows.length, d]);
            return this.model.logits(last as import("@tensorflow/tfjs").Tensor2D);
          }),
        );
        const v = this.model.config.vocabSize;
        rows.forEach((r, i) => {
          const z = SCORE_TOKENS.map((tok) => logits[i * v + tok]);
          const max = Math.max(...z);
          const e = z.map((x) => Math.exp(x - max));
          const sum = e.reduce((a, b) => a + b, 0);
          e.forEach((x, sIdx) => (probs[r * SCORE_LEVELS + sIdx] = x / sum));
        });
        await new Promise((res) => setImmediate(res));
      }
    }
    return summarise(probs);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Fine-tunes a copy of `base` on judge examples; `base` is left untouched. */
export async function fitEftJudge(
  base: TinyGPT,
  examples: LabelledQuery[],
  config: LMTrainConfig,
  rng: Rng,
  stage: string,
  progress?: Progress,
  signal?: AbortSignal,
): Promise<{ judge: EftJudge; losses: number[] }> {
  const model = base.clone();
  const data = examples.map((e) => answerSequence(judgeContext(e.prompt, e.response), String(e.score), model.config.blockSize));
  // The end token after the digit is not a judgement: train on the digit alone.
  for (const seq of data) seq.ids = seq.ids.slice(0, seq.targetFrom + 1);
  let losses: number[];
  try {
    losses = await trainMaskedLM(model, data, config, rng, stage, progress, signal);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { judge: new EftJudge(model), losses };
}
