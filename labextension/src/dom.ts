/**
 * DOM helpers for the views. Text from a payload only ever goes in through textContent (or an
 * attribute value), never innerHTML: prompts, responses and rationales come from models and people.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | number | null): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export type Cell = string | number | boolean | null | undefined;

/** A number as a short string: integers as they are, others to 4 significant digits. */
export function fmt(value: Cell): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  return String(value);
}

export function table(columns: string[], rows: Cell[][], caption?: string): HTMLTableElement {
  const t = el('table', 'jp-proxyrm-table');
  if (caption) t.appendChild(el('caption', undefined, caption));
  const head = t.createTHead().insertRow();
  for (const c of columns) head.appendChild(el('th', undefined, c));
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) {
      const td = el('td', typeof cell === 'number' ? 'jp-proxyrm-num' : undefined, fmt(cell));
      tr.appendChild(td);
    }
  }
  return t;
}

/** A definition list of a payload's headline numbers. */
export function facts(pairs: [string, Cell][]): HTMLElement {
  const dl = el('dl', 'jp-proxyrm-facts');
  for (const [k, v] of pairs) {
    const pair = el('div', 'jp-proxyrm-fact');
    pair.append(el('dt', undefined, k), el('dd', undefined, fmt(v)));
    dl.appendChild(pair);
  }
  return dl;
}

export function heading(text: string): HTMLElement {
  return el('div', 'jp-proxyrm-title', text);
}
