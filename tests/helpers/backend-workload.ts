/**
 * The workloads every backend must agree on, shared by tests/backend.parity.test.ts (tiny
 * sizes) and bench/gpu (the default preset's model): the forward pass, SFT and DPO loss
 * curves, and sampling. Each builds its model from the same seed on whatever backend `tf` is
 * set to, so two backends run the same numbers through the same code.
 */
import type * as TF from "@tensorflow/tfjs";
import { Rng } from "../../src/rng";
import { trainDPO, type PreferencePair } from "../../src/dpo/train";
import { answerSequence, type TargetSequence } from "../../src/policy/batch";
import { sampleCompletions } from "../../src/policy/sample";
import { TinyGPT, type TinyGPTConfig } from "../../src/policy/tinygpt";
import { encode, policyContext } from "../../src/policy/tokenizer";
import { trainMaskedLM } from "../../src/policy/train-lm";
import { readFloats } from "../../src/tensor-read";
import { expectedAnswer } from "../../src/world/tasks";
import { buildWorld, flaw } from "../../src/world/world";

export interface WorkloadSize {
  model: TinyGPTConfig;
  /** Sequences per SFT step, pairs per DPO step, prompts per sampling batch. */
  batchSize: number;
  lr: number;
}

export interface WorkloadData {
  sft: TargetSequence[];
  pairs: PreferencePair[];
  prompts: string[];
}

/** SFT sequences, DPO pairs (right vs flawed answer) and prompts from the built-in world. */
export function workloadData(size: WorkloadSize, prompts = 64): WorkloadData {
  const world = buildWorld({ seedPrompts: Math.max(prompts, 64), poolPrompts: 8, heldoutPrompts: 8, flawRate: 0.3, eftSeedExamples: 48, clusterSkew: 1, families: "classic", misrank: 0 }, 1);
  const sft = world.sft.map((e) => answerSequence(policyContext(e.prompt), expectedAnswer(e.prompt)!, size.model.blockSize));
  const flawRng = new Rng(5);
  const chosen = world.sft.slice(0, prompts).map((e) => e.prompt);
  const pairs = chosen.map((p) => ({ prompt: p, chosen: expectedAnswer(p)!, rejected: flaw(expectedAnswer(p)!, flawRng) }));
  return { sft, pairs, prompts: chosen };
}

/** Mean tokens per sequence: tokens/s = steps x rows x this / seconds. */
export function meanLength(seqs: TargetSequence[]): number {
  return seqs.reduce((s, q) => s + q.ids.length, 0) / seqs.length;
}

/** Logits at every position for a few prompts, from a freshly seeded model. */
export async function forwardLogits(tf: typeof TF, size: WorkloadSize, data: WorkloadData): Promise<Float32Array> {
  const model = new TinyGPT(tf, size.model, { seed: 1 });
  try {
    const t = Math.min(size.model.blockSize, 12);
    const rows = data.prompts.slice(0, 8).map((p) => encode(policyContext(p)).concat(Array(t).fill(0)).slice(0, t));
    return await readFloats(tf.tidy(() => model.logits(model.hidden(tf.tensor2d(rows, [rows.length, t], "int32")))));
  } finally {
    model.dispose();
  }
}

/** SFT losses, one per step, from a freshly seeded model and minibatch stream. */
export async function sftLosses(tf: typeof TF, size: WorkloadSize, data: WorkloadData, steps: number): Promise<number[]> {
  const model = new TinyGPT(tf, size.model, { seed: 1 });
  try {
    return await trainMaskedLM(model, data.sft, { steps, batchSize: size.batchSize, lr: size.lr }, new Rng(1), "sft");
  } finally {
    model.dispose();
  }
}

/** DPO losses for `steps` steps (epochs chosen to give exactly that many). */
export async function dpoLosses(tf: typeof TF, size: WorkloadSize, data: WorkloadData, steps: number): Promise<number[]> {
  const model = new TinyGPT(tf, size.model, { seed: 1 });
  try {
    const epochs = (steps * size.batchSize) / data.pairs.length;
    const result = await trainDPO(model, data.pairs, { epochs, batchSize: size.batchSize, lr: size.lr / 2, beta: 0.5 }, new Rng(1));
    return result.losses;
  } finally {
    model.dispose();
  }
}

/** Temperature-1 samples for every prompt, from a freshly seeded model. */
export async function sampleTexts(tf: typeof TF, size: WorkloadSize, data: WorkloadData, seed: number, maxNewTokens = 8): Promise<string[]> {
  const model = new TinyGPT(tf, size.model, { seed: 1 });
  try {
    return await sampleCompletions(model, data.prompts, { temperature: 1, topK: 0, maxNewTokens, batchSize: size.batchSize }, new Rng(seed));
  } finally {
    model.dispose();
  }
}

/** Largest |a - b| / max(|a|, tiny) over paired values. */
export function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 1e-12));
  return worst;
}

/** Largest |a - b| over the largest |a|: for logits, where single values near 0 say nothing. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return diff / scale;
}
