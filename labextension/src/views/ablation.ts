/**
 * ablation: a live `proxyrm.ablate({...})`. Each finished cell updates the display; this view
 * draws metric against budget per strategy with its 95% band, one metric at a time (a selector
 * of the payload's metrics), and redraws in place on every update.
 */
import { el } from '../dom';
import { escapePlotlyText } from '../escape';
import { draw, type Trace } from '../plot';
import type { Payload, View, ViewContext } from '../view';
import { header } from './common';
import type { AblationBand, AblationCellRow } from '@proxyrm/kernel/dist/notebook/lab/payloads';


const chosen = new WeakMap<HTMLElement, string>();
const latest = new WeakMap<HTMLElement, Payload>();
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

async function drawMetric(ctx: ViewContext, p: Payload, metric: string): Promise<void> {
  const bands = (p.bands as AblationBand[]).filter((b) => b.metric === metric);
  const cells = p.cells as AblationCellRow[];
  const label = (p.metrics as { name: string; label: string }[]).find((m) => m.name === metric)?.label ?? metric;
  const traces: Trace[] = [];
  (p.strategies as string[]).forEach((strategy, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const mine = bands.filter((b) => b.strategy === strategy).sort((a, b) => a.budget - b.budget);
    const name = escapePlotlyText(strategy);
    if (mine.length) {
      // The band: the upper edge, then the lower edge filled up to it.
      traces.push({ type: 'scatter', mode: 'lines', x: mine.map((b) => b.budget), y: mine.map((b) => b.hi), line: { width: 0 }, legendgroup: name, showlegend: false, hoverinfo: 'skip' });
      traces.push({ type: 'scatter', mode: 'lines', x: mine.map((b) => b.budget), y: mine.map((b) => b.lo), line: { width: 0 }, fill: 'tonexty', fillcolor: rgba(colour, 0.18), legendgroup: name, showlegend: false, hoverinfo: 'skip' });
      traces.push({ type: 'scatter', mode: 'lines+markers', name, legendgroup: name, x: mine.map((b) => b.budget), y: mine.map((b) => b.mean), line: { color: colour }, text: mine.map((b) => `n=${b.n}, 95% [${b.lo.toFixed(3)}, ${b.hi.toFixed(3)}]`) });
    }
    const points = cells.filter((c) => c.strategy === strategy && typeof c.values[metric] === 'number');
    traces.push({ type: 'scatter', mode: 'markers', x: points.map((c) => c.budget), y: points.map((c) => c.values[metric]), marker: { color: colour, size: 5, opacity: 0.5 }, legendgroup: name, showlegend: false, text: points.map((c) => `seed ${c.seed}`) });
  });
  await draw(ctx.slot('plot'), traces, {
    title: { text: `${escapePlotlyText(label)} against budget (mean and 95% band over seeds)` },
    xaxis: { title: { text: 'expert budget' }, type: 'log', tickvals: p.budgets }, yaxis: { title: { text: escapePlotlyText(label) } },
  }, { height: 380 });
}

export const ablationView: View = {
  versions: [1],
  async render(ctx, p) {
    latest.set(ctx.root, p);
    header(ctx, `ablation: ${p.done} of ${p.total} cells (${p.status})`, { run: p.out, seconds: null }, [
      ['strategies', (p.strategies as string[]).join(', ')],
      ['budgets', (p.budgets as number[]).join(', ')],
      ['seeds', (p.seeds as number[]).join(', ')],
    ]);
    const controls = ctx.slot('controls', 'jp-proxyrm-controls');
    let select = controls.querySelector('select');
    if (!select) {
      select = el('select');
      select.setAttribute('aria-label', 'metric');
      select.addEventListener('change', () => {
        chosen.set(ctx.root, select!.value);
        void drawMetric(ctx, latest.get(ctx.root)!, select!.value);
      });
      controls.append(el('label', undefined, 'metric '), select);
    }
    const metrics = p.metrics as { name: string; label: string }[];
    const wanted = chosen.get(ctx.root) ?? p.metric;
    const metric = metrics.some((m) => m.name === wanted) ? wanted : p.metric;
    select.replaceChildren(...metrics.map((m) => {
      const o = el('option', undefined, m.label);
      o.value = m.name;
      return o;
    }));
    select.value = metric;
    if (p.message) ctx.slot('message', 'jp-proxyrm-sub').textContent = p.message;
    await drawMetric(ctx, p, metric);
  },
};
