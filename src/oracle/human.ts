/**
 * A person as the expert (`human:<name>`), shared by `proxyrm label` (a page in a browser) and the
 * lab extension's labelling widget. The person scores the selected tuples one by one; each score
 * goes through the one paying gate like any oracle's: a pending record, then the scored record,
 * both fsynced in `ledger.jsonl`, BEFORE the score is acknowledged. So a crash or a restart loses
 * nothing that was acknowledged, and a score sent twice (a double click, a resend after a restart)
 * is recorded once.
 *
 * Library API (for the widget):
 *
 *   const labeller = HumanLabeller.open(runDir, { name: "alice" });   // locks the run directory
 *   labeller.queue();                 // selected tuples without a score yet, in pick order
 *   await labeller.submit(id, 4, "right answer, one stray character");   // journalled, then resolves
 *   labeller.progress();              // { labelled, total, remaining }
 *   labeller.close();                 // releases the lock
 *
 * The run's label stage then takes the scores from the ledger (`proxyrm run` resumes).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BadFileError, BadOptionError, UserError } from "../errors";
import { readPrompts, readResponses } from "../store/arrow-tables";
import { readManifest } from "../store/manifest";
import { lockRunDir } from "../store/run-lock";
import { PERSON_NAME, type RunConfig } from "../config";
import { ExpertGate, cacheKey } from "./gate";
import { judgeUserMessage } from "./judge-prompt";
import { LEDGER_FILE, readLedger } from "./ledger";
import type { JudgeItem, Oracle, OracleOutcome } from "./types";

/** Longest note kept with a score. */
export const MAX_NOTE_CHARS = 4000;

/**
 * The rubric a person scores with: the five criteria of the additive 0-5 scale, in words for
 * people (judge-prompt.ts has the LLM judge's wording of the same scale).
 */
export const HUMAN_RUBRIC: readonly { points: number; criterion: string }[] = [
  { points: 1, criterion: "Relevant: the response relates to the instruction, even if incomplete or partly off-topic." },
  { points: 1, criterion: "Substantial: it addresses a substantial part of the instruction." },
  { points: 1, criterion: "Useful: it answers the basic elements of the instruction in a useful way." },
  { points: 1, criterion: "Clear and complete: written directly for the instruction, well organised, little room for improvement." },
  { points: 1, criterion: "Impeccable: exactly what was asked, expert, with nothing extraneous." },
];

/** One tuple waiting for a person's score. */
export interface HumanTask {
  response_id: string;
  prompt_id: string;
  prompt: string;
  response: string;
  task: string;
}

export interface HumanProgress {
  /** Selected tuples with a score from this person. */
  labelled: number;
  /** Selected tuples. */
  total: number;
  remaining: number;
}

export interface SubmitResult {
  response_id: string;
  score: number;
  note: string;
  /** True when this tuple already had a score: nothing new was recorded, the first score stands. */
  duplicate: boolean;
  progress: HumanProgress;
}

/**
 * The oracle a gate asks for a person's score: it answers with the score the person submitted
 * (held for one gate request), and never invents one.
 */
export class HumanOracle implements Oracle {
  readonly name: string;
  private readonly answers = new Map<string, { score: number; note: string }>();

  constructor(
    readonly person: string,
    readonly costPerCall = 0,
  ) {
    if (!PERSON_NAME.test(person)) throw new BadOptionError("--human", `a name of letters, digits, "_", "." or "-" (at most 64), got ${JSON.stringify(person)}`);
    this.name = `human:${person}`;
  }

  /** What the person is shown: the instruction and the response (the rubric oracle's text). */
  judgeInput(item: JudgeItem): string {
    return judgeUserMessage(item.prompt, item.response);
  }

  /** Holds a submitted score for the next request for this response. */
  answer(responseId: string, score: number, note: string): void {
    this.answers.set(responseId, { score, note });
  }

  /** Drops a held score that was not used (the tuple had a score already). */
  forget(responseId: string): void {
    this.answers.delete(responseId);
  }

  async judge(item: JudgeItem): Promise<OracleOutcome> {
    const answer = this.answers.get(item.response_id);
    if (answer === undefined) return { ok: false, billed: false, error: `response ${item.response_id} awaits a score from ${this.person} (proxyrm label)`, retryable: false };
    this.answers.delete(item.response_id);
    return { ok: true, score: answer.score, rationale: answer.note, cost: this.costPerCall };
  }
}

/** The run's selection, as select wrote it. */
function selectedIds(runDir: string): string[] {
  const file = path.join(runDir, "selection.json");
  if (!fs.existsSync(file)) throw new UserError(`${runDir} has no selection yet: run \`proxyrm run\` with the same settings first (it stops when the tuples await a person)`, { code: "bad-file", blame: file });
  try {
    const ids = (JSON.parse(fs.readFileSync(file, "utf8")) as { response_ids?: unknown }).response_ids;
    if (Array.isArray(ids) && ids.every((id) => typeof id === "string")) return ids as string[];
  } catch {
    // fall through
  }
  throw new BadFileError(file, "not a selection (expected {\"response_ids\": [...]})");
}

/** The selected tuples as judge items, with their prompt and task, in pick order. */
export function selectedTasks(runDir: string): HumanTask[] {
  const ids = selectedIds(runDir);
  const responses = new Map(readResponses(path.join(runDir, "responses.arrow")).map((r) => [r.response_id, r]));
  const prompts = new Map(readPrompts(path.join(runDir, "prompts.arrow")).map((p) => [p.prompt_id, p]));
  return ids.map((id) => {
    const r = responses.get(id);
    const p = r && prompts.get(r.prompt_id);
    if (!r || !p) throw new BadFileError(path.join(runDir, "selection.json"), `response ${id} is not in responses.arrow`);
    return { response_id: id, prompt_id: r.prompt_id, prompt: p.prompt, response: r.text, task: p.task };
  });
}

/** Selected tuples that have no scored call of `oracle` in the ledger yet, in pick order. */
export function awaitingHuman(runDir: string, oracle: HumanOracle, tasks: HumanTask[] = selectedTasks(runDir)): HumanTask[] {
  const scored = new Set<string>();
  for (const { closed } of readLedger(path.join(runDir, LEDGER_FILE)).calls) if (closed?.status === "scored") scored.add(closed.key);
  return tasks.filter((t) => !scored.has(cacheKey(oracle, t)));
}

/** The selected tuples still await a person's score: the pipeline stops before fitting. */
export class LabelsAwaitedError extends UserError {
  constructor(runDir: string, waiting: number, total: number, person: string) {
    super(`${runDir}: ${waiting} of ${total} selected tuples await a score from ${person}: run \`proxyrm label ${runDir}\`, then this command again`, { code: "awaiting-labels", blame: runDir });
    this.name = "LabelsAwaitedError";
  }
}

/** A person labelling one run directory (see the module comment). */
export class HumanLabeller {
  private closed = false;

  private constructor(
    readonly runDir: string,
    readonly oracle: HumanOracle,
    private readonly tasks: HumanTask[],
    private readonly gate: ExpertGate,
    private readonly release: () => void,
  ) {}

  /**
   * Opens a run directory whose expert is a person (`proxyrm run --human NAME` stopped after
   * select) and takes its lock: one process at a time (the lab's kernel, or `proxyrm label`).
   * @throws UserError when the run does not exist, has no selection, or its expert is not `name`.
   */
  static open(runDir: string, options: { name?: string } = {}): HumanLabeller {
    const manifest = readManifest(runDir);
    if (!manifest) throw new UserError(`${runDir}: not a run directory (no manifest.json)`, { code: "bad-file", blame: runDir });
    const oracleConfig = (manifest.config as RunConfig).oracle;
    if (oracleConfig.kind !== "human" || !oracleConfig.person) {
      throw new UserError(`${runDir}: its expert is the ${oracleConfig.kind === "llm" ? `judge ${oracleConfig.model}` : oracleConfig.kind}, not a person; start a run with --human NAME to label by hand`, {
        code: "bad-option",
        blame: runDir,
      });
    }
    if (options.name !== undefined && options.name !== oracleConfig.person) {
      throw new BadOptionError("--name", `${runDir} is labelled by "${oracleConfig.person}", not "${options.name}"`);
    }
    const release = lockRunDir(runDir);
    try {
      const oracle = new HumanOracle(oracleConfig.person, oracleConfig.costPerCall);
      const tasks = selectedTasks(runDir);
      const gate = new ExpertGate(oracle, { runDir, budget: tasks.length, reasks: 0 });
      return new HumanLabeller(runDir, oracle, tasks, gate, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  get person(): string {
    return this.oracle.person;
  }

  /** Selected tuples without a score from this person, in pick order. */
  queue(): HumanTask[] {
    return awaitingHuman(this.runDir, this.oracle, this.tasks);
  }

  progress(): HumanProgress {
    const remaining = this.queue().length;
    return { labelled: this.tasks.length - remaining, total: this.tasks.length, remaining };
  }

  /**
   * Records a score (0-5) and an optional note for a selected tuple: journalled (fsynced) before
   * the promise resolves. A tuple scored before keeps its first score (`duplicate: true`).
   * @throws BadOptionError for a score outside 0..5 or a note too long, UserError for a
   *   response that is not selected.
   */
  async submit(responseId: string, score: number, note = ""): Promise<SubmitResult> {
    if (this.closed) throw new UserError("this labeller is closed");
    if (!(Number.isInteger(score) && score >= 0 && score <= 5)) throw new BadOptionError("score", `must be an integer 0..5, got ${JSON.stringify(score)}`);
    if (typeof note !== "string" || note.length > MAX_NOTE_CHARS) throw new BadOptionError("note", `must be text of at most ${MAX_NOTE_CHARS} characters`);
    const task = this.tasks.find((t) => t.response_id === responseId);
    if (!task) throw new UserError(`response ${responseId} is not one of the ${this.tasks.length} selected tuples of ${this.runDir}`, { code: "bad-option", blame: responseId });
    this.oracle.answer(responseId, score, note);
    let report;
    try {
      report = await this.gate.label([task]);
    } finally {
      this.oracle.forget(responseId);
    }
    const label = report.labels[0];
    if (!label) throw new UserError(`response ${responseId}: the score could not be recorded (${report.unasked.length ? "the budget is spent" : "see ledger.jsonl"})`);
    // The gate answered from the ledger if the tuple had a score already: the person's new one was not used.
    const duplicate = report.paidNow === 0;
    return { response_id: responseId, score: label.score, note: label.rationale, duplicate, progress: this.progress() };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }
}
