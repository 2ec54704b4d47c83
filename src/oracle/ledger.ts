/**
 * `ledger.jsonl`: the journal of paid oracle calls (shared/DESIGN.md, "Paid labels"). Every call
 * is two fsynced lines: a `pending` record written BEFORE the oracle is asked, and a record that
 * closes it with the outcome. So a crash at any moment leaves a trace of every call that may
 * have been billed:
 *
 *   {"call":1,"status":"pending","key":"<sha256>","response_id":"r17","oracle":"rubric","cost":1}
 *   {"call":1,"status":"scored","key":"<sha256>","response_id":"r17","oracle":"rubric","cost":1,"score":3,"rationale":"..."}
 *
 * Closing statuses: `scored` (a label), `no-score` (a billed reply without a score: a paid
 * failure), `unknown` (a pending record found with no outcome after a crash, closed by the next
 * process that labels), `not-billed` (no billed reply: network error, 429/5xx after retries,
 * 4xx, circuit breaker). A paid call is one closed as scored, no-score or unknown, or still
 * pending: that is what the budget and `expert_queries` count. `call` numbers the pending
 * records 1, 2, ... within a tag (untagged = the main budget); a closing record repeats the
 * call, key, response id, oracle and tag of the pending record it closes.
 *
 * No times, no paths, no secrets: the same seed gives the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BadFileError } from "../errors";
import { appendLineDurable } from "../store/atomic";

export const LEDGER_FILE = "ledger.jsonl";

/** How a call ended. */
export type CallStatus = "scored" | "no-score" | "unknown" | "not-billed";
/** The statuses that were (or may have been) billed: they count against the budget. */
export const PAID_STATUSES: readonly (CallStatus | "pending")[] = ["scored", "no-score", "unknown", "pending"];

interface RecordBase {
  /** 1-based index of the call among the pending records with the same tag. */
  call: number;
  /** sha256 hex of oracle.name + "\n" + judgeInput(item): the cache key. */
  key: string;
  response_id: string;
  oracle: string;
  /** Pending: the oracle's price per call. Closing: what the call cost (unknown: the price). */
  cost: number;
  /** e.g. "baseline": a budget of its own. Absent = the main expert budget. */
  tag?: string;
}

export interface PendingRecord extends RecordBase {
  status: "pending";
  /** The bounded re-ask after a reply with no score (a stricter format line; paid like any call). */
  reask?: true;
}
export interface ScoredRecord extends RecordBase {
  status: "scored";
  score: number;
  /** The judge's reply verbatim. */
  rationale: string;
}
export interface NoScoreRecord extends RecordBase {
  status: "no-score";
  error: string;
  /** The billed reply verbatim (empty when its body could not be read). */
  rationale: string;
}
export interface UnknownRecord extends RecordBase {
  status: "unknown";
}
export interface NotBilledRecord extends RecordBase {
  status: "not-billed";
  error: string;
}
export type ClosingRecord = ScoredRecord | NoScoreRecord | UnknownRecord | NotBilledRecord;
export type LedgerRecord = PendingRecord | ClosingRecord;

/** One call as the ledger tells it: its pending record and, once closed, how it ended. */
export interface CallState {
  pending: PendingRecord;
  closed?: ClosingRecord;
}

/** What the ledger says. */
export interface LedgerState {
  /** Every call, in the order of their pending records. */
  calls: CallState[];
  /**
   * "clean": ends with a newline (or is empty). "unterminated": the last record is whole but
   * lacks its newline. A number: a torn last line starts at that byte offset.
   */
  end: "clean" | "unterminated" | number;
}

/** Paid-call counts of one tag. */
export interface LedgerCounts {
  /** scored + noScore + unknown + pending: what the budget and expert_queries count. */
  paid: number;
  scored: number;
  noScore: number;
  /** Closed as unknown, plus still pending (a crash's calls not yet closed). */
  unknown: number;
  notBilled: number;
  /** Sum of the paid calls' costs. */
  cost: number;
}

export function isScore(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 5;
}

export function isCost(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

const STATUSES = ["pending", "scored", "no-score", "unknown", "not-billed"];

/** Checks one parsed line; returns why it is not a ledger record, or undefined if it is. */
function recordProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r.call) || (r.call as number) < 1) return "call must be an integer >= 1";
  if (typeof r.key !== "string" || !/^[0-9a-f]{64}$/.test(r.key)) return "key must be a sha256 hex string";
  if (typeof r.response_id !== "string") return "response_id must be a string";
  if (typeof r.oracle !== "string" || r.oracle === "") return "oracle must be a non-empty string";
  if (!isCost(r.cost)) return "cost must be a number >= 0";
  if (r.tag !== undefined && (typeof r.tag !== "string" || r.tag === "")) return "tag must be a non-empty string";
  if (!STATUSES.includes(r.status as string)) return `status must be one of ${STATUSES.join(", ")}`;
  if (r.status === "pending" && r.reask !== undefined && r.reask !== true) return "reask must be true when present";
  if (r.status === "scored" && !isScore(r.score)) return "score must be an integer 0..5";
  if ((r.status === "scored" || r.status === "no-score") && typeof r.rationale !== "string") return "rationale must be a string";
  if ((r.status === "no-score" || r.status === "not-billed") && typeof r.error !== "string") return "error must be a string";
  return undefined;
}

/**
 * A line written before pending records existed (one line per scored call, no `status`): read
 * as a call opened and scored at once, so older run directories resume.
 */
function legacyRecords(value: unknown): [PendingRecord, ScoredRecord] | undefined {
  if (typeof value !== "object" || value === null || "status" in value) return undefined;
  const r = value as Record<string, unknown>;
  const scored = { ...r, status: "scored" } as unknown as ScoredRecord;
  if (recordProblem(scored) !== undefined) return undefined;
  const { call, key, response_id, oracle, cost, tag } = scored;
  return [{ call, status: "pending", key, response_id, oracle, cost, ...(tag === undefined ? {} : { tag }) }, scored];
}

const tagOf = (r: { tag?: string }) => r.tag ?? "";
const callId = (r: { call: number; tag?: string }) => `${tagOf(r)}\u0000${r.call}`;
const tagNote = (tag: string) => (tag === "" ? "" : ` (tag ${tag})`);

/** Reads and checks the ledger; a missing file is an empty ledger. */
export function readLedger(file: string): LedgerState {
  const state: LedgerState = { calls: [], end: "clean" };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return state;
    throw new BadFileError(file, `cannot read: ${(error as Error).message}`);
  }
  const byId = new Map<string, CallState>();
  const lastCall = new Map<string, number>();
  const add = (record: LedgerRecord, lineNumber: number) => {
    const where = `line ${lineNumber}`;
    if (record.status === "pending") {
      const expected = (lastCall.get(tagOf(record)) ?? 0) + 1;
      if (record.call !== expected) throw new BadFileError(file, `${where}: call ${record.call} out of sequence, expected ${expected}${tagNote(tagOf(record))}`);
      lastCall.set(tagOf(record), expected);
      const call: CallState = { pending: record };
      byId.set(callId(record), call);
      state.calls.push(call);
      return;
    }
    const call = byId.get(callId(record));
    if (call === undefined) throw new BadFileError(file, `${where}: ${record.status} record for call ${record.call}${tagNote(tagOf(record))} which has no pending record`);
    if (call.closed !== undefined) throw new BadFileError(file, `${where}: call ${record.call}${tagNote(tagOf(record))} closed twice`);
    if (call.pending.key !== record.key || call.pending.response_id !== record.response_id || call.pending.oracle !== record.oracle) {
      throw new BadFileError(file, `${where}: call ${record.call}${tagNote(tagOf(record))} closed with another key, response or oracle than it was opened with`);
    }
    call.closed = record;
  };
  const parse = (text: string): LedgerRecord[] | string => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return "not JSON";
    }
    const legacy = legacyRecords(value);
    if (legacy) return legacy;
    const problem = recordProblem(value);
    return problem ?? [value as LedgerRecord];
  };

  const lines = bytes.toString("utf8").split("\n");
  // After the last "\n" comes "" (clean end) or an unterminated last line.
  const tail = lines.pop() as string;
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const parsed = parse(line);
    if (typeof parsed === "string") throw new BadFileError(file, `line ${i + 1}: ${parsed}`);
    for (const record of parsed) add(record, i + 1);
  });
  if (tail.trim() !== "") {
    const parsed = parse(tail);
    if (typeof parsed !== "string") {
      // Only the newline was lost: the record is whole.
      for (const record of parsed) add(record, lines.length + 1);
      state.end = "unterminated";
    } else {
      // A crash mid-append. A torn pending record: that call was never made (the oracle is asked
      // only after its pending record is on disk). A torn closing record: its call stays pending,
      // so it is an unknown outcome. Either way the bytes are dropped before the next append.
      state.end = bytes.lastIndexOf(0x0a) + 1;
    }
  } else if (tail !== "") {
    state.end = "unterminated";
  }
  return state;
}

/** Paid-call counts per tag ("" = untagged, the main expert budget). */
export function countCalls(state: LedgerState): Map<string, LedgerCounts> {
  const counts = new Map<string, LedgerCounts>();
  for (const { pending, closed } of state.calls) {
    const tag = tagOf(pending);
    let c = counts.get(tag);
    if (c === undefined) counts.set(tag, (c = { paid: 0, scored: 0, noScore: 0, unknown: 0, notBilled: 0, cost: 0 }));
    const status = closed?.status ?? "pending";
    if (status === "not-billed") {
      c.notBilled++;
      continue;
    }
    c.paid++;
    c.cost += (closed ?? pending).cost;
    if (status === "scored") c.scored++;
    else if (status === "no-score") c.noScore++;
    else c.unknown++;
  }
  return counts;
}

/** Paid calls of one tag (untagged by default) among ledger records, e.g. from ledgerRecords(). */
export function paidCallsOf(records: readonly LedgerRecord[], tag?: string): number {
  const calls = new Map<string, CallState>();
  for (const r of records) {
    if (r.status === "pending") calls.set(callId(r), { pending: r });
    else {
      const call = calls.get(callId(r));
      if (call) call.closed = r;
    }
  }
  return countCalls({ calls: [...calls.values()], end: "clean" }).get(tag ?? "")?.paid ?? 0;
}

const EMPTY_COUNTS: LedgerCounts = { paid: 0, scored: 0, noScore: 0, unknown: 0, notBilled: 0, cost: 0 };

/**
 * Paid-call counts of one tag in a run directory's ledger (untagged by default: the main expert
 * budget, `metrics.expert_queries`). A call still pending counts: it may have been billed.
 */
export function ledgerCounts(runDir: string, tag?: string): LedgerCounts {
  return countCalls(readLedger(path.join(runDir, LEDGER_FILE))).get(tag ?? "") ?? { ...EMPTY_COUNTS };
}

/** Paid calls of one tag (untagged by default) in a run directory's ledger. */
export function paidCalls(runDir: string, tag?: string): number {
  return ledgerCounts(runDir, tag).paid;
}

/** Every record of a ledger file in file order (a torn last line left out): for tables and tests. */
export function ledgerRecords(file: string): LedgerRecord[] {
  const state = readLedger(file); // checks every line
  if (!fs.existsSync(file)) return [];
  let bytes = fs.readFileSync(file);
  if (typeof state.end === "number") bytes = bytes.subarray(0, state.end);
  return bytes
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      const value = JSON.parse(line) as unknown;
      return legacyRecords(value) ?? [value as LedgerRecord];
    });
}

/** Appends records to a ledger durably, first repairing a torn or unterminated end. */
export class LedgerWriter {
  constructor(
    readonly file: string,
    private end: LedgerState["end"],
  ) {}

  append(record: LedgerRecord): void {
    this.repairEnd();
    appendLineDurable(this.file, JSON.stringify(record));
  }

  /** Makes the next append start a line of its own: drops a torn tail, ends an unterminated line. */
  private repairEnd(): void {
    const end = this.end;
    if (end === "clean") {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
    } else if (end === "unterminated") {
      appendLineDurable(this.file, "");
    } else {
      fs.truncateSync(this.file, end);
    }
    this.end = "clean";
  }
}
