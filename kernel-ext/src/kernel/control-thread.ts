/**
 * The kernel's control thread: a worker_thread that serves the heartbeat and the control
 * channel and turns interrupts into the shared abort flag, as ipykernel's control thread does.
 * The main thread runs cells (tslab's loop); a long synchronous stretch there (the converter
 * build, a training step) must not make the kernel look dead or delay an interrupt.
 *
 * - Heartbeat: the REP socket echoes every ping from this thread.
 * - Control: interrupt_request and kernel_info_request are answered here; shutdown_request is
 *   answered here and handed to the main thread, which closes its sockets and exits.
 *   Busy/idle statuses go out on iopub, which the main thread owns: it publishes them when its
 *   event loop next turns.
 * - Interrupts, both modes: interrupt_request (interrupt_mode "message") and SIGINT
 *   (interrupt_mode "signal", seen through a /bin/sh helper in the kernel's process group, since
 *   Jupyter interrupts with killpg) set FLAG while a cell runs, so every proxyrm loop stops at its
 *   next step. interrupt_request also raises SIGINT in this process, so the main thread's own
 *   interrupt path (breakOnSigint for a cell's synchronous part, the SIGINT handler for its
 *   awaited part) runs as it does in signal mode.
 * - Last resort: GRACE_MS after an interrupt, if the main thread's event loop has not turned
 *   during the whole grace while the same cell's asynchronous part runs (user code that checks
 *   no flag, `await x; while (true) {}`), this thread stops that code with the inspector's
 *   Runtime.terminateExecution and counts it in TERMINATIONS. `finally` blocks do not run after
 *   that, so the notebook API marks a run object whose stage was stopped this way as to be
 *   reopened (notebook/run.ts).
 */
import { spawn } from "node:child_process";
import { Session } from "node:inspector";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { BEAT, BLOCKED, CELL, CELL_SEQ, FLAG, HANDLED, TERMINATIONS, USER_CODE, createInterruptMemory, type InterruptMemory } from "./interrupt-memory";
import { Wire, type Header, type Message } from "./wire";

/** How long a cooperative stop may take before the main thread is stopped by force. */
export const GRACE_MS = 5000;
/** How long closing the control socket lets the shutdown_reply drain. */
const LINGER_MS = 1000;
/** How often the main thread stamps BEAT. */
const BEAT_MS = 50;
/** Prints a line per SIGINT; exits when the kernel closes its stdin (or dies). */
const TRAP_SCRIPT = 'trap "hit=1; echo" INT; while :; do hit=0; read -r line || [ $hit = 1 ] || exit 0; done';

export interface ControlConnection {
  transport: string;
  ip: string;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

interface ControlData {
  proxyrmControlThread: true;
  memory: InterruptMemory;
  connection: ControlConnection;
  /** The kernel_info_reply content (the main thread's handler computes it once). */
  kernelInfo: object;
  /** Whether to watch for SIGINT through the /bin/sh helper (not on Windows). */
  watchSignals: boolean;
}

/** Control thread -> main thread. */
export type ControlEvent =
  | { kind: "ready" }
  | { kind: "status"; state: "busy" | "idle"; parent: Header }
  | { kind: "shutdown"; restart: boolean }
  | { kind: "log"; line: string };

/** The main thread's side: marks what the control thread needs to know. */
export interface ControlThread {
  /** A cell starts (clears FLAG) or ends. */
  cell(running: boolean): void;
  /** Around a cell's asynchronous part. */
  userCode(running: boolean): void;
  /** The main thread handled a SIGINT (its handler ran, or breakOnSigint stopped a cell). */
  handled(): void;
  /** Around a synchronous wait for the converter thread. */
  blocked(waiting: boolean): void;
  /** Resolves once the heartbeat and control sockets are bound. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export function startControlThread(
  memory: InterruptMemory,
  connection: ControlConnection,
  kernelInfo: object,
  onEvent: (event: ControlEvent) => void,
): ControlThread {
  const { words, times } = memory;
  const beat = () => void Atomics.store(times, BEAT, BigInt(Date.now()));
  beat();
  setInterval(beat, BEAT_MS).unref();
  const data: ControlData = { proxyrmControlThread: true, memory, connection, kernelInfo, watchSignals: process.platform !== "win32" };
  const worker = new Worker(__filename, { workerData: data, stdout: true, stderr: true });
  worker.stdout.on("data", (chunk: Buffer) => onEvent({ kind: "log", line: chunk.toString() }));
  worker.stderr.on("data", (chunk: Buffer) => onEvent({ kind: "log", line: chunk.toString() }));
  const ready = new Promise<void>((resolve, reject) => {
    worker.on("message", (event: ControlEvent) => {
      if (event.kind === "ready") resolve();
      else onEvent(event);
    });
    worker.on("error", (err) => {
      onEvent({ kind: "log", line: `proxyrm kernel: control thread failed: ${err.stack ?? err}\n` });
      reject(err);
    });
  });
  worker.unref();
  return {
    cell(running) {
      if (running) {
        Atomics.store(words, FLAG, 0);
        Atomics.add(words, CELL_SEQ, 1);
      }
      Atomics.store(words, CELL, running ? 1 : 0);
    },
    userCode: (running) => void Atomics.store(words, USER_CODE, running ? 1 : 0),
    handled: () => void Atomics.store(times, HANDLED, BigInt(Date.now())),
    blocked: (waiting) => void Atomics.store(words, BLOCKED, waiting ? 1 : 0),
    ready,
    stop: async () => void (await worker.terminate()),
  };
}

export { createInterruptMemory };

// -- the worker ------------------------------------------------------------------------------

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

function post(event: ControlEvent): void {
  parentPort!.postMessage(event);
}

/** An interrupt arrived (either mode): ask every loop to stop, and arm the last resort. */
function interrupt({ words, times }: InterruptMemory): void {
  if (Atomics.load(words, CELL) !== 1) return;
  Atomics.store(words, FLAG, 1);
  const seq = Atomics.load(words, CELL_SEQ);
  const seenAt = Date.now();
  setTimeout(() => {
    const stuck = Date.now() - Number(Atomics.load(times, BEAT)) >= GRACE_MS;
    const sameCell = Atomics.load(words, CELL_SEQ) === seq && Atomics.load(words, CELL) === 1;
    const inUserCode = Atomics.load(words, USER_CODE) === 1 && Atomics.load(words, BLOCKED) === 0;
    // A SIGINT the main thread handled after this one arrived means it is not stuck in user code.
    const handledSince = Number(Atomics.load(times, HANDLED)) >= seenAt;
    if (stuck && sameCell && inUserCode && !handledSince) {
      Atomics.add(words, TERMINATIONS, 1);
      process.stderr.write(`proxyrm kernel: the cell ignored the interrupt for ${GRACE_MS / 1000} s; stopping it by force (finally blocks will not run)\n`);
      terminateMainThread();
    }
  }, GRACE_MS);
}

function watchSignals(memory: InterruptMemory): void {
  const helper = spawn("/bin/sh", ["-c", TRAP_SCRIPT], { stdio: ["pipe", "pipe", "ignore"] });
  helper.on("error", (err) => process.stderr.write(`proxyrm kernel: interrupt helper failed: ${err.message}\n`));
  helper.stdout.on("data", (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 0x0a) interrupt(memory);
  });
}

async function serve(data: ControlData): Promise<void> {
  const { memory, connection, kernelInfo } = data;
  const zmq = await import("zeromq");
  const wire = new Wire(connection.key, connection.signature_scheme);
  const hb = new zmq.Reply();
  const control = new zmq.Router();
  for (const sock of [hb, control]) sock.sendTimeout = 0;
  const address = (port: number) => `${connection.transport}://${connection.ip}${connection.transport === "ipc" ? "-" : ":"}${port}`;
  await Promise.all([hb.bind(address(connection.hb_port)), control.bind(address(connection.control_port))]);
  if (data.watchSignals) watchSignals(memory);
  post({ kind: "ready" });

  // Closing hb at shutdown ends this loop by rejecting its pending receive or send
  // ("Socket is closed"): expected then, and it must not reach the thread's failure handler.
  void (async () => {
    for await (const frames of hb) await hb.send(frames);
  })().catch(() => undefined);

  const reply = (msg: Message, type: string, content: object) => control.send(wire.serialize(wire.create(type, content, msg as Message<unknown>))).catch(() => undefined);
  let shutdown: { restart: boolean } | undefined;
  for await (const frames of control) {
    let msg: Message;
    try {
      msg = wire.parse(frames);
    } catch (err) {
      process.stderr.write(`proxyrm kernel: dropped a control message: ${(err as Error).message}\n`);
      continue;
    }
    const type = msg.header.msg_type;
    post({ kind: "status", state: "busy", parent: msg.header });
    if (type === "interrupt_request") {
      interrupt(memory);
      // The main thread's interrupt path too (breakOnSigint, the awaited cell), as in signal mode.
      process.kill(process.pid, "SIGINT");
      void reply(msg, "interrupt_reply", { status: "ok" });
    } else if (type === "kernel_info_request") {
      void reply(msg, "kernel_info_reply", kernelInfo);
    } else if (type === "shutdown_request") {
      const restart = Boolean((msg.content as { restart?: boolean }).restart);
      await reply(msg, "shutdown_reply", { status: "ok", restart });
      post({ kind: "status", state: "idle", parent: msg.header });
      shutdown = { restart };
      // Leave the loop before closing: closing a socket under its own async iterator made the
      // iterator throw "Socket is closed" into the thread's failure path (seen under load).
      break;
    } else {
      process.stderr.write(`proxyrm kernel: ignoring unsupported control message type ${type}\n`);
    }
    post({ kind: "status", state: "idle", parent: msg.header });
  }
  if (!shutdown) return;
  // Closed with a linger before the main thread exits, so the reply still leaves.
  for (const sock of [hb, control]) {
    sock.linger = LINGER_MS;
    sock.close();
  }
  post({ kind: "shutdown", restart: shutdown.restart });
}

if (!isMainThread && (workerData as ControlData | undefined)?.proxyrmControlThread) {
  serve(workerData as ControlData).catch((err: unknown) => {
    process.stderr.write(`proxyrm kernel: control thread failed: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  });
}
