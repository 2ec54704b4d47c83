/**
 * calibration: does the proxy know when it is wrong? Reliability diagrams with ECE (on-policy
 * proxy against the off-policy evaluator), score histograms (seed EFT, on-policy expert, gold),
 * and |mean - gold| against std on held-out responses with the ±1σ / ±2σ lines and coverage.
 */
import { fmt } from '../dom';
import { draw, type Trace } from '../plot';
import type { View } from '../view';
import { header, scoreHistogram } from './common';
import type { EvaluatorCalibration } from '@proxyrm/kernel/dist/notebook/lab/payloads';


const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export const calibrationView: View = {
  versions: [1],
  async render(ctx, p) {
    const gold = p.heldout.gold as number[];
    const models: [string, EvaluatorCalibration][] = [['on-policy proxy', p.proxy as EvaluatorCalibration]];
    if (p.offpolicy) models.push(['off-policy evaluator', p.offpolicy as EvaluatorCalibration]);
    header(ctx, 'calibration on held-out responses', p, [
      ['held-out responses', gold.length],
      ...models.flatMap(([name, m]): [string, number | string | null][] => [
        [`${name} ECE`, m.ece],
        [`${name} within ±1σ`, pct(m.coverage.one_sigma)],
        [`${name} within ±2σ`, pct(m.coverage.two_sigma)],
        [`${name} Spearman(std, |error|)`, m.std_error_spearman],
      ]),
    ]);
    const reliability: Trace[] = [{ type: 'scatter', mode: 'lines', name: 'perfect calibration', x: [0, 1], y: [0, 1], line: { dash: 'dot', color: 'gray' }, hoverinfo: 'skip' }];
    for (const [name, m] of models) {
      const used = m.bins.filter((b) => b.count > 0);
      reliability.push({ type: 'scatter', mode: 'lines+markers', name: `${name} (ECE ${fmt(m.ece)})`, x: used.map((b) => b.confidence), y: used.map((b) => b.accuracy), text: used.map((b) => `${b.count} responses`), marker: { size: 8 } });
    }
    await draw(ctx.slot('reliability'), reliability, {
      title: { text: 'reliability: top-class probability against accuracy' },
      xaxis: { title: { text: 'confidence' }, range: [0, 1] }, yaxis: { title: { text: 'accuracy' }, range: [0, 1] },
    }, { height: 340 });
    await scoreHistogram(ctx.slot('histograms'), [['seed EFT (off-policy)', p.histograms.seed_eft], ['on-policy expert labels', p.histograms.expert], ['held-out gold', p.histograms.gold]], 'score histograms');
    const errorTraces: Trace[] = [];
    let maxStd = 0;
    for (const [name, m] of models) {
      maxStd = Math.max(maxStd, ...m.std);
      errorTraces.push({
        type: 'scattergl', mode: 'markers', name: `${name}: ${pct(m.coverage.one_sigma)} within 1σ, ${pct(m.coverage.two_sigma)} within 2σ`,
        x: m.std, y: m.mean.map((mu, i) => Math.abs(mu - gold[i])), marker: { size: 5, opacity: 0.7 },
      });
    }
    errorTraces.push(
      { type: 'scatter', mode: 'lines', name: '|error| = 1σ', x: [0, maxStd], y: [0, maxStd], line: { dash: 'dash', color: 'gray' }, hoverinfo: 'skip' },
      { type: 'scatter', mode: 'lines', name: '|error| = 2σ', x: [0, maxStd], y: [0, 2 * maxStd], line: { dash: 'dot', color: 'gray' }, hoverinfo: 'skip' }
    );
    await draw(ctx.slot('error'), errorTraces, {
      title: { text: 'does std track the error? |mean − gold| against std' },
      xaxis: { title: { text: 'predicted std' }, rangemode: 'tozero' }, yaxis: { title: { text: '|mean − gold|' }, rangemode: 'tozero' },
    }, { height: 360 });
  },
};
