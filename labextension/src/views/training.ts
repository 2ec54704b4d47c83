/**
 * training: live training curves (SFT, proxy, DPO losses; DPO reward margin and accuracy). A
 * stage call with `{ curves: true }` updates one display by id while it trains; each update
 * reaches this same renderer and Plotly.react redraws the same figure in place.
 */
import { escapePlotlyText } from '../escape';
import { draw, type Trace } from '../plot';
import type { View } from '../view';
import { header } from './common';
import type { TrainingSeries } from '@proxyrm/kernel/dist/notebook/lab/payloads';

const METRICS = ['loss', 'margin', 'accuracy'] as const;

export const trainingView: View = {
  versions: [1],
  async render(ctx, p) {
    const series = p.series as TrainingSeries[];
    header(ctx, `training curves: ${p.status}${p.current ? ` (training ${p.current})` : ''}`, p, series.map((s) => [`${s.name} ${s.metric} (last)`, s.values.length ? s.values[s.values.length - 1] : null]));
    const used = METRICS.filter((m) => series.some((s) => s.metric === m));
    const traces: Trace[] = series.map((s) => {
      const row = used.indexOf(s.metric) + 1;
      return {
        type: 'scatter', mode: 'lines', name: escapePlotlyText(`${s.name} ${s.metric}`),
        x: s.values.map((_, i) => i + 1), y: s.values,
        xaxis: row === 1 ? 'x' : `x${row}`, yaxis: row === 1 ? 'y' : `y${row}`,
      };
    });
    const layout: Record<string, unknown> = { title: { text: 'training curves' }, grid: { rows: Math.max(1, used.length), columns: 1, pattern: 'independent' }, showlegend: true };
    used.forEach((m, i) => {
      layout[i === 0 ? 'yaxis' : `yaxis${i + 1}`] = { title: { text: m } };
      layout[i === 0 ? 'xaxis' : `xaxis${i + 1}`] = { title: { text: i === used.length - 1 ? 'step' : '' } };
    });
    await draw(ctx.slot('curves'), traces, layout, { height: 200 + 160 * Math.max(1, used.length) });
  },
};
