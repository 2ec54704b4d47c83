/**
 * The explorer's cost in the kernel (docs/lab-kernel.md): `pca2` against NumPy and scikit-learn
 * PCA peers (bench/explore_peers.py) on the same 64-dimensional rows, the base64 encoding of the
 * four Float32 columns a payload carries, and UMAP (umap-js, with the explorer's settings) against
 * `pca2` on the same points: why UMAP is an option and not the default.
 *
 *   node --import tsx bench/run.ts --only explore
 *
 * Ratios are proxyrm's seconds over the peer's (below 1 is faster). `pca2` is timed in-process,
 * the peers without interpreter start or file reading, so the comparison is of the projection.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { float32Base64 } from "../kernel-ext/src/notebook/lab/b64";
import { pca2 } from "../kernel-ext/src/notebook/projection";
import { Rng } from "../src/rng";
import { clusteredMatrix } from "./clustered-data";
import { PYTHON, load, round, seconds, timedSpawn } from "./machine";

const DIM = 64;
const PCA_SIZES = [10_000, 100_000];
const UMAP_SIZES = [1_000, 5_000];
const PEERS = ["numpy-eigh", "sklearn"] as const;

export interface ExplorePcaRow {
  rows: number;
  dim: number;
  pca2Seconds: number;
  explained: [number, number];
  peers: { method: string; seconds: number; ratio: number; explained: number[] }[];
  /** Encoding x, y, mean and std (four Float32 columns of `rows`) as base64. */
  base64Seconds: number;
  base64Bytes: number;
  loadBefore: number;
  loadAfter: number;
}

export interface ExploreUmapRow {
  rows: number;
  dim: number;
  umapSeconds: number;
  pca2Seconds: number;
  /** umap / pca2. */
  ratio: number;
  loadBefore: number;
  loadAfter: number;
}

export interface ExploreResult {
  pca: ExplorePcaRow[];
  umap: ExploreUmapRow[];
}

function umapSeconds(data: Float32Array, rows: number, dim: number): number {
  // The explorer's settings (kernel-ext/src/notebook/lab/uncertainty.ts umap2): 2 components, 15 neighbours, seeded.
  const { UMAP } = require("umap-js") as typeof import("umap-js");
  const rng = new Rng(1);
  return seconds(() => {
    const vectors = Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
    new UMAP({ nComponents: 2, nNeighbors: Math.min(15, rows - 1), random: () => rng.next() }).fit(vectors);
  });
}

export function benchExplore(log: (line: string) => void): ExploreResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-bench-explore-"));
  try {
    const pca = PCA_SIZES.map((rows): ExplorePcaRow => {
      const m = clusteredMatrix({ rows, dim: DIM, clusters: 12, seed: 1 });
      const raw = path.join(dir, `rows-${rows}.f32`);
      fs.writeFileSync(raw, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
      const loadBefore = load();
      let projection = pca2(m.data, rows, DIM);
      const pca2Seconds = seconds(() => (projection = pca2(m.data, rows, DIM)));
      let bytes = 0;
      const base64Seconds = seconds(() => {
        // x and y twice: the same size as the payload's x, y, mean and std columns.
        for (const column of [projection.x, projection.y, projection.x, projection.y]) bytes += float32Base64(column).length;
      });
      const peers = PEERS.map((method) => {
        const out = JSON.parse(timedSpawn(PYTHON, [path.join(__dirname, "explore_peers.py"), method, raw, String(rows), String(DIM)], `${method} PCA`).stdout) as { seconds: number; explained: number[] };
        return { method, seconds: round(out.seconds, 4), ratio: round(pca2Seconds / out.seconds), explained: out.explained.map((v) => round(v, 4)) };
      });
      const row = { rows, dim: DIM, pca2Seconds: round(pca2Seconds, 4), explained: projection.explained, peers, base64Seconds: round(base64Seconds, 4), base64Bytes: bytes, loadBefore, loadAfter: load() };
      log(`explore: pca2 ${rows} x ${DIM}: ${row.pca2Seconds} s; ${peers.map((p) => `${p.method} ${p.seconds} s (ratio ${p.ratio})`).join(", ")}; base64 ${row.base64Seconds} s`);
      return row;
    });
    const umap = UMAP_SIZES.map((rows): ExploreUmapRow => {
      const m = clusteredMatrix({ rows, dim: DIM, clusters: 12, seed: 1 });
      const loadBefore = load();
      const pca2Seconds = seconds(() => pca2(m.data, rows, DIM));
      const u = umapSeconds(m.data, rows, DIM);
      const row = { rows, dim: DIM, umapSeconds: round(u, 2), pca2Seconds: round(pca2Seconds, 4), ratio: round(u / pca2Seconds, 0), loadBefore, loadAfter: load() };
      log(`explore: umap ${rows} x ${DIM}: ${row.umapSeconds} s, pca2 ${row.pca2Seconds} s`);
      return row;
    });
    return { pca, umap };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
