/**
 * On wasm, Identity (how tfjs-core saves tensors for the backward pass) adds a reference
 * instead of copying (src/wasm-identity.ts). A clone must share its data, stay valid after the
 * original is disposed, and free the memory once both are gone; training must leave no data
 * behind.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type * as TF from "@tensorflow/tfjs";
import { loadTf } from "../src/backend";
import { TinyGPT, defaultTinyGPTConfig } from "../src/policy/tinygpt";
import { answerSequence } from "../src/policy/batch";
import { policyContext } from "../src/policy/tokenizer";
import { trainMaskedLM } from "../src/policy/train-lm";
import { Rng } from "../src/rng";
import { buildWorld } from "../src/world/world";

let tf: typeof TF;
const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

before(async () => ({ tf } = await loadTf("wasm")));

describe("Identity on wasm", () => {
  it("a clone shares its data, outlives the original, and both together free it", async () => {
    const before = dataIds();
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    assert.equal(y.dataId, x.dataId, "the clone shares the original's data");
    assert.equal(dataIds(), before + 1, "one buffer for both");
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), [1, 2, 3]);
    y.dispose();
    assert.equal(dataIds(), before, "the buffer is freed with its last tensor");
  });

  it("training leaves no data behind", async () => {
    const world = buildWorld({ seedPrompts: 32, poolPrompts: 1, heldoutPrompts: 1, flawRate: 0.3, eftSeedExamples: 1, clusterSkew: 1, families: "classic", misrank: 0 }, 2);
    const data = world.sft.map((e) => answerSequence(policyContext(e.prompt), e.response, defaultTinyGPTConfig.blockSize));
    const before = dataIds();
    const model = new TinyGPT(tf, defaultTinyGPTConfig, { seed: 3 });
    await trainMaskedLM(model, data, { steps: 4, batchSize: 8, lr: 3e-3 }, new Rng(1), "sft");
    model.dispose();
    assert.equal(dataIds(), before);
  });
});
