/**
 * Coreset over EFT embeddings: k-center greedy on each tuple's judge-input embedding
 * (criterion + prompt + response), so the picks spread over what the policy actually wrote
 * (Chen et al. 2024's coresetEFT, the selector their claim C2 singles out over random).
 */
import { coresetOver } from "./coreset";

export const coresetEft = coresetOver(
  "eft",
  "coreset-eft",
  "k-center greedy (squared L2) over the judge-input (EFT: criterion + prompt + response) embeddings",
);
