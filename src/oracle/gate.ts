/**
 * The expert gate: the one place in proxyrm that pays for an oracle call. It enforces the
 * expert budget, caches labels and journals every call through one persistent file,
 * `ledger.jsonl` (ledger.ts): a pending record is on disk before the oracle is asked and a
 * closing record after it answers. A new gate (after a crash, a kill -9 or a rerun) reads it
 * back, so nothing is paid twice, nothing paid is uncounted, and the budget is counted from the
 * file, never from a counter that resets with the process (the flaw of TRL's `max_requests`).
 *
 * Outcomes per item: a label; a paid failure (a billed reply with no score), asked once more with
 * a stricter format line and then skipped; a call of unknown outcome (its process died mid-call),
 * counted as paid and never asked again; not asked, because the budget ran out. A call that was
 * not billed is not counted: after a 4xx or with the circuit breaker open the request stops at
 * once; an item whose retries ran out (network, timeout, 429, 5xx) is passed over while the
 * others are asked, and the request then fails so that a rerun asks it again.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { abortRequested } from "../abort";
import { AbortedError, BadOptionError, CallAbortedError, EndpointError, UserError } from "../errors";
import { lockRunDir } from "../store/run-lock";
import type { LabelRow } from "../types";
import {
  LEDGER_FILE,
  LedgerWriter,
  countCalls,
  isCost,
  isScore,
  readLedger,
  type CallState,
  type ClosingRecord,
  type LedgerState,
  type PendingRecord,
} from "./ledger";
import type { JudgeItem, Oracle, OracleOutcome } from "./types";

export { LEDGER_FILE };

export interface GateOptions {
  /** The run directory; the ledger is `${runDir}/ledger.jsonl`. */
  runDir: string;
  /** Most paid calls for this gate's tag, counted over the whole ledger. */
  budget: number;
  /** e.g. "baseline": records carry "tag":"baseline" and have their own budget. */
  tag?: string;
  /** Most oracle calls in flight at once. Default 1. */
  concurrency?: number;
  /** Re-asks after a reply with no score, each a paid call. Default 1. */
  reasks?: number;
  /** Called after each paid call is journalled (progress reporting). */
  onPaid?: (record: ClosingRecord) => void;
}

/** What one `label()` request came to. Response ids sharing a judge input share its fate. */
export interface GateReport {
  /** Labels of the items that have one, in input order (paid now or earlier). */
  labels: LabelRow[];
  /** Items whose every call replied with no score (the re-ask included): paid for, skipped. */
  failed: string[];
  /** Items whose call's outcome is unknown (a crash mid-call): counted as paid, never re-asked. */
  unknown: string[];
  /** Items not asked because the budget ran out (re-asks and unknown outcomes use it too). */
  unasked: string[];
  /** Paid calls this request made. */
  paidNow: number;
  /** Calls found pending from a process that died, closed as unknown by this request. */
  recovered: number;
}

/** The oracle could not be asked (not billed: network, 5xx after retries, a 4xx); the run stops. */
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

/** The cache key of an item for an oracle. */
export function cacheKey(oracle: Oracle, item: JudgeItem): string {
  return createHash("sha256").update(`${oracle.name}\n${oracle.judgeInput(item)}`).digest("hex");
}

/** What the ledger says about one cache key, over every tag. */
type KeyState = { kind: "label"; row: Omit<LabelRow, "response_id"> } | { kind: "unknown" } | { kind: "asked"; noScores: number };

function keyStates(state: LedgerState): Map<string, KeyState> {
  const states = new Map<string, KeyState>();
  for (const { pending, closed } of state.calls) {
    const current = states.get(pending.key);
    if (current?.kind === "label") continue; // the first label of a key is its label
    const status = closed?.status ?? "pending";
    if (status === "scored") {
      const r = closed as Extract<ClosingRecord, { status: "scored" }>;
      states.set(pending.key, { kind: "label", row: { score: r.score, rationale: r.rationale, oracle: r.oracle, cost: r.cost } });
    } else if (status === "unknown" || status === "pending") {
      states.set(pending.key, { kind: "unknown" });
    } else if (current?.kind !== "unknown") {
      const noScores = (current?.kind === "asked" ? current.noScores : 0) + (status === "no-score" ? 1 : 0);
      states.set(pending.key, { kind: "asked", noScores });
    }
  }
  return states;
}

/** Requests on one ledger run one at a time in this process (other processes: the run lock). */
const ledgerQueues = new Map<string, Promise<unknown>>();

interface Job {
  key: string;
  item: JudgeItem;
  /** Replies with no score so far: 0 for a first ask, >= 1 for a re-ask. */
  noScores: number;
}

/**
 * Pays an oracle for labels under a hard budget, journalling every call in the run's ledger.
 * Requests on one run directory run one after another (in this process, whatever the gate;
 * across processes the run directory's lock refuses a second process).
 */
export class ExpertGate {
  private readonly oracle: Oracle;
  private readonly ledgerPath: string;
  private readonly runDir: string;
  private readonly budget: number;
  private readonly tag?: string;
  private readonly concurrency: number;
  private readonly reasks: number;
  private readonly onPaid?: (record: ClosingRecord) => void;
  private state: LedgerState;

  constructor(oracle: Oracle, options: GateOptions) {
    const { runDir, budget, tag, concurrency = 1, reasks = 1 } = options;
    if (!Number.isSafeInteger(budget) || budget < 0) throw new BadOptionError("budget", `must be an integer >= 0, got ${budget}`);
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new BadOptionError("concurrency", `must be an integer >= 1, got ${concurrency}`);
    if (!Number.isSafeInteger(reasks) || reasks < 0) throw new BadOptionError("reasks", `must be an integer >= 0, got ${reasks}`);
    if (tag !== undefined && (typeof tag !== "string" || tag === "")) throw new BadOptionError("tag", "must be a non-empty string");
    this.oracle = oracle;
    this.runDir = runDir;
    this.ledgerPath = path.join(runDir, LEDGER_FILE);
    this.budget = budget;
    this.tag = tag;
    this.concurrency = concurrency;
    this.reasks = reasks;
    this.onPaid = options.onPaid;
    this.state = readLedger(this.ledgerPath);
  }

  /** Paid calls with this gate's tag (untagged = the main budget), as of the last read or call. */
  get paid(): number {
    return countCalls(this.state).get(this.tag ?? "")?.paid ?? 0;
  }

  get remaining(): number {
    return Math.max(0, this.budget - this.paid);
  }

  /**
   * Labels items: cached ones (same oracle + exact judge input, labelled before in this run
   * directory, any tag) cost nothing; the others are asked in input order while the budget
   * lasts, a re-ask right after the reply that needed it.
   * @throws JudgeFailedError after a 4xx (at once) or when items ran out of retries (after the
   *   others were asked), EndpointError when the circuit breaker opened, AbortedError when
   *   `signal` fired; each after the calls in flight settle and are journalled.
   */
  label(items: JudgeItem[], signal?: AbortSignal): Promise<GateReport> {
    const queueKey = path.resolve(this.ledgerPath);
    const run = (ledgerQueues.get(queueKey) ?? Promise.resolve()).then(() => this.labelNow(items, signal));
    ledgerQueues.set(
      queueKey,
      run.catch(() => undefined),
    );
    return run;
  }

  private async labelNow(items: JudgeItem[], signal?: AbortSignal): Promise<GateReport> {
    const release = lockRunDir(this.runDir);
    try {
      // Another gate on this run dir (e.g. the baseline's) may have paid since we last looked.
      this.state = readLedger(this.ledgerPath);
      const writer = new LedgerWriter(this.ledgerPath, this.state.end);
      this.state.end = "clean";
      const recovered = this.closeOrphans(writer);
      const paidBefore = this.paid;

      const keys = items.map((item) => cacheKey(this.oracle, item));
      const states = keyStates(this.state);
      const jobs: Job[] = [];
      const queued = new Set<string>();
      items.forEach((item, i) => {
        const key = keys[i];
        const known = states.get(key);
        if (queued.has(key) || known?.kind === "label" || known?.kind === "unknown") return;
        if (known?.kind === "asked" && known.noScores > this.reasks) return; // failed for good
        queued.add(key);
        jobs.push({ key, item, noScores: known?.kind === "asked" ? known.noScores : 0 });
      });

      const unasked = await this.pay(jobs, writer, signal);

      const after = keyStates(this.state);
      const report: GateReport = { labels: [], failed: [], unknown: [], unasked: [], paidNow: this.paid - paidBefore, recovered };
      items.forEach((item, i) => {
        const known = after.get(keys[i]);
        if (known?.kind === "label") report.labels.push({ response_id: item.response_id, ...known.row });
        else if (known?.kind === "unknown") report.unknown.push(item.response_id);
        else if (unasked.has(keys[i])) report.unasked.push(item.response_id);
        else report.failed.push(item.response_id);
      });
      return report;
    } finally {
      release();
    }
  }

  /**
   * Closes every call left pending by a process that died as of unknown outcome: it may have
   * been billed, so it counts, and its item is never silently asked again. (No call of this
   * process is in flight: requests on a ledger are serialised and the lock keeps others out.)
   */
  private closeOrphans(writer: LedgerWriter): number {
    let closed = 0;
    for (const call of this.state.calls) {
      if (call.closed !== undefined) continue;
      this.close(writer, call, { status: "unknown" }, false);
      closed++;
    }
    return closed;
  }

  /** Asks the oracle for each job, at most `concurrency` at once; returns the keys left unasked. */
  private async pay(jobs: Job[], writer: LedgerWriter, signal?: AbortSignal): Promise<Set<string>> {
    const firsts = jobs.slice();
    const reasks: Job[] = [];
    const unasked = new Set<string>();
    const unreachable: { job: Job; error: string }[] = [];
    let aborted = false;
    // The error of the earliest job wins, so it does not depend on timing.
    let stop: { order: number; error: Error } | undefined;
    const order = new Map(jobs.map((job, i) => [job.key, i]));
    const fail = (job: Job, error: Error) => {
      const at = order.get(job.key) as number;
      if (stop === undefined || at < stop.order) stop = { order: at, error };
    };

    const worker = async () => {
      for (;;) {
        if (stop !== undefined || aborted) return;
        if (abortRequested(signal)) {
          aborted = true;
          return;
        }
        const job = reasks.shift() ?? firsts.shift();
        if (job === undefined) return;
        // The slot is taken when the pending record is written: calls in flight count as spent.
        if (this.paid >= this.budget) {
          if (job.noScores === 0) unasked.add(job.key);
          continue; // a re-ask with no budget left: the item stays failed
        }
        const call = this.open(writer, job);
        let outcome: OracleOutcome;
        try {
          outcome = await this.oracle.judge(job.item, signal, { reask: job.noScores > 0 });
        } catch (error) {
          if (error instanceof AbortedError || signal?.aborted) {
            const billed = !(error instanceof CallAbortedError) || error.mayHaveBilled;
            this.close(writer, call, billed ? { status: "unknown" } : { status: "not-billed", error: "stopped before it was sent" });
            aborted = true;
          } else if (error instanceof EndpointError) {
            // The circuit breaker: this call was never sent.
            this.close(writer, call, { status: "not-billed", error: error.message });
            fail(job, error);
          } else {
            // A bug in the oracle: whether it billed is unknown, so count it.
            this.close(writer, call, { status: "unknown" });
            fail(job, error as Error);
          }
          return;
        }
        if (outcome.ok && !(isScore(outcome.score) && typeof outcome.rationale === "string" && isCost(outcome.cost))) {
          const why = `oracle ${this.oracle.name} returned score ${outcome.score} and cost ${outcome.cost}; need an integer 0..5 and a cost >= 0`;
          outcome = { ok: false, billed: true, error: why, reply: String(outcome.rationale ?? ""), cost: isCost(outcome.cost) ? outcome.cost : call.pending.cost };
        }
        if (outcome.ok) {
          this.close(writer, call, { status: "scored", score: outcome.score, rationale: outcome.rationale, cost: outcome.cost });
        } else if (outcome.billed) {
          this.close(writer, call, { status: "no-score", error: outcome.error, rationale: outcome.reply, cost: isCost(outcome.cost) ? outcome.cost : call.pending.cost });
          if (job.noScores < this.reasks) reasks.push({ ...job, noScores: job.noScores + 1 });
        } else if (outcome.mayHaveBilled) {
          // Sent and timed out: the provider may bill the reply it still finishes. Counted as
          // paid, of unknown outcome, and never asked again (a retry could pay twice).
          this.close(writer, call, { status: "unknown" });
        } else {
          this.close(writer, call, { status: "not-billed", error: outcome.error });
          if (!outcome.retryable) {
            // A 4xx: the request itself is wrong (model, key, payload); every item would fail.
            fail(job, new JudgeFailedError(job.item.response_id, outcome.error, false));
            return;
          }
          // Out of retries for this item only: go on with the others (a dead endpoint opens the
          // client's circuit breaker instead); the stage fails at the end so a rerun asks it.
          unreachable.push({ job, error: outcome.error });
        }
      }
    };

    await Promise.all(Array.from({ length: Math.min(this.concurrency, Math.max(1, jobs.length)) }, worker));
    if (stop !== undefined) throw stop.error;
    if (aborted) throw new AbortedError("label");
    if (unreachable.length > 0) {
      const first = unreachable.reduce((a, b) => ((order.get(a.job.key) as number) <= (order.get(b.job.key) as number) ? a : b));
      const more = unreachable.length > 1 ? ` (and ${unreachable.length - 1} more item${unreachable.length > 2 ? "s" : ""}; rerun the same command to ask them)` : "";
      throw new JudgeFailedError(first.job.item.response_id, `${first.error}${more}`, true);
    }
    return unasked;
  }

  /** Writes a call's pending record (durably) before the oracle is asked. */
  private open(writer: LedgerWriter, job: Job): CallState {
    const tag = this.tag ?? "";
    const last = this.state.calls.reduce((n, c) => ((c.pending.tag ?? "") === tag ? Math.max(n, c.pending.call) : n), 0);
    const pending: PendingRecord = {
      call: last + 1,
      status: "pending",
      key: job.key,
      response_id: job.item.response_id,
      oracle: this.oracle.name,
      cost: isCost(this.oracle.costPerCall) ? this.oracle.costPerCall : 0,
      ...(job.noScores > 0 ? { reask: true as const } : {}),
      ...(this.tag === undefined ? {} : { tag: this.tag }),
    };
    writer.append(pending);
    const call: CallState = { pending };
    this.state.calls.push(call);
    return call;
  }

  /** Writes the record that closes a call (durably) and reports a paid one. */
  private close(
    writer: LedgerWriter,
    call: CallState,
    outcome:
      | { status: "scored"; score: number; rationale: string; cost: number }
      | { status: "no-score"; error: string; rationale: string; cost: number }
      | { status: "unknown" }
      | { status: "not-billed"; error: string },
    /** False for calls of an earlier process: they were counted when it paid them. */
    report = true,
  ): void {
    const { call: n, key, response_id, oracle, cost, tag } = call.pending;
    const { status, ...rest } = outcome;
    const record = { call: n, status, key, response_id, oracle, cost, ...rest, ...(tag === undefined ? {} : { tag }) } as ClosingRecord;
    writer.append(record);
    call.closed = record;
    if (report && record.status !== "not-billed") this.onPaid?.(record);
  }
}
