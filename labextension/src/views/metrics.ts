/**
 * eval: the run's metrics, drawn as the calibration view: reliability diagrams with ECE for the
 * on-policy proxy against the off-policy evaluator, and the score histograms of seed EFT labels,
 * on-policy expert labels and held-out gold.
 */
import { draw, type Trace } from '../plot';
import type { View } from '../view';
import { header, scoreHistogram } from './common';
import type { ReliabilityBin } from '@proxyrm/kernel/dist/notebook/lab/payloads';


function reliabilityTrace(name: string, bins: ReliabilityBin[]): Trace {
  const used = bins.filter((b) => b.count > 0);
  return {
    type: 'scatter', mode: 'lines+markers', name,
    x: used.map((b) => b.confidence), y: used.map((b) => b.accuracy),
    marker: { size: used.map((b) => 6 + Math.min(14, Math.sqrt(b.count) * 2)) },
    text: used.map((b) => `bin ${b.lo.toFixed(1)}–${b.hi.toFixed(1)}: ${b.count} pairs`), hoverinfo: 'text+x+y',
  };
}

export const metricsView: View = {
  versions: [1],
  async render(ctx, p) {
    const m = p.metrics;
    header(ctx, `eval: ${m.strategy}, budget ${m.budget}, seed ${m.seed}`, p, [
      ['expert queries', m.expert_queries],
      ['expert cost', m.expert_cost],
      ['pairs per query', m.pairs_per_query],
      ['gold win rate', m.gold_win_rate],
      ['expert-only win rate', m.expert_only_gold_win_rate],
      ['proxy Spearman', m.proxy_spearman],
      ['off-policy Spearman', m.offpolicy_proxy_spearman],
      ['proxy pair accuracy', m.proxy_pair_accuracy],
      ['proxy ECE', m.proxy_ece],
      ['off-policy ECE', m.offpolicy_proxy_ece],
    ]);
    const ece = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
    const rel = m.reliability ?? {};
    await draw(ctx.slot('reliability'), [
      { type: 'scatter', mode: 'lines', name: 'perfect calibration', x: [0, 1], y: [0, 1], line: { dash: 'dot', color: 'gray' }, hoverinfo: 'skip' },
      ...(Array.isArray(rel.proxy) ? [reliabilityTrace(`on-policy proxy (ECE ${ece(m.proxy_ece)})`, rel.proxy)] : []),
      ...(Array.isArray(rel.offpolicy) ? [reliabilityTrace(`off-policy evaluator (ECE ${ece(m.offpolicy_proxy_ece)})`, rel.offpolicy)] : []),
    ], {
      title: { text: 'reliability on held-out pairs' },
      xaxis: { title: { text: 'predicted P(first preferred)' }, range: [0, 1] },
      yaxis: { title: { text: 'observed frequency' }, range: [0, 1] },
    }, { height: 360 });
    const h = m.histograms ?? {};
    await scoreHistogram(ctx.slot('histograms'), [['seed EFT labels', h.seed_eft_labels], ['on-policy expert labels', h.onpolicy_labels], ['held-out gold', h.heldout_gold]], 'score histograms');
  },
};
