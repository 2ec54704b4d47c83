/**
 * Achieved memory bandwidth of k-center's brute-force scan (one centre against every row: the
 * floor pruning works to get under) against a STREAM-like copy (Copy kernel: a[i] = b[i] over
 * arrays far larger than the caches) in the same process. Best of 5 for both.
 */
import { clusteredMatrix } from "./clustered-data";
import { fullSquaredDistance } from "../src/select/kcenter-distance";
import { load, round } from "./machine";

export interface BandwidthResult {
  copyGBps: number;
  scanGBps: number;
  /** scan / copy: the share of the copy bandwidth the scan reaches. */
  ratio: number;
  scanRows: number;
  scanDim: number;
  load: number;
}

function best(times: number, run: () => number): number {
  let out = Infinity;
  for (let t = 0; t < times; t++) {
    const t0 = performance.now();
    run();
    out = Math.min(out, (performance.now() - t0) / 1000);
  }
  return out;
}

export function benchBandwidth(log: (line: string) => void): BandwidthResult {
  const n = 64 * 2 ** 20; // 256 MiB of float32 per array
  const a = new Float32Array(n);
  const b = new Float32Array(n).fill(1);
  // STREAM counts a copy as 2 x bytes (one read, one write).
  const copySeconds = best(5, () => {
    a.set(b);
    return a[n - 1];
  });
  const copyGBps = (2 * 4 * n) / copySeconds / 1e9;

  const m = clusteredMatrix({ rows: 100_000, dim: 768, clusters: 50, seed: 1 });
  let sink = 0;
  const scanSeconds = best(5, () => {
    for (let i = 0; i < m.rows; i++) sink += fullSquaredDistance(m.data, m.dim, i, 0);
    return sink;
  });
  // Each row is read once; the centre row stays in cache.
  const scanGBps = (m.data.byteLength / scanSeconds) / 1e9;
  const result = { copyGBps: round(copyGBps, 2), scanGBps: round(scanGBps, 2), ratio: round(scanGBps / copyGBps), scanRows: m.rows, scanDim: m.dim, load: load() };
  log(`memory bandwidth: STREAM-like copy ${result.copyGBps} GB/s, k-center scan ${result.scanGBps} GB/s: ratio ${result.ratio}`);
  return result;
}
