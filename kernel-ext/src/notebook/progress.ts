/**
 * Live progress of one stage call: a proxyrm Progress reporter that keeps one display (one
 * display id per call) up to date and ends it with the call's result or with the error that
 * stopped it. A new step (`start`: "sft", "generate pool", ...) shows at once; ticks within a
 * step are throttled to one update per UPDATE_INTERVAL_MS (about five a second).
 */
import { randomBytes } from "node:crypto";
import type { Progress } from "proxyrm/dist/progress";
import { display, type MimeBundle } from "../display";
import { realClock, type Clock } from "./clock";
import { html, num, section } from "./html";
import { makeBundle, PAYLOAD_VERSION, type Payload } from "./mime";

export type StageState = "done" | "running" | "pending";
export type CallStatus = "running" | "done" | "interrupted" | "failed";

export interface ProgressPayload extends Payload {
  kind: "progress";
  run: string;
  /** The notebook call: a stage name, "all" or "fork". */
  call: string;
  status: CallStatus;
  /** The call's stages in order (its target and every stage before it). */
  stages: { name: string; state: StageState }[];
  /** The reporter's current step: its label (e.g. "generate pool"), units done of total, and numbers it reports (loss). */
  current: { label: string; done: number; total: number; info: Record<string, number> } | null;
  seconds: number;
  /** The last log line, or what stopped the call. */
  message: string | null;
}

/** Minimum time between two updates of a progress display within one step. */
export const UPDATE_INTERVAL_MS = 200;

const TOKEN = randomBytes(4).toString("hex");
let calls = 0;

export class ProgressDisplay implements Progress {
  readonly displayId = `proxyrm-${TOKEN}-${++calls}`;
  private status: CallStatus = "running";
  private current: ProgressPayload["current"] = null;
  private message: string | null = null;
  private readonly started: number;
  private lastShown = -Infinity;
  private timer: unknown;
  private shown = false;
  private closed = false;

  constructor(
    private readonly run: string,
    private readonly call: string,
    private readonly stages: readonly string[],
    private readonly isDone: (stage: string) => boolean,
    private readonly enabled = true,
    private readonly clock: Clock = realClock,
  ) {
    this.started = clock.now();
  }

  /** Shows the display (status running) before the first stage starts. */
  open(): void {
    this.show();
  }

  start(label: string, total: number): void {
    this.current = { label, done: 0, total, info: {} };
    if (this.closed) return;
    this.cancelTimer();
    this.show();
  }

  tick(n: number, info?: Record<string, number>): void {
    if (!this.current) return;
    this.current.done = Math.min(this.current.total, this.current.done + n);
    if (info) this.current.info = roundInfo(info);
    this.schedule();
  }

  end(): void {
    if (this.current) this.current.done = this.current.total;
    this.schedule();
  }

  log(message: string): void {
    this.message = message;
    this.schedule();
  }

  payload(): ProgressPayload {
    let running = this.status === "running";
    const stages = this.stages.map((name) => {
      if (this.isDone(name)) return { name, state: "done" as const };
      if (running) {
        running = false;
        return { name, state: "running" as const };
      }
      return { name, state: "pending" as const };
    });
    return {
      kind: "progress",
      version: PAYLOAD_VERSION,
      run: this.run,
      call: this.call,
      status: this.status,
      stages,
      current: this.current && { ...this.current, info: { ...this.current.info } },
      seconds: Math.round((this.clock.now() - this.started) / 100) / 10,
      message: this.message,
    };
  }

  bundle(): MimeBundle {
    const p = this.payload();
    return makeBundle(p, progressHtml(p), progressText(p));
  }

  /** Ends the display with the call's result bundle. */
  finish(result: MimeBundle): void {
    this.status = "done";
    this.close(result);
  }

  /** Ends the display with what stopped the call (an interrupt or an error). */
  fail(status: "interrupted" | "failed", message: string): void {
    this.status = status;
    this.message = message;
    this.close(this.bundle());
  }

  private close(bundle: MimeBundle): void {
    this.cancelTimer();
    this.closed = true;
    if (this.enabled) display(bundle, { displayId: this.displayId, update: this.shown });
    this.shown = true;
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = this.lastShown + UPDATE_INTERVAL_MS - this.clock.now();
    if (wait <= 0) this.show();
    else {
      this.timer = this.clock.after(wait, () => {
        this.timer = undefined;
        if (!this.closed) this.show();
      });
    }
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    this.timer = undefined;
  }

  private show(): void {
    this.lastShown = this.clock.now();
    if (this.enabled) display(this.bundle(), { displayId: this.displayId, update: this.shown });
    this.shown = true;
  }
}

function roundInfo(info: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(info).map(([k, v]) => [k, Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : v]));
}

const MARK: Record<StageState, string> = { done: "✓", running: "▸", pending: "·" };

function currentLine(p: ProgressPayload): string {
  const c = p.current;
  if (!c) return "";
  const pct = c.total > 0 ? ` ${Math.floor((100 * c.done) / c.total)}%` : "";
  const info = Object.entries(c.info).map(([k, v]) => ` ${k} ${num(v, 4)}`).join("");
  return `${c.label} ${c.done}/${c.total}${pct}${info}`;
}

function progressText(p: ProgressPayload): string {
  const stages = p.stages.map((s) => `${MARK[s.state]}${s.name}`).join(" ");
  const current = p.status === "running" ? currentLine(p) : p.status;
  const parts = [`${p.call} [${stages}]`, current, `· ${p.seconds.toFixed(1)} s`].filter(Boolean).join(" ");
  return `${parts}${p.message && p.status !== "running" ? `\n${p.message}` : ""}`;
}

function progressHtml(p: ProgressPayload): string {
  const c = p.current;
  const bar = c && p.status === "running" ? html`<progress value="${c.done}" max="${Math.max(1, c.total)}"></progress> ` : html``;
  const stages = p.stages.map((s) => (s.state === "running" ? html`<b>${MARK[s.state]} ${s.name}</b>` : html`<span>${MARK[s.state]} ${s.name}</span>`));
  return section(
    "progress",
    html`<p class="title">${p.call} · ${p.run} · ${p.status}</p><p>${bar}${p.status === "running" ? currentLine(p) : ""} <span class="sub">${p.seconds.toFixed(1)} s</span></p><p class="sub">${stages.map((s, i) => html`${i ? " " : ""}${s}`)}</p>${
      p.message && html`<p class="sub">${p.message}</p>`
    }`,
  );
}
