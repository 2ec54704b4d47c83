/**
 * The expert gate: the one place in proxyrm that pays for an oracle call. It enforces the
 * expert budget and caches labels through one persistent file, `ledger.jsonl` in the run
 * directory: one fsynced JSON line per paid call, written before the label is handed out. The
 * ledger is also the journal: a new gate (after a crash, a kill or a rerun) reads it back, so
 * nothing is paid twice and the budget is counted from the file, never from a counter that
 * resets with the process (the flaw of TRL's `max_requests`).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { AbortedError, BadFileError, BadOptionError, BudgetExhaustedError, UserError } from "../errors";
import { appendLineDurable } from "../store/atomic";
import type { LabelRow } from "../types";
import type { JudgeItem, Oracle, OracleOutcome } from "./types";

export const LEDGER_FILE = "ledger.jsonl";

export interface GateOptions {
  /** The run directory; the ledger is `${runDir}/ledger.jsonl`. */
  runDir: string;
  /** Most paid calls for this gate's tag, counted over the whole ledger. */
  budget: number;
  /** e.g. "baseline": lines carry "tag":"baseline" and have their own budget. */
  tag?: string;
  /** Most oracle calls in flight at once. Default 1. */
  concurrency?: number;
  /** Called after each paid label is journalled (progress reporting). */
  onPaid?: (entry: LedgerEntry) => void;
}

/** One ledger line: one paid oracle call. No times, no paths, no secrets. */
export interface LedgerEntry {
  /** 1-based index among the ledger's lines with the same tag. */
  call: number;
  /** sha256 hex of oracle.name + "\n" + judgeInput(item). */
  key: string;
  response_id: string;
  oracle: string;
  score: number;
  rationale: string;
  cost: number;
  tag?: string;
}

/** A request needs more new labels than the budget has left; nothing of it was paid. */
export class BudgetExceededError extends BudgetExhaustedError {
  constructor(requested: number, paid: number, budget: number, tag?: string) {
    super(paid, budget);
    this.name = "BudgetExceededError";
    this.message = `expert budget exceeded${tagNote(tag)}: ${requested} new labels requested but only ${budget - paid} of ${budget} queries left`;
  }
}

/** The oracle failed for an item after its own retries; nothing was written for that item. */
export class JudgeFailedError extends UserError {
  readonly responseId: string;
  /** Whether running the stage again later may succeed (network, rate limit, timeout). */
  readonly retryable: boolean;
  constructor(responseId: string, error: string, retryable: boolean) {
    super(`judge failed for response ${responseId}: ${error}`, { code: "endpoint", blame: responseId });
    this.name = "JudgeFailedError";
    this.responseId = responseId;
    this.retryable = retryable;
  }
}

function tagNote(tag: string | undefined): string {
  return tag === undefined ? "" : ` (tag ${tag})`;
}

/** The cache key of an item for an oracle. */
export function cacheKey(oracle: Oracle, item: JudgeItem): string {
  return createHash("sha256").update(`${oracle.name}\n${oracle.judgeInput(item)}`).digest("hex");
}

function isScore(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 5;
}

function isCost(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** What the ledger says: labels by key, paid calls per tag ("" = untagged), and how its end looks. */
interface LedgerState {
  byKey: Map<string, LedgerEntry>;
  paidByTag: Map<string, number>;
  /**
   * "clean": ends with a newline (or is empty). "unterminated": the last record is whole but
   * lacks its newline. A number: a torn last line starts at that byte offset.
   */
  end: "clean" | "unterminated" | number;
}

/** Checks one parsed line; returns why it is not a ledger entry, or undefined if it is. */
function entryProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const entry = value as Record<string, unknown>;
  if (!Number.isSafeInteger(entry.call) || (entry.call as number) < 1) return "call must be an integer >= 1";
  if (typeof entry.key !== "string" || !/^[0-9a-f]{64}$/.test(entry.key)) return "key must be a sha256 hex string";
  if (typeof entry.response_id !== "string") return "response_id must be a string";
  if (typeof entry.oracle !== "string" || entry.oracle === "") return "oracle must be a non-empty string";
  if (!isScore(entry.score)) return "score must be an integer 0..5";
  if (typeof entry.rationale !== "string") return "rationale must be a string";
  if (!isCost(entry.cost)) return "cost must be a number >= 0";
  if (entry.tag !== undefined && (typeof entry.tag !== "string" || entry.tag === "")) return "tag must be a non-empty string";
  return undefined;
}

/** Reads the ledger; a missing file is an empty ledger. */
function readLedger(file: string): LedgerState {
  const state: LedgerState = { byKey: new Map(), paidByTag: new Map(), end: "clean" };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return state;
    throw new BadFileError(file, `cannot read: ${(error as Error).message}`);
  }
  const lines = bytes.toString("utf8").split("\n");
  // After the last "\n" comes "" (clean end) or an unterminated last line.
  const tail = lines.pop() as string;
  const add = (entry: LedgerEntry, lineNumber: number) => {
    const tag = entry.tag ?? "";
    const expected = (state.paidByTag.get(tag) ?? 0) + 1;
    if (entry.call !== expected) {
      throw new BadFileError(file, `line ${lineNumber}: call ${entry.call} out of sequence, expected ${expected}${tagNote(entry.tag)}`);
    }
    state.paidByTag.set(tag, expected);
    if (!state.byKey.has(entry.key)) state.byKey.set(entry.key, entry);
  };
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new BadFileError(file, `line ${i + 1}: not JSON`);
    }
    const problem = entryProblem(value);
    if (problem) throw new BadFileError(file, `line ${i + 1}: ${problem}`);
    add(value as LedgerEntry, i + 1);
  });
  if (tail.trim() !== "") {
    let value: unknown;
    try {
      value = JSON.parse(tail);
    } catch {
      value = undefined;
    }
    if (value !== undefined && entryProblem(value) === undefined) {
      // Only the newline was lost: the record is whole and was paid.
      add(value as LedgerEntry, lines.length + 1);
      state.end = "unterminated";
    } else {
      // A crash mid-append: this call's label was never handed out, so it is not paid for.
      state.end = bytes.lastIndexOf(0x0a) + 1;
    }
  } else if (tail !== "") {
    state.end = "unterminated";
  }
  return state;
}

/**
 * Pays an oracle for labels under a hard budget, caching every paid label in the run's ledger.
 * Calls to `label` on one gate run one after another; gates with different tags may share a
 * run directory (each label() re-reads the ledger), two gates with the same tag may not.
 */
export class ExpertGate {
  private readonly oracle: Oracle;
  private readonly ledgerPath: string;
  private readonly runDir: string;
  private readonly budget: number;
  private readonly tag?: string;
  private readonly concurrency: number;
  private readonly onPaid?: (entry: LedgerEntry) => void;
  private state: LedgerState;
  /** label() calls are serialised: two at once could both pass the up-front budget check. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(oracle: Oracle, options: GateOptions) {
    const { runDir, budget, tag, concurrency = 1 } = options;
    if (!Number.isSafeInteger(budget) || budget < 0) throw new BadOptionError("budget", `must be an integer >= 0, got ${budget}`);
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new BadOptionError("concurrency", `must be an integer >= 1, got ${concurrency}`);
    if (tag !== undefined && (typeof tag !== "string" || tag === "")) throw new BadOptionError("tag", "must be a non-empty string");
    this.oracle = oracle;
    this.runDir = runDir;
    this.ledgerPath = path.join(runDir, LEDGER_FILE);
    this.budget = budget;
    this.tag = tag;
    this.concurrency = concurrency;
    this.onPaid = options.onPaid;
    this.state = readLedger(this.ledgerPath);
  }

  /** Paid calls with this gate's tag (untagged = the main budget), as of the last read or payment. */
  get paid(): number {
    return this.state.paidByTag.get(this.tag ?? "") ?? 0;
  }

  get remaining(): number {
    return Math.max(0, this.budget - this.paid);
  }

  /**
   * Labels items in order; cached items (same oracle + exact judge input, paid before in this
   * run dir, any tag) cost nothing; new ones are paid while paid < budget. A row's cost is what
   * its label was bought for; the ledger alone records what was spent.
   * @throws BudgetExhaustedError (BudgetExceededError) before paying anything when the
   *   uncached distinct items outnumber the remaining budget.
   * @throws JudgeFailedError when the oracle fails for an item, AbortedError when `signal`
   *   fires; both after the calls in flight settle, whose labels are kept in the ledger.
   */
  label(items: JudgeItem[], signal?: AbortSignal): Promise<LabelRow[]> {
    const run = this.queue.then(() => this.labelNow(items, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async labelNow(items: JudgeItem[], signal?: AbortSignal): Promise<LabelRow[]> {
    // Another gate on this run dir (e.g. the baseline's) may have paid since we last looked.
    this.state = readLedger(this.ledgerPath);
    const keys = items.map((item) => cacheKey(this.oracle, item));
    const toPay: { key: string; item: JudgeItem }[] = [];
    const queued = new Set<string>();
    items.forEach((item, i) => {
      const key = keys[i];
      if (this.state.byKey.has(key) || queued.has(key)) return;
      queued.add(key);
      toPay.push({ key, item });
    });
    if (toPay.length > 0 && this.paid >= this.budget) throw this.exhausted();
    if (toPay.length > this.remaining) throw new BudgetExceededError(toPay.length, this.paid, this.budget, this.tag);

    await this.pay(toPay, signal);

    return items.map((item, i) => {
      const entry = this.state.byKey.get(keys[i]) as LedgerEntry;
      return { response_id: item.response_id, score: entry.score, rationale: entry.rationale, oracle: entry.oracle, cost: entry.cost };
    });
  }

  /** Calls the oracle for each job, at most `concurrency` at once, journalling each label. */
  private async pay(jobs: { key: string; item: JudgeItem }[], signal?: AbortSignal): Promise<void> {
    let next = 0;
    let inFlight = 0;
    let aborted = false;
    // The failure of the earliest job wins, so the error does not depend on timing.
    let failure: { job: number; error: Error } | undefined;
    const fail = (job: number, error: Error) => {
      if (failure === undefined || job < failure.job) failure = { job, error };
    };

    const worker = async () => {
      while (failure === undefined && !aborted && next < jobs.length) {
        if (signal?.aborted) {
          aborted = true;
          return;
        }
        const job = next++;
        const { key, item } = jobs[job];
        // Reserve the slot before calling: the budget counts calls in flight as spent.
        if (this.paid + inFlight >= this.budget) {
          fail(job, this.exhausted());
          return;
        }
        inFlight++;
        let outcome: OracleOutcome;
        try {
          outcome = await this.oracle.judge(item, signal);
        } catch (error) {
          if (error instanceof AbortedError || signal?.aborted) aborted = true;
          else fail(job, error as Error);
          return;
        } finally {
          inFlight--;
        }
        if (!outcome.ok) {
          fail(job, new JudgeFailedError(item.response_id, outcome.error, outcome.retryable));
          return;
        }
        if (!isScore(outcome.score) || typeof outcome.rationale !== "string" || !isCost(outcome.cost)) {
          fail(job, new JudgeFailedError(item.response_id, `oracle ${this.oracle.name} returned score ${outcome.score} and cost ${outcome.cost}; need an integer 0..5 and a cost >= 0`, false));
          return;
        }
        try {
          this.journal(key, item, outcome);
        } catch (error) {
          fail(job, error as Error);
          return;
        }
      }
    };

    const workers = Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker);
    await Promise.all(workers);
    if (failure !== undefined) throw failure.error;
    if (aborted) throw new AbortedError("label");
  }

  /** Appends one paid call to the ledger (durably) and to the in-memory view of it. */
  private journal(key: string, item: JudgeItem, outcome: { score: number; rationale: string; cost: number }): void {
    const entry: LedgerEntry = {
      call: this.paid + 1,
      key,
      response_id: item.response_id,
      oracle: this.oracle.name,
      score: outcome.score,
      rationale: outcome.rationale,
      cost: outcome.cost,
      ...(this.tag === undefined ? {} : { tag: this.tag }),
    };
    this.repairEnd();
    appendLineDurable(this.ledgerPath, JSON.stringify(entry));
    this.state.paidByTag.set(this.tag ?? "", entry.call);
    if (!this.state.byKey.has(key)) this.state.byKey.set(key, entry);
    this.onPaid?.(entry);
  }

  /** Makes the next append start a line of its own: drops a torn tail, ends an unterminated line. */
  private repairEnd(): void {
    const end = this.state.end;
    if (end === "clean") {
      fs.mkdirSync(this.runDir, { recursive: true });
    } else if (end === "unterminated") {
      appendLineDurable(this.ledgerPath, "");
    } else {
      fs.truncateSync(this.ledgerPath, end);
    }
    this.state.end = "clean";
  }

  private exhausted(): BudgetExhaustedError {
    const error = new BudgetExhaustedError(this.paid, this.budget);
    error.message += tagNote(this.tag);
    return error;
  }
}
