/**
 * Reward-head ensemble training (src/proxy/heads.ts, the default preset's heads config)
 * against PyTorch CPU (bench/heads_torch.py) on the same features and scores. The peer trains
 * from proxyrm's own draws (initial weights and minibatches, bench/heads-draws.ts), so the two
 * training MSEs of the ensemble mean must agree up to float32 rounding: the time ratio then
 * compares the same computation. The peer's MSE with its own generators is reported too: it
 * differs by as much as a different seed moves it (docs/BENCHMARKS.md).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTf } from "../src/backend";
import { resolveConfig } from "../src/config";
import { fitRewardHeads } from "../src/proxy/heads";
import { Rng } from "../src/rng";
import { headsDraws } from "./heads-draws";
import { PYTHON, load, round, timedSpawn } from "./machine";

export interface HeadsResult {
  examples: number;
  dim: number;
  members: number;
  hidden: number;
  steps: number;
  backend: string;
  proxyrmSeconds: number;
  proxyrmMse: number;
  /** PyTorch from proxyrm's draws. */
  torchSeconds: number;
  torchMse: number;
  /** |proxyrmMse - torchMse|: float32 rounding only, when both compute the same thing. */
  mseGap: number;
  /** PyTorch from its own generators (NumPy's and torch's, seed 1). */
  torchOwnDrawsMse: number;
  torch: string;
  torchThreads: number;
  ratio: number;
  load: number;
}

/** The default budget's 100 labelled examples over the policy's 64-wide features. */
const N = 100;
const DIM = 64;
/** The seed of the Rng given to fitRewardHeads; headsDraws replays its draws. */
const SEED = 1;

export async function benchHeads(log: (line: string) => void): Promise<HeadsResult> {
  const heads = resolveConfig("default").proxy.heads;
  const rng = new Rng(5);
  const x = Float32Array.from({ length: N * DIM }, () => rng.normal());
  const w = Float64Array.from({ length: DIM }, () => rng.normal() / Math.sqrt(DIM));
  // Scores 0..5 from a noisy nonlinear function of the features.
  const y = Float32Array.from({ length: N }, (_, i) => {
    let s = 0;
    for (let j = 0; j < DIM; j++) s += w[j] * x[i * DIM + j];
    return Math.min(5, Math.max(0, Math.round(2.5 + 2 * Math.tanh(s) + 0.3 * rng.normal())));
  });
  const { tf, backend } = await loadTf();
  const examples = Array.from({ length: N }, (_, i) => ({ prompt: `p${i}`, response: `r${i}`, score: y[i] }));
  const embed = async (items: { prompt: string }[]) => {
    const out = new Float32Array(items.length * DIM);
    items.forEach((item, r) => {
      const i = Number(item.prompt.slice(1));
      out.set(x.subarray(i * DIM, (i + 1) * DIM), r * DIM);
    });
    return out;
  };
  const t0 = performance.now();
  const model = await fitRewardHeads(tf, embed, DIM, examples, heads, new Rng(SEED));
  const proxyrmSeconds = (performance.now() - t0) / 1000;
  // The raw regression outputs averaged over members, as the peer reports them.
  const members = await model.memberPredictions(examples);
  model.dispose();
  let mse = 0;
  for (let i = 0; i < N; i++) mse += (members.reduce((sum, p) => sum + p[i], 0) / members.length - y[i]) ** 2 / N;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-bench-heads-"));
  try {
    fs.writeFileSync(path.join(dir, "x.f32"), new Uint8Array(x.buffer));
    fs.writeFileSync(path.join(dir, "y.f32"), new Uint8Array(y.buffer));
    const draws = headsDraws(heads, N, DIM, SEED);
    fs.writeFileSync(path.join(dir, "w1.f32"), new Uint8Array(draws.w1.buffer));
    fs.writeFileSync(path.join(dir, "w2.f32"), new Uint8Array(draws.w2.buffer));
    fs.writeFileSync(path.join(dir, "batches.i32"), new Uint8Array(draws.batches.buffer));
    const args = [path.join(__dirname, "heads_torch.py"), path.join(dir, "x.f32"), path.join(dir, "y.f32")];
    args.push(...[N, DIM, heads.members, heads.hidden, heads.steps, heads.lr, heads.batchSize].map(String));
    type Peer = { seconds: number; mse: number; torch: string; threads: number };
    const peer = JSON.parse(timedSpawn(PYTHON, [...args, ...["w1.f32", "w2.f32", "batches.i32"].map((f) => path.join(dir, f))], "PyTorch reward heads").stdout) as Peer;
    const own = JSON.parse(timedSpawn(PYTHON, args, "PyTorch reward heads (own draws)").stdout) as Peer;
    const result: HeadsResult = {
      examples: N,
      dim: DIM,
      members: heads.members,
      hidden: heads.hidden,
      steps: heads.steps,
      backend,
      proxyrmSeconds: round(proxyrmSeconds),
      proxyrmMse: round(mse, 4),
      torchSeconds: round(peer.seconds),
      torchMse: round(peer.mse, 4),
      mseGap: Math.abs(mse - peer.mse),
      torchOwnDrawsMse: round(own.mse, 4),
      torch: peer.torch,
      torchThreads: peer.threads,
      ratio: round(proxyrmSeconds / peer.seconds),
      load: load(),
    };
    log(
      `reward heads (${heads.members} x MLP ${DIM}-${heads.hidden}-1, ${heads.steps} steps): proxyrm/${backend} ${result.proxyrmSeconds} s (train MSE ${result.proxyrmMse}), PyTorch on the same draws ${result.torchSeconds} s (MSE ${result.torchMse}, gap ${result.mseGap.toExponential(1)}; own draws ${result.torchOwnDrawsMse}): ratio ${result.ratio}`,
    );
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
