/** A ProxyRun: its settings and which stages are done. */
import { table } from '../dom';
import type { View } from '../view';
import { header } from './common';

export const runView: View = {
  versions: [1],
  render(ctx, p) {
    header(ctx, `proxyrm run (${p.preset}, seed ${p.seed})`, p, [
      ['strategy', p.strategy],
      ['budget', p.budget],
      ['rounds', p.rounds],
      ['proxy', p.proxy_kind],
      ['backend', p.backend],
      ['forked from', p.forked_from],
      ['next stage', p.next ?? 'finished'],
    ]);
    const rows = p.stages.map((s: { name: string; done: boolean; seconds: number | null }) => [s.name, s.done ? 'done' : 'pending', s.seconds]);
    ctx.slot('stages').replaceChildren(table(['stage', 'state', 'seconds'], rows));
  },
};
