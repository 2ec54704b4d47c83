/**
 * Generated blocks inside hand-written pages: the text between two HTML-comment markers is
 * owned by a script, the rest of the page by people. One helper so every page refuses a missing
 * marker the same way instead of being rewritten whole.
 */
export interface BlockMarkers {
  start: string;
  end: string;
}

/** `doc` with the text between `markers` replaced by `block`; throws, naming `page`, if a marker is missing. */
export function withMarkedBlock(doc: string, markers: BlockMarkers, block: string, page: string): string {
  const i = doc.indexOf(markers.start);
  const j = doc.indexOf(markers.end);
  if (i < 0 || j < i) throw new Error(`${page} has no ${markers.start} ... ${markers.end} block`);
  return `${doc.slice(0, i + markers.start.length)}\n${block}\n${doc.slice(j)}`;
}
