/**
 * k-center greedy: `proxyrm select --strategy coreset-eft` against NumPy and scikit-learn peers
 * (bench/kcenter_peers.py) on the same file, each a whole process timed start to exit, picks
 * compared one for one. Ratios are proxyrm's time over the peer's: below 1 is faster.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusteredMatrix } from "./clustered-data";
import { writeBenchEmbeddings } from "./embeddings-file";
import { PYTHON, load, round, timedSpawn } from "./machine";

export interface KCenterCase {
  rows: number;
  dim: number;
  k: number;
  clusters: number;
  /** Peers to run; the brute-force NumPy loop is the reference every ratio is taken against. */
  peers: string[];
}

export const KCENTER_CASES: KCenterCase[] = [
  { rows: 50_000, dim: 384, k: 500, clusters: 50, peers: ["numpy-greedy", "numpy-blas", "sklearn"] },
  { rows: 100_000, dim: 768, k: 1000, clusters: 50, peers: ["numpy-greedy", "numpy-blas", "sklearn"] },
  // Pruning's worst case: no structure, every distance about the same.
  { rows: 50_000, dim: 384, k: 500, clusters: 0, peers: ["numpy-greedy", "numpy-blas"] },
];

export interface PeerResult {
  method: string;
  seconds: number;
  /** proxyrm's seconds / this peer's seconds. */
  ratio: number;
  identicalPicks: boolean;
  /** Where the picks first differ, when they do. */
  firstDifference?: number;
}

export interface KCenterResult extends Omit<KCenterCase, "peers"> {
  proxyrmSeconds: number;
  peers: PeerResult[];
  blas: string;
  numpy: string;
  loadBefore: number;
  loadAfter: number;
}

const BIN = path.join(__dirname, "..", "src", "dist", "cli", "main.js");
const PEERS = path.join(__dirname, "kcenter_peers.py");

export function benchKCenter(c: KCenterCase, log: (line: string) => void): KCenterResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-bench-kcenter-"));
  try {
    const arrow = path.join(dir, "embeddings.arrow");
    const raw = path.join(dir, "embeddings.f32");
    writeBenchEmbeddings(clusteredMatrix({ rows: c.rows, dim: c.dim, clusters: c.clusters, seed: 1 }), arrow, raw);
    const loadBefore = load();
    const ours = timedSpawn(process.execPath, [BIN, "select", "--strategy", "coreset-eft", "--embeddings", arrow, "--k", String(c.k)], "proxyrm select");
    const picks = (JSON.parse(ours.stdout) as { indices: number[] }).indices;
    const label = `${c.rows} x ${c.dim}, k ${c.k}, ${c.clusters === 0 ? "unclustered" : `${c.clusters} clusters`}`;
    log(`k-center ${label}: proxyrm ${ours.seconds.toFixed(2)} s`);
    let blas = "";
    let numpy = "";
    const peers = c.peers.map((method): PeerResult => {
      const run = timedSpawn(PYTHON, [PEERS, method, raw, String(c.rows), String(c.dim), String(c.k), "0"], `${method} peer`);
      const out = JSON.parse(run.stdout) as { picks: number[]; blas: string; numpy: string };
      blas = out.blas;
      numpy = out.numpy;
      const firstDifference = out.picks.findIndex((p, i) => p !== picks[i]);
      const result: PeerResult = {
        method,
        seconds: round(run.seconds),
        ratio: round(ours.seconds / run.seconds),
        identicalPicks: firstDifference < 0 && out.picks.length === picks.length,
        ...(firstDifference >= 0 ? { firstDifference } : {}),
      };
      log(
        `  vs ${method.padEnd(12)} ${run.seconds.toFixed(2).padStart(8)} s  ratio ${result.ratio.toFixed(3)}  picks ${result.identicalPicks ? "identical" : `differ from pick ${firstDifference}`}`,
      );
      return result;
    });
    return { rows: c.rows, dim: c.dim, k: c.k, clusters: c.clusters, proxyrmSeconds: round(ours.seconds), peers, blas, numpy, loadBefore, loadAfter: load() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
