/**
 * Coreset over IFT embeddings: k-center greedy on each response's prompt embedding, so the
 * picks spread over the prompt space (the paper's IFT coreset). In embeddings.arrow the IFT
 * view repeats its prompt's vector for every response, so once every prompt is covered the
 * remaining picks are the lowest unpicked indices.
 */
import { coresetOver } from "./coreset";

export const coresetIft = coresetOver("ift", "coreset-ift", "k-center greedy (squared L2) over the prompt (IFT) embeddings");
