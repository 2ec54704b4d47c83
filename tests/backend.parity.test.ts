/**
 * One code path on every backend: the forward pass, the SFT and DPO loss curves and sampling
 * run through the same model code on each backend this machine can run (wasm and cpu always;
 * tensorflow and webgpu where installed and a GPU is found) and must match wasm, the default.
 * Short curves only: over 100 steps training is chaotic and even cpu drifts ~2e-2 from wasm
 * (docs/backends.md). The rest of the suite stays on the default backend.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type * as TF from "@tensorflow/tfjs";
import { BACKENDS, loadTf, type BackendName } from "../src/backend";
import { VOCAB_SIZE } from "../src/policy/tokenizer";
import { dpoLosses, forwardLogits, maxRelativeDiff, maxScaledDiff, sampleTexts, sftLosses, workloadData, type WorkloadSize } from "./helpers/backend-workload";

const SIZE: WorkloadSize = { model: { vocabSize: VOCAB_SIZE, blockSize: 24, nLayer: 1, nHead: 2, dModel: 16 }, batchSize: 8, lr: 1e-2 };
const DATA = workloadData(SIZE, 16);
const STEPS = 6;
// Float32 reductions in another order differ by ~1e-7; a GPU's TF32 matmuls by ~1e-3.
const LOGIT_TOLERANCE = 1e-3;
const LOSS_TOLERANCE = 1e-3;

interface Results {
  logits: Float32Array;
  sft: number[];
  dpo: number[];
  samples: string[];
  samplesAgain: string[];
}

const results = new Map<BackendName, Results>();
const unavailable: string[] = [];

async function runOn(tf: typeof TF): Promise<Results> {
  return {
    logits: await forwardLogits(tf, SIZE, DATA),
    sft: await sftLosses(tf, SIZE, DATA, STEPS),
    dpo: await dpoLosses(tf, SIZE, DATA, STEPS),
    samples: await sampleTexts(tf, SIZE, DATA, 7),
    samplesAgain: await sampleTexts(tf, SIZE, DATA, 7),
  };
}

before(async () => {
  for (const name of BACKENDS) {
    let tf: typeof TF;
    try {
      ({ tf } = await loadTf(name));
    } catch (err) {
      unavailable.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    results.set(name, await runOn(tf));
  }
});

after(async () => {
  await loadTf("wasm");
});

describe("every available backend computes what wasm computes", () => {
  it("wasm and cpu are always available", (t) => {
    t.diagnostic(`ran on: ${[...results.keys()].join(", ")}`);
    for (const line of unavailable) t.diagnostic(`not here: ${line}`);
    assert.ok(results.has("wasm") && results.has("cpu"));
  });

  for (const name of BACKENDS.filter((b) => b !== "wasm")) {
    it(`${name}: forward pass, SFT and DPO losses, sampling`, (t) => {
      const got = results.get(name);
      const ref = results.get("wasm")!;
      if (!got) return t.skip(`${name} is not available on this machine`);
      const logits = maxScaledDiff(ref.logits, got.logits);
      const sft = maxRelativeDiff(ref.sft, got.sft);
      const dpo = maxRelativeDiff(ref.dpo, got.dpo);
      const sameSamples = got.samples.filter((s, i) => s === ref.samples[i]).length;
      t.diagnostic(`${name} vs wasm: logits ${logits.toExponential(2)}, sft ${sft.toExponential(2)}, dpo ${dpo.toExponential(2)} (${STEPS} steps), samples equal ${sameSamples}/${ref.samples.length}`);
      assert.ok(logits < LOGIT_TOLERANCE, `logits differ by ${logits}`);
      assert.equal(got.sft.length, STEPS);
      assert.equal(got.dpo.length, STEPS);
      assert.ok(sft < LOSS_TOLERANCE, `SFT losses differ by ${sft}: ${ref.sft} vs ${got.sft}`);
      assert.ok(dpo < LOSS_TOLERANCE, `DPO losses differ by ${dpo}: ${ref.dpo} vs ${got.dpo}`);
    });
  }

  for (const name of BACKENDS) {
    it(`${name}: same seed, same samples; training lowers the loss`, (t) => {
      const got = results.get(name);
      if (!got) return t.skip(`${name} is not available on this machine`);
      assert.deepEqual(got.samplesAgain, got.samples);
      assert.ok(got.samples.some((s) => s.length > 0), "sampling produced nothing");
      assert.ok(got.sft[STEPS - 1] < got.sft[0], `SFT loss did not fall: ${got.sft}`);
      assert.ok(got.dpo[STEPS - 1] < got.dpo[0], `DPO loss did not fall: ${got.dpo}`);
    });
  }
});
