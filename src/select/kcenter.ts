/**
 * k-center greedy (Sener & Savarese 2018, "Active Learning for Convolutional Neural
 * Networks: A Core-Set Approach", Algorithm 1): repeatedly pick the point farthest from its
 * nearest centre. The paper (shared/PAPER.md) uses it as the coreset selector over IFT or
 * EFT embeddings.
 *
 * Exact: the same picks as recomputing every distance each step (tests/select.kcenter.test.ts
 * checks it against that brute force). Every min-distance kept here is the very float64 the
 * textbook loop computes (float32 inputs, float64 left-to-right sum), and speed comes only
 * from skipping work that provably cannot lower one:
 * - a running min-distance per point and the centre it belongs to (its cluster);
 * - triangle-inequality pruning: a new centre c' can only come closer to a point x of the
 *   cluster of centre c when d(c, c') < 2·d(x, c), so a whole cluster is skipped when
 *   d(c, c') >= 2·(its radius), and a single point when d(c, c') >= 2·d(x, c);
 * - a distance sum stops once it can no longer lower the point's minimum (kcenter-distance.ts).
 * The pruning tests carry a relative margin of 1e-9, far above float64's rounding in a sum of
 * squares, so a rounding error can cost a skipped skip but never a wrong one.
 */
import { BadOptionError } from "../errors";
import { fullSquaredDistance, squaredDistanceBelow } from "./kcenter-distance";
import type { Matrix } from "./types";

export interface KCenterOptions {
  /** Existing centres (e.g. labelled items): never picked, and the first pick is measured from them. */
  labelled?: readonly number[];
  /** The first pick when `labelled` is empty; default 0. Ignored when there are centres. */
  first?: number;
}

/** 4·(1 + 1e-9): "d(c, c') >= 2·r" on squared distances, with the rounding margin above. */
const PRUNE_FACTOR = 4 * (1 + 1e-9);

/**
 * `k` row indices of `m` in pick order, by k-center greedy on squared L2 distance. Ties go to
 * the lower index; once every point coincides with a centre (distance 0), the remaining picks
 * are the lowest unpicked indices.
 */
export function kCenterGreedy(m: Matrix, k: number, opts: KCenterOptions = {}): number[] {
  const n = m.rows;
  const picked = new Uint8Array(n);
  let centres = 0;
  for (const c of opts.labelled ?? []) {
    if (!Number.isInteger(c) || c < 0 || c >= n) throw new BadOptionError("labelled", `index ${c} is not in 0..${n - 1}`);
    if (picked[c] === 0) centres++;
    picked[c] = 1;
  }
  if (!Number.isInteger(k) || k < 0 || k > n - centres) {
    throw new BadOptionError("k", `must be an integer in 0..${n - centres} (${n} points, ${centres} centres), got ${k}`);
  }
  const out: number[] = [];
  if (k === 0) return out;

  const state = new Clusters(m, picked, centres + k);
  if (centres > 0) {
    let farthest = -1;
    for (const c of new Set(opts.labelled)) farthest = state.addCentre(c);
    out.push(farthest);
  } else {
    const first = opts.first ?? 0;
    if (!Number.isInteger(first) || first < 0 || first >= n) {
      throw new BadOptionError("first", `must be an index in 0..${n - 1}, got ${first}`);
    }
    out.push(first);
  }
  while (true) {
    const next = out[out.length - 1];
    picked[next] = 1;
    if (out.length === k) return out;
    out.push(state.addCentre(next));
  }
}

/**
 * The points grouped by their nearest centre (the first one on ties, as a running minimum
 * keeps it), with each group's radius and its farthest unpicked member.
 */
class Clusters {
  private readonly minDist: Float64Array;
  private readonly owner: Int32Array;
  private readonly centre: Int32Array;
  private readonly members: Int32Array[] = [];
  private readonly radius: Float64Array;
  private readonly farthest: Int32Array;
  private readonly moved: Int32Array;
  private count = 0;

  constructor(
    private readonly m: Matrix,
    private readonly picked: Uint8Array,
    capacity: number,
  ) {
    this.minDist = new Float64Array(m.rows).fill(Infinity);
    this.owner = new Int32Array(m.rows).fill(-1);
    this.centre = new Int32Array(capacity);
    this.radius = new Float64Array(capacity);
    this.farthest = new Int32Array(capacity);
    this.moved = new Int32Array(m.rows);
  }

  /** Makes point `c` a centre and returns the unpicked point farthest from every centre. */
  addCentre(c: number): number {
    const { m, minDist, owner, moved } = this;
    const q = this.count++;
    this.centre[q] = c;
    let movedCount = 0;
    if (q === 0) {
      for (let i = 0; i < m.rows; i++) {
        minDist[i] = fullSquaredDistance(m.data, m.dim, i, c);
        moved[movedCount++] = i;
      }
    } else {
      for (let p = 0; p < q; p++) {
        const between = fullSquaredDistance(m.data, m.dim, this.centre[p], c);
        if (between >= PRUNE_FACTOR * this.radius[p]) continue;
        movedCount = this.takeCloser(p, c, between / PRUNE_FACTOR, movedCount);
      }
    }
    const mine = moved.slice(0, movedCount);
    for (const i of mine) owner[i] = q;
    this.members.push(mine);
    this.summarise(q);
    // c itself may have stayed put (it was already at distance 0): its group loses a candidate.
    if (owner[c] !== q && this.farthest[owner[c]] === c) this.summarise(owner[c]);
    return this.farthestOverall();
  }

  /**
   * Moves the members of group `p` that centre `c` brings strictly closer (as the textbook's
   * running minimum would) into `moved` from `movedCount` on; returns the new count. Members
   * with min-distance <= `safe` cannot come closer (triangle inequality) and are not measured.
   */
  private takeCloser(p: number, c: number, safe: number, movedCount: number): number {
    const { m, minDist, moved } = this;
    const list = this.members[p];
    let kept = 0;
    for (let t = 0; t < list.length; t++) {
      const i = list[t];
      const current = minDist[i];
      if (current > safe) {
        const d = squaredDistanceBelow(m.data, m.dim, i, c, current);
        if (d < current) {
          minDist[i] = d;
          moved[movedCount++] = i;
          continue;
        }
      }
      list[kept++] = i;
    }
    if (kept < list.length) {
      this.members[p] = list.subarray(0, kept);
      this.summarise(p);
    }
    return movedCount;
  }

  /** Group `p`'s radius (squared) and its farthest unpicked member, lowest index on ties. */
  private summarise(p: number): void {
    const { minDist, picked } = this;
    let radius = 0;
    let best = -1;
    let bestDist = -1;
    for (const i of this.members[p]) {
      const d = minDist[i];
      if (d > radius) radius = d;
      if (picked[i] === 0 && (d > bestDist || (d === bestDist && i < best))) {
        bestDist = d;
        best = i;
      }
    }
    this.radius[p] = radius;
    this.farthest[p] = best;
  }

  private farthestOverall(): number {
    let best = -1;
    let bestDist = -1;
    for (let p = 0; p < this.count; p++) {
      const i = this.farthest[p];
      if (i < 0) continue;
      const d = this.minDist[i];
      if (d > bestDist || (d === bestDist && i < best)) {
        bestDist = d;
        best = i;
      }
    }
    return best;
  }
}
