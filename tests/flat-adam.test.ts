/**
 * FlatAdam must be tf.train.adam, bit for bit, or every run's artefacts would change: the same
 * model trained the same steps with each gives the same weights' bytes (TinyGPT's 20 variables,
 * a reward head's 3), and leaks no tensors.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type * as TF from "@tensorflow/tfjs";
import { loadTf } from "../src/backend";
import { FlatAdam } from "../src/flat-adam";
import { answerSequence, makeBatch } from "../src/policy/batch";
import { TinyGPT, defaultTinyGPTConfig } from "../src/policy/tinygpt";
import { policyContext } from "../src/policy/tokenizer";
import { Rng } from "../src/rng";
import { buildWorld } from "../src/world/world";

let tf: typeof TF;
before(async () => ({ tf } = await loadTf()));

type Step = (f: () => TF.Scalar, vars: TF.Variable[]) => void;

function optimizers(lr: number): [string, () => { step: Step; dispose(): void }][] {
  return [
    ["tf.train.adam", () => { const o = tf.train.adam(lr); return { step: (f, vars) => void o.minimize(f, false, vars), dispose: () => o.dispose() }; }],
    ["FlatAdam", () => { const o = new FlatAdam(tf, lr); return { step: (f, vars) => void o.minimize(f, false, vars), dispose: () => o.dispose() }; }],
  ];
}

async function digest(vars: TF.Variable[]): Promise<string> {
  const h = createHash("sha256");
  for (const v of vars) h.update(Buffer.from((await v.data()).buffer as ArrayBuffer));
  return h.digest("hex");
}

describe("FlatAdam", () => {
  it("trains TinyGPT to the same bytes as tf.train.adam", async () => {
    const world = buildWorld({ seedPrompts: 64, poolPrompts: 1, heldoutPrompts: 1, flawRate: 0.3, eftSeedExamples: 1, clusterSkew: 1, families: "classic", misrank: 0 }, 3);
    const data = world.sft.map((e) => answerSequence(policyContext(e.prompt), e.response, defaultTinyGPTConfig.blockSize));
    const digests: string[] = [];
    for (const [, make] of optimizers(3e-3)) {
      const model = new TinyGPT(tf, defaultTinyGPTConfig, { seed: 5 });
      const before = tf.memory().numTensors;
      const opt = make();
      const rng = new Rng(9);
      for (let s = 0; s < 12; s++) {
        const batch = Array.from({ length: 8 }, () => data[rng.int(data.length)]);
        tf.tidy(() => {
          const { ids, mask } = makeBatch(tf, batch);
          opt.step(() => tf.neg(tf.div(tf.sum(tf.mul(model.tokenLogProbs(ids), mask)), tf.sum(mask))) as TF.Scalar, model.variables());
        });
      }
      opt.dispose();
      assert.equal(tf.memory().numTensors, before, "no tensor is left behind");
      digests.push(await digest(model.variables()));
      model.dispose();
    }
    assert.equal(digests[1], digests[0]);
  });

  it("trains a reward head (three variables, one a bias) to the same bytes", async () => {
    const rng = new Rng(2);
    const x = tf.tensor2d(Float32Array.from({ length: 64 * 10 }, () => rng.normal()), [64, 10]);
    const y = tf.tensor1d(Float32Array.from({ length: 64 }, () => rng.int(6)));
    const digests: string[] = [];
    for (const [, make] of optimizers(3e-3)) {
      const init = new Rng(4);
      const w1 = tf.variable(tf.tensor2d(Float32Array.from({ length: 80 }, () => init.normal() * 0.3), [10, 8]));
      const w2 = tf.variable(tf.tensor2d(Float32Array.from({ length: 8 }, () => init.normal() * 0.3), [8, 1]));
      const b2 = tf.variable(tf.tensor1d([2.5]));
      const opt = make();
      for (let s = 0; s < 50; s++) opt.step(() => tf.mean(tf.square(tf.sub(tf.reshape(tf.add(tf.matMul(tf.relu(tf.matMul(x, w1)), w2), b2), [-1]), y))) as TF.Scalar, [w1, w2, b2]);
      opt.dispose();
      digests.push(await digest([w1, w2, b2]));
      tf.dispose([w1, w2, b2]);
    }
    assert.equal(digests[1], digests[0]);
    tf.dispose([x, y]);
  });

  it("refuses a different variable list mid-training", () => {
    const a = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.zeros([2]));
    const opt = new FlatAdam(tf, 0.1);
    opt.minimize(() => tf.sum(tf.square(tf.sub(a, 1))) as TF.Scalar, false, [a]);
    assert.throws(() => opt.minimize(() => tf.sum(tf.square(tf.sub(b, 1))) as TF.Scalar, false, [b]), /same variables/);
    opt.dispose();
    tf.dispose([a, b]);
  });
});
