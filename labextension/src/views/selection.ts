/** select: which pool responses the strategy picked, per task and in pick order. */
import { table } from '../dom';
import { escapePlotlyText } from '../escape';
import { draw } from '../plot';
import type { View } from '../view';
import { header } from './common';

export const selectionView: View = {
  versions: [1],
  async render(ctx, p) {
    header(ctx, `select: ${p.strategy} picks`, p, [
      ['budget', p.budget],
      ['rounds', p.rounds],
      ['pool', p.pool_size],
      ['picks', p.picks.length],
      ['prompts covered', p.prompts_covered],
    ]);
    const tasks = p.tasks as { task: string; pool: number; picked: number }[];
    const x = tasks.map((t) => escapePlotlyText(t.task));
    await draw(ctx.slot('tasks'), [
      { type: 'bar', name: 'share of pool', x, y: tasks.map((t) => t.pool / Math.max(1, p.pool_size)) },
      { type: 'bar', name: 'share of picks', x, y: tasks.map((t) => t.picked / Math.max(1, p.picks.length)) },
    ], { title: { text: 'tasks: pool against picks' }, barmode: 'group', yaxis: { title: { text: 'share' }, tickformat: '.0%' } }, { height: 280 });
    const rows = (p.picks as Record<string, string | number>[]).slice(0, 50).map((r) => [r.rank, r.round, r.response_id, r.task, r.prompt, r.response]);
    ctx.slot('picks').replaceChildren(table(['rank', 'round', 'response', 'task', 'prompt', 'response text'], rows, p.picks.length > 50 ? `first 50 of ${p.picks.length} picks` : 'picks'));
  },
};
