/**
 * The random draws fitRewardHeads (src/proxy/heads.ts) makes, replayed outside it: per member,
 * its first-layer and readout weights and every minibatch's example indices, in the order
 * heads.ts draws them from `rng.fork(member)`. The PyTorch peer trains from these, so the two
 * runs differ only in their arithmetic; if heads.ts changes its draw order, the bench's two MSEs
 * stop agreeing and say so.
 */
import type { HeadsConfig } from "../src/proxy/heads";
import { Rng } from "../src/rng";

export interface HeadsDraws {
  /** [members][dim][hidden], row-major. */
  w1: Float32Array;
  /** [members][hidden]. */
  w2: Float32Array;
  /** [members][steps][batch]: indices into the examples. */
  batches: Int32Array;
  batch: number;
}

export function headsDraws(config: HeadsConfig, n: number, dim: number, seed: number): HeadsDraws {
  const outer = new Rng(seed);
  const batch = Math.min(config.batchSize, n);
  const w1 = new Float32Array(config.members * dim * config.hidden);
  const w2 = new Float32Array(config.members * config.hidden);
  const batches = new Int32Array(config.members * config.steps * batch);
  for (let j = 0; j < config.members; j++) {
    const r = outer.fork(j);
    // heads.ts: init(dim, hidden), then init(hidden, 1), each N(0, 2 / fan-in); then the bootstrap.
    for (let i = 0; i < dim * config.hidden; i++) w1[j * dim * config.hidden + i] = r.normal() * Math.sqrt(2 / dim);
    for (let i = 0; i < config.hidden; i++) w2[j * config.hidden + i] = r.normal() * Math.sqrt(2 / config.hidden);
    const boot = Array.from({ length: n }, () => r.int(n));
    for (let s = 0; s < config.steps; s++) for (let b = 0; b < batch; b++) batches[(j * config.steps + s) * batch + b] = boot[r.int(n)];
  }
  return { w1, w2, batches, batch };
}
