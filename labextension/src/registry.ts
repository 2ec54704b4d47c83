/**
 * The one place that maps each proxyrm MIME kind to its view. A kind added to the kernel
 * (kernel-ext/schemas/<kind>.schema.json) gets its renderer here and nowhere else.
 */
import type { View } from './view';
import { ablationView } from './views/ablation';
import { calibrationView } from './views/calibration';
import { labelWidgetView } from './views/label-widget';
import { ledgerView } from './views/ledger';
import { trainingView } from './views/training';
import { uncertaintyView } from './views/uncertainty';
import { embedView } from './views/embed';
import { generateView } from './views/generate';
import { labelsView } from './views/labels';
import { metricsView } from './views/metrics';
import { pairsView } from './views/pairs';
import { progressView } from './views/progress';
import { proxyView } from './views/proxy';
import { runView } from './views/run';
import { selectionView } from './views/selection';
import { dpoView, sftView } from './views/sft';
import { tableView } from './views/table';

export const VIEWS: Record<string, View> = {
  progress: progressView,
  run: runView,
  sft: sftView,
  generate: generateView,
  embed: embedView,
  selection: selectionView,
  labels: labelsView,
  proxy: proxyView,
  pairs: pairsView,
  dpo: dpoView,
  metrics: metricsView,
  table: tableView,
  uncertainty: uncertaintyView,
  calibration: calibrationView,
  training: trainingView,
  ledger: ledgerView,
  ablation: ablationView,
  'label-widget': labelWidgetView,
};

export const mimeTypeOf = (kind: string): string => `application/vnd.proxyrm.${kind}+json`;
export const MIME_TYPES = Object.keys(VIEWS).map(mimeTypeOf);

export function kindOf(mimeType: string): string {
  const m = /^application\/vnd\.proxyrm\.([a-z-]+)\+json$/.exec(mimeType);
  if (!m || !(m[1] in VIEWS)) throw new Error(`not a proxyrm MIME type: ${mimeType}`);
  return m[1];
}
