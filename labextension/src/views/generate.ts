/** generate: the on-policy pool M1 wrote, per task, with the first samples. */
import { table } from '../dom';
import { escapePlotlyText } from '../escape';
import { draw } from '../plot';
import type { View } from '../view';
import { header } from './common';

export const generateView: View = {
  versions: [1],
  async render(ctx, p) {
    header(ctx, 'generate: the on-policy pool', p, [
      ['k per prompt', p.k],
      ['temperature', p.temperature],
      ['pool prompts', p.pool_prompts],
      ['pool responses', p.pool_responses],
      ['held-out responses', p.heldout_responses],
      ['distinct share', p.distinct_share],
      ['empty responses', p.empty_responses],
    ]);
    const tasks = p.tasks as { task: string; prompts: number }[];
    await draw(ctx.slot('tasks'), [{ type: 'bar', x: tasks.map((t) => escapePlotlyText(t.task)), y: tasks.map((t) => t.prompts), name: 'prompts' }], {
      title: { text: 'pool prompts per task' },
    }, { height: 280 });
    const rows = (p.samples as { prompt_id: string; task: string; prompt: string; responses: string[] }[]).flatMap((s) =>
      s.responses.map((r, i) => [i === 0 ? s.prompt_id : '', i === 0 ? s.task : '', i === 0 ? s.prompt : '', r])
    );
    ctx.slot('samples').replaceChildren(table(['prompt id', 'task', 'prompt', 'response'], rows, 'first pool prompts and their responses'));
  },
};
