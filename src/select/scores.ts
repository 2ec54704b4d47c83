/**
 * Utilities over the proxy's 0..5 score distributions (modAL's `uncertainty.py` measures,
 * for a 6-way "classifier" whose classes are the scores). Natural log throughout, and
 * 0·log 0 = 0, so a one-hot row has entropy 0 and a uniform row ln 6.
 */
import { SCORE_LEVELS } from "../proxy/types";

/** Shannon entropy (nats) of the distribution at `probs[offset .. offset+6)`. */
export function distributionEntropy(probs: ArrayLike<number>, offset = 0): number {
  let h = 0;
  for (let s = 0; s < SCORE_LEVELS; s++) {
    const p = probs[offset + s];
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** Per row of a row-major [rows*6] distribution, its entropy: the predictive uncertainty. */
export function predictiveEntropy(probs: Float64Array): Float64Array {
  const rows = probs.length / SCORE_LEVELS;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = distributionEntropy(probs, i * SCORE_LEVELS);
  return out;
}

/**
 * BALD (Houlsby et al. 2011, "Bayesian Active Learning for Classification and Preference
 * Learning"; Gal et al. 2017) per row: the entropy of the members' mean distribution minus
 * the members' mean entropy. It is high where members are each confident but disagree, and
 * 0 where they agree, however uncertain each is. `members` is one [rows*6] array per member.
 */
export function baldMutualInformation(members: readonly Float64Array[]): Float64Array {
  const count = members.length;
  const rows = count === 0 ? 0 : members[0].length / SCORE_LEVELS;
  const out = new Float64Array(rows);
  const mean = new Float64Array(SCORE_LEVELS);
  for (let i = 0; i < rows; i++) {
    const offset = i * SCORE_LEVELS;
    mean.fill(0);
    let meanEntropy = 0;
    for (const member of members) {
      for (let s = 0; s < SCORE_LEVELS; s++) mean[s] += member[offset + s];
      meanEntropy += distributionEntropy(member, offset);
    }
    for (let s = 0; s < SCORE_LEVELS; s++) mean[s] /= count;
    // Non-negative by Jensen's inequality; rounding can leave -1e-17 where members agree.
    out[i] = Math.max(0, distributionEntropy(mean) - meanEntropy / count);
  }
  return out;
}
