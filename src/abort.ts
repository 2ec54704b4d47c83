/**
 * Whether a long loop should stop now: its AbortSignal fired, or the host installed an abort
 * check that says so. The check exists for the notebook kernel: an interrupt arrives on another
 * thread and lands in shared memory, which a loop can read mid-way through a synchronous
 * stretch, when no AbortSignal could have fired yet. src/ never imports the kernel: the kernel
 * installs its check under a global symbol (every copy of this module sees the same one).
 */
import { AbortedError } from "./errors";

export type AbortCheck = () => boolean;

const KEY = Symbol.for("proxyrm.abortCheck");
type Holder = { [KEY]?: AbortCheck };

/** Installs (or with undefined removes) the process-wide abort check. */
export function setAbortCheck(check: AbortCheck | undefined): void {
  if (check) (globalThis as Holder)[KEY] = check;
  else delete (globalThis as Holder)[KEY];
}

/** True when `signal` fired or the installed check asks every loop to stop. */
export function abortRequested(signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const check = (globalThis as Holder)[KEY];
  return typeof check === "function" && check();
}

/** Throws AbortedError(stage) when abortRequested(signal). Called once per step by every training, sampling and scoring loop. */
export function throwIfAborted(signal: AbortSignal | undefined, stage: string): void {
  if (abortRequested(signal)) throw new AbortedError(stage);
}
