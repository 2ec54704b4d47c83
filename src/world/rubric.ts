/**
 * The gold expert of the built-in world: an additive 0-5 rubric in the spirit of the
 * Self-Rewarding LM prompt the paper uses (one point per criterion). Each criterion is checked
 * on its own, so partial answers get partial credit and M1's outputs spread over the scale.
 */
import { parsePrompt } from "./tasks";

export interface RubricResult {
  score: number;
  /** relevant, substantial, basic elements, clear, impeccable */
  criteria: [boolean, boolean, boolean, boolean, boolean];
  rationale: string;
}

export const CRITERIA = [
  "relevant: the answer is made mostly of the characters the task asks for",
  "substantial: it covers at least half of the expected characters",
  "basic elements: it starts the way the correct answer starts",
  "clear: right length, no stray characters",
  "impeccable: exactly the correct answer",
] as const;

function overlap(a: string, b: string): number {
  const counts = new Map<string, number>();
  for (const c of b) counts.set(c, (counts.get(c) ?? 0) + 1);
  let n = 0;
  for (const c of a) {
    const left = counts.get(c) ?? 0;
    if (left > 0) {
      n++;
      counts.set(c, left - 1);
    }
  }
  return n;
}

/** Scores a response to a built-in prompt; a foreign prompt scores 0 with a rationale saying so. */
export function goldRubric(prompt: string, response: string): RubricResult {
  const parsed = parsePrompt(prompt);
  if (!parsed) {
    return { score: 0, criteria: [false, false, false, false, false], rationale: "Not a built-in task. Score: 0" };
  }
  const expected = parsed.task.answer(parsed.arg);
  const alphabet = parsed.task.alphabet;
  const inAlphabet = [...response].filter((c) => alphabet.includes(c)).length;
  const criteria: RubricResult["criteria"] = [
    response.length > 0 && inAlphabet * 2 >= response.length,
    overlap(response, expected) * 2 >= expected.length,
    response.length > 0 && response[0] === expected[0],
    response.length === expected.length && inAlphabet === response.length,
    response === expected,
  ];
  const score = criteria.filter(Boolean).length;
  const names = ["relevant", "substantial", "basic elements", "clear", "impeccable"];
  const rationale = `${criteria.map((ok, i) => `${names[i]}: ${ok ? "yes" : "no"}`).join("; ")}. Score: ${score}`;
  return { score, criteria, rationale };
}
