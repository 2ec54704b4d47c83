/**
 * What a stage call returns: a typed JSON payload (`data`, the `application/vnd.proxyrm.<kind>+json`
 * of its bundle), the run's matching table as a danfo frame (`frame()`), and its MIME bundle.
 * Each kind's payload, HTML and text come from a view in views/.
 */
import { inspect } from "node:util";
import type { MimeBundle } from "../display";
import type { DataFrame } from "./frames";
import { html, section, type SafeHtml } from "./html";
import { makeBundle, MIME_BUNDLE, type Displayable, type Payload } from "./mime";

/** What one call did: the stages it ran (empty when all were done) and its wall time. */
export interface CallInfo {
  ran: string[];
  seconds: number | null;
  /** Paid expert calls in the ledger before the call (undefined outside a call). */
  paidBefore?: number;
}

/** Fields every stage payload has. */
export interface StagePayload extends Payload {
  /** The run directory, as given to `open` or `fork`. */
  run: string;
  /** The pipeline stage this result describes. */
  stage: string;
  /** Stages this call ran, in order; empty when they were done already. */
  ran: string[];
  /** The call's wall time in seconds; null for a result read without a call (`run.result`). */
  seconds: number | null;
}

/** How one kind shows: built once per result from the run's files. */
export interface View<P extends StagePayload> {
  data: P;
  html(): SafeHtml;
  text(): string;
  frame(): DataFrame;
}

export class StageResult<P extends StagePayload = StagePayload> implements Displayable {
  readonly data: P;

  constructor(private readonly view: View<P>) {
    this.data = view.data;
  }

  get kind(): P["kind"] {
    return this.data.kind;
  }

  get ran(): string[] {
    return this.data.ran;
  }

  get seconds(): number | null {
    return this.data.seconds;
  }

  /** The run table behind this result as a danfo DataFrame (all rows). */
  frame(): DataFrame {
    return this.view.frame();
  }

  [MIME_BUNDLE](): MimeBundle {
    const body = html`${header(this.data)}${this.view.html()}`;
    return makeBundle(this.data, section(this.data.kind, body), `${textHeader(this.data)}\n${this.view.text()}`);
  }

  toJSON(): P {
    return this.data;
  }

  toString(): string {
    return `${textHeader(this.data)}\n${this.view.text()}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function callNote(p: StagePayload): string {
  if (p.seconds === null) return "";
  return p.ran.length ? `ran ${p.ran.join(", ")} in ${p.seconds.toFixed(1)} s` : "done earlier, nothing ran";
}

function header(p: StagePayload): SafeHtml {
  const note = callNote(p);
  return html`<p class="title">${p.stage} · ${p.run}</p>${note && html`<p class="sub">${note}</p>`}`;
}

function textHeader(p: StagePayload): string {
  const note = callNote(p);
  return `${p.stage} (${p.run})${note ? `: ${note}` : ""}`;
}

/** Loss curve summary shared by the training views. */
export function lossSummary(curve: readonly (number | null)[]): { first: number | null; last: number | null; min: number | null } {
  const finite = curve.filter((v): v is number => v !== null && Number.isFinite(v));
  return { first: finite[0] ?? null, last: finite.at(-1) ?? null, min: finite.length ? Math.min(...finite) : null };
}

/** Counts of integer scores 0..5. */
export function scoreHistogram(scores: readonly number[]): number[] {
  const h = [0, 0, 0, 0, 0, 0];
  for (const s of scores) h[Math.max(0, Math.min(5, Math.round(s)))]++;
  return h;
}
