/**
 * The tiny GPT's throughput in tokens/s for SFT, DPO and sampling, on the backend a run picks
 * (wasm here) against tfjs's pure-JS cpu backend measured in the same process, on the default
 * model config. A token is a real (unpadded) position of a sequence the step reads; for
 * sampling, a generated token.
 */
import { loadTf, type BackendName } from "../src/backend";
import { trainDPO, type PreferencePair } from "../src/dpo/train";
import { answerSequence } from "../src/policy/batch";
import { sampleCompletions } from "../src/policy/sample";
import { TinyGPT, defaultTinyGPTConfig } from "../src/policy/tinygpt";
import { policyContext } from "../src/policy/tokenizer";
import { trainMaskedLM } from "../src/policy/train-lm";
import { resolveConfig } from "../src/config";
import { Rng } from "../src/rng";
import { buildWorld } from "../src/world/world";
import { load, round } from "./machine";

export interface ThroughputResult {
  task: "sft" | "dpo" | "sampling";
  backend: string;
  tokensPerSecond: number;
  cpuTokensPerSecond: number;
  /** backend tokens/s over cpu tokens/s: above 1 is faster. */
  speedup: number;
  load: number;
}

const world = buildWorld({ seedPrompts: 256, poolPrompts: 64, heldoutPrompts: 1, flawRate: 0.3, eftSeedExamples: 1, clusterSkew: 1, families: "classic", misrank: 0 }, 1);
const config = resolveConfig("default");

async function measure(backend: BackendName, task: ThroughputResult["task"], scale: number): Promise<number> {
  const { tf } = await loadTf(backend);
  const model = new TinyGPT(tf, defaultTinyGPTConfig, { seed: 1 });
  const block = defaultTinyGPTConfig.blockSize;
  try {
    if (task === "sft") {
      const data = world.sft.map((e) => answerSequence(policyContext(e.prompt), e.response, block));
      const batch = config.sft.batchSize;
      await trainMaskedLM(model, data, { steps: 2, batchSize: batch, lr: 3e-3 }, new Rng(1), "warmup");
      const steps = Math.max(2, Math.round(30 * scale));
      // trainMaskedLM draws its batches with this rng: replay it to count their tokens.
      const draw = new Rng(2);
      let tokens = 0;
      for (let s = 0; s < steps; s++) for (let b = 0; b < batch; b++) tokens += data[draw.int(data.length)].ids.length;
      const t0 = performance.now();
      await trainMaskedLM(model, data, { steps, batchSize: batch, lr: 3e-3 }, new Rng(2), "bench");
      return tokens / ((performance.now() - t0) / 1000);
    }
    if (task === "dpo") {
      const pairs: PreferencePair[] = world.sft.slice(0, Math.max(16, Math.round(160 * scale))).map((e, i) => ({
        prompt: e.prompt,
        chosen: e.response,
        rejected: world.sft[(i + 1) % world.sft.length].response,
      }));
      await trainDPO(model, pairs.slice(0, 16), { ...config.dpo, epochs: 1 }, new Rng(1));
      const t0 = performance.now();
      const result = await trainDPO(model, pairs, { ...config.dpo, epochs: 1 }, new Rng(2));
      const seconds = (performance.now() - t0) / 1000;
      const perPair = pairs.map((p) =>
        [p.chosen, p.rejected].reduce((sum, answer) => sum + answerSequence(policyContext(p.prompt), answer, block).ids.length, 0),
      );
      // The reference pass reads every pair once more before training.
      const tokens = perPair.reduce((a, b) => a + b, 0) * (1 + result.pairsSeen / pairs.length);
      return tokens / seconds;
    }
    const prompts = world.prompts.filter((p) => p.split === "pool").map((p) => p.prompt);
    const cfg = { ...config.generate, batchSize: config.generate.batchSize };
    await sampleCompletions(model, prompts.slice(0, 4), cfg, new Rng(1));
    const take = prompts.slice(0, Math.max(8, Math.round(prompts.length * scale)));
    const t0 = performance.now();
    const outputs = await sampleCompletions(model, take, cfg, new Rng(2));
    const seconds = (performance.now() - t0) / 1000;
    // Each completion's characters plus its end token, unless it ran to maxNewTokens.
    const tokens = outputs.reduce((sum, o) => sum + Math.min(o.length + 1, cfg.maxNewTokens), 0);
    return tokens / seconds;
  } finally {
    model.dispose();
  }
}

export async function benchTinyGpt(log: (line: string) => void): Promise<ThroughputResult[]> {
  const { backend } = await loadTf();
  const results: ThroughputResult[] = [];
  for (const task of ["sft", "dpo", "sampling"] as const) {
    const fast = await measure(backend, task, 1);
    // The cpu backend is ~30x slower: a fifth of the work keeps the bench short.
    const cpu = await measure("cpu", task, 0.2);
    await loadTf(backend); // back to the run's backend
    const r: ThroughputResult = { task, backend, tokensPerSecond: round(fast, 1), cpuTokensPerSecond: round(cpu, 1), speedup: round(fast / cpu, 2), load: load() };
    log(`tiny GPT ${task.padEnd(8)} ${backend} ${r.tokensPerSecond} tokens/s, cpu ${r.cpuTokensPerSecond} tokens/s: ${r.speedup}x`);
    results.push(r);
  }
  return results;
}
