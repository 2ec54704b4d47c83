/**
 * The strategies, by command-line name. This is the only list: `--strategy` choices, the
 * contract test and docs/strategies.md all come from it.
 */
import { BadOptionError } from "../errors";
import { badge } from "./badge";
import { balanced } from "./balanced";
import { coresetEft } from "./coreset-eft";
import { coresetIft } from "./coreset-ift";
import { dOptimal } from "./d-optimal";
import { deltaUcb } from "./delta-ucb";
import { disagreement } from "./disagreement";
import { drts } from "./drts";
import { hybrid } from "./hybrid";
import { probcover } from "./probcover";
import { random } from "./random";
import { stratifiedRandom } from "./stratified-random";
import { typiclust } from "./typiclust";
import { typiclustBald } from "./typiclust-bald";
import { uncertainty } from "./uncertainty";
import type { Strategy } from "./types";

export const strategies = {
  random,
  "coreset-ift": coresetIft,
  "coreset-eft": coresetEft,
  uncertainty,
  disagreement,
  hybrid,
  balanced,
  "stratified-random": stratifiedRandom,
  typiclust,
  badge,
  "d-optimal": dOptimal,
  "delta-ucb": deltaUcb,
  "typiclust-bald": typiclustBald,
  probcover,
  drts,
} as const satisfies Record<string, Strategy>;

export type StrategyName = keyof typeof strategies;

/** The strategy called `name`; a BadOptionError listing the known names otherwise. */
export function getStrategy(name: string): Strategy {
  if (Object.prototype.hasOwnProperty.call(strategies, name)) return strategies[name as StrategyName];
  throw new BadOptionError("strategy", `unknown "${name}" (known: ${Object.keys(strategies).join(", ")})`);
}

export { kCenterGreedy } from "./kcenter";
export type { KCenterOptions } from "./kcenter";
export { topK, unlabelledIndices } from "./pick";
export { baldMutualInformation, distributionEntropy, predictiveEntropy } from "./scores";
export { NEEDS } from "./types";
export type { Matrix, Need, ProxyPrediction, SelectContext, Strategy } from "./types";
