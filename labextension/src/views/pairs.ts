/** pairs: the preference pairs the proxy's scores made, TRL columns plus margin. */
import { table } from '../dom';
import { draw } from '../plot';
import type { View } from '../view';
import { header } from './common';

export const pairsView: View = {
  versions: [1],
  async render(ctx, p) {
    header(ctx, 'pairs: preference pairs from the proxy', p, [
      ['pairs', p.pairs],
      ['pool prompts', p.pool_prompts],
      ['expert queries', p.expert_queries],
      ['pairs per query', p.pairs_per_query],
      ['margin mean', p.margin.mean],
      ['margin min', p.margin.min],
      ['margin max', p.margin.max],
    ]);
    const rows = p.rows as { prompt: string; chosen: string; rejected: string; margin: number }[];
    await draw(ctx.slot('margins'), [{ type: 'histogram', x: rows.map((r) => r.margin), name: 'margin', nbinsx: 20 }], {
      title: { text: `margin of the first ${rows.length} pairs` }, xaxis: { title: { text: 'proxy score margin' } },
    }, { height: 260 });
    ctx.slot('rows').replaceChildren(table(['prompt', 'chosen', 'rejected', 'margin'], rows.map((r) => [r.prompt, r.chosen, r.rejected, r.margin])));
  },
};
