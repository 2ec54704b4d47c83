/**
 * How long `proxyrm run --preset smoke` takes, baselines included (issue target: under 90 s on
 * the 2-core reference machine), stage by stage, and the training step of the tiny GPT on the
 * chosen backend against tfjs's pure-JS cpu backend measured in the same process.
 *
 *   npm run bench            # or: node --import tsx bench/smoke-time.ts [--seed N]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTf, type BackendName } from "../src/backend";
import { answerSequence } from "../src/policy/batch";
import { TinyGPT, defaultTinyGPTConfig } from "../src/policy/tinygpt";
import { policyContext } from "../src/policy/tokenizer";
import { trainMaskedLM } from "../src/policy/train-lm";
import { Rng } from "../src/rng";
import { buildWorld } from "../src/world/world";

const TARGET_SECONDS = 90;

async function stepMs(backend: BackendName, steps: number): Promise<number> {
  const { tf } = await loadTf(backend);
  const world = buildWorld({ seedPrompts: 256, poolPrompts: 1, heldoutPrompts: 1, flawRate: 0.3, eftSeedExamples: 1, clusterSkew: 1, families: "classic", misrank: 0 }, 1);
  const data = world.sft.map((e) => answerSequence(policyContext(e.prompt), e.response, defaultTinyGPTConfig.blockSize));
  const model = new TinyGPT(tf, defaultTinyGPTConfig, { seed: 1 });
  await trainMaskedLM(model, data, { steps: 3, batchSize: 32, lr: 3e-3 }, new Rng(1), "warmup");
  const t0 = performance.now();
  await trainMaskedLM(model, data, { steps, batchSize: 32, lr: 3e-3 }, new Rng(2), "bench");
  const ms = (performance.now() - t0) / steps;
  model.dispose();
  return ms;
}

async function main(): Promise<void> {
  const seed = process.argv.includes("--seed") ? process.argv[process.argv.indexOf("--seed") + 1] : "1";
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-bench-"));
  const bin = path.join(__dirname, "..", "src", "dist", "cli", "main.js");
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [bin, "run", "--preset", "smoke", "--seed", seed, "--out", out], { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`smoke run failed (exit ${run.status}): ${run.stderr.split("\n").slice(-3).join(" ")}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as { backend: string; stages: Record<string, { seconds: number }> };
  console.log(`smoke preset, seed ${seed}, backend ${manifest.backend}, baselines included`);
  for (const [name, s] of Object.entries(manifest.stages)) console.log(`  ${name.padEnd(12)} ${s.seconds.toFixed(1).padStart(6)} s`);
  console.log(`  total (wall, process start to exit) ${seconds.toFixed(1)} s = ${(seconds / TARGET_SECONDS).toFixed(2)}x the ${TARGET_SECONDS} s target`);
  fs.rmSync(out, { recursive: true, force: true });

  const chosen = manifest.backend as BackendName;
  const fast = await stepMs(chosen, 40);
  const cpu = await stepMs("cpu", 5);
  console.log(`tiny GPT train step (d=64, 2 layers, batch 32): ${chosen} ${fast.toFixed(1)} ms, tfjs cpu ${cpu.toFixed(1)} ms: ${(cpu / fast).toFixed(1)}x faster than the cpu peer`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
