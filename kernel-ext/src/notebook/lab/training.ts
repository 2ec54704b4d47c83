/**
 * Live training curves: a Progress reporter that keeps every loss (and DPO's reward margin and
 * accuracy) the training loops report with their ticks, and shows them in one display that is
 * updated in place by its display id while the stage runs (`run.sft({ curves: true })`, any
 * stage method). `run.curves()` shows the curves a finished run saved in curves.json.
 */
import { randomBytes } from "node:crypto";
import type { Progress } from "proxyrm/dist/progress";
import { display, type MimeBundle } from "../../display";
import { COLORS, figures, html, kvText, layout, section } from "../html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Displayable } from "../mime";
import type { TrainingPayload, TrainingSeries, TrainingStatus } from "./payloads";

/** Minimum time between two in-place updates (the loops tick every step). */
export const TRAINING_UPDATE_MS = 250;
const METRICS = ["loss", "margin", "accuracy"] as const;

const TOKEN = randomBytes(4).toString("hex");
let displays = 0;
const r5 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1e5) / 1e5 : null);

export class TrainingCurves implements Displayable {
  constructor(readonly data: TrainingPayload) {}

  [MIME_BUNDLE](): MimeBundle {
    return trainingBundle(this.data);
  }
}

/** The curves a run saved (curves.json: one loss series per training run). */
export function savedCurves(run: string, curves: Record<string, (number | null)[]>): TrainingPayload {
  return {
    kind: "training",
    version: PAYLOAD_VERSION,
    run,
    status: "done",
    current: null,
    series: Object.entries(curves).map(([name, values]) => ({ name, metric: "loss" as const, values: values.map((v) => (v === null ? null : r5(v))) })),
  };
}

export class TrainingDisplay implements Progress {
  readonly displayId = `proxyrm-training-${TOKEN}-${++displays}`;
  private readonly series = new Map<string, TrainingSeries>();
  private current: string | null = null;
  private status: TrainingStatus = "running";
  private shown = false;
  private lastShown = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly run: string) {}

  start(label: string): void {
    this.current = label;
    // A rerun of the same step (an interrupted stage resumed) starts its curves again.
    for (const metric of METRICS) this.series.delete(`${label}\u0000${metric}`);
  }

  tick(_n: number, info?: Record<string, number>): void {
    if (!info || this.current === null) return;
    let changed = false;
    for (const metric of METRICS) {
      if (!(metric in info)) continue;
      const key = `${this.current}\u0000${metric}`;
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = { name: this.current, metric, values: [] }));
      s.values.push(r5(info[metric]));
      changed = true;
    }
    if (changed) this.schedule();
  }

  end(): void {
    this.current = null;
    this.schedule();
  }

  /** Whether any step reported a curve (a call that trained nothing shows no display). */
  get hasCurves(): boolean {
    return this.series.size > 0;
  }

  payload(): TrainingPayload {
    return { kind: "training", version: PAYLOAD_VERSION, run: this.run, status: this.status, current: this.current, series: [...this.series.values()].map((s) => ({ ...s, values: [...s.values] })) };
  }

  /** Ends the display: the last update, with how the call ended. */
  finish(status: TrainingStatus): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.status = status;
    this.current = null;
    if (this.hasCurves) this.show();
  }

  private schedule(): void {
    if (this.timer || !this.hasCurves) return;
    const wait = this.lastShown + TRAINING_UPDATE_MS - Date.now();
    if (wait <= 0) this.show();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.show();
      }, wait);
      this.timer.unref();
    }
  }

  private show(): void {
    this.lastShown = Date.now();
    display(trainingBundle(this.payload()), { displayId: this.displayId, update: this.shown });
    this.shown = true;
  }
}

/** Both reporters get every call (the progress display and the curves). */
export function teeProgress(a: Progress, b: Progress): Progress {
  return {
    start: (label, total) => (a.start(label, total), b.start(label, total)),
    tick: (n, info) => (a.tick(n, info), b.tick(n, info)),
    end: () => (a.end(), b.end()),
    log: (message) => (a.log?.(message), b.log?.(message)),
  };
}

const PALETTE = [COLORS.onpolicy, COLORS.seed, COLORS.gold, COLORS.pick, "#9467bd", "#8c564b", "#e377c2"];

function trainingBundle(p: TrainingPayload): MimeBundle {
  const names = [...new Set(p.series.map((s) => s.name))];
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length];
  const figure = (metric: TrainingSeries["metric"], title: string) => {
    const list = p.series.filter((s) => s.metric === metric);
    return list.length === 0
      ? null
      : {
          data: list.map((s) => ({ type: "scatter", mode: "lines", name: s.name, x: s.values.map((_, i) => i + 1), y: s.values, line: { color: color(s.name) } })),
          layout: layout(title, { xaxis: { title: { text: "step" } }, yaxis: { title: { text: metric } }, legend: { orientation: "h", y: -0.25 } }),
        };
  };
  const figs = [figure("loss", "Training losses"), figure("margin", "DPO reward margin"), figure("accuracy", "DPO reward accuracy")].filter((f): f is NonNullable<typeof f> => f !== null);
  const last = (s: TrainingSeries) => s.values.at(-1);
  const rows: [string, string][] = p.series.map((s) => [`${s.name} ${s.metric}`, `${s.values.length} steps, last ${last(s) ?? "n/a"}`]);
  const title = `training · ${p.run} · ${p.status}${p.current ? ` · ${p.current}` : ""}`;
  return makeBundle(p, section("training", html`<p class="title">${title}</p>${figures(figs)}`), `${title}\n${kvText(rows)}`);
}
