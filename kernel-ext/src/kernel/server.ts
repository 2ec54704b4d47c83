/**
 * The protocol front: tslab's ZmqServer with its socket set-up and message dispatch replaced.
 * This thread binds shell, iopub and stdin; the heartbeat and the control channel are served
 * by the control thread (control-thread.ts), so they answer while a cell keeps this thread
 * busy. Stock tslab answers only six request types, sends no execute_input, execute_result or
 * error messages, and replies to comm_info with the wrong type; here every request type a
 * frontend sends is answered, each wrapped in busy/idle status messages as ipykernel does.
 *
 * execute_requests go through the ExecutionQueue (one at a time, stop_on_error); everything
 * else is answered at once, even while an awaited cell runs, so completion, comms (widgets
 * feeding a cell that awaits them) and interrupt_request keep working.
 */
import * as fs from "node:fs";
import { ZmqServer } from "tslab/dist/jupyter";
import { abortCell, beginCell, endCell } from "./cell-signal";
import { commRegistry, type CommMessage } from "./comms";
import type { ControlConnection, ControlEvent, ControlThread } from "./control-thread";
import { bundleOf, plainText, type DisplayContent, type DisplayPublisher } from "./display-bundle";
import { ExecutionQueue } from "./execution-queue";
import { type CellError, type CellOutcome, type ProxyrmHandler } from "./handler";
import { History, type HistoryRequest } from "./history";
import { DISCARD, StreamRouter, type StreamName } from "./streams";
import { Wire, type Message } from "./wire";

/** Set by the notebook API on a stage result to the display id that already shows it. */
const SHOWN_IN = Symbol.for("proxyrm.displayId");

type Socket = Parameters<ZmqServer["handleShellMessage"]>[0];
type Frames = Buffer[];

interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

interface Job {
  sock: Socket;
  msg: Message<ExecuteRequest>;
}

/** How long close() lets unsent replies (shutdown_reply) drain before the process exits. */
const LINGER_MS = 1000;

export class ProxyrmServer extends ZmqServer implements DisplayPublisher {
  readonly streams: StreamRouter;
  readonly history = new History();
  private wireCodec: Wire | null = null;
  private readonly queue: ExecutionQueue<Job>;
  private executionCount = 0;
  /** The cell running now, and the last one that ran: where output goes. */
  private running: { msg: Message<unknown>; silent: boolean } | null = null;
  private lastCell: Message<unknown> | null = null;
  /** The comm message whose handler runs now (its replies and prints belong to it). */
  private commParent: Message | null = null;
  private shellMessagesReceived = 0;
  private closing = false;
  /** Called once, after the first kernel_info reply is on its way (main.ts starts the converter build). */
  afterKernelInfo: (() => void) | null = null;
  /** The heartbeat and control channel's thread, started by init() with this (main.ts sets it). */
  startControl: ((connection: ControlConnection, onEvent: (event: ControlEvent) => void) => ControlThread) | null = null;
  private controlThread: ControlThread | null = null;

  constructor(
    private readonly kernel: ProxyrmHandler,
    configPath: string,
    private readonly exitProcess: (code: number) => void = (code) => process.exit(code),
  ) {
    super(kernel, configPath);
    this.streams = new StreamRouter({
      currentParent: () => (this.running?.silent && !this.commParent ? DISCARD : this.outputParent()),
      send: (name: StreamName, text: string, parent: Message<unknown>) => this.send(this.iopub, this.wire.create("stream", { name, text }, parent)),
    });
    this.queue = new ExecutionQueue<Job>({
      run: (job) => this.execute(job),
      abort: (job) => this.abortRequest(job),
      drainIncoming: () => this.drainShell(),
      reportError: (err) => this.logError("execute_request failed inside the kernel", err),
    });
    commRegistry().setTransport({
      send: (msgType, content, { metadata, buffers }) => {
        // Comm traffic is not output: it goes out during silent cells too.
        const parent = this.commParent ?? this.running?.msg ?? this.lastCell;
        this.publish(msgType, content, parent, { metadata, buffers });
      },
      reportError: (what, err) => this.logError(what, err),
    });
  }

  /**
   * connInfo is read, and the sockets are made, at the start of init(), before any socket can
   * deliver a message; the first message parsed sets both up here.
   */
  private get wire(): Wire {
    if (!this.wireCodec) {
      this.wireCodec = new Wire(this.connInfo.key, this.connInfo.signature_scheme);
      // zeromq.js sends at once only 512 times in a row on a socket that is never read (iopub);
      // the next send is deferred and any send while it waits throws "Socket is busy writing",
      // which after a few hundred outputs would lose a reply mid-cell. With a send timeout of 0
      // every send is immediate: ZeroMQ queues it, or drops it if a subscriber is that far behind.
      for (const sock of [this.iopub, this.shell, this.stdin]) sock.sendTimeout = 0;
    }
    return this.wireCodec;
  }

  /**
   * tslab's init, less the heartbeat and control sockets (the control thread binds those), then
   * `status: starting` on iopub, as ipykernel sends it. A signature_scheme other than
   * hmac-sha256/sha512 fails here, before any socket is bound.
   */
  override async init(): Promise<void> {
    this.connInfo = JSON.parse(fs.readFileSync(this.configPath, "utf8")) as typeof this.connInfo;
    const zmq = await import("zeromq");
    this.iopub = new zmq.Publisher();
    this.shell = new zmq.Router();
    this.stdin = new zmq.Router();
    void this.wire;
    void (async () => {
      for await (const frames of this.shell) void this.handleShellMessage(this.shell, ...frames);
    })();
    const { transport, ip } = this.connInfo;
    const address = (port: number) => `${transport}://${ip}${transport === "ipc" ? "-" : ":"}${port}`;
    // `starting` goes out before shell can answer anything: a client that saw kernel_info's reply
    // and flushed iopub must never meet `starting` later, in place of its first request's `busy`.
    await this.iopub.bind(address(this.connInfo.iopub_port));
    this.publish("status", { execution_state: "starting" }, null);
    await Promise.all([this.shell.bind(address(this.connInfo.shell_port)), this.stdin.bind(address(this.connInfo.stdin_port))]);
    if (this.startControl) {
      this.controlThread = this.startControl(this.connInfo, (event) => this.onControlEvent(event));
      await this.controlThread.ready;
    }
  }

  /** What the control thread hands over: statuses for iopub, shutdown, its log lines. */
  private onControlEvent(event: ControlEvent): void {
    if (event.kind === "status") this.publish("status", { execution_state: event.state }, { identities: [], header: event.parent } as unknown as Message<unknown>);
    else if (event.kind === "shutdown") this.shutdown();
    else if (event.kind === "log") this.streams.log.stderr(event.line);
  }

  override close(): void {
    this.kernel.close();
    for (const sock of [this.iopub, this.shell, this.stdin]) sock.close();
    void this.controlThread?.stop();
  }

  override async handleShellMessage(sock: Socket, ...frames: Frames): Promise<void> {
    if (sock === this.shell) this.shellMessagesReceived++;
    let msg: Message;
    try {
      msg = this.wire.parse(frames);
    } catch (err) {
      this.logError("dropped a message", err);
      return;
    }
    this.dispatch(sock, msg);
  }

  private dispatch(sock: Socket, msg: Message): void {
    const type = msg.header.msg_type;
    switch (type) {
      case "execute_request":
        this.queue.push({ sock, msg: msg as Message<unknown> as Message<ExecuteRequest> });
        return;
      case "kernel_info_request":
        this.answer(sock, msg, "kernel_info_reply", () => this.kernel.handleKernel());
        this.afterKernelInfo?.();
        this.afterKernelInfo = null;
        return;
      case "is_complete_request":
        return this.answer(sock, msg, "is_complete_reply", () => this.kernel.handleIsComplete(msg.content as { code: string }));
      case "complete_request":
        return this.answer(sock, msg, "complete_reply", () => this.kernel.handleComplete(msg.content as { code: string; cursor_pos: number }));
      case "inspect_request":
        return this.answer(sock, msg, "inspect_reply", () => this.kernel.handleInspect(msg.content as { code: string; cursor_pos: number; detail_level: 0 | 1 }));
      case "history_request":
        return this.answer(sock, msg, "history_reply", () => ({ status: "ok", history: this.history.query(msg.content as unknown as HistoryRequest) }));
      case "comm_info_request":
        return this.answer(sock, msg, "comm_info_reply", () => ({ status: "ok", comms: commRegistry().info(msg.content.target_name as string | undefined) }));
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        return this.handleComm(msg);
      case "interrupt_request":
        return this.answer(sock, msg, "interrupt_reply", () => {
          this.interrupt();
          return { status: "ok" };
        });
      case "shutdown_request":
        this.answer(sock, msg, "shutdown_reply", () => this.kernel.handleShutdown(msg.content as { restart?: boolean }));
        this.shutdown();
        return;
      default:
        // ipykernel too ignores what it does not know (debug_request without a debugger, ...).
        this.streams.log.stderr(`proxyrm kernel: ignoring unsupported message type ${type}\n`);
    }
  }

  /** SIGINT or interrupt_request: stop the running cell and abort its signal. */
  interrupt(): void {
    if (!this.running) return;
    this.kernel.interrupt();
    abortCell();
  }

  // -- execute ---------------------------------------------------------------------------

  /** Display ids this cell has shown (see alreadyShown). */
  private readonly cellDisplayIds = new Set<string>();

  private async execute({ sock, msg }: Job): Promise<void> {
    const req = msg.content;
    const code = typeof req.code === "string" ? req.code : "";
    const silent = Boolean(req.silent);
    const storeHistory = !silent && (req.store_history ?? true);
    const stopOnError = req.stop_on_error ?? true;
    this.publish("status", { execution_state: "busy" }, msg);
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    let content: object = { status: "error", execution_count: count, ename: "KernelError", evalue: "the kernel failed running this cell", traceback: [] };
    // Whatever happens below, the request gets its reply and its idle status: a client that
    // saw busy waits for both ([*] forever otherwise).
    try {
      if (!silent) {
        this.lastCell = msg;
        this.publish("execute_input", { code, execution_count: count }, msg);
      }
      if (storeHistory) this.history.add(count, code);

      this.running = { msg, silent };
      this.cellDisplayIds.clear();
      this.controlThread?.cell(true);
      beginCell();
      let outcome: CellOutcome;
      try {
        outcome = await this.kernel.runCell(code);
      } finally {
        endCell();
        this.controlThread?.cell(false);
      }
      let userExpressions: Record<string, unknown> = {};
      if (outcome.ok && !silent && outcome.hasValue && !this.alreadyShown(outcome.value)) {
        const { data, metadata } = this.safeBundleOf(outcome.value);
        this.publish("execute_result", { execution_count: count, data, metadata }, msg);
        if (storeHistory && typeof data["text/plain"] === "string") this.history.setOutput(count, data["text/plain"]);
      }
      if (!outcome.ok) {
        if (!silent) this.publish("error", { ...outcome.error }, msg);
      } else if (req.user_expressions && Object.keys(req.user_expressions).length > 0) {
        userExpressions = await this.evaluateUserExpressions(req.user_expressions);
      }
      this.streams.flush();
      this.running = null;

      if (!outcome.ok && stopOnError && !silent) await this.queue.abortQueued();
      content = outcome.ok
        ? { status: "ok", execution_count: count, user_expressions: userExpressions, payload: [] }
        : { status: "error", execution_count: count, ...outcome.error };
    } catch (err) {
      this.logError("execute_request failed inside the kernel", err);
      this.running = null;
      content = { status: "error", execution_count: count, ...errorContent(err) };
    } finally {
      this.send(sock, this.wire.create("execute_reply", content, msg));
      this.publish("status", { execution_state: "idle" }, msg);
    }
  }

  /**
   * A value's bundle; when its display method throws, its text/plain with one warning on
   * stderr, as IPython does (a throwing formatter must never cost the cell its reply).
   */
  private safeBundleOf(value: unknown): ReturnType<typeof bundleOf> {
    try {
      return bundleOf(value);
    } catch (err) {
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      // The cell's stderr (the router sends it there while the cell is running).
      process.stderr.write(`proxyrm kernel: the value's display method threw (${why}); showing it as text/plain\n`);
      let text: string;
      try {
        text = plainText(value);
      } catch {
        text = Object.prototype.toString.call(value);
      }
      return { data: { "text/plain": text }, metadata: {} };
    }
  }

  /** user_expressions: each evaluated after the cell, as a display bundle or an error (ipykernel's shape). */
  private async evaluateUserExpressions(expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(expressions)) {
      const outcome = await this.kernel.runCell(expr);
      if (!outcome.ok) out[name] = { status: "error", ...outcome.error };
      else out[name] = { status: "ok", ...this.safeBundleOf(outcome.hasValue ? outcome.value : undefined) };
    }
    return out;
  }

  private abortRequest({ sock, msg }: Job): void {
    this.publish("status", { execution_state: "busy" }, msg);
    this.send(sock, this.wire.create("execute_reply", { status: "aborted" }, msg));
    this.publish("status", { execution_state: "idle" }, msg);
  }

  /**
   * Lets every message already in the shell socket reach the queue: the receive loop hands
   * over one message per turn of the event loop, so wait turns until the socket is empty and
   * no new message arrived in the last one.
   */
  private async drainShell(): Promise<void> {
    for (let turns = 0; turns < 1000; turns++) {
      const seen = this.shellMessagesReceived;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.shell.readable && seen === this.shellMessagesReceived) return;
    }
  }

  // -- comms -----------------------------------------------------------------------------

  private handleComm(msg: Message): void {
    this.publish("status", { execution_state: "busy" }, msg);
    const registry = commRegistry();
    const content = msg.content as { comm_id: string; target_name: string; data?: unknown };
    const info: Omit<CommMessage, "commId" | "data"> = { metadata: msg.metadata, buffers: msg.buffers };
    this.commParent = msg;
    try {
      if (msg.header.msg_type === "comm_open") registry.handleOpen(content, info);
      else if (msg.header.msg_type === "comm_msg") registry.handleMsg(content, info);
      else registry.handleClose(content, info);
    } finally {
      this.streams.flush();
      this.commParent = null;
    }
    this.publish("status", { execution_state: "idle" }, msg);
  }

  // -- display (DisplayPublisher) ----------------------------------------------------------

  displayData(content: DisplayContent, update: boolean): void {
    const parent = this.outputParent();
    if (!parent) return;
    if (content.transient?.display_id) this.cellDisplayIds.add(content.transient.display_id);
    this.publish(update ? "update_display_data" : "display_data", content, parent);
  }

  /**
   * A stage result of the notebook API that this cell already drew in its live progress display
   * (it carries that display's id): showing it again as Out[n] would print it twice.
   */
  private alreadyShown(value: unknown): boolean {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
    const id = (value as Record<symbol, unknown>)[SHOWN_IN];
    return typeof id === "string" && this.cellDisplayIds.has(id);
  }

  clearOutput(wait: boolean): void {
    const parent = this.outputParent();
    if (!parent) return;
    // What this cell showed is gone: its last value must not count as already on screen.
    if (parent === this.running?.msg) this.cellDisplayIds.clear();
    this.publish("clear_output", { wait }, parent);
  }

  /** Output belongs to the running cell, else the last one (ipykernel and tslab agree); silent cells show nothing. */
  private outputParent(): Message<unknown> | null {
    if (this.commParent) return this.commParent;
    if (this.running) return this.running.silent ? null : this.running.msg;
    return this.lastCell;
  }

  // -- sending ---------------------------------------------------------------------------

  private answer(sock: Socket, msg: Message, replyType: string, compute: () => object): void {
    this.publish("status", { execution_state: "busy" }, msg);
    let content: object;
    try {
      content = compute();
    } catch (err) {
      this.logError(`${msg.header.msg_type} failed`, err);
      content = { status: "error", ...errorContent(err) };
    }
    this.send(sock, this.wire.create(replyType, content, msg));
    this.publish("status", { execution_state: "idle" }, msg);
  }

  /** iopub, after any buffered stream text so outputs keep their order. */
  private publish(msgType: string, content: object, parent: Message<unknown> | null, extra: { metadata?: Record<string, unknown>; buffers?: Buffer[] } = {}): void {
    this.streams.flush();
    this.send(this.iopub, this.wire.create(msgType, content, parent ?? undefined, extra));
  }

  private send(sock: { send(frames: Buffer[]): Promise<void> }, msg: Message<unknown>): void {
    if (this.closing) return;
    const failed = (err: unknown) => this.logError(`could not send ${msg.header.msg_type}`, err);
    try {
      sock.send(this.wire.serialize(msg)).catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  private logError(what: string, err: unknown): void {
    const detail = err instanceof Error ? (err.stack ?? err.message) : err == null ? "" : String(err);
    this.streams.log.stderr(`proxyrm kernel: ${what}${detail ? `: ${detail}` : ""}\n`);
  }

  // -- shutdown --------------------------------------------------------------------------

  /** After the reply is queued: close sockets (letting replies drain) and exit. */
  private shutdown(): void {
    if (this.closing) return;
    setImmediate(() => {
      this.streams.flush();
      this.closing = true;
      for (const sock of [this.iopub, this.shell, this.stdin]) sock.linger = LINGER_MS;
      try {
        this.close();
      } finally {
        this.exitProcess(0);
      }
    });
  }
}

function errorContent(err: unknown): CellError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { ename: e.name, evalue: e.message, traceback: (e.stack ?? e.message).split("\n") };
}
