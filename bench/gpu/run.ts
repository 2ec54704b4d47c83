/**
 * GPU backends against wasm, in one process, on the default preset's tiny GPT. For a machine
 * with an NVIDIA GPU (docs/backends.md says how to install the tensorflow route):
 *
 *   npm run bench:gpu                       # every GPU backend that loads
 *   npm run bench:gpu -- --json out.json    # also write the numbers
 *
 * Reports which GPU backend loaded (and the adapter Dawn picked), tokens/s for SFT, DPO and
 * sampling on each against wasm measured in the same run, and the 100-step SFT loss-curve
 * check: per-step |loss - loss_wasm| / loss_wasm, whose rule is 1e-3 (issue 13), with tfjs's
 * cpu backend as a control (CPU against CPU, no GPU arithmetic involved).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import type * as TF from "@tensorflow/tfjs";
import { loadTf, type BackendName } from "../../src/backend";
import { defaultTinyGPTConfig } from "../../src/policy/tinygpt";
import { answerSequence } from "../../src/policy/batch";
import { policyContext } from "../../src/policy/tokenizer";
import { dpoLosses, meanLength, sampleTexts, sftLosses, workloadData, type WorkloadData, type WorkloadSize } from "../../tests/helpers/backend-workload";

const SIZE: WorkloadSize = { model: defaultTinyGPTConfig, batchSize: 32, lr: 3e-3 };
const DATA = workloadData(SIZE, 128);
const TIMED_STEPS = 30;
const CURVE_STEPS = 100;
const RULE = 1e-3;
const GPU_BACKENDS: BackendName[] = ["tensorflow", "webgpu"];

interface Speeds {
  sftTokensPerSecond: number;
  dpoTokensPerSecond: number;
  samplingTokensPerSecond: number;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await run();
  return [value, (performance.now() - t0) / 1000];
}

/** Tokens each DPO step reads: chosen and rejected sequences of `batchSize` pairs. */
function dpoTokensPerStep(data: WorkloadData): number {
  const seqs = data.pairs.flatMap((p) => [p.chosen, p.rejected].map((r) => answerSequence(policyContext(p.prompt), r, SIZE.model.blockSize)));
  return 2 * SIZE.batchSize * meanLength(seqs);
}

async function speeds(tf: typeof TF): Promise<Speeds> {
  // Warm-up first: kernel compilation (webgpu shaders, cuDNN autotuning) is not throughput.
  await sftLosses(tf, SIZE, DATA, 3);
  await dpoLosses(tf, SIZE, DATA, 3);
  await sampleTexts(tf, SIZE, DATA, 1, 4);
  const [, sftSeconds] = await timed(() => sftLosses(tf, SIZE, DATA, TIMED_STEPS));
  const [, dpoSeconds] = await timed(() => dpoLosses(tf, SIZE, DATA, TIMED_STEPS));
  const [texts, sampleSeconds] = await timed(() => sampleTexts(tf, SIZE, DATA, 2, 16));
  const sampled = texts.reduce((s, t) => s + t.length + 1, 0); // +1: the end token
  return {
    sftTokensPerSecond: (TIMED_STEPS * SIZE.batchSize * meanLength(DATA.sft)) / sftSeconds,
    dpoTokensPerSecond: (TIMED_STEPS * dpoTokensPerStep(DATA)) / dpoSeconds,
    samplingTokensPerSecond: sampled / sampleSeconds,
  };
}

/** Per-step relative divergence of a 100-step SFT curve from wasm's. */
function divergence(curve: number[], reference: number[]): { max: number; firstOverRule: number | null } {
  const rel = curve.map((x, i) => Math.abs(x - reference[i]) / Math.abs(reference[i]));
  const first = rel.findIndex((r) => r > RULE);
  return { max: Math.max(...rel), firstOverRule: first < 0 ? null : first + 1 };
}

function nvidiaSmi(): string {
  const r = spawnSync("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "nvidia-smi not found";
}

async function main(): Promise<void> {
  const jsonAt = process.argv.indexOf("--json");
  const report: Record<string, unknown> = { host: os.hostname(), cpus: os.cpus().length, gpu: nvidiaSmi(), model: SIZE.model, batchSize: SIZE.batchSize };

  const { tf: wasm } = await loadTf("wasm");
  const reference = await speeds(wasm);
  const referenceCurve = await sftLosses(wasm, SIZE, DATA, CURVE_STEPS);
  const rows: [string, string, string, string, string][] = [["wasm", fmt(reference.sftTokensPerSecond), fmt(reference.dpoTokensPerSecond), fmt(reference.samplingTokensPerSecond), "reference"]];
  report.wasm = reference;

  for (const name of GPU_BACKENDS) {
    let tf: typeof TF;
    try {
      ({ tf } = await loadTf(name));
    } catch (err) {
      console.log(`${name}: not loaded: ${(err as Error).message}`);
      report[name] = { loaded: false, why: (err as Error).message };
      continue;
    }
    const adapter = name === "webgpu" ? await (await import("../../src/backend-webgpu")).probeWebGpuAdapter() : undefined;
    console.log(`${name}: loaded${adapter ? ` (Dawn adapter: ${JSON.stringify(adapter)})` : ""}`);
    const s = await speeds(tf);
    const curve = divergence(await sftLosses(tf, SIZE, DATA, CURVE_STEPS), referenceCurve);
    report[name] = { loaded: true, adapter, ...s, curve };
    rows.push([name, ratio(s.sftTokensPerSecond, reference.sftTokensPerSecond), ratio(s.dpoTokensPerSecond, reference.dpoTokensPerSecond), ratio(s.samplingTokensPerSecond, reference.samplingTokensPerSecond), curveText(curve)]);
  }

  // The control: two CPU backends, no GPU arithmetic; how far chaos alone takes the curve.
  const { tf: cpu } = await loadTf("cpu");
  const control = divergence(await sftLosses(cpu, SIZE, DATA, CURVE_STEPS), referenceCurve);
  report.cpuControl = control;
  rows.push(["cpu (control)", "", "", "", curveText(control)]);

  console.log(`\n${SIZE.model.nLayer} layers, d=${SIZE.model.dModel}, batch ${SIZE.batchSize}; ${os.cpus().length} CPUs; GPU: ${report.gpu}`);
  console.log("| backend | SFT tokens/s | DPO tokens/s | sampling tokens/s | 100-step SFT curve vs wasm |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  if (jsonAt > 0) fs.writeFileSync(process.argv[jsonAt + 1], `${JSON.stringify(report, null, 2)}\n`);
}

const fmt = (x: number) => x.toFixed(0);
const ratio = (x: number, ref: number) => `${fmt(x)} (${(x / ref).toFixed(2)}x wasm)`;
const curveText = (c: { max: number; firstOverRule: number | null }) =>
  `max ${c.max.toExponential(2)}${c.firstOverRule === null ? `, within ${RULE}` : `, over ${RULE} from step ${c.firstOverRule}`}`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
