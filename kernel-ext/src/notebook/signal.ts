/**
 * The one place the notebook API asks the kernel for the running cell's interrupt signal. The
 * kernel publishes `cellSignal()` under a global symbol (so every copy of this package sees
 * the same one); outside a kernel there is none and stages run until they finish.
 */
const KEY = Symbol.for("proxyrm.kernel.cellSignal");
type Holder = { [KEY]?: () => AbortSignal | undefined };

/** The current cell's AbortSignal (aborted on interrupt), or undefined outside the kernel. */
export function currentSignal(): AbortSignal | undefined {
  const cellSignal = (globalThis as Holder)[KEY];
  return typeof cellSignal === "function" ? cellSignal() : undefined;
}

const TERMINATIONS_KEY = Symbol.for("proxyrm.kernel.terminations");
type Counter = { [TERMINATIONS_KEY]?: () => number };

/** How long the kernel waits for a cooperative stop before it stops the main thread by force (control-thread.ts GRACE_MS). */
export const FORCED_STOP_GRACE_S = 5;

/** How many times the kernel has stopped the main thread by force (0 outside a kernel). */
export function forcedStops(): number {
  const count = (globalThis as Counter)[TERMINATIONS_KEY];
  return typeof count === "function" ? count() : 0;
}
