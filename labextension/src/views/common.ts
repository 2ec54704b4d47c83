/** Pieces several views share: the header line and the score-histogram figure. */
import { el, facts, type Cell } from '../dom';
import { escapePlotlyText } from '../escape';
import { draw, type Trace } from '../plot';
import type { Payload, ViewContext } from '../view';

export const SCORES = [0, 1, 2, 3, 4, 5];

/** Title, run directory and the stage's own numbers, redrawn on every render. */
export function header(ctx: ViewContext, title: string, payload: Payload, numbers: [string, Cell][] = []): void {
  const head = ctx.slot('head', 'jp-proxyrm-head');
  const ran = Array.isArray(payload.ran) && payload.ran.length ? `ran ${payload.ran.join(', ')}` : null;
  const seconds = typeof payload.seconds === 'number' ? `${payload.seconds.toFixed(1)} s` : null;
  head.replaceChildren(
    el('div', 'jp-proxyrm-title', title),
    el('div', 'jp-proxyrm-sub', [payload.run, ran, seconds].filter(Boolean).join(' · ')),
    facts(numbers)
  );
}

/** Grouped bars of 0..5 score counts, one trace per named series. */
export async function scoreHistogram(node: HTMLElement, series: [string, number[] | null | undefined][], title: string): Promise<void> {
  const traces: Trace[] = series
    .filter(([, counts]) => Array.isArray(counts))
    .map(([name, counts]) => ({ type: 'bar', name: escapePlotlyText(name), x: SCORES, y: counts }));
  await draw(node, traces, { title: { text: title }, barmode: 'group', xaxis: { title: { text: 'score' }, dtick: 1 }, yaxis: { title: { text: 'count' } } }, { height: 300 });
}

/** A loss (or any per-step) curve; nulls (non-finite steps) leave gaps. */
export async function curve(node: HTMLElement, series: [string, (number | null)[]][], title: string, ytitle = 'loss'): Promise<void> {
  const traces: Trace[] = series.map(([name, ys]) => ({ type: 'scatter', mode: 'lines', name: escapePlotlyText(name), x: ys.map((_, i) => i + 1), y: ys }));
  await draw(node, traces, { title: { text: title }, xaxis: { title: { text: 'step' } }, yaxis: { title: { text: ytitle } }, showlegend: series.length > 1 }, { height: 300 });
}
