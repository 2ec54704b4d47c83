/**
 * progress: live training curves. A stage call shows one display and updates it in place by
 * display id; JupyterLab hands each update to the same renderer, so this view keeps the numbers
 * each update reports (loss, margin, accuracy, ...) per step and redraws one figure with
 * Plotly.react. Curves the payload carries itself (`curves`) are drawn as they are.
 */
import { el } from '../dom';
import { escapePlotlyText } from '../escape';
import { draw, type Trace } from '../plot';
import type { Payload, View } from '../view';

type Series = Map<string, { x: number[]; y: number[] }>;
const seen = new WeakMap<HTMLElement, Series>();

function record(root: HTMLElement, p: Payload): Series {
  let series = seen.get(root);
  if (!series) seen.set(root, (series = new Map()));
  const cur = p.current;
  if (cur && cur.info) {
    for (const [key, value] of Object.entries(cur.info as Record<string, number>)) {
      const name = `${cur.label} ${key}`;
      let s = series.get(name);
      if (!s) series.set(name, (s = { x: [], y: [] }));
      // The same step may be reported twice (a tick, then a step change): keep the last value.
      if (s.x.length && s.x[s.x.length - 1] === cur.done) s.y[s.y.length - 1] = value;
      else if (!s.x.length || cur.done > s.x[s.x.length - 1]) {
        s.x.push(cur.done);
        s.y.push(value);
      }
    }
  }
  return series;
}

export const progressView: View = {
  versions: [1],
  async render(ctx, p) {
    const head = ctx.slot('head', 'jp-proxyrm-head');
    const chips = el('div', 'jp-proxyrm-stages');
    for (const s of p.stages as { name: string; state: string }[]) {
      const chip = el('span', `jp-proxyrm-stage jp-proxyrm-stage-${s.state}`, s.name);
      chip.title = s.state;
      chips.appendChild(chip);
    }
    const cur = p.current;
    const bar = el('progress', 'jp-proxyrm-progress');
    if (cur && cur.total > 0) {
      bar.max = cur.total;
      bar.value = cur.done;
    }
    head.replaceChildren(
      el('div', 'jp-proxyrm-title', `${p.call}: ${p.status}`),
      el('div', 'jp-proxyrm-sub', `${p.run} · ${Number(p.seconds).toFixed(1)} s${cur ? ` · ${cur.label} ${cur.done}/${cur.total}` : ''}`),
      chips,
      bar,
      ...(p.message ? [el('div', `jp-proxyrm-message-line jp-proxyrm-${p.status}`, p.message)] : [])
    );
    const series = record(ctx.root, p);
    const traces: Trace[] = [];
    if (p.curves && typeof p.curves === 'object') {
      for (const [name, ys] of Object.entries(p.curves as Record<string, (number | null)[]>)) {
        traces.push({ type: 'scatter', mode: 'lines', name: escapePlotlyText(name), x: ys.map((_, i) => i + 1), y: ys });
      }
    } else {
      for (const [name, s] of series) traces.push({ type: 'scatter', mode: 'lines+markers', name: escapePlotlyText(name), x: s.x, y: s.y, marker: { size: 4 } });
    }
    if (traces.length) {
      await draw(ctx.slot('curves'), traces, { title: { text: 'training curves (live)' }, xaxis: { title: { text: 'step' } }, showlegend: true }, { height: 300 });
    }
  },
};
