/**
 * The messages exchanged over comm target `proxyrm`, declared once. Every message carries a
 * `type` discriminant; the lab extension imports this file type-only, the kernel and the
 * notebook API import it too. Add a widget's messages here, to the union for its direction,
 * and to FRONTEND_TYPES (the kernel checks every incoming message: kernel/comm-validate.ts).
 *
 * How a widget finds its kernel side: the kernel shows the widget as a MIME payload
 * (`application/vnd.proxyrm.label-widget+json` or the uncertainty explorer's payload) that
 * carries a `widget` id; the frontend opens one comm to target `proxyrm` and names that id in
 * every message. Replies name it too, so one comm may serve every widget on the page.
 */

/** The comm target the kernel registers at start-up. */
export const COMM_TARGET = "proxyrm";
export type CommTarget = typeof COMM_TARGET;

/** Longest note kept with a human score (src/oracle/human.ts MAX_NOTE_CHARS). */
export const MAX_NOTE_CHARS = 4000;
/** Most ids one lasso message may carry. */
export const MAX_LASSO_IDS = 100_000;

// ------------------------------------------------------------------------------ general

/** Frontend -> kernel, as comm_open data or a comm_msg: who is there? */
export interface HelloRequest {
  type: "hello";
  /** The frontend's name and version, for the kernel log. */
  client?: string;
}

/** Kernel -> frontend: the answer to `hello`. */
export interface HelloReply {
  type: "hello";
  /** @proxyrm/kernel's version. */
  version: string;
}

/**
 * Kernel -> frontend: a message the kernel could not handle (malformed, unknown type, unknown
 * widget, or the action failed, e.g. a score for a tuple that is not selected).
 */
export interface CommError {
  type: "error";
  /** What went wrong, one line. */
  message: string;
  /** The `type` of the message that failed, when it had one. */
  request?: string;
  /** The widget the failed message named, when it named one. */
  widget?: string;
}

// ------------------------------------------------------------------- labelling widget

/** One rubric criterion shown next to the tuple (src/oracle/human.ts HUMAN_RUBRIC). */
export interface RubricCriterion {
  points: number;
  criterion: string;
}

/** How far the person is: selected tuples with a score, of all selected. */
export interface LabelProgress {
  labelled: number;
  total: number;
  remaining: number;
}

/** The tuple the person scores next. Text from data: the frontend shows it as text, never HTML. */
export interface LabelItem {
  response_id: string;
  prompt_id: string;
  task: string;
  prompt: string;
  response: string;
}

/** Frontend -> kernel: send the next tuple to score (also the widget's first message). */
export interface LabelNextRequest {
  type: "label.next";
  widget: string;
}

/** Frontend -> kernel: a person's score for one tuple. */
export interface LabelSubmitRequest {
  type: "label.submit";
  widget: string;
  response_id: string;
  /** An integer 0..5 (keys 0-5 in the widget). */
  score: number;
  /** Optional note, at most MAX_NOTE_CHARS characters; kept as the label's rationale. */
  note?: string;
}

/**
 * Kernel -> frontend: the next tuple with the rubric, or `item: null` when every selected
 * tuple has a score (then `run.fit()` continues from the human labels).
 */
export interface LabelItemMessage {
  type: "label.item";
  widget: string;
  /** Oracle name, `human:<name>`. */
  oracle: string;
  item: LabelItem | null;
  rubric: RubricCriterion[];
  progress: LabelProgress;
}

/**
 * Kernel -> frontend: the score is journalled (fsynced in ledger.jsonl) and counted; sent
 * only after the journal write, so nothing acknowledged is lost by a kernel restart. A
 * `label.item` with the next tuple follows.
 */
export interface LabelAck {
  type: "label.ack";
  widget: string;
  response_id: string;
  /** The score recorded (the first one, when `duplicate`). */
  score: number;
  note: string;
  /** The tuple had a score already: nothing new was paid or recorded. */
  duplicate: boolean;
  progress: LabelProgress;
}

// -------------------------------------------------------------------------------- lasso

/** Frontend -> kernel: the points selected (lasso or box) in an uncertainty explorer. */
export interface LassoSelectRequest {
  type: "lasso.select";
  /** The explorer's `widget` id from its payload. */
  widget: string;
  /** Response ids of the selected points (empty: selection cleared). */
  response_ids: string[];
}

/**
 * Kernel -> frontend: the selection arrived and is the explorer's query set now
 * (`explorer.querySet()` in the notebook). `unlabelled` of them would cost a paid call.
 */
export interface LassoAck {
  type: "lasso.ack";
  widget: string;
  /** Distinct pool responses in the query set. */
  count: number;
  /** Of them, the ones without an expert label yet. */
  unlabelled: number;
}

// ------------------------------------------------------------------------------ unions

/** Everything a frontend may send on target `proxyrm`. */
export type FrontendMessage = HelloRequest | LabelNextRequest | LabelSubmitRequest | LassoSelectRequest;
/** Everything the kernel may send on target `proxyrm`. */
export type KernelMessage = HelloReply | CommError | LabelItemMessage | LabelAck | LassoAck;
export type ProxyrmCommMessage = FrontendMessage | KernelMessage;

/** The `type` of each frontend message, for validation and dispatch. */
export const FRONTEND_TYPES = ["hello", "label.next", "label.submit", "lasso.select"] as const satisfies readonly FrontendMessage["type"][];
export type FrontendType = FrontendMessage["type"];
/** A frontend message of one type. */
export type FrontendMessageOf<T extends FrontendType> = Extract<FrontendMessage, { type: T }>;
/** Frontend messages addressed to a widget. */
export type WidgetRequest = Exclude<FrontendMessage, HelloRequest>;
