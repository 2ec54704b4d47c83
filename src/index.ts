/**
 * The public API of the `proxyrm` package: what notebooks, the kernel's notebook API and other
 * programs import. Anything under dist/ not re-exported here is internal and may change.
 */
export { runPipeline, RunSession, STAGES, stagesFor, metricsFile, preflight, type RunOptions, type RunResult, type Stage } from "./pipeline";
export { resolveConfig, readConfigFile, validateConfig, isExternalPolicy, PRESETS, type DeepPartial, type PresetName, type RunConfig } from "./config";
export { AbortedError, BadFileError, BadOptionError, BudgetExhaustedError, CallAbortedError, EndpointError, UserError } from "./errors";
export { abortRequested, setAbortCheck, throwIfAborted, type AbortCheck } from "./abort";
export { silentProgress, type Progress } from "./progress";
export type { EmbeddingTable, EmbeddingView, LabelRow, PairRow, PromptRow, ProxyScoreRow, ResponseRow, ResponseSource, Split } from "./types";

// Run directory files.
export { readLabels, readPairs, readPrompts, readProxyScores, readResponses, readArrowIpc, writeResponses } from "./store/arrow-tables";
export { readEmbeddings, type EmbeddingMatrix, type ReadEmbeddingsOptions } from "./store/embeddings";
export { readManifest, MANIFEST_FILE, type Manifest, type StageRecord } from "./store/manifest";
export { writeFileAtomic } from "./store/atomic";

// The expert ledger and the human oracle.
export { LEDGER_FILE, PAID_STATUSES, countCalls, ledgerCounts, ledgerRecords, paidCalls, paidCallsOf, readLedger } from "./oracle/ledger";
export type { CallStatus, ClosingRecord, LedgerCounts, LedgerRecord, LedgerState, PendingRecord, ScoredRecord } from "./oracle/ledger";
export { HUMAN_RUBRIC, HumanLabeller, LabelsAwaitedError, type HumanProgress, type HumanTask, type SubmitResult } from "./oracle/human";

// Figures, markup and ablations.
export { headlineFigure, reliabilityFigure, scoreHistogramFigure, trainingCurvesFigure } from "./report/figures";
export { escapeHtml, html, inlineScriptSource, jsonForScript, SafeHtml, type Figure, type HtmlValue } from "./report/html";
export { ABLATION_METRICS, summarise, wholeRun, type AblationMetric, type AblationRow, type AnyAblationRow, type CellSummary } from "./ablate/results";
export { curveFigure, renderAblation } from "./ablate/report";
export { SHARED_STAGES, seedCell } from "./ablate/grid";
