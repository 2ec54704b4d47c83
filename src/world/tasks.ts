/**
 * The built-in world's instruction tasks: small character-level jobs a tiny GPT can learn in
 * minutes. Each task has a prompt maker and the one correct answer; the clusters have unequal
 * frequencies with a long tail of rare tasks, so which prompts an active learner picks matters.
 */
import { Rng } from "../rng";

export interface TaskSpec {
  name: string;
  /** Relative frequency of the task in every split (the long tail is deliberate). */
  weight: number;
  /** Characters a correct answer is made of (the rubric's "relevant" check uses it). */
  alphabet: string;
  /** The argument text after the task name, e.g. "abcd" or "7+5". */
  makeArg(rng: Rng): string;
  /** Which argument texts are this task's (anything else is a foreign prompt). */
  argPattern: RegExp;
  answer(arg: string): string;
}

const LETTERS = "abcdefgh";
const UPPER = LETTERS.toUpperCase();
const DIGITS = "0123456789";

function word(rng: Rng, min: number, max: number): string {
  const n = min + rng.int(max - min + 1);
  let s = "";
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(LETTERS.length)];
  return s;
}

export const TASKS: readonly TaskSpec[] = [
  {
    name: "rev",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.3,
    alphabet: LETTERS,
    makeArg: (r) => word(r, 3, 6),
    answer: (a) => [...a].reverse().join(""),
  },
  {
    name: "sort",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.22,
    alphabet: LETTERS,
    makeArg: (r) => word(r, 3, 6),
    answer: (a) => [...a].sort().join(""),
  },
  {
    name: "up",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.14,
    alphabet: UPPER,
    makeArg: (r) => word(r, 3, 6),
    answer: (a) => a.toUpperCase(),
  },
  {
    name: "dedup",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.1,
    alphabet: LETTERS,
    makeArg: (r) => [...word(r, 2, 4)].map((c) => c.repeat(1 + r.int(2))).join(""),
    answer: (a) => a.replace(/(.)\1+/g, "$1"),
  },
  {
    name: "add",
    argPattern: /^\d{1,3}\+\d{1,3}$/,
    weight: 0.09,
    alphabet: DIGITS,
    makeArg: (r) => `${r.int(20)}+${r.int(20)}`,
    answer: (a) => String(a.split("+").reduce((s, x) => s + Number(x), 0)),
  },
  {
    name: "count",
    argPattern: /^[a-h]:[a-h]{1,12}$/,
    weight: 0.06,
    alphabet: DIGITS,
    makeArg: (r) => `${LETTERS[r.int(4)]}:${word(r, 4, 7)}`,
    answer: (a) => String([...a.slice(2)].filter((c) => c === a[0]).length),
  },
  // The long tail: rare tasks an SFT seed covers thinly.
  {
    name: "swap",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.04,
    alphabet: LETTERS,
    makeArg: (r) => word(r, 4, 6),
    answer: (a) => a.replace(/(.)(.)/g, "$2$1"),
  },
  {
    name: "rot",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.03,
    alphabet: LETTERS,
    makeArg: (r) => word(r, 3, 5),
    answer: (a) => [...a].map((c) => LETTERS[(LETTERS.indexOf(c) + 1) % LETTERS.length]).join(""),
  },
  {
    name: "last",
    argPattern: /^[a-h]{1,12}$/,
    weight: 0.02,
    alphabet: LETTERS,
    makeArg: (r) => word(r, 3, 6),
    answer: (a) => a[a.length - 1],
  },
];

const BY_NAME = new Map(TASKS.map((t) => [t.name, t]));

export function taskByName(name: string): TaskSpec | undefined {
  return BY_NAME.get(name);
}

/** "rev abcd" -> { task: rev, arg: "abcd" }; undefined for text that is no built-in prompt. */
export function parsePrompt(prompt: string): { task: TaskSpec; arg: string } | undefined {
  const space = prompt.indexOf(" ");
  if (space < 0) return undefined;
  const task = BY_NAME.get(prompt.slice(0, space));
  const arg = prompt.slice(space + 1);
  return task && task.argPattern.test(arg) ? { task, arg } : undefined;
}

/** The correct answer of a built-in prompt, or undefined for a foreign prompt. */
export function expectedAnswer(prompt: string): string | undefined {
  const parsed = parsePrompt(prompt);
  return parsed ? parsed.task.answer(parsed.arg) : undefined;
}

/**
 * A random prompt of a task drawn by the world's cluster weights raised to `skew`: 1 is the
 * built-in long tail, 0 makes every task equally frequent (the sensitivity check of RESULTS.md).
 */
export function samplePrompt(rng: Rng, skew = 1): { task: string; prompt: string } {
  const task = TASKS[rng.weighted(TASKS.map((t) => t.weight ** skew))];
  return { task: task.name, prompt: `${task.name} ${task.makeArg(rng)}` };
}
