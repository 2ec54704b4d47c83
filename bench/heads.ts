/**
 * Reward-head ensemble training (src/proxy/heads.ts, the default preset's heads config)
 * against PyTorch CPU (bench/heads_torch.py) on the same features and scores. The outputs
 * cannot match bit for bit (different generators), so both report the training MSE of the
 * ensemble mean: comparable numbers say both trained the same model class equally far.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTf } from "../src/backend";
import { resolveConfig } from "../src/config";
import { fitRewardHeads } from "../src/proxy/heads";
import { Rng } from "../src/rng";
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
  torchSeconds: number;
  torchMse: number;
  torch: string;
  torchThreads: number;
  ratio: number;
  load: number;
}

/** The default budget's 100 labelled examples over the policy's 64-wide features. */
const N = 100;
const DIM = 64;

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
  const model = await fitRewardHeads(tf, embed, DIM, examples, heads, new Rng(1));
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
    const args = [path.join(__dirname, "heads_torch.py"), path.join(dir, "x.f32"), path.join(dir, "y.f32")];
    args.push(...[N, DIM, heads.members, heads.hidden, heads.steps, heads.lr, heads.batchSize].map(String));
    const peer = JSON.parse(timedSpawn(PYTHON, args, "PyTorch reward heads").stdout) as { seconds: number; mse: number; torch: string; threads: number };
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
      torch: peer.torch,
      torchThreads: peer.threads,
      ratio: round(proxyrmSeconds / peer.seconds),
      load: load(),
    };
    log(
      `reward heads (${heads.members} x MLP ${DIM}-${heads.hidden}-1, ${heads.steps} steps): proxyrm/${backend} ${result.proxyrmSeconds} s (train MSE ${result.proxyrmMse}), PyTorch ${result.torchSeconds} s (MSE ${result.torchMse}): ratio ${result.ratio}`,
    );
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
