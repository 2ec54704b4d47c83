/** fit and score: the proxy reward model, what it was fit on, and how it scores the pool. */
import { el, table } from '../dom';
import type { View } from '../view';
import { curve, header, scoreHistogram } from './common';

type Scored = { response_id: string; prompt: string; response: string; mean: number; std: number };

export const proxyView: View = {
  versions: [1],
  async render(ctx, p) {
    const s = p.scores;
    header(ctx, `${p.stage}: the proxy reward model (${p.proxy_kind})`, p, [
      ['members', p.members],
      ['trained on', p.trained_on],
      ['pool scored', s?.n ?? null],
      ['mean of mean', s?.mean_of_mean ?? null],
      ['mean of std', s?.mean_of_std ?? null],
      ['in-sample Spearman', s?.labelled_spearman ?? null],
    ]);
    await scoreHistogram(ctx.slot('histogram'), [['expert labels it was fit on', p.label_histogram], ['proxy mean on the pool (rounded)', s?.mean_histogram]], 'scores');
    if (Array.isArray(p.curve)) await curve(ctx.slot('curve'), [['EFT judge loss', p.curve]], 'EFT judge loss per step');
    const rows = (list: Scored[]) => list.map((r) => [r.response_id, r.prompt, r.response, r.mean, r.std]);
    ctx.slot('extremes').replaceChildren(
      ...(s
        ? [table(['response', 'prompt', 'response text', 'mean', 'std'], rows(s.top), 'highest proxy means'), table(['response', 'prompt', 'response text', 'mean', 'std'], rows(s.bottom), 'lowest proxy means')]
        : [el('div', 'jp-proxyrm-sub', 'the pool is not scored yet: run.score()')])
    );
  },
};
