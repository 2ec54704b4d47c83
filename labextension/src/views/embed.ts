/** embed: the pool's two embedding views (IFT, EFT) projected on their top two principal components. */
import { escapePlotlyText } from '../escape';
import { draw, type Trace } from '../plot';
import type { View } from '../view';
import { header } from './common';

export const embedView: View = {
  versions: [1],
  async render(ctx, p) {
    const proj = p.projection;
    header(ctx, 'embed: the pool in embedding space', p, [
      ['rows', p.rows],
      ['dim', p.dim],
      ['views', p.views.join(', ')],
      ['points drawn', proj.response_ids.length],
      ['thinned', proj.sampled ? 'yes, even stride' : 'no'],
    ]);
    const tasks = Array.from(new Set<string>(proj.tasks));
    const traces: Trace[] = [];
    (['ift', 'eft'] as const).forEach((view, v) => {
      const coords = proj[view];
      if (!coords) return;
      for (const task of tasks) {
        const idx = proj.tasks.map((t: string, i: number) => (t === task ? i : -1)).filter((i: number) => i >= 0);
        traces.push({
          type: 'scattergl', mode: 'markers', name: escapePlotlyText(task), legendgroup: task, showlegend: v === 0,
          xaxis: v === 0 ? 'x' : 'x2', yaxis: v === 0 ? 'y' : 'y2',
          x: idx.map((i: number) => coords.x[i]), y: idx.map((i: number) => coords.y[i]),
          text: idx.map((i: number) => escapePlotlyText(proj.response_ids[i])), hoverinfo: 'text+name', marker: { size: 5 },
        });
      }
    });
    const pct = (e: number[] | undefined) => (e ? e.map((x) => `${(x * 100).toFixed(0)}%`).join(' + ') : '');
    await draw(ctx.slot('projection'), traces, {
      title: { text: `PCA of IFT (${pct(proj.ift?.explained)}) and EFT (${pct(proj.eft?.explained)}) embeddings` },
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { title: { text: 'IFT PC1' } }, yaxis: { title: { text: 'PC2' } },
      xaxis2: { title: { text: 'EFT PC1' } }, yaxis2: { title: { text: 'PC2' } },
    }, { width: 760, height: 360 });
  },
};
