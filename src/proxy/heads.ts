/**
 * The fast proxy: an ensemble of small reward heads (one-hidden-layer MLPs regressing the 0..5
 * score) on frozen judge-input embeddings of the SFT policy. Members train on bootstrap
 * resamples with their own seeds; the spread of their predictions is the epistemic uncertainty.
 * The distribution over scores is a Gaussian (mean, std) discretised to 0..5.
 */
import type * as TF from "@tensorflow/tfjs";
import { abortRequested } from "../abort";
import { AbortedError } from "../errors";
import { Rng } from "../rng";
import { readFloats } from "../tensor-read";
import type { Progress } from "../progress";
import { SCORE_LEVELS, type JudgeQuery, type ProxyEvaluator, type ProxyScores } from "./types";
import { FlatAdam } from "../flat-adam";

export interface HeadsConfig {
  members: number;
  hidden: number;
  steps: number;
  lr: number;
  batchSize: number;
}

type Embed = (items: JudgeQuery[], signal?: AbortSignal) => Promise<Float32Array>;

interface Member {
  w1: TF.Variable;
  w2: TF.Variable;
  b2: TF.Variable;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26; error < 1.5e-7, plenty for binning probabilities.
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Gaussian(mean, std) mass on each score 0..5 (bins at half-integers, tails folded in). */
export function discretise(mean: number, std: number, out: Float64Array, offset: number): void {
  const sd = Math.max(std, 1e-3);
  const cdf = (x: number) => 0.5 * (1 + erf((x - mean) / (sd * Math.SQRT2)));
  let prev = 0;
  for (let s = 0; s < SCORE_LEVELS; s++) {
    const next = s === SCORE_LEVELS - 1 ? 1 : cdf(s + 0.5);
    out[offset + s] = Math.max(0, next - prev);
    prev = next;
  }
}

export class RewardHeads implements ProxyEvaluator {
  readonly kind = "heads" as const;
  constructor(
    private readonly tf: typeof TF,
    private readonly members: Member[],
    /** Out-of-bag residual std: the error a member makes on labels it did not train on. */
    readonly residualStd: number,
    private readonly embed: Embed,
    private readonly dim: number,
  ) {}

  /** Each member's predicted score, [members][n]. */
  async memberPredictions(items: JudgeQuery[], signal?: AbortSignal): Promise<Float32Array[]> {
    const x = await this.embed(items, signal);
    const tf = this.tf;
    const out: Float32Array[] = [];
    for (const m of this.members) out.push(await readFloats(tf.tidy(() => forward(tf, m, tf.tensor2d(x, [items.length, this.dim])))));
    return out;
  }

  /** Hidden widths summed over members: the columns of lastLayer(). */
  get lastLayerDim(): number {
    return this.members.reduce((s, m) => s + m.w2.shape[0], 0);
  }

  /**
   * Every member's hidden activations (the input of its linear readout) side by side,
   * row-major [n * lastLayerDim]: the features Fisher and gradient-embedding strategies read.
   */
  async lastLayer(items: JudgeQuery[], signal?: AbortSignal): Promise<Float32Array> {
    const x = await this.embed(items, signal);
    const tf = this.tf;
    const width = this.lastLayerDim;
    const out = new Float32Array(items.length * width);
    let offset = 0;
    for (const m of this.members) {
      const h = tf.tidy(() => tf.relu(tf.matMul(tf.tensor2d(x, [items.length, this.dim]), m.w1)).dataSync() as Float32Array);
      const hidden = m.w2.shape[0];
      for (let i = 0; i < items.length; i++) out.set(h.subarray(i * hidden, (i + 1) * hidden), i * width + offset);
      offset += hidden;
    }
    return out;
  }

  async predict(items: JudgeQuery[], signal?: AbortSignal): Promise<ProxyScores> {
    const preds = await this.memberPredictions(items, signal);
    const probs = new Float64Array(items.length * SCORE_LEVELS);
    const mean = new Float64Array(items.length);
    const std = new Float64Array(items.length);
    // Each member's view: its own mean with the residual noise, discretised like the whole.
    const members = preds.map(() => new Float64Array(items.length * SCORE_LEVELS));
    for (let i = 0; i < items.length; i++) {
      let m = 0;
      for (const p of preds) m += p[i];
      m /= preds.length;
      let v = 0;
      for (const p of preds) v += (p[i] - m) ** 2;
      v /= Math.max(1, preds.length - 1);
      // The ensemble's own mean and spread rank responses (discretising would round them
      // toward integers and make ties); the discretised Gaussian serves calibration.
      mean[i] = Math.min(5, Math.max(0, m));
      std[i] = Math.sqrt(v + this.residualStd ** 2);
      discretise(m, std[i], probs, i * SCORE_LEVELS);
      preds.forEach((p, j) => discretise(p[i], this.residualStd, members[j], i * SCORE_LEVELS));
    }
    return { mean, std, probs, members };
  }

  dispose(): void {
    for (const m of this.members) for (const v of Object.values(m)) (v as TF.Variable).dispose();
  }
}

function forward(tf: typeof TF, m: Member, x: TF.Tensor2D): TF.Tensor1D {
  return tf.reshape(tf.add(tf.matMul(tf.relu(tf.matMul(x, m.w1)), m.w2), m.b2), [-1]) as TF.Tensor1D;
}

export async function fitRewardHeads(
  tf: typeof TF,
  embed: Embed,
  dim: number,
  examples: (JudgeQuery & { score: number })[],
  config: HeadsConfig,
  rng: Rng,
  progress?: Progress,
  signal?: AbortSignal,
  stage = "fit",
): Promise<RewardHeads> {
  const x = await embed(examples, signal);
  const y = Float32Array.from(examples.map((e) => e.score));
  const n = examples.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const members: Member[] = [];
  // Out-of-bag residuals: each member is scored on the examples its bootstrap left out, so the
  // residual std is a held-out error. The in-sample one shrank as members memorised their
  // resamples, which made the proxy overconfident (ECE, uncertainty strategies).
  let oobSquares = 0;
  let oobCount = 0;
  let inSample = 0;
  progress?.start(stage, config.members * config.steps);
  try {
    for (let j = 0; j < config.members; j++) {
      const r = rng.fork(j);
      const init = (rows: number, cols: number) => {
        const v = new Float32Array(rows * cols);
        for (let i = 0; i < v.length; i++) v[i] = r.normal() * Math.sqrt(2 / rows);
        return tf.tidy(() => tf.variable(tf.tensor2d(v, [rows, cols])));
      };
      const m: Member = { w1: init(dim, config.hidden), w2: init(config.hidden, 1), b2: tf.tidy(() => tf.variable(tf.tensor1d([mean]))) };
      const boot = Array.from({ length: n }, () => r.int(n)); // bootstrap resample
      const optimizer = new FlatAdam(tf, config.lr);
      // Pushed before training so an interrupt mid-member disposes its variables with the others.
      members.push(m);
      for (let step = 0; step < config.steps; step++) {
        if (abortRequested(signal)) {
          optimizer.dispose();
          throw new AbortedError(stage);
        }
        const idx = Array.from({ length: Math.min(config.batchSize, n) }, () => boot[r.int(n)]);
        const loss = tf.tidy(() => {
          const xb = tf.tensor2d(Float32Array.from(idx.flatMap((i) => Array.from(x.subarray(i * dim, (i + 1) * dim)))), [idx.length, dim]);
          const yb = tf.tensor1d(Float32Array.from(idx.map((i) => y[i])));
          // The batch's squared error, for live training curves (the same value the step minimises).
          return optimizer.minimize(() => tf.mean(tf.square(tf.sub(forward(tf, m, xb), yb))) as TF.Scalar, true, [m.w1, m.w2, m.b2])!.dataSync()[0];
        });
        progress?.tick(1, { loss });
      }
      optimizer.dispose();
      const fitted = await readFloats(tf.tidy(() => forward(tf, m, tf.tensor2d(x, [n, dim]))));
      const inBag = new Uint8Array(n);
      for (const i of boot) inBag[i] = 1;
      for (let i = 0; i < n; i++) {
        const sq = (fitted[i] - y[i]) ** 2;
        inSample += sq / n;
        if (!inBag[i]) {
          oobSquares += sq;
          oobCount++;
        }
      }
      await new Promise((res) => setImmediate(res));
    }
  } catch (err) {
    for (const member of members) for (const v of Object.values(member)) (v as TF.Variable).dispose();
    throw err;
  } finally {
    progress?.end();
  }
  // Every bootstrap holding every example (n of 1 or 2) leaves no out-of-bag residual: fall back to in-sample.
  const residual = oobCount > 0 ? oobSquares / oobCount : inSample / config.members;
  return new RewardHeads(tf, members, Math.sqrt(residual), embed, dim);
}
