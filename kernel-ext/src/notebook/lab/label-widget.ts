/**
 * The labelling widget (`run.labelWidget()`), kernel side: a person scores the run's selected
 * tuples in the lab. Each score is recorded by HumanLabeller (src/oracle/human.ts), the same
 * paying gate as any oracle's (oracle `human:<name>`, one paid call in ledger.jsonl, fsynced),
 * and only then acknowledged (`label.ack`), so a kernel restart loses nothing acknowledged.
 * When every tuple has a score, `run.fit()` and the later stages continue from the human labels
 * (the label stage reads them from the ledger and writes labels.arrow).
 */
import { randomBytes } from "node:crypto";
import { HUMAN_RUBRIC, HumanLabeller, type HumanTask } from "proxyrm/dist/oracle/human";
import type { KernelMessage, LabelItem, LabelItemMessage, WidgetRequest } from "../../comm-messages";
import type { MimeBundle } from "../../display";
import { registerWidget } from "../../kernel/widgets";
import { html, keyValues, kvText, section } from "../html";
import { makeBundle, MIME_BUNDLE, PAYLOAD_VERSION, type Displayable } from "../mime";
import type { LabelWidgetPayload } from "./payloads";

const TOKEN = randomBytes(4).toString("hex");
let widgets = 0;

const itemOf = (t: HumanTask | undefined): LabelItem | null => (t ? { response_id: t.response_id, prompt_id: t.prompt_id, task: t.task, prompt: t.prompt, response: t.response } : null);

export class LabelWidget implements Displayable {
  readonly widget = `label-${TOKEN}-${++widgets}`;
  private readonly unregister: () => void;
  private closed = false;

  private constructor(private readonly labeller: HumanLabeller) {
    this.unregister = registerWidget(this.widget, (message) => this.onMessage(message));
  }

  /** Opens the run's labeller (locks the directory; re-entrant within this kernel). */
  static open(runDir: string): LabelWidget {
    return new LabelWidget(HumanLabeller.open(runDir));
  }

  get oracle(): string {
    return this.labeller.oracle.name;
  }

  /** Records a score as the widget would (journalled before it resolves); for code and tests. */
  submit(responseId: string, score: number, note = "") {
    return this.labeller.submit(responseId, score, note);
  }

  progress() {
    return this.labeller.progress();
  }

  /** Stops answering the widget and releases the run directory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    this.labeller.close();
  }

  payload(): LabelWidgetPayload {
    return {
      kind: "label-widget",
      version: PAYLOAD_VERSION,
      run: this.labeller.runDir,
      widget: this.widget,
      oracle: this.oracle,
      rubric: HUMAN_RUBRIC.map((r) => ({ ...r })),
      progress: this.labeller.progress(),
      item: itemOf(this.labeller.queue()[0]),
    };
  }

  private next(): LabelItemMessage {
    return { type: "label.item", widget: this.widget, oracle: this.oracle, item: itemOf(this.labeller.queue()[0]), rubric: HUMAN_RUBRIC.map((r) => ({ ...r })), progress: this.labeller.progress() };
  }

  private async onMessage(message: WidgetRequest): Promise<KernelMessage[]> {
    if (this.closed) throw new Error("this labelling widget is closed: run run.labelWidget() again");
    if (message.type === "label.next") return [this.next()];
    if (message.type !== "label.submit") throw new Error(`the labelling widget takes label.next and label.submit, not ${message.type}`);
    // Journal first (submit resolves after the fsync), acknowledge after.
    const result = await this.labeller.submit(message.response_id, message.score, message.note ?? "");
    return [{ type: "label.ack", widget: this.widget, response_id: result.response_id, score: result.score, note: result.note, duplicate: result.duplicate, progress: result.progress }, this.next()];
  }

  [MIME_BUNDLE](): MimeBundle {
    const p = this.payload();
    const rows: [string, string][] = [
      ["labeller", p.oracle],
      ["progress", `${p.progress.labelled} of ${p.progress.total} scored`],
      ["next", p.item ? `${p.item.response_id} (${p.item.task})` : "none: every selected tuple has a score; run.fit() continues"],
    ];
    const note = "The labelling widget needs JupyterLab with the proxyrm extension (proxyrm lab); elsewhere use proxyrm label RUN or widget.submit(id, score, note).";
    return makeBundle(p, section("label-widget", html`<p class="title">labelling · ${p.run}</p>${keyValues(rows)}<p class="sub">${note}</p>`), `labelling · ${p.run}\n${kvText(rows)}\n${note}`);
  }
}
