/** @proxyrm/kernel: the notebook API (and, under kernel/, the Jupyter kernel that runs it). */
export { clearOutput, display, setDisplaySink, type DisplaySink, type MimeBundle } from "./display";
export * as proxyrm from "./notebook";
export { open, ProxyRun, toMimeBundle, MIME_BUNDLE } from "./notebook";
// The kernel's runtime API (kernel/): comms, the running cell's AbortSignal, comm message types.
export { comms, Comm, type CommMessage, type CommTargetHandler, type SendOptions } from "./kernel/comms";
export { cellSignal } from "./kernel/cell-signal";
export {
  COMM_TARGET,
  type CommError,
  type CommTarget,
  type FrontendMessage,
  type HelloReply,
  type HelloRequest,
  type KernelMessage,
  type ProxyrmCommMessage,
} from "./comm-messages";
