/**
 * The LLM judge's prompt: the additive 5-point rubric of Self-Rewarding Language Models
 * (Yuan et al. 2024, Fig. 2), which the paper uses for its expert (shared/PAPER.md, step 5).
 * The instruction and response travel in the user message rather than being pasted into the
 * system prompt, so the system prompt is constant and a provider's prompt cache can reuse it.
 */

/** The system prompt an LLM judge receives. */
export const JUDGE_PROMPT = `Review the user's instruction and the corresponding response using the additive 5-point scoring system described below. Points are accumulated based on the satisfaction of each criterion:
- Add 1 point if the response is relevant and provides some information related to the user's instruction, even if it is incomplete or contains some irrelevant content.
- Add another point if the response addresses a substantial portion of the user's instruction, but does not completely resolve the query or provide a direct answer.
- Award a third point if the response answers the basic elements of the user's instruction in a useful way, regardless of whether it seems to have been written by an AI Assistant or if it has elements typically found in blogs or search results.
- Grant a fourth point if the response is clearly written from an AI Assistant's perspective, addressing the user's instruction directly and comprehensively, and is well-organized and helpful, even if there is slight room for improvement in clarity, conciseness or focus.
- Bestow a fifth point for a response that is impeccably tailored to the user's instruction by an AI Assistant, without extraneous information, reflecting expert knowledge, and demonstrating a high-quality, engaging, and insightful answer.

The user message gives the instruction after "Instruction:" and the response after "Response:".

After examining the instruction and the response:
- Briefly justify your total score, up to 100 words.
- Conclude with the score on its own last line, using the format: "Score: <total points>"
Remember to assess from the AI Assistant perspective. To evaluate the response in alignment with this additive scoring model, systematically attribute points based on the outlined criteria.`;

/**
 * Appended to the user message of the one re-ask after a reply with no score: the same request
 * again at temperature 0 would most likely get the same reply.
 */
export const REASK_LINE = 'Your previous reply to this request had no score line. Justify briefly, then end with exactly one last line "Score: N", where N is an integer from 0 to 5.';

/** The user message for one tuple; the rubric oracle's judge input uses the same text. */
export function judgeUserMessage(prompt: string, response: string): string {
  return `Instruction:\n${prompt}\n\nResponse:\n${response}`;
}

// "Score: 4", "score: 4.", "**Score:** 3", "Score: **3**", "Score: 4/5". The number is captured
// with whatever follows it, so "4.5" or "4/10" can be refused instead of read as 4.
const SCORE_PATTERN = /\bscore\s*\**\s*:\s*\**\s*(\d+)((?:\.\d+)?(?:\s*\/\s*\d+)?)/gi;

/**
 * The judge's score: the LAST "Score: N" in the reply, N an integer 0..5 (a trailing "/5" and
 * markdown bold are tolerated). Undefined when there is none or the last one is not such an
 * integer (e.g. "Score: 7", "Score: 4.5", "Score: 4/10"): a reply is never half-read.
 */
export function parseScore(text: string): number | undefined {
  let last: RegExpMatchArray | undefined; // what matchAll yields under both the src and the tests lib settings
  for (const match of text.matchAll(SCORE_PATTERN)) last = match;
  if (!last) return undefined;
  const suffix = last[2].replace(/\s+/g, "");
  if (suffix !== "" && suffix !== "/5") return undefined;
  const score = Number(last[1]);
  return score <= 5 ? score : undefined;
}
