/** @proxyrm/kernel: the notebook API (and, under kernel/, the Jupyter kernel that runs it). */
export { clearOutput, display, setDisplaySink, type DisplaySink, type MimeBundle } from "./display";
export * as proxyrm from "./notebook";
export { open, ProxyRun, toMimeBundle, MIME_BUNDLE } from "./notebook";
