/**
 * The tiny GPT and what trains it (tfjs, whatever backend loadTf picks): forward shapes and
 * causality, masked LM training (the loss falls, every weight moves: TRL's test), batches that
 * mask the prompt, checkpoints, sampling, DPO, the EFT judge, reward heads, and tensor hygiene.
 * Models are tiny (dModel 16, one layer, two heads) so the file runs in seconds.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as TF from "@tensorflow/tfjs";
import { loadTf } from "../src/backend";
import { BadFileError, BadOptionError } from "../src/errors";
import { Rng } from "../src/rng";
import { answerSequence, contextIds, makeBatch, type TargetSequence } from "../src/policy/batch";
import { loadCheckpoint, saveCheckpoint } from "../src/policy/checkpoint";
import { sampleCompletions, sampleToken, type SampleConfig } from "../src/policy/sample";
import { TinyGPT, type TinyGPTConfig } from "../src/policy/tinygpt";
import { EOS, PAD, VOCAB_SIZE, decode, encode, policyContext } from "../src/policy/tokenizer";
import { trainMaskedLM, type LMTrainConfig } from "../src/policy/train-lm";
import { dpoBatchSize, dpoSteps, trainDPO, validateDPOConfig, type DPOConfig, type PreferencePair } from "../src/dpo/train";
import { fitEftJudge } from "../src/proxy/eft";
import { discretise, fitRewardHeads, type HeadsConfig } from "../src/proxy/heads";
import { SCORE_LEVELS, type JudgeQuery, type ProxyScores } from "../src/proxy/types";
import { buildWorld, flaw } from "../src/world/world";
import { expectedAnswer } from "../src/world/tasks";
import { goldRubric } from "../src/world/rubric";

const CONFIG: TinyGPTConfig = { vocabSize: VOCAB_SIZE, blockSize: 24, nLayer: 1, nHead: 2, dModel: 16 };
const LM: LMTrainConfig = { steps: 30, batchSize: 8, lr: 1e-2 };

let tf: typeof TF;
/** A policy SFT'd for a few steps, shared read-only: tests that train work on a clone. */
let policy: TinyGPT;
let sftData: TargetSequence[];
const world = buildWorld({ seedPrompts: 64, poolPrompts: 8, heldoutPrompts: 8, flawRate: 0.3, eftSeedExamples: 48, clusterSkew: 1, families: "classic", misrank: 0 }, 1);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-model-"));

before(async () => {
  ({ tf } = await loadTf());
  sftData = world.sft.map((e) => answerSequence(policyContext(e.prompt), expectedAnswer(e.prompt)!, CONFIG.blockSize));
  policy = new TinyGPT(tf, CONFIG, { seed: 1 });
  await trainMaskedLM(policy, sftData, { steps: 40, batchSize: 16, lr: 1e-2 }, new Rng(1), "sft");
});

after(() => {
  policy?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function weightsEqual(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, w] of a) {
    const v = b.get(name);
    if (!v || v.length !== w.length || w.some((x, i) => x !== v[i])) return false;
  }
  return true;
}

/** Names of tensors in which no element changed. */
function unchangedTensors(before: Map<string, Float32Array>, after: Map<string, Float32Array>): string[] {
  return [...before].filter(([name, w]) => w.every((x, i) => x === after.get(name)![i])).map(([name]) => name);
}

/** Logits [rows, V] for every position of ids [B, T], as a plain array. */
function allLogits(model: TinyGPT, ids: number[][]): Float32Array {
  return tf.tidy(() => model.logits(model.hidden(tf.tensor2d(ids, [ids.length, ids[0].length], "int32"))).dataSync() as Float32Array);
}

/** Sum of the answer's token log-probs (answer + end token), per pair side. */
function answerLogProbs(model: TinyGPT, prompt: string[], answers: string[]): number[] {
  const seqs = prompt.map((p, i) => answerSequence(policyContext(p), answers[i], model.config.blockSize));
  return tf.tidy(() => {
    const { ids, mask } = makeBatch(tf, seqs);
    return Array.from(tf.sum(tf.mul(model.tokenLogProbs(ids), mask), 1).dataSync());
  });
}

/** Greedy decoding written out step by step: the reference for temperature 0. */
function greedyReference(model: TinyGPT, prompt: string, maxNewTokens: number): string {
  const { blockSize, vocabSize } = model.config;
  const seq = contextIds(policyContext(prompt), blockSize, Math.min(maxNewTokens, blockSize - 1));
  const out: number[] = [];
  const steps = Math.min(maxNewTokens, blockSize - seq.length);
  for (let s = 0; s < steps; s++) {
    const logits = allLogits(model, [seq]);
    const last = logits.subarray((seq.length - 1) * vocabSize, seq.length * vocabSize);
    let best = 0;
    for (let i = 1; i < vocabSize; i++) if (last[i] > last[best]) best = i;
    if (best === EOS) break;
    seq.push(best);
    out.push(best);
  }
  return decode(out);
}

/** meanIsExpectation: EFT reads its mean off the distribution; reward heads report the ensemble's own mean. */
function assertDistributions(scores: ProxyScores, n: number, meanIsExpectation = true): void {
  assert.equal(scores.probs.length, n * SCORE_LEVELS);
  assert.equal(scores.mean.length, n);
  for (let i = 0; i < n; i++) {
    const row = Array.from(scores.probs.subarray(i * SCORE_LEVELS, (i + 1) * SCORE_LEVELS));
    assert.ok(row.every((p) => p >= 0 && p <= 1), `row ${i}: ${row}`);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9, `row ${i} sums to ${row.reduce((a, b) => a + b, 0)}`);
    assert.ok(scores.mean[i] >= 0 && scores.mean[i] <= 5, `mean ${scores.mean[i]}`);
    if (meanIsExpectation) assert.ok(Math.abs(scores.mean[i] - row.reduce((a, p, s) => a + p * s, 0)) < 1e-9);
    assert.ok(scores.std[i] >= 0 && Number.isFinite(scores.std[i]));
  }
}

describe("TinyGPT forward", () => {
  it("has the documented shapes and log-probabilities", () => {
    const model = new TinyGPT(tf, CONFIG, { seed: 2 });
    try {
      const ids = [
        [5, 6, 7, 8, 9],
        [9, 8, 7, PAD, PAD],
      ];
      tf.tidy(() => {
        const x = tf.tensor2d(ids, [2, 5], "int32");
        const hidden = model.hidden(x);
        assert.deepEqual(hidden.shape, [10, CONFIG.dModel]);
        const logits = model.logits(hidden);
        assert.deepEqual(logits.shape, [10, VOCAB_SIZE]);
        const lp = model.tokenLogProbs(x);
        assert.deepEqual(lp.shape, [2, 4]);
        const values = lp.arraySync();
        // Entry (0, 1) is log p(ids[0][2] | ids[0][..1]) from position 1's logits.
        const row = Array.from(logits.slice([1, 0], [1, VOCAB_SIZE]).dataSync());
        const lse = Math.log(row.reduce((s, z) => s + Math.exp(z), 0));
        assert.ok(Math.abs(values[0][1] - (row[ids[0][2]] - lse)) < 1e-4);
        for (const r of values) for (const v of r) assert.ok(v <= 0 && Number.isFinite(v));
      });
      assert.throws(() => tf.tidy(() => model.hidden(tf.zeros([1, CONFIG.blockSize + 1], "int32") as TF.Tensor2D)), /exceeds blockSize/);
    } finally {
      model.dispose();
    }
  });

  it("is causal: a later token never changes earlier positions' logits", () => {
    const model = new TinyGPT(tf, CONFIG, { seed: 3 });
    try {
      const v = VOCAB_SIZE;
      const a = allLogits(model, [[5, 6, 7, 8, 9, 10]]);
      const b = allLogits(model, [[5, 6, 7, 8, 9, 40]]);
      for (let i = 0; i < 5 * v; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `position ${Math.floor(i / v)} changed`);
      const lastDiff = Math.max(...Array.from({ length: v }, (_, k) => Math.abs(a[5 * v + k] - b[5 * v + k])));
      assert.ok(lastDiff > 1e-4, "the changed position itself did not change");
    } finally {
      model.dispose();
    }
  });

  it("is a pure function of its seed: same seed, same weights; clone copies them into new variables", async () => {
    const a = new TinyGPT(tf, CONFIG, { seed: 9 });
    const b = new TinyGPT(tf, CONFIG, { seed: 9 });
    const c = new TinyGPT(tf, CONFIG, { seed: 10 });
    const d = a.clone();
    try {
      assert.ok(weightsEqual(await a.weights(), await b.weights()));
      assert.ok(!weightsEqual(await a.weights(), await c.weights()));
      assert.ok(weightsEqual(await a.weights(), await d.weights()));
      for (const [name, v] of a.params) assert.notEqual(d.params.get(name), v, `clone shares ${name}`);
      assert.throws(() => new TinyGPT(tf, CONFIG, { weights: new Map() }), /checkpoint lacks wte/);
    } finally {
      for (const m of [a, b, c, d]) m.dispose();
    }
  });
});

describe("batches", () => {
  it("answerSequence puts the answer and an end token after the context and targets them", () => {
    const seq = answerSequence("rev ab=", "ba", 24);
    assert.deepEqual(seq.ids, [...encode("rev ab="), ...encode("ba"), EOS]);
    assert.equal(seq.targetFrom, encode("rev ab=").length);
    // Too long for the window: the context is cut from the left, the answer kept whole.
    const cut = answerSequence("rev abcdefgh=", "hgf", 8);
    assert.equal(cut.ids.length, 8);
    assert.deepEqual(cut.ids.slice(cut.targetFrom), [...encode("hgf"), EOS]);
    assert.deepEqual(cut.ids.slice(0, cut.targetFrom), encode("bcdefgh=").slice(-4));
  });

  it("makeBatch pads right and masks every position before targetFrom", () => {
    const { ids, mask } = makeBatch(tf, [
      { ids: [5, 6, 7, 8], targetFrom: 2 },
      { ids: [5, 6], targetFrom: 1 },
      { ids: [5, 6, 7], targetFrom: 3 }, // all prompt: nothing to predict
    ]);
    assert.deepEqual(ids.arraySync(), [
      [5, 6, 7, 8],
      [5, 6, PAD, PAD],
      [5, 6, 7, PAD],
    ]);
    // mask[i][j] scores predicting ids[i][j+1]
    assert.deepEqual(mask.arraySync(), [
      [0, 1, 1],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    tf.dispose([ids, mask]);
    const single = makeBatch(tf, [{ ids: [5], targetFrom: 0 }]);
    assert.deepEqual(single.ids.shape, [1, 2]);
    assert.deepEqual(single.mask.arraySync(), [[0]]);
    tf.dispose([single.ids, single.mask]);
  });

  it("training on prompt-only sequences (targetFrom = length) has zero loss and moves no weight", async () => {
    const model = policy.clone();
    try {
      const promptsOnly = world.sft.slice(0, 16).map((e) => {
        const ids = encode(policyContext(e.prompt));
        return { ids, targetFrom: ids.length };
      });
      const before = await model.weights();
      const losses = await trainMaskedLM(model, promptsOnly, { steps: 3, batchSize: 8, lr: 1e-2 }, new Rng(1), "masked");
      assert.equal(losses.length, 3);
      assert.ok(losses.every((l) => l === 0), `losses ${losses}`); // -0 counts: nothing was scored
      assert.deepEqual(unchangedTensors(before, await model.weights()).length, before.size);
    } finally {
      model.dispose();
    }
  });
});

describe("trainMaskedLM", () => {
  it("lowers the loss and changes every weight tensor in 30 steps", async () => {
    const model = new TinyGPT(tf, CONFIG, { seed: 4 });
    try {
      const before = await model.weights();
      const losses = await trainMaskedLM(model, sftData, LM, new Rng(2), "sft");
      assert.equal(losses.length, 30);
      assert.ok(losses.every(Number.isFinite));
      assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)), `losses ${losses.map((l) => l.toFixed(2))}`);
      assert.deepEqual(unchangedTensors(before, await model.weights()), []);
    } finally {
      model.dispose();
    }
  });

  it("is reproducible: same seeds, identical weights and losses", async () => {
    const run = async () => {
      const model = new TinyGPT(tf, CONFIG, { seed: 5 });
      const losses = await trainMaskedLM(model, sftData, { steps: 10, batchSize: 8, lr: 1e-2 }, new Rng(3), "sft");
      const weights = await model.weights();
      model.dispose();
      return { losses, weights };
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a.losses, b.losses);
    assert.ok(weightsEqual(a.weights, b.weights));
  });

  it("refuses an empty data set", async () => {
    await assert.rejects(() => trainMaskedLM(policy, [], LM, new Rng(1), "sft"), /sft: no training examples/);
  });
});

describe("checkpoints", () => {
  it("round-trip to identical weights and logits, leaving no temp file", async () => {
    const file = path.join(tmp, "policy.ckpt");
    await saveCheckpoint(file, policy);
    assert.deepEqual(fs.readdirSync(tmp), ["policy.ckpt"]);
    const loaded = loadCheckpoint(tf, file);
    try {
      assert.deepEqual(loaded.config, policy.config);
      assert.ok(weightsEqual(await loaded.weights(), await policy.weights()));
      const ids = [encode("rev abcd=dcba")];
      assert.deepEqual(allLogits(loaded, ids), allLogits(policy, ids));
    } finally {
      loaded.dispose();
    }
  });

  it("throws BadFileError naming the file for missing, empty, truncated or garbled files", async () => {
    const good = path.join(tmp, "good.ckpt");
    await saveCheckpoint(good, policy);
    const bytes = fs.readFileSync(good);
    const headerLength = bytes.readUInt32LE(0);
    const otherMagic = Buffer.from(bytes);
    otherMagic.write("x", 4 + bytes.subarray(4, 4 + headerLength).indexOf("proxyrm-tinygpt"), "utf8");
    const variants: [string, Buffer | undefined][] = [
      ["missing", undefined],
      ["empty", Buffer.alloc(0)],
      ["three bytes", bytes.subarray(0, 3)],
      ["header only", bytes.subarray(0, 4 + headerLength)],
      ["truncated weights", bytes.subarray(0, bytes.length - 7)],
      ["half the header", bytes.subarray(0, 4 + (headerLength >> 1))],
      ["random bytes", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))],
      ["wrong magic", otherMagic],
      ["huge header length", Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f]), bytes.subarray(4)])],
    ];
    for (const [what, content] of variants) {
      const file = path.join(tmp, `${what.replace(/ /g, "-")}.ckpt`);
      if (content) fs.writeFileSync(file, content);
      assert.throws(
        () => loadCheckpoint(tf, file).dispose(),
        (err: unknown) => err instanceof BadFileError && err.message.startsWith(file),
        what,
      );
    }
  });

  it(
    "rejects a checkpoint with bytes after the last tensor",
    async () => {
      const file = path.join(tmp, "trailing.ckpt");
      await saveCheckpoint(file, policy);
      fs.appendFileSync(file, Buffer.alloc(64, 1));
      assert.throws(() => loadCheckpoint(tf, file).dispose(), BadFileError);
    },
  );
});

describe("sampling", () => {
  const prompts = ["rev abcd", "sort hgfe", "up abc", "add 7+5", "rev abcd", "count a:abcab", "last abcdef"];
  const cfg = (over: Partial<SampleConfig>): SampleConfig => ({ temperature: 1, topK: 0, maxNewTokens: 8, batchSize: 3, ...over });

  it("is deterministic for an rng seed and in input order", async () => {
    const a = await sampleCompletions(policy, prompts, cfg({}), new Rng(11));
    const b = await sampleCompletions(policy, prompts, cfg({}), new Rng(11));
    assert.deepEqual(a, b);
    assert.equal(a.length, prompts.length);
    // Each prompt alone, in order, from the same rng stream would not match (batches interleave
    // draws), but greedy decoding must match per prompt whatever the batching.
    const greedyBatched = await sampleCompletions(policy, prompts, cfg({ temperature: 0 }), new Rng(1));
    for (let i = 0; i < prompts.length; i++) {
      const [alone] = await sampleCompletions(policy, [prompts[i]], cfg({ temperature: 0, batchSize: 1 }), new Rng(1));
      assert.equal(greedyBatched[i], alone, prompts[i]);
    }
  });

  it("differs between rng seeds at temperature 1", async () => {
    const many = Array.from({ length: 12 }, () => "rev abcd");
    const a = await sampleCompletions(policy, many, cfg({ temperature: 2 }), new Rng(1));
    const b = await sampleCompletions(policy, many, cfg({ temperature: 2 }), new Rng(2));
    assert.notDeepEqual(a, b);
  });

  it("at temperature 0 equals step-by-step argmax decoding", async () => {
    const out = await sampleCompletions(policy, prompts, cfg({ temperature: 0 }), new Rng(1));
    assert.deepEqual(
      out,
      prompts.map((p) => greedyReference(policy, p, 8)),
    );
  });

  it("respects maxNewTokens, also when the prompt fills the window", async () => {
    const untrained = new TinyGPT(tf, CONFIG, { seed: 6 });
    try {
      const long = "rev " + "abcdefgh".repeat(5);
      for (const maxNewTokens of [1, 3, 6]) {
        const out = await sampleCompletions(untrained, [...prompts, long], cfg({ temperature: 3, maxNewTokens }), new Rng(maxNewTokens));
        for (const text of out) assert.ok(text.length <= maxNewTokens, `${JSON.stringify(text)} longer than ${maxNewTokens}`);
        // An untrained model at high temperature rarely stops early: the cap is what binds.
        assert.ok(out.some((t) => t.length === maxNewTokens), `no completion reached ${maxNewTokens}: ${JSON.stringify(out)}`);
      }
    } finally {
      untrained.dispose();
    }
  });

  it("sampleToken: temperature 0 and topK 1 are greedy, ties to the lower id, topK bounds the choice", () => {
    const rng = new Rng(4);
    const logits = Float32Array.from([0.1, 2, -1, 5, 5, 0, 4.5, 3]);
    // Read from an offset, as sampleCompletions does for row i of a batch.
    const padded = Float32Array.from([9, 9, 9, ...logits]);
    for (let i = 0; i < 200; i++) {
      assert.equal(sampleToken(padded, 3, 8, { temperature: 0, topK: 0, maxNewTokens: 1, batchSize: 1 }, rng), 3);
      assert.equal(sampleToken(padded, 3, 8, { temperature: 1, topK: 1, maxNewTokens: 1, batchSize: 1 }, rng), 3);
      assert.equal(sampleToken(padded, 3, 8, { temperature: 100, topK: 1, maxNewTokens: 1, batchSize: 1 }, rng), 3);
      const top3 = sampleToken(padded, 3, 8, { temperature: 10, topK: 3, maxNewTokens: 1, batchSize: 1 }, rng);
      assert.ok([3, 4, 6].includes(top3), `topK 3 drew ${top3}`);
    }
    // At temperature 1 the draw follows softmax: tokens 3 and 4 equally, about 0.36 each.
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const t = sampleToken(logits, 0, 8, { temperature: 1, topK: 0, maxNewTokens: 1, batchSize: 1 }, rng);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const z = Array.from(logits).reduce((s, l) => s + Math.exp(l), 0);
    for (const t of [3, 4, 6]) {
      const expected = Math.exp(logits[t]) / z;
      assert.ok(Math.abs((counts.get(t) ?? 0) / 4000 - expected) < 0.03, `token ${t}: ${counts.get(t)} of 4000, p=${expected}`);
    }
  });
});

describe("DPO", () => {
  const prompts = world.sft.slice(0, 16).map((e) => e.prompt);
  const flawRng = new Rng(5);
  const pairs: PreferencePair[] = prompts.map((p) => ({ prompt: p, chosen: expectedAnswer(p)!, rejected: flaw(expectedAnswer(p)!, flawRng) }));
  const config: DPOConfig = { epochs: 8, batchSize: 8, lr: 5e-3, beta: 0.5 };

  it("raises the chosen-minus-rejected margin above the reference and changes the weights", async () => {
    const model = policy.clone();
    try {
      const before = await model.weights();
      const marginOf = (m: TinyGPT) => {
        const c = answerLogProbs(m, prompts, pairs.map((p) => p.chosen));
        const r = answerLogProbs(m, prompts, pairs.map((p) => p.rejected));
        return c.map((x, i) => x - r[i]);
      };
      const refMargin = marginOf(model);
      const result = await trainDPO(model, pairs, config, new Rng(6));
      assert.equal(result.steps, dpoSteps(pairs.length, config));
      assert.equal(result.steps, 16);
      assert.equal(result.losses.length, 16);
      assert.ok(result.losses.every(Number.isFinite));
      const margin = marginOf(model);
      // Implicit reward: beta * (policy margin - reference margin), positive where chosen wins.
      const accuracy = mean(margin.map((m, i) => (m - refMargin[i] > 0 ? 1 : 0)));
      assert.ok(accuracy > 0.5, `implicit reward accuracy ${accuracy}`);
      assert.ok(mean(margin) > mean(refMargin), `mean margin ${mean(margin)} vs reference ${mean(refMargin)}`);
      assert.ok(mean(result.rewardAccuracies.slice(-4)) > 0.5, `reward accuracies ${result.rewardAccuracies}`);
      assert.ok(mean(result.losses.slice(-4)) < result.losses[0], `losses ${result.losses}`);
      assert.deepEqual(unchangedTensors(before, await model.weights()), []);
    } finally {
      model.dispose();
    }
  });

  it("starts at loss log 2 (the policy is its own reference)", async () => {
    const model = policy.clone();
    try {
      const result = await trainDPO(model, pairs, { ...config, epochs: 0.5 }, new Rng(6));
      assert.equal(result.steps, 1);
      assert.ok(Math.abs(result.losses[0] - Math.log(2)) < 1e-4, `first loss ${result.losses[0]}`);
    } finally {
      model.dispose();
    }
  });

  it("does nothing for zero pairs", async () => {
    const model = policy.clone();
    try {
      const before = await model.weights();
      const result = await trainDPO(model, [], config, new Rng(6));
      assert.deepEqual(result, { steps: 0, pairsSeen: 0, losses: [], rewardAccuracies: [] });
      assert.ok(weightsEqual(before, await model.weights()));
    } finally {
      model.dispose();
    }
  });

  it("validateDPOConfig rejects each bad field with a BadOptionError naming it", async () => {
    const bad: [keyof DPOConfig, number][] = [
      ["epochs", 0],
      ["epochs", -1],
      ["epochs", NaN],
      ["batchSize", 0],
      ["batchSize", 1.5],
      ["batchSize", NaN],
      ["lr", 0],
      ["lr", -1e-3],
      ["lr", NaN],
      ["beta", 0],
      ["beta", -0.1],
      ["beta", NaN],
    ];
    for (const [field, value] of bad) {
      const c = { ...config, [field]: value };
      assert.throws(
        () => validateDPOConfig(c),
        (err: unknown) => err instanceof BadOptionError && err.blame === `dpo.${field}` && err.message.includes(`dpo.${field}`),
        `${field} = ${value}`,
      );
      // trainDPO validates before anything else, even with no pairs.
      await assert.rejects(() => trainDPO(policy, [], c, new Rng(1)), BadOptionError);
    }
    validateDPOConfig(config);
    validateDPOConfig({ epochs: 0.5, batchSize: 1, lr: 1e-6, beta: 5 });
  });

  it("dpoSteps gives epochs x pairs pair presentations, also with fewer pairs than a batch", () => {
    assert.equal(dpoSteps(16, config), 16);
    assert.equal(dpoSteps(10, { ...config, epochs: 1, batchSize: 4 }), 3);
    assert.equal(dpoSteps(1, { ...config, epochs: 1, batchSize: 16 }), 1);
    // The expert-only baseline: floor(B/k) prompts give 6-13 pairs, below the smoke preset's
    // batch of 16; each of its 4 epochs must still pass over every pair.
    const smoke: DPOConfig = { epochs: 4, batchSize: 16, lr: 1e-4, beta: 0.1 };
    for (let pairs = 1; pairs <= 40; pairs++) {
      const seen = dpoSteps(pairs, smoke) * dpoBatchSize(pairs, smoke);
      assert.ok(Math.abs(seen - 4 * pairs) <= dpoBatchSize(pairs, smoke) / 2, `${pairs} pairs: ${seen} presentations, want ${4 * pairs}`);
    }
    for (let pairs = 6; pairs <= 13; pairs++) assert.equal(dpoSteps(pairs, smoke) * dpoBatchSize(pairs, smoke), 4 * pairs);
  });

  it("trains the expert-only baseline's few pairs for the configured epochs", async () => {
    const model = policy.clone();
    try {
      const few = pairs.slice(0, 6);
      const result = await trainDPO(model, few, { ...config, epochs: 4, batchSize: 16 }, new Rng(6));
      assert.equal(result.pairsSeen, 4 * few.length);
      assert.equal(result.steps, 4);
    } finally {
      model.dispose();
    }
  });
});

describe("proxy evaluators", () => {
  const items: JudgeQuery[] = world.sft.slice(0, 10).map((e) => ({ prompt: e.prompt, response: e.response }));

  it("fitEftJudge trains a copy (the base is untouched) whose predictions are distributions", async () => {
    const before = await policy.weights();
    const examples = world.eftSeed.map((e) => ({ prompt: e.prompt, response: e.response, score: e.score }));
    const { judge, losses } = await fitEftJudge(policy, examples, { steps: 20, batchSize: 8, lr: 1e-2 }, new Rng(7), "fit");
    try {
      assert.ok(weightsEqual(before, await policy.weights()), "the base policy's weights changed");
      assert.notEqual(judge.model, policy);
      assert.ok(!weightsEqual(before, await judge.model.weights()), "the judge did not train");
      assert.equal(losses.length, 20);
      assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)), `losses ${losses.map((l) => l.toFixed(2))}`);
      const scores = await judge.predict(items);
      assertDistributions(scores, items.length);
      // Only the score digit is a target: the judge learned the label mix (mostly 5s).
      assert.ok(mean(Array.from(scores.mean)) > 2.5, `judge means ${scores.mean}`);
    } finally {
      judge.dispose();
    }
    // Disposing the judge leaves the base usable.
    assert.equal(allLogits(policy, [[5, 6]]).length, 2 * VOCAB_SIZE);
  });

  // The score is readable from the embedding: a smooth 4-d code of the number in the response.
  const toyEmbed = async (qs: JudgeQuery[]) => {
    const x = new Float32Array(qs.length * 4);
    qs.forEach((q, i) => {
      const s = Number(q.response) / 5;
      x.set([s, s * s, 1 - s, 1], i * 4);
    });
    return x;
  };
  const toyExamples = Array.from({ length: 60 }, (_, i) => ({ prompt: "rate", response: String(i % 6), score: i % 6 }));
  const toyHeads: HeadsConfig = { members: 3, hidden: 16, steps: 300, lr: 2e-2, batchSize: 16 };

  it("fitRewardHeads predicts means near the labels on a separable toy set", async () => {
    const heads = await fitRewardHeads(tf, toyEmbed, 4, toyExamples, toyHeads, new Rng(8));
    try {
      const queries = [0, 1, 2, 3, 4, 5].map((s) => ({ prompt: "rate", response: String(s) }));
      const scores = await heads.predict(queries);
      assertDistributions(scores, 6, false);
      for (let s = 0; s < 6; s++) assert.ok(Math.abs(scores.mean[s] - s) < 0.5, `score ${s}: predicted ${scores.mean[s]}`);
      const members = await heads.memberPredictions(queries);
      assert.equal(members.length, 3);
      for (const m of members) for (let s = 0; s < 6; s++) assert.ok(Math.abs(m[s] - s) < 0.5, `member predicts ${m[s]} for ${s}`);
      // Members train on different bootstrap resamples from different inits: they are not clones.
      assert.ok(members[0].some((x, i) => x !== members[1][i]));
    } finally {
      heads.dispose();
    }
  });

  it(
    "fitRewardHeads reports the ensemble's own mean and a std > 0 (its spread plus the residual)",
    async () => {
      const heads = await fitRewardHeads(tf, toyEmbed, 4, toyExamples, toyHeads, new Rng(8));
      try {
        const queries = [0, 1, 2, 2.3, 2.5, 3, 4, 5].map((s) => ({ prompt: "rate", response: String(s) }));
        const scores = await heads.predict(queries);
        const members = await heads.memberPredictions(queries);
        for (let i = 0; i < queries.length; i++) {
          const ensembleMean = mean(members.map((m) => m[i]));
          assert.ok(Math.abs(scores.mean[i] - ensembleMean) < 0.05, `${queries[i].response}: mean ${scores.mean[i]}, members average ${ensembleMean}`);
          assert.ok(scores.std[i] > 0, `${queries[i].response}: std ${scores.std[i]}`);
        }
      } finally {
        heads.dispose();
      }
    },
  );

  it("fitRewardHeads' residual std is out-of-bag: near a member's error on fresh data, not its in-sample error", async () => {
    // A linear score plus noise (sd 0.8) on 8-d features, 28 labels (the smoke budget): members
    // overfit their bootstraps, so an in-sample residual (0.58 of the fresh-data error on these
    // seeds) makes the proxy overconfident; the out-of-bag one should match the fresh-data error.
    const dim = 8;
    const ratios: number[] = [];
    for (const seed of [1, 2, 3]) {
      const r = new Rng(seed);
      const w = Array.from({ length: dim }, () => r.normal());
      const make = (n: number, tag: string) =>
        Array.from({ length: n }, (_, i) => {
          const x = Array.from({ length: dim }, () => r.normal());
          const f = 2.5 + (0.5 * x.reduce((a, v, j) => a + v * w[j], 0)) / Math.sqrt(dim);
          return { prompt: `${tag}${i}`, response: JSON.stringify(x), score: f + 0.8 * r.normal() };
        });
      const train = make(28, "train");
      const fresh = make(400, "fresh");
      const embed = async (qs: JudgeQuery[]) => Float32Array.from(qs.flatMap((q) => JSON.parse(q.response) as number[]));
      const heads = await fitRewardHeads(tf, embed, dim, train, { members: 5, hidden: 32, steps: 400, lr: 3e-3, batchSize: 32 }, new Rng(9));
      try {
        const members = await heads.memberPredictions(fresh);
        const sq = members.reduce((a, m) => a + fresh.reduce((b, e, i) => b + (m[i] - e.score) ** 2, 0), 0);
        ratios.push(heads.residualStd / Math.sqrt(sq / (fresh.length * members.length)));
      } finally {
        heads.dispose();
      }
    }
    const ratio = mean(ratios);
    assert.ok(ratio > 0.8 && ratio < 1.25, `residual std / fresh-data RMSE: ${ratios.map((x) => x.toFixed(2))}`);
  });

  it("discretise spreads a Gaussian over 0..5 with total mass 1", () => {
    const out = new Float64Array(SCORE_LEVELS * 2);
    for (const m of [-3, 0, 0.4, 2.5, 3, 5, 9]) {
      for (const sd of [0, 1e-6, 0.3, 1, 5]) {
        discretise(m, sd, out, SCORE_LEVELS);
        const row = Array.from(out.subarray(SCORE_LEVELS));
        assert.ok(row.every((p) => p >= 0), `${m}, ${sd}: ${row}`);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9, `${m}, ${sd}: sums to ${row.reduce((a, b) => a + b, 0)}`);
      }
    }
    assert.deepEqual(Array.from(out.subarray(0, SCORE_LEVELS)), [0, 0, 0, 0, 0, 0], "wrote outside its row");
    discretise(3, 0, out, 0);
    assert.ok(out[3] > 0.999);
    discretise(2.5, 0.5, out, 0);
    assert.ok(Math.abs(out[2] - out[3]) < 1e-6 && out[2] > 0.3);
    discretise(-10, 1, out, 0);
    assert.ok(out[0] > 0.999);
  });

  it("scores correct answers above flawed ones after EFT on rubric labels (sanity of the recipe)", async () => {
    const examples = world.sft.flatMap((e) => {
      const answer = expectedAnswer(e.prompt)!;
      const wrong = answer + "!!";
      return [
        { prompt: e.prompt, response: answer, score: goldRubric(e.prompt, answer).score },
        { prompt: e.prompt, response: wrong, score: goldRubric(e.prompt, wrong).score },
      ];
    });
    const { judge } = await fitEftJudge(policy, examples, { steps: 60, batchSize: 16, lr: 1e-2 }, new Rng(9), "fit");
    try {
      const good = await judge.predict(examples.filter((_, i) => i % 2 === 0));
      const bad = await judge.predict(examples.filter((_, i) => i % 2 === 1));
      assert.ok(mean(Array.from(good.mean)) > mean(Array.from(bad.mean)), `good ${mean(Array.from(good.mean))}, bad ${mean(Array.from(bad.mean))}`);
    } finally {
      judge.dispose();
    }
  });
});

describe("tensor hygiene", () => {
  const small: LMTrainConfig = { steps: 4, batchSize: 8, lr: 1e-2 };

  /** Runs `round` three times and checks the live tensor count is back where it started each time. */
  async function assertNoGrowth(round: () => Promise<void>): Promise<void> {
    await round(); // warm-up: backends may allocate lazily once
    const start = tf.memory().numTensors;
    await round();
    await round();
    assert.equal(tf.memory().numTensors, start, "live tensors grew across rounds");
  }

  it("trainMaskedLM and sampleCompletions free their tensors", async () => {
    await assertNoGrowth(async () => {
      const model = policy.clone();
      await trainMaskedLM(model, sftData, small, new Rng(1), "sft");
      await sampleCompletions(model, ["rev abc", "add 1+2"], { temperature: 1, topK: 3, maxNewTokens: 4, batchSize: 2 }, new Rng(1));
      model.dispose();
    });
  });

  it("trainDPO frees its tensors", async () => {
    const pairs = world.sft.slice(0, 6).map((e) => ({ prompt: e.prompt, chosen: expectedAnswer(e.prompt)!, rejected: "#" }));
    await assertNoGrowth(async () => {
      const model = policy.clone();
      await trainDPO(model, pairs, { epochs: 1, batchSize: 3, lr: 1e-3, beta: 0.1 }, new Rng(1));
      model.dispose();
    });
  });

  it("an EFT judge frees its tensors when disposed", async () => {
    const examples = world.eftSeed.slice(0, 12).map((e) => ({ prompt: e.prompt, response: e.response, score: e.score }));
    await assertNoGrowth(async () => {
      const { judge } = await fitEftJudge(policy, examples, small, new Rng(1), "fit");
      await judge.predict(examples);
      judge.dispose();
    });
  });

  it(
    "reward heads free their tensors when disposed",
    async () => {
      const embed = async (qs: JudgeQuery[]) => Float32Array.from(qs.flatMap((q) => [q.response.length, 1]));
      const examples = Array.from({ length: 8 }, (_, i) => ({ prompt: "p", response: "x".repeat(i), score: i % 6 }));
      await assertNoGrowth(async () => {
        const heads = await fitRewardHeads(tf, embed, 2, examples, { members: 2, hidden: 4, steps: 3, lr: 1e-2, batchSize: 4 }, new Rng(1));
        await heads.predict(examples);
        heads.dispose();
      });
    },
  );
});
