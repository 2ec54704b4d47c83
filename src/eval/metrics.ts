/**
 * Agreement and calibration of a proxy against the gold expert. Definitions follow
 * shared/DESIGN.md ("Definitions"); inference over seeds is in stats.ts.
 */
import { groupBy } from "../group-by";
import { SCORE_LEVELS } from "../proxy/types";
import type { ReliabilityBin } from "./reliability-bin";

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  return ranks;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Spearman's rho with average ranks; 0 when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error("spearman: lengths differ");
  if (a.length < 2) return 0;
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Within-group pair accuracy: over pairs in the same group with unequal gold scores, the share
 * the proxy orders the same way (a proxy tie counts half). NaN when there is no such pair.
 */
export function pairAccuracy(groups: ArrayLike<string>, gold: ArrayLike<number>, proxy: ArrayLike<number>): number {
  const byGroup = groupBy(Array.from({ length: groups.length }, (_, i) => i), (i) => groups[i]);
  let total = 0;
  let right = 0;
  for (const members of byGroup.values()) {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const i = members[x];
        const j = members[y];
        if (gold[i] === gold[j]) continue;
        total++;
        if (proxy[i] === proxy[j]) right += 0.5;
        else if (proxy[i] > proxy[j] === gold[i] > gold[j]) right += 1;
      }
    }
  }
  return total === 0 ? NaN : right / total;
}

export type { ReliabilityBin };

/**
 * Expected calibration error on the top-class probability of the 6-way score distribution:
 * 10 equal-width bins, |accuracy - confidence| weighted by bin size.
 */
export function calibration(probs: Float64Array, gold: ArrayLike<number>, bins = 10): { ece: number; bins: ReliabilityBin[] } {
  const n = gold.length;
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, hi: (b + 1) / bins, count: 0, confidence: 0, accuracy: 0 }));
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let s = 1; s < SCORE_LEVELS; s++) if (probs[i * SCORE_LEVELS + s] > probs[i * SCORE_LEVELS + top]) top = s;
    const conf = probs[i * SCORE_LEVELS + top];
    const bin = out[Math.min(bins - 1, Math.floor(conf * bins))];
    bin.count++;
    bin.confidence += conf;
    bin.accuracy += top === gold[i] ? 1 : 0;
  }
  let ece = 0;
  for (const b of out) {
    if (b.count === 0) continue;
    ece += (b.count / n) * Math.abs(b.accuracy / b.count - b.confidence / b.count);
    b.confidence /= b.count;
    b.accuracy /= b.count;
  }
  return { ece, bins: out };
}

// The interval over seeds lives with the other inference code (Student-t from @stdlib).
export { meanInterval } from "./stats";
