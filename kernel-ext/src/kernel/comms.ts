/**
 * Comms: comm_open / comm_msg / comm_close in both directions and comm_info_request, with the
 * API cells use (`import { comms } from "@proxyrm/kernel"`), shaped like ipykernel's
 * CommManager and JupyterLab's Kernel.IComm (`onMsg`, `send`, `close`).
 *
 * No ZeroMQ here: the kernel plugs a transport in at start-up. The registry is one per
 * process (a global symbol), so every copy of this module shares the targets and open comms.
 */
import { randomUUID } from "node:crypto";

export type BufferLike = ArrayBuffer | ArrayBufferView;

/** One comm message as a handler sees it (comm_open, comm_msg or comm_close). */
export interface CommMessage<T = unknown> {
  commId: string;
  data: T;
  metadata: Record<string, unknown>;
  buffers: Buffer[];
}

export interface SendOptions {
  metadata?: Record<string, unknown>;
  buffers?: BufferLike[];
}

/** Called when a frontend opens a comm to the target: set `comm.onMsg` here, reply with `comm.send`. */
export type CommTargetHandler = (comm: Comm, open: CommMessage) => void;

/** How comm messages leave the kernel (iopub); null outside a kernel. */
export interface CommTransport {
  send(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, options: { metadata: Record<string, unknown>; buffers: Buffer[] }): void;
  /** A handler threw: reported to the kernel log. */
  reportError(what: string, err: unknown): void;
}

export class Comm {
  /** Frontend -> kernel messages on this comm. */
  onMsg: ((data: unknown, msg: CommMessage) => void) | null = null;
  /** The frontend closed the comm (not called for `close()` from the kernel side). */
  onClose: ((data: unknown, msg: CommMessage) => void) | null = null;
  private isClosed = false;

  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly registry: CommRegistry,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends a comm_msg to the frontend. `data` must be JSON; binary goes in `buffers`. */
  send(data: unknown, options: SendOptions = {}): void {
    if (this.isClosed) throw new Error(`comm ${this.commId} (${this.targetName}) is closed`);
    this.registry.transmit("comm_msg", { comm_id: this.commId, data: data ?? {} }, options);
  }

  /** Closes the comm on both sides (comm_close to the frontend). Closing twice does nothing. */
  close(data: unknown = {}, options: SendOptions = {}): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.registry.forget(this.commId);
    this.registry.transmit("comm_close", { comm_id: this.commId, data }, options);
  }

  /** @internal The frontend closed it. */
  closedByFrontend(): void {
    this.isClosed = true;
  }
}

export class CommRegistry {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly open = new Map<string, Comm>();
  private transport: CommTransport | null = null;

  /** @internal Installed by the kernel at start-up. */
  setTransport(transport: CommTransport | null): void {
    this.transport = transport;
  }

  /** Handles frontends' comm_open for `name` (replacing any earlier handler). */
  registerTarget(name: string, handler: CommTargetHandler): void {
    this.targets.set(name, handler);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Opens a comm from the kernel: comm_open to the frontend's target `targetName`. */
  openComm(targetName: string, data: unknown = {}, options: SendOptions = {}): Comm {
    const comm = new Comm(randomUUID().replace(/-/g, ""), targetName, this);
    this.open.set(comm.commId, comm);
    this.transmit("comm_open", { comm_id: comm.commId, target_name: targetName, data }, options);
    return comm;
  }

  get(commId: string): Comm | undefined {
    return this.open.get(commId);
  }

  /** The open comms, optionally only those of one target: comm_info_reply's `comms`. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const comm of this.open.values()) {
      if (targetName === undefined || comm.targetName === targetName) out[comm.commId] = { target_name: comm.targetName };
    }
    return out;
  }

  /** comm_open from a frontend. An unknown target or a throwing handler closes it again (ipykernel). */
  handleOpen(content: { comm_id: string; target_name: string; data?: unknown }, msg: Omit<CommMessage, "commId" | "data">): void {
    const comm = new Comm(content.comm_id, content.target_name, this);
    this.open.set(comm.commId, comm);
    const handler = this.targets.get(content.target_name);
    if (!handler) {
      this.transport?.reportError(`comm_open for unknown target "${content.target_name}"`, null);
      comm.close();
      return;
    }
    try {
      handler(comm, { commId: comm.commId, data: content.data ?? {}, ...msg });
    } catch (err) {
      this.transport?.reportError(`comm target "${content.target_name}" failed to open`, err);
      comm.close();
    }
  }

  handleMsg(content: { comm_id: string; data?: unknown }, msg: Omit<CommMessage, "commId" | "data">): void {
    const comm = this.open.get(content.comm_id);
    if (!comm) return;
    try {
      comm.onMsg?.(content.data ?? {}, { commId: comm.commId, data: content.data ?? {}, ...msg });
    } catch (err) {
      this.transport?.reportError(`comm ${comm.commId} (${comm.targetName}) message handler failed`, err);
    }
  }

  handleClose(content: { comm_id: string; data?: unknown }, msg: Omit<CommMessage, "commId" | "data">): void {
    const comm = this.open.get(content.comm_id);
    if (!comm) return;
    this.open.delete(comm.commId);
    comm.closedByFrontend();
    try {
      comm.onClose?.(content.data ?? {}, { commId: comm.commId, data: content.data ?? {}, ...msg });
    } catch (err) {
      this.transport?.reportError(`comm ${comm.commId} (${comm.targetName}) close handler failed`, err);
    }
  }

  /** @internal */
  forget(commId: string): void {
    this.open.delete(commId);
  }

  /** @internal */
  transmit(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, options: SendOptions): void {
    if (!this.transport) throw new Error("comms need the proxyrm Jupyter kernel (no kernel is running in this process)");
    // Fail here, in the caller's cell, rather than in the kernel's serializer.
    JSON.stringify(content);
    this.transport.send(msgType, content, { metadata: options.metadata ?? {}, buffers: (options.buffers ?? []).map(toBuffer) });
  }
}

function toBuffer(b: BufferLike): Buffer {
  if (Buffer.isBuffer(b)) return b;
  if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.from(b);
}

const KEY = Symbol.for("proxyrm.kernel.comms");
type Holder = { [KEY]?: CommRegistry };

/** The process's comm registry. */
export function commRegistry(): CommRegistry {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= new CommRegistry());
}

/**
 * Comms from notebook code:
 * ```ts
 * import { comms } from "@proxyrm/kernel";
 * comms.registerTarget("my-target", (comm, open) => {
 *   comm.onMsg = (data) => comm.send({ echo: data });
 * });
 * const comm = comms.open("frontend-target", { hello: 1 });
 * ```
 */
export const comms = {
  registerTarget: (name: string, handler: CommTargetHandler): void => commRegistry().registerTarget(name, handler),
  unregisterTarget: (name: string): void => commRegistry().unregisterTarget(name),
  open: (targetName: string, data?: unknown, options?: SendOptions): Comm => commRegistry().openComm(targetName, data, options),
  get: (commId: string): Comm | undefined => commRegistry().get(commId),
};
