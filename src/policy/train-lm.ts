/**
 * Masked next-token training shared by SFT (targets: the answer) and the EFT judge (target:
 * the score digit). Adam on every weight; minibatches drawn with the stage's seeded Rng.
 */
import type * as TF from "@tensorflow/tfjs";
import { throwIfAborted } from "../abort";
import { Rng } from "../rng";
import { readScalar } from "../tensor-read";
import type { Progress } from "../progress";
import { makeBatch, type TargetSequence } from "./batch";
import type { TinyGPT } from "./tinygpt";

export interface LMTrainConfig {
  steps: number;
  batchSize: number;
  lr: number;
}

/** Trains in place; returns the loss of every step (mean negative log-likelihood per target). */
export async function trainMaskedLM(
  model: TinyGPT,
  data: TargetSequence[],
  config: LMTrainConfig,
  rng: Rng,
  stage: string,
  progress?: Progress,
  signal?: AbortSignal,
): Promise<number[]> {
  const tf = model.tf;
  if (data.length === 0) throw new Error(`${stage}: no training examples`);
  const optimizer = tf.train.adam(config.lr);
  const losses: number[] = [];
  progress?.start(stage, config.steps);
  try {
    for (let step = 0; step < config.steps; step++) {
      throwIfAborted(signal, stage);
      const batch = Array.from({ length: Math.min(config.batchSize, data.length) }, () => data[rng.int(data.length)]);
      const loss = await readScalar(
        tf.tidy(() => {
          const { ids, mask } = makeBatch(tf, batch);
          return optimizer.minimize(
            () => tf.neg(tf.div(tf.sum(tf.mul(model.tokenLogProbs(ids), mask)), tf.maximum(tf.sum(mask), 1))) as TF.Scalar,
            true,
            model.variables(),
          )!;
        }),
      );
      losses.push(loss);
      progress?.tick(1, { loss });
      if (step % 8 === 7) await new Promise((r) => setImmediate(r)); // let signals and timers run
    }
  } finally {
    optimizer.dispose();
    progress?.end();
  }
  return losses;
}
