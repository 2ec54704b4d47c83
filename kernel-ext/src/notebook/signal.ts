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
