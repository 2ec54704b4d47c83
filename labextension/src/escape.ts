/**
 * plotly draws hover text, trace names and titles as a subset of HTML and decodes entities, so
 * every string from a payload is entity-escaped before it reaches a figure: `<img onerror=…>`
 * then shows as those characters instead of becoming markup.
 */
// Only these three: with no `<` left no tag can form, and plotly decodes exactly these back
// (it would show `&quot;` literally).
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapePlotlyText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITIES[c]);
}

/** A long text cut for a hover box, escaped; plotly's <br> is the only markup we add. */
export function hoverLine(label: string, text: string, max = 160): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return `${escapePlotlyText(label)}: ${escapePlotlyText(cut)}`;
}
