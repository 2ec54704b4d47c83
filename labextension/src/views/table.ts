/** A danfo DataFrame (run.table(name), .frame()): its first rows as a text-only table. */
import { el, table } from '../dom';
import type { View } from '../view';

export const tableView: View = {
  versions: [1],
  render(ctx, p) {
    const title = `${p.name ?? 'frame'}: ${p.shape[0]} rows × ${p.shape[1]} columns`;
    const columns = ['', ...p.columns.map((c: { name: string; dtype: string }) => `${c.name} (${c.dtype})`)];
    const rows = p.rows.map((row: unknown[], i: number) => [p.index[i], ...row]);
    ctx.slot('body').replaceChildren(
      el('div', 'jp-proxyrm-title', title),
      table(columns, rows),
      ...(p.truncated ? [el('div', 'jp-proxyrm-sub', `first ${p.rows.length} of ${p.shape[0]} rows`)] : [])
    );
  },
};
