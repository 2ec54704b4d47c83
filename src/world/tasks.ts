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

/**
 * The zipf world's families (docs/world.md): the classic tasks plus compositions of the letter
 * operations, applied left to right ("rev-rot abc" rotates the reversed argument). A
 * composition whose last step is `sort` after a pure permutation (rev, swap) is left out: its
 * answers would be the `sort` family's. Order is Zipf rank: weight 1/rank.
 */
const LETTER_OPS: readonly { name: string; apply: (a: string) => string }[] = [
  { name: "rev", apply: (a) => [...a].reverse().join("") },
  { name: "sort", apply: (a) => [...a].sort().join("") },
  { name: "dedup", apply: (a) => a.replace(/(.)\1+/g, "$1") },
  { name: "swap", apply: (a) => a.replace(/(.)(.)/g, "$2$1") },
  { name: "rot", apply: (a) => [...a].map((c) => LETTERS[(LETTERS.indexOf(c) + 1) % LETTERS.length]).join("") },
];
const FINISHERS: readonly { name: string; apply: (a: string) => string }[] = [
  { name: "up", apply: (a) => a.toUpperCase() },
  { name: "last", apply: (a) => a[a.length - 1] },
];
const PERMUTATIONS = new Set(["rev", "swap"]);

function composite(steps: readonly { name: string; apply: (a: string) => string }[]): TaskSpec {
  const withDedup = steps.some((s) => s.name === "dedup");
  return {
    name: steps.map((s) => s.name).join("-"),
    argPattern: /^[a-h]{1,12}$/,
    weight: 0, // set by rank below
    alphabet: steps[steps.length - 1].name === "up" ? UPPER : LETTERS,
    // Arguments with repeated letters when dedup is a step, so dedup has something to remove.
    makeArg: withDedup ? (r) => [...word(r, 2, 4)].map((c) => c.repeat(1 + r.int(2))).join("") : (r) => word(r, 3, 6),
    answer: (a) => steps.reduce((x, s) => s.apply(x), a),
  };
}

function zipfFamilies(): TaskSpec[] {
  const composed: TaskSpec[] = [];
  for (const a of LETTER_OPS) {
    for (const b of [...LETTER_OPS, ...FINISHERS]) {
      if (b === a || (b.name === "sort" && PERMUTATIONS.has(a.name))) continue;
      composed.push(composite([a, b]));
    }
  }
  for (const a of LETTER_OPS) for (const b of LETTER_OPS) if (b !== a && !(b.name === "sort" && PERMUTATIONS.has(a.name))) composed.push(composite([a, b, FINISHERS[0]]));
  const classic = [...TASKS].sort((x, y) => y.weight - x.weight);
  return [...classic, ...composed].map((t, rank) => ({ ...t, weight: 1 / (rank + 1) }));
}

/** `classic`: the 9 tasks with hand-set weights; `zipf`: 56 families with Zipf(1) weights. */
export type FamilySet = "classic" | "zipf";
export const FAMILY_SETS: readonly FamilySet[] = ["classic", "zipf"];
export const ZIPF_FAMILIES: readonly TaskSpec[] = zipfFamilies();

export function familiesOf(set: FamilySet): readonly TaskSpec[] {
  return set === "zipf" ? ZIPF_FAMILIES : TASKS;
}

// Every known family parses, whichever world a run uses (the classic names are a subset).
const BY_NAME = new Map([...ZIPF_FAMILIES, ...TASKS].map((t) => [t.name, t]));

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
export function samplePrompt(rng: Rng, skew = 1, families: readonly TaskSpec[] = TASKS): { task: string; prompt: string } {
  const task = families[rng.weighted(families.map((t) => t.weight ** skew))];
  return { task: task.name, prompt: `${task.name} ${task.makeArg(rng)}` };
}
