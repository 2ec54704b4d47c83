/**
 * Interrupting synchronous code that no signal handler can reach.
 *
 * A cell's synchronous top level runs under vm's breakOnSigint, and an awaited promise is
 * abandoned by the SIGINT handler. What is left is a busy loop *after* an `await` (say
 * `await load(); while (heavy) ...`): it runs as a promise continuation, outside the vm
 * call, and blocks the thread that would run the SIGINT handler. For that case:
 *
 * - a `/bin/sh` helper in the kernel's process group traps SIGINT and prints a line (Jupyter
 *   interrupts with killpg, so it gets the same signal);
 * - this module's worker thread reads the line and, GRACE_MS later, looks at the main
 *   thread's heartbeat (a timestamp it stores every BEAT_MS from its event loop);
 * - if the beat is older than the grace while a cell's asynchronous part runs and the main
 *   thread has not handled a SIGINT since, it is stuck in user code: the worker stops that code
 *   with the inspector's Runtime.terminateExecution (connectToMainThread). The main thread's
 *   event loop then runs the SIGINT handler, which ends the cell as interrupted. A main thread
 *   that is not stuck handles SIGINT itself.
 *
 * The main thread marks only a cell's asynchronous part (its synchronous part is
 * breakOnSigint's), says when it handled a SIGINT (its handler ran, or breakOnSigint stopped a
 * cell), and marks its waits for the converter, so the worker neither terminates the kernel's
 * own work nor acts twice on one signal (a second cell started right after an interrupt).
 */
import { spawn } from "node:child_process";
import { Session } from "node:inspector";
import { Worker, isMainThread, workerData } from "node:worker_threads";

const GRACE_MS = 300;
/** A SIGINT the main thread handled up to this long before the helper's line is that signal. */
const SAME_SIGNAL_MS = 200;
const BEAT_MS = 50;
/** Prints a line per SIGINT; exits when the kernel closes its stdin (or dies). */
const TRAP_SCRIPT = 'trap "hit=1; echo" INT; while :; do hit=0; read -r line || [ $hit = 1 ] || exit 0; done';

const RUNNING = 0;
const BLOCKED = 1;

interface WatchdogData {
  proxyrmInterruptWatchdog: true;
  /** [RUNNING]: 1 while user code runs on the main thread; [BLOCKED]: 1 while it waits for the
   *  converter thread (kernel work, not user code). */
  state: Int32Array;
  /** [0]: Date.now() of the main thread's last heartbeat; [1]: of the last SIGINT it handled. */
  beat: BigInt64Array;
}

export interface InterruptWatchdog {
  /** Around a cell's asynchronous part: true once its synchronous part returned, false when it settled. */
  userCode(running: boolean): void;
  /** The main thread handled a SIGINT (its handler ran, or breakOnSigint stopped a cell). */
  handled(): void;
  /** Around a synchronous wait for the converter thread. */
  blocked(waiting: boolean): void;
}

/** Starts the watchdog thread; null where there is no /bin/sh (Windows). */
export function startInterruptWatchdog(log: (line: string) => void): InterruptWatchdog | null {
  if (process.platform === "win32") return null;
  const state = new Int32Array(new SharedArrayBuffer(8));
  const beat = new BigInt64Array(new SharedArrayBuffer(16));
  const heartbeat = () => void Atomics.store(beat, 0, BigInt(Date.now()));
  heartbeat();
  setInterval(heartbeat, BEAT_MS).unref();
  const data: WatchdogData = { proxyrmInterruptWatchdog: true, state, beat };
  const worker = new Worker(__filename, { workerData: data, stdout: true, stderr: true });
  worker.stdout.on("data", (chunk: Buffer) => log(chunk.toString()));
  worker.stderr.on("data", (chunk: Buffer) => log(chunk.toString()));
  worker.on("error", (err) => log(`interrupt watchdog failed: ${err.stack ?? err}\n`));
  worker.unref();
  return {
    userCode: (running) => void Atomics.store(state, RUNNING, running ? 1 : 0),
    handled: () => void Atomics.store(beat, 1, BigInt(Date.now())),
    blocked: (waiting) => void Atomics.store(state, BLOCKED, waiting ? 1 : 0),
  };
}

/**
 * Stops the main thread's current JavaScript. The session exists only for this: a session left
 * attached makes Node print "Waiting for the debugger to disconnect..." when the kernel exits.
 */
function terminateMainThread(): void {
  const session = new Session();
  session.connectToMainThread();
  const done = () => session.disconnect();
  const fallback = setTimeout(done, 1000);
  session.post("Runtime.terminateExecution", () => {
    clearTimeout(fallback);
    done();
  });
}

function watch({ state, beat }: WatchdogData): void {
  const helper = spawn("/bin/sh", ["-c", TRAP_SCRIPT], { stdio: ["pipe", "pipe", "ignore"] });
  helper.on("error", (err) => process.stderr.write(`interrupt helper failed: ${err.message}\n`));
  helper.stdout.on("data", (chunk: Buffer) => {
    for (const byte of chunk) {
      if (byte !== 0x0a) continue;
      const seenAt = Date.now();
      setTimeout(() => {
        const stuck = Date.now() - Number(Atomics.load(beat, 0)) > GRACE_MS;
        const handled = Number(Atomics.load(beat, 1)) >= seenAt - SAME_SIGNAL_MS;
        const inUserCode = Atomics.load(state, RUNNING) === 1 && Atomics.load(state, BLOCKED) === 0;
        if (stuck && inUserCode && !handled) terminateMainThread();
      }, GRACE_MS);
    }
  });
}

if (!isMainThread && (workerData as WatchdogData | undefined)?.proxyrmInterruptWatchdog) {
  watch(workerData as WatchdogData);
}
