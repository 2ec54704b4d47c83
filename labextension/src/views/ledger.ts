/** ledger: spend against the budget over the paid calls, with cache hits and failures. */
import { draw } from '../plot';
import type { View } from '../view';
import { header } from './common';
import type { LedgerCall } from '@proxyrm/kernel/dist/notebook/lab/payloads';


export const ledgerView: View = {
  versions: [1],
  async render(ctx, p) {
    const t = p.totals;
    header(ctx, 'cost ledger', p, [
      ['budget (calls)', p.budget],
      ['price per call', p.price],
      ['paid calls', t.paid],
      ['spend', t.spend],
      ['scored', t.scored],
      ['failures', t.failures],
      ['not billed', t.not_billed],
      ['cache hits', t.cache_hits],
      ['other paid (baselines)', t.other_paid],
      ['other spend', t.other_spend],
    ]);
    const calls = p.calls as LedgerCall[];
    const main = calls.filter((c) => c.tag === null);
    const failed = calls.filter((c) => c.status === 'no-score' || c.status === 'unknown');
    const budgetSpend = p.budget * p.price;
    const n = Math.max(1, calls.length);
    await draw(ctx.slot('spend'), [
      { type: 'scatter', mode: 'lines+markers', name: 'spend (main budget)', x: main.map((c) => c.call), y: main.map((c) => c.spend_so_far), line: { shape: 'hv' }, marker: { size: 4 } },
      { type: 'scatter', mode: 'lines', name: `budget (${p.budget} calls)`, x: [1, n], y: [budgetSpend, budgetSpend], line: { dash: 'dash', color: '#d62728' } },
      { type: 'scatter', mode: 'markers', name: 'failures', x: failed.map((c) => c.call), y: failed.map((c) => c.spend_so_far), marker: { symbol: 'x', size: 10, color: '#d62728' } },
    ], { title: { text: 'spend against budget over calls' }, xaxis: { title: { text: 'ledger line' } }, yaxis: { title: { text: 'spend' }, rangemode: 'tozero' } }, { height: 300 });
  },
};
