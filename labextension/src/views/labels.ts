/** labels: the paid expert labels, their scores against the seed EFT set's (the paper's imbalance). */
import { table } from '../dom';
import type { View } from '../view';
import { header, scoreHistogram } from './common';

export const labelsView: View = {
  versions: [1],
  async render(ctx, p) {
    header(ctx, 'label: expert labels on the selected responses', p, [
      ['oracle', p.oracle],
      ['budget', p.budget],
      ['expert queries', p.expert_queries],
      ['paid by this call', p.paid_now],
      ['cost', p.cost],
      ['labels', p.total],
    ]);
    await scoreHistogram(ctx.slot('histogram'), [['on-policy expert labels', p.histogram], ['seed EFT labels', p.seed_eft_histogram]], 'score histograms');
    const rows = (p.rows as Record<string, string | number>[]).map((r) => [r.response_id, r.prompt, r.response, r.score, r.rationale, r.oracle, r.cost]);
    ctx.slot('rows').replaceChildren(table(['response', 'prompt', 'response text', 'score', 'rationale', 'oracle', 'cost'], rows));
  },
};
