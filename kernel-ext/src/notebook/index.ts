/**
 * The proxyrm notebook API: `const run = await proxyrm.open({ preset: "tiny", seed: 1, out: "runs/nb" })`,
 * then one call per stage (`await run.sft()`, `run.select()`, ..., `run.all()`), `run.fork({ strategy })`
 * to compare strategies from the same M1, and `run.table(name)` for danfo data frames. Every
 * result displays as `application/vnd.proxyrm.<kind>+json` + text/html + text/plain (docs/mime.md).
 */
import { display, type MimeBundle } from "../display";
import { plotlyLoader } from "./html";

export { open, ProxyRun, QUERY_LABELS_FILE, QUERY_TAG } from "./run";
export { ablate, AblationResult, type AblateOptions } from "./lab/ablation";
export { UncertaintyExplorer, QuerySet, type ExploreOptions, type QueryLabels } from "./lab/uncertainty";
export { Calibration } from "./lab/calibration";
export { CostLedger } from "./lab/ledger";
export { TrainingCurves } from "./lab/training";
export { LabelWidget } from "./lab/label-widget";
export { decodeFloat32, decodeInt32 } from "./lab/b64";
export type {
  DpoResult,
  EmbedResult,
  ForkOptions,
  GenerateResult,
  LabelsResult,
  MetricsResult,
  OpenOptions,
  PairsResult,
  ProxyResult,
  SelectionResult,
  SftResult,
  StageOptions,
} from "./run";
export { StageResult, type CallInfo, type StagePayload } from "./result";
export { KINDS, MIME_BUNDLE, mimeType, PAYLOAD_VERSION, toMimeBundle, type Displayable, type Kind, type Payload } from "./mime";
export { currentSignal } from "./signal";
export { plot, plotBundle, type PlotOptions } from "./plot";
export { loadDanfo, tableBundle, TABLE_ROWS, type DataFrame, type TablePayload } from "./frames";
export { UPDATE_INTERVAL_MS, type ProgressPayload } from "./progress";
export type { RunPayload } from "./run-view";
export type { SftPayload, GeneratePayload, EmbedPayload } from "./views/policy";
export type { SelectionPayload, LabelsPayload } from "./views/query";
export type { ProxyPayload } from "./views/proxy";
export type { PairsPayload, DpoPayload } from "./views/optimise";
export type { MetricsPayload } from "./views/metrics";
export type * from "./lab/payloads";
export { AbortedError, UserError } from "proxyrm/dist/errors";

/**
 * Shows the script that defines window.Plotly in this page, for a notebook whose output that
 * carried it was cleared (figures of later outputs then find it). Returns the bundle shown.
 */
export function loadPlotly(): MimeBundle {
  const bundle = { "text/html": plotlyLoader(true), "text/plain": "plotly loaded" };
  display(bundle);
  return bundle;
}
