/**
 * label-widget: a person scores the selected tuples. The tuple and the rubric are shown as text;
 * keys 0-5 pick a score, Enter sends it (Ctrl+Enter from the note). The kernel journals the score
 * through the paying gate first and acknowledges after (`label.ack`), then sends the next tuple.
 */
import type { KernelMessage, LabelItem, LabelProgress, RubricCriterion } from '@proxyrm/kernel/dist/comm-messages';
import { WidgetChannel } from '../comm';
import { el } from '../dom';
import type { Payload, View, ViewContext } from '../view';

interface State {
  channel: WidgetChannel;
  item: LabelItem | null;
  score: number | null;
  busy: boolean;
}
const states = new WeakMap<HTMLElement, State>();

function showItem(ctx: ViewContext, st: State, oracle: string, item: LabelItem | null, rubric: RubricCriterion[], progress: LabelProgress): void {
  st.item = item;
  st.score = null;
  ctx.slot('progress', 'jp-proxyrm-sub').textContent = `${oracle} · ${progress.labelled} of ${progress.total} scored, ${progress.remaining} left`;
  const body = ctx.slot('item', 'jp-proxyrm-label-item');
  if (!item) {
    body.replaceChildren(el('div', 'jp-proxyrm-title', 'every selected tuple has a score: run.fit() continues from these labels'));
    ctx.root.dataset.proxyrmLabelDone = 'true';
  } else {
    const block = (k: string, v: string) => {
      const d = el('div', 'jp-proxyrm-label-field');
      d.append(el('div', 'jp-proxyrm-hover-key', k), el('div', 'jp-proxyrm-label-text', v));
      return d;
    };
    body.replaceChildren(block('task', item.task), block('prompt', item.prompt), block('response', item.response));
    body.dataset.responseId = item.response_id;
  }
  const list = el('ol', 'jp-proxyrm-rubric');
  for (const r of rubric) list.appendChild(el('li', undefined, `+${r.points}: ${r.criterion}`));
  ctx.slot('rubric').replaceChildren(el('div', 'jp-proxyrm-hover-key', 'rubric (one point each)'), list);
  renderButtons(ctx, st);
}

function renderButtons(ctx: ViewContext, st: State): void {
  for (const b of Array.from(ctx.root.querySelectorAll<HTMLButtonElement>('.jp-proxyrm-score'))) {
    b.classList.toggle('jp-mod-selected', Number(b.dataset.score) === st.score);
    b.disabled = !st.item || st.busy;
  }
}

async function submit(ctx: ViewContext, st: State, widget: string): Promise<void> {
  if (!st.item || st.score === null || st.busy) return;
  const note = (ctx.root.querySelector('textarea') as HTMLTextAreaElement).value.trim();
  st.busy = true;
  renderButtons(ctx, st);
  ctx.slot('status', 'jp-proxyrm-sub').textContent = `sending score ${st.score}…`;
  await st.channel.send({ type: 'label.submit', widget, response_id: st.item.response_id, score: st.score, ...(note ? { note } : {}) });
}

function build(ctx: ViewContext, p: Payload): State {
  const st: State = { channel: null as unknown as WidgetChannel, item: null, score: null, busy: false };
  // Slots appear in the order they are first made: tuple and rubric above the controls.
  for (const name of ['progress', 'item', 'rubric']) ctx.slot(name, name === 'item' ? 'jp-proxyrm-label-item' : name === 'progress' ? 'jp-proxyrm-sub' : undefined);
  const statusLine = () => ctx.slot('status', 'jp-proxyrm-sub');
  st.channel = new WidgetChannel(ctx.root, (msg: KernelMessage) => {
    if ('widget' in msg && msg.widget !== undefined && msg.widget !== p.widget) return;
    if (msg.type === 'label.item') {
      st.busy = false;
      showItem(ctx, st, msg.oracle, msg.item, msg.rubric, msg.progress);
    } else if (msg.type === 'label.ack') {
      statusLine().textContent = `${msg.duplicate ? 'already scored' : 'saved'}: ${msg.response_id} = ${msg.score}${msg.note ? ` (“${msg.note}”)` : ''}`;
      (ctx.root.querySelector('textarea') as HTMLTextAreaElement).value = '';
      ctx.root.dataset.proxyrmAcks = String(Number(ctx.root.dataset.proxyrmAcks ?? '0') + 1);
    } else if (msg.type === 'error') {
      st.busy = false;
      renderButtons(ctx, st);
      statusLine().textContent = `kernel: ${msg.message}`;
    }
  });
  const controls = ctx.slot('controls', 'jp-proxyrm-controls');
  for (let s = 0; s <= 5; s++) {
    const b = el('button', 'jp-proxyrm-score', String(s));
    b.dataset.score = String(s);
    b.title = `score ${s} (key ${s})`;
    b.addEventListener('click', () => {
      st.score = s;
      renderButtons(ctx, st);
    });
    controls.appendChild(b);
  }
  const send = el('button', 'jp-proxyrm-submit', 'save score (Enter)');
  send.addEventListener('click', () => void submit(ctx, st, p.widget).catch((e: Error) => (statusLine().textContent = e.message)));
  controls.appendChild(send);
  const note = el('textarea', 'jp-proxyrm-note');
  note.placeholder = 'optional note (kept as the rationale); Ctrl+Enter saves';
  note.maxLength = 4000;
  note.rows = 2;
  ctx.slot('note').replaceChildren(note);
  ctx.slot('status', 'jp-proxyrm-sub');
  ctx.root.tabIndex = 0;
  // The notebook's own shortcuts (0-5, Enter) must not see keys typed into the widget.
  ctx.root.setAttribute('data-lm-suppress-shortcuts', 'true');
  ctx.root.addEventListener('keydown', (ev: KeyboardEvent) => {
    const inNote = ev.target === note;
    if (!inNote && /^[0-5]$/.test(ev.key)) {
      st.score = Number(ev.key);
      renderButtons(ctx, st);
    } else if (ev.key === 'Enter' && (!inNote || ev.ctrlKey)) {
      ev.preventDefault();
      void submit(ctx, st, p.widget).catch((e: Error) => (statusLine().textContent = e.message));
    } else if (!inNote) return;
    ev.stopPropagation();
  });
  return st;
}

export const labelWidgetView: View = {
  versions: [1],
  render(ctx, p) {
    let st = states.get(ctx.root);
    if (!st) {
      ctx.slot('head', 'jp-proxyrm-head').replaceChildren(el('div', 'jp-proxyrm-title', `label the selected tuples (${p.oracle})`), el('div', 'jp-proxyrm-sub', p.run));
      st = build(ctx, p);
      states.set(ctx.root, st);
      showItem(ctx, st, p.oracle, p.item, p.rubric, p.progress);
      // Ask for the current tuple: the saved payload may be older than the journal.
      st.channel.send({ type: 'label.next', widget: p.widget }).catch((e: Error) => (ctx.slot('status', 'jp-proxyrm-sub').textContent = e.message));
    }
  },
  dispose(root) {
    states.get(root)?.channel.close();
    states.delete(root);
  },
};
