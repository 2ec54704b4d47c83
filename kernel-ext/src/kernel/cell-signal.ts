/**
 * The running cell's AbortSignal, aborted when the kernel is interrupted. Long library stages
 * take an AbortSignal and check it every batch; the notebook API passes this one down:
 * ```ts
 * import { cellSignal } from "@proxyrm/kernel";
 * await trainProxy(data, config, { signal: cellSignal });
 * ```
 * A live binding: it names the signal of the cell that runs now. Between cells (comm handlers,
 * timers) and outside a kernel it is a signal that never fires: an interrupt stops cells, and
 * a stage a cell started keeps the signal it read then. The same signal is published under
 * `Symbol.for("proxyrm.kernel.cellSignal")` (a function returning it) for copies of the
 * notebook API loaded from elsewhere (notebook/signal.ts reads it there).
 */
const IDLE: AbortSignal = new AbortController().signal;
export let cellSignal: AbortSignal = IDLE;

let controller: AbortController | null = null;

const KEY = Symbol.for("proxyrm.kernel.cellSignal");
type Holder = { [KEY]?: () => AbortSignal | undefined };

/** @internal The kernel starts: publish the signal under the global symbol. */
export function publishCellSignal(): void {
  (globalThis as Holder)[KEY] = () => cellSignal;
}

/** @internal The kernel starts a cell: a fresh signal. */
export function beginCell(): AbortSignal {
  controller = new AbortController();
  cellSignal = controller.signal;
  return cellSignal;
}

/** @internal The cell finished; a later interrupt no longer touches its signal. */
export function endCell(): void {
  controller = null;
  cellSignal = IDLE;
}

/** @internal Interrupt: aborts the running cell's signal with an AbortError. */
export function abortCell(): void {
  controller?.abort(new DOMException("the kernel was interrupted", "AbortError"));
}
