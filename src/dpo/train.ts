/**
 * Direct Preference Optimisation (Rafailov et al. 2023) of TinyGPT on (prompt, chosen, rejected)
 * pairs. The reference model is the policy as it enters training: its sequence log-probs are
 * computed once up front, so no frozen copy is kept. Loss = softplus(-beta * margin) (tfjs's
 * logSigmoid gradient throws on wasm and cpu).
 */
import type * as TF from "@tensorflow/tfjs";
import { throwIfAborted } from "../abort";
import { BadOptionError } from "../errors";
import { Rng } from "../rng";
import { readFloats, readScalar } from "../tensor-read";
import type { Progress } from "../progress";
import { answerSequence, makeBatch, type TargetSequence } from "../policy/batch";
import { policyContext } from "../policy/tokenizer";
import type { TinyGPT } from "../policy/tinygpt";

export interface DPOConfig {
  /** Passes over the pairs (the expert-only baseline is compared at equal epochs). */
  epochs: number;
  batchSize: number;
  lr: number;
  /** Strength of the KL anchor to the reference policy. */
  beta: number;
}

export function validateDPOConfig(c: DPOConfig): void {
  if (!(c.epochs > 0)) throw new BadOptionError("dpo.epochs", `must be > 0, got ${c.epochs}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1) throw new BadOptionError("dpo.batchSize", `must be a positive integer, got ${c.batchSize}`);
  if (!(c.lr > 0)) throw new BadOptionError("dpo.lr", `must be > 0, got ${c.lr}`);
  if (!(c.beta > 0)) throw new BadOptionError("dpo.beta", `must be > 0, got ${c.beta}`);
}

export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
}

export interface DPOResult {
  steps: number;
  /** Pair presentations over all steps: epochs x pairs, up to rounding to whole steps. */
  pairsSeen: number;
  losses: number[];
  /** Share of the batch whose implicit reward ranks chosen above rejected, per step. */
  rewardAccuracies: number[];
}

/** Sum of the answer's token log-probs (answer tokens + end token) per row: [B]. */
function sequenceLogProbs(model: TinyGPT, ids: TF.Tensor2D, mask: TF.Tensor2D): TF.Tensor1D {
  const tf = model.tf;
  return tf.sum(tf.mul(model.tokenLogProbs(ids), mask), 1) as TF.Tensor1D;
}

/** Pairs per step: the configured batch, or every pair when there are fewer. */
export function dpoBatchSize(pairs: number, config: DPOConfig): number {
  return Math.max(1, Math.min(config.batchSize, pairs));
}

/**
 * Steps for `epochs` passes over `pairs` pairs (at least one). Counted at the batch actually
 * used: with fewer pairs than `batchSize` (the expert-only baseline's 6-13) a step sees every
 * pair once, so dividing by `batchSize` gave 2-3 epochs instead of 4.
 */
export function dpoSteps(pairs: number, config: DPOConfig): number {
  return Math.max(1, Math.round((config.epochs * pairs) / dpoBatchSize(pairs, config)));
}

export async function trainDPO(
  policy: TinyGPT,
  pairs: PreferencePair[],
  config: DPOConfig,
  rng: Rng,
  progress?: Progress,
  signal?: AbortSignal,
  stage = "dpo",
): Promise<DPOResult> {
  validateDPOConfig(config);
  const tf = policy.tf;
  if (pairs.length === 0) return { steps: 0, pairsSeen: 0, losses: [], rewardAccuracies: [] };
  const block = policy.config.blockSize;
  const chosen: TargetSequence[] = pairs.map((p) => answerSequence(policyContext(p.prompt), p.chosen, block));
  const rejected: TargetSequence[] = pairs.map((p) => answerSequence(policyContext(p.prompt), p.rejected, block));

  // Reference log-probs, once, from the policy before any update.
  const refChosen = new Float32Array(pairs.length);
  const refRejected = new Float32Array(pairs.length);
  for (let s = 0; s < pairs.length; s += 128) {
    const idx = Array.from({ length: Math.min(128, pairs.length - s) }, (_, i) => s + i);
    const lp = await readFloats(
      tf.tidy(() => {
        const { ids, mask } = makeBatch(tf, [...idx.map((i) => chosen[i]), ...idx.map((i) => rejected[i])]);
        return sequenceLogProbs(policy, ids, mask);
      }),
    );
    idx.forEach((i, j) => {
      refChosen[i] = lp[j];
      refRejected[i] = lp[idx.length + j];
    });
  }

  const steps = dpoSteps(pairs.length, config);
  const batch = dpoBatchSize(pairs.length, config);
  let pairsSeen = 0;
  const optimizer = tf.train.adam(config.lr);
  const losses: number[] = [];
  const rewardAccuracies: number[] = [];
  progress?.start(stage, steps);
  try {
    // Epoch-wise shuffles: every pair is seen once per epoch.
    let order: number[] = [];
    for (let step = 0; step < steps; step++) {
      throwIfAborted(signal, stage);
      if (order.length < batch) order = order.concat(rng.shuffle(pairs.map((_, i) => i)));
      const idx = order.splice(0, batch);
      const b = idx.length;
      pairsSeen += b;
      // Kept out of the tidy scopes and read after the step: reads are async (tensor-read.ts).
      let accuracyTensor: TF.Tensor | undefined;
      let marginTensor: TF.Tensor | undefined;
      const cost = tf.tidy(() => {
        const { ids, mask } = makeBatch(tf, [...idx.map((i) => chosen[i]), ...idx.map((i) => rejected[i])]);
        const ref = tf.tensor1d(idx.map((i) => refChosen[i] - refRejected[i]));
        return optimizer.minimize(
          () => {
            const lp = sequenceLogProbs(policy, ids, mask);
            const margin = tf.sub(tf.sub(tf.slice(lp, 0, b), tf.slice(lp, b, b)), ref); // [B]
            accuracyTensor = tf.keep(tf.tidy(() => tf.mean(tf.cast(tf.greater(margin, 0), "float32"))));
            // The implicit reward margin (beta-scaled), DPO's usual live diagnostic next to accuracy.
            marginTensor = tf.keep(tf.tidy(() => tf.mean(margin)));
            return tf.mean(tf.softplus(tf.mul(margin, -config.beta))) as TF.Scalar;
          },
          true,
          policy.variables(),
        )!;
      });
      const loss = await readScalar(cost);
      const accuracy = await readScalar(accuracyTensor!);
      const meanMargin = (await readScalar(marginTensor!)) * config.beta;
      losses.push(loss);
      rewardAccuracies.push(accuracy);
      progress?.tick(1, { loss, margin: meanMargin, accuracy });
      if (step % 8 === 7) await new Promise((r) => setImmediate(r));
    }
  } finally {
    optimizer.dispose();
    progress?.end();
  }
  return { steps, pairsSeen, losses, rewardAccuracies };
}
