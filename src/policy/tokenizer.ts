/**
 * Character-level tokenizer of the built-in world. Token 0 pads, token 1 ends a sequence; every
 * other token is one printable character. Characters outside the vocabulary map to "?" so a
 * user's own prompts still run (the tiny GPT just knows nothing about them).
 */
export const PAD = 0;
export const EOS = 1;
const CHARS = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+:=!?#.|-,";
const UNKNOWN = "?";

export const VOCAB_SIZE = 2 + CHARS.length;
const index = new Map<string, number>([...CHARS].map((c, i) => [c, i + 2]));

/** Separates the prompt from the response in a policy sequence. */
export const ANSWER_MARK = "=";
/** Ends the judge input; the next token is the score digit. */
export const JUDGE_MARK = "|";

export function encode(text: string): number[] {
  return [...text].map((c) => index.get(c) ?? index.get(UNKNOWN)!);
}

export function decode(ids: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === EOS) break;
    if (id >= 2) s += CHARS[id - 2];
  }
  return s;
}

/** The token ids of the score digits "0".."5", in score order. */
export const SCORE_TOKENS = [..."012345"].map((c) => index.get(c)!);

/** What the policy reads before answering. */
export function policyContext(prompt: string): string {
  return `${prompt}${ANSWER_MARK}`;
}

/** What the EFT judge reads before its score token (the evaluation view of coresetEFT). */
export function judgeContext(prompt: string, response: string): string {
  return `${prompt}${ANSWER_MARK}${response}${JUDGE_MARK}`;
}
