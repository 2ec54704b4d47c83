/** @proxyrm/kernel: the notebook API (and, under kernel/, the Jupyter kernel that runs it). */
export { clearOutput, display, setDisplaySink, type DisplaySink, type MimeBundle } from "./display";
export * as proxyrm from "./notebook";
export { open, ProxyRun, toMimeBundle, MIME_BUNDLE } from "./notebook";
// The kernel's runtime API (kernel/): comms, the running cell's AbortSignal, comm message types.
export { comms, Comm, type CommMessage, type CommTargetHandler, type SendOptions } from "./kernel/comms";
export { cellSignal } from "./kernel/cell-signal";
export { registerWidget, type WidgetHandler } from "./kernel/widgets";
export type * from "./comm-messages";
export { COMM_TARGET, FRONTEND_TYPES, MAX_LASSO_IDS } from "./comm-messages";
// The lab views' payloads (the extension draws them; Payload itself is the notebook API's).
export type {
  AblationBand,
  AblationCellRow,
  AblationPayload,
  B64,
  CalibrationPayload,
  EvaluatorCalibration,
  LabelWidgetPayload,
  LedgerCall,
  LedgerPayload,
  ReliabilityBin,
  TrainingPayload,
  TrainingSeries,
  TrainingStatus,
  UncertaintyLabel,
  UncertaintyPayload,
  UncertaintyPick,
} from "./notebook/lab/payloads";
