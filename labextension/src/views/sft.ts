/** sft and dpo: the training curves of a finished stage. */
import type { View } from '../view';
import { curve, header } from './common';

export const sftView: View = {
  versions: [1],
  async render(ctx, p) {
    header(ctx, 'sft: M0 fine-tuned on the seed set → M1', p, [
      ['steps', p.steps],
      ['batch', p.batch_size],
      ['lr', p.lr],
      ['seed examples', p.seed_examples],
      ['loss first', p.loss.first],
      ['loss last', p.loss.last],
      ['loss min', p.loss.min],
      ['backend', p.backend],
    ]);
    await curve(ctx.slot('curve'), [['SFT loss', p.curve]], 'SFT loss per step');
  },
};

export const dpoView: View = {
  versions: [1],
  async render(ctx, p) {
    header(ctx, 'dpo: M1 trained on the proxy-labelled pairs → M2', p, [
      ['pairs', p.pairs],
      ['epochs', p.epochs],
      ['batch', p.batch_size],
      ['lr', p.lr],
      ['beta', p.beta],
      ['loss first', p.loss.first],
      ['loss last', p.loss.last],
      ['loss min', p.loss.min],
    ]);
    await curve(ctx.slot('curve'), [['DPO loss', p.curve]], 'DPO loss per step');
  },
};
