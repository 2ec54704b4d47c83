/**
 * uncertainty: the explorer. The pool projected to 2-D (PCA or UMAP, computed in the kernel),
 * one WebGL trace coloured by the proxy's std (or the ensemble's disagreement), rings for the
 * strategy's picks per round and crosses for expert labels. Hovering fills a panel beside the
 * plot through textContent (prompt, response, mean ± std, expert score and rationale), so no
 * hover string is built per point and no data text reaches plotly. A lasso or box selection
 * sends the ids to the kernel (`lasso.select`), which keeps them as the explorer's query set.
 */
import type { KernelMessage } from '@proxyrm/kernel/dist/comm-messages';
import { decodeFloat32, decodeInt32 } from '../b64';
import { WidgetChannel } from '../comm';
import { el, fmt } from '../dom';
import { draw, loadPlotly, type Trace } from '../plot';
import type { Payload, View } from '../view';
import { header } from './common';
import type { UncertaintyLabel, UncertaintyPick } from '@proxyrm/kernel/dist/notebook/lab/payloads';


const channels = new WeakMap<HTMLElement, WidgetChannel>();
const ROUND_COLOURS = ['#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

function describe(panel: HTMLElement, p: Payload, data: Decoded, i: number): void {
  const label = data.labels.get(i);
  const pick = data.picks.get(i);
  const q = data.promptIndex[i];
  const rows: [string, string][] = [
    ['response', p.response_ids[i]],
    ['task', p.tasks[q] ?? ''],
    ['prompt', p.prompts[q] ?? ''],
    ['response text', p.responses[i] ?? ''],
    ['proxy', data.mean ? `${fmt(data.mean[i])} ± ${fmt(data.std ? data.std[i] : null)}` : 'not scored yet'],
  ];
  if (pick) rows.push(['picked', `round ${pick.round}, rank ${pick.rank}`]);
  if (label) rows.push(['expert', `${label.score} (${label.oracle})`], ['rationale', label.rationale]);
  panel.replaceChildren(...rows.map(([k, v]) => {
    const row = el('div', 'jp-proxyrm-hover-row');
    row.append(el('span', 'jp-proxyrm-hover-key', k), el('span', 'jp-proxyrm-hover-value', v));
    return row;
  }));
}

interface Decoded {
  x: Float32Array;
  y: Float32Array;
  mean: Float32Array | null;
  std: Float32Array | null;
  promptIndex: Int32Array;
  picks: Map<number, UncertaintyPick>;
  labels: Map<number, UncertaintyLabel>;
}

function decode(p: Payload): Decoded {
  return {
    x: decodeFloat32(p.x),
    y: decodeFloat32(p.y),
    mean: p.mean ? decodeFloat32(p.mean) : null,
    std: p.std ? decodeFloat32(p.std) : null,
    promptIndex: decodeInt32(p.prompt_index),
    picks: new Map((p.selected as UncertaintyPick[]).map((s) => [s.index, s])),
    labels: new Map((p.labelled as UncertaintyLabel[]).map((l) => [l.index, l])),
  };
}

export const uncertaintyView: View = {
  versions: [1],
  async render(ctx, p) {
    const data = decode(p);
    const explained = p.explained ? ` (${(p.explained as number[]).map((e) => `${(e * 100).toFixed(0)}%`).join(' + ')} of variance)` : '';
    header(ctx, `uncertainty explorer: ${p.projection.toUpperCase()} of the ${p.view.toUpperCase()} embeddings${explained}`, p, [
      ['points', p.n],
      ['colour', p.color === 'none' ? 'none (not scored yet)' : p.color],
      ['picked', p.selected.length],
      ['labelled', p.labelled.length],
    ]);
    const colourTitle = p.color === 'disagreement' ? 'ensemble disagreement' : 'proxy std';
    const traces: Trace[] = [{
      type: 'scattergl', mode: 'markers', name: 'pool', x: data.x, y: data.y, hoverinfo: 'none',
      marker: data.std && p.color !== 'none'
        ? { size: 5, color: data.std, colorscale: 'Viridis', showscale: true, colorbar: { title: { text: colourTitle }, thickness: 12 } }
        : { size: 5, color: 'gray' },
    }];
    const rounds = Array.from(new Set((p.selected as UncertaintyPick[]).map((s) => s.round))).sort((a, b) => a - b);
    for (const round of rounds) {
      const idx = (p.selected as UncertaintyPick[]).filter((s) => s.round === round).map((s) => s.index);
      traces.push({ type: 'scattergl', mode: 'markers', name: `picked, round ${round}`, x: idx.map((i) => data.x[i]), y: idx.map((i) => data.y[i]), customdata: idx, hoverinfo: 'none',
        marker: { symbol: 'circle-open', size: 11, line: { width: 2 }, color: ROUND_COLOURS[(round - 1) % ROUND_COLOURS.length] } });
    }
    const labelled = (p.labelled as UncertaintyLabel[]).map((l) => l.index);
    if (labelled.length) {
      traces.push({ type: 'scattergl', mode: 'markers', name: 'expert label', x: labelled.map((i) => data.x[i]), y: labelled.map((i) => data.y[i]), customdata: labelled, hoverinfo: 'none',
        marker: { symbol: 'x', size: 8, color: '#d62728' } });
    }
    const row = ctx.slot('explorer', 'jp-proxyrm-explorer');
    let plot = row.querySelector<HTMLElement>('.jp-proxyrm-explorer-plot');
    let panel = row.querySelector<HTMLElement>('.jp-proxyrm-hover');
    let status = ctx.slot('lasso', 'jp-proxyrm-sub');
    const fresh = !plot;
    if (!plot || !panel) {
      plot = el('div', 'jp-proxyrm-explorer-plot');
      panel = el('div', 'jp-proxyrm-hover', 'hover a point to read it; lasso or box-select points to send them to the kernel as a query set');
      row.replaceChildren(plot, panel);
    }
    await draw(plot, traces, {
      title: { text: 'pool responses' }, dragmode: 'lasso', hovermode: 'closest',
      xaxis: { title: { text: 'component 1' } }, yaxis: { title: { text: 'component 2' } }, legend: { orientation: 'h', y: -0.15 },
    }, { width: 620, height: 480 });
    if (!fresh) return;
    const hoverPanel = panel;
    const indexOf = (pt: { curveNumber: number; pointIndex: number; customdata?: number }) => (pt.curveNumber === 0 ? pt.pointIndex : (pt.customdata as number));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const gd = plot as any;
    await loadPlotly();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    gd.on('plotly_hover', (ev: any) => ev.points?.[0] && describe(hoverPanel, p, data, indexOf(ev.points[0])));
    const channel = new WidgetChannel(ctx.root, (msg: KernelMessage) => {
      if (msg.type === 'lasso.ack' && msg.widget === p.widget) {
        status.textContent = `query set in the kernel: ${msg.count} responses, ${msg.unlabelled} without an expert label (explorer.querySet())`;
        ctx.root.dataset.proxyrmLassoAck = String(msg.count);
      } else if (msg.type === 'error' && (msg.widget === undefined || msg.widget === p.widget)) {
        status.textContent = `kernel: ${msg.message}`;
      }
    });
    channels.set(ctx.root, channel);
    const send = (ids: string[]) => {
      status.textContent = `sending ${ids.length} responses to the kernel…`;
      channel.send({ type: 'lasso.select', widget: p.widget, response_ids: ids }).catch((err: Error) => (status.textContent = err.message));
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    gd.on('plotly_selected', (ev: any) => {
      if (!ev) return;
      const ids = new Set<string>();
      for (const pt of ev.points ?? []) ids.add(p.response_ids[indexOf(pt)]);
      send([...ids]);
    });
    gd.on('plotly_deselect', () => send([]));
    status = ctx.slot('lasso', 'jp-proxyrm-sub');
  },
  dispose(root) {
    channels.get(root)?.close();
    channels.delete(root);
  },
};
