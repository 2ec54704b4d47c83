/**
 * The memory the kernel's two threads share about interrupts: Int32 words and two timestamps
 * in SharedArrayBuffers, so the control thread can ask for a stop while the main thread is in
 * the middle of a synchronous stretch (a training step, a generation batch), and every library
 * loop can see the request at its next step without the main thread's event loop turning.
 *
 * The main thread installs proxyrm's abort check (src/abort.ts) on FLAG; the control thread
 * sets FLAG on interrupt_request or SIGINT while a cell runs; a new cell clears it.
 */
// The module, not the package entry: the kernel starts before anything heavy loads.
import { setAbortCheck } from "proxyrm/dist/abort";

/** Word indices of `InterruptMemory.words`. */
export const FLAG = 0;
/** 1 while a cell runs (from execute_request to its reply). */
export const CELL = 1;
/** 1 while a cell's asynchronous part runs (its synchronous part is breakOnSigint's to stop). */
export const USER_CODE = 2;
/** 1 while the main thread waits for the converter (kernel work: never terminated). */
export const BLOCKED = 3;
/** How many times the control thread stopped the main thread with terminateExecution. */
export const TERMINATIONS = 4;
/** Bumped by every new cell, so a late terminate never hits a cell that started after the interrupt. */
export const CELL_SEQ = 5;
const WORDS = 6;

/** Indices of `InterruptMemory.times` (Date.now() values). */
export const BEAT = 0;
export const HANDLED = 1;

export interface InterruptMemory {
  words: Int32Array;
  times: BigInt64Array;
}

export function createInterruptMemory(): InterruptMemory {
  return { words: new Int32Array(new SharedArrayBuffer(WORDS * 4)), times: new BigInt64Array(new SharedArrayBuffer(16)) };
}

const TERMINATIONS_KEY = Symbol.for("proxyrm.kernel.terminations");
type Holder = { [TERMINATIONS_KEY]?: () => number };

/**
 * Main thread: every proxyrm loop stops at its next step once FLAG is set, and the notebook API
 * (any copy of it) can read how many times the kernel stopped the main thread by force.
 */
export function installInterruptMemory(memory: InterruptMemory): void {
  setAbortCheck(() => Atomics.load(memory.words, FLAG) === 1);
  (globalThis as Holder)[TERMINATIONS_KEY] = () => Atomics.load(memory.words, TERMINATIONS);
}
