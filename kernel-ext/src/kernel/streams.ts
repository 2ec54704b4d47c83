/**
 * process.stdout / process.stderr -> `stream` messages on iopub.
 *
 * Writes are coalesced (a loop of console.log calls becomes a few messages, not thousands)
 * but never held long: a buffer is sent on the next event-loop turn, or at once when the last
 * send is older than FLUSH_MS, so a synchronous loop that prints still shows its progress
 * (ZeroMQ's I/O thread sends while JavaScript is busy). The caller flushes before it publishes
 * anything else, so streams and other outputs keep their order.
 */
import type { Message } from "./wire";

const FLUSH_MS = 50;
const MAX_BUFFER_CHARS = 64 * 1024;

export type StreamName = "stdout" | "stderr";
type Write = typeof process.stdout.write;

/** currentParent's answer for a silent cell: its output goes nowhere. */
export const DISCARD = "discard";

export interface StreamSink {
  /** The request output currently belongs to; null outside any request (-> the kernel log). */
  currentParent(): Message<unknown> | null | typeof DISCARD;
  send(name: StreamName, text: string, parent: Message<unknown>): void;
}

export class StreamRouter {
  private buffer: { name: StreamName; text: string; parent: Message<unknown> } | null = null;
  private lastSendMs = 0;
  private scheduled = false;
  /** The process's real writes: the kernel log (jupyter shows it in its own terminal). */
  readonly log: { stdout: (text: string) => void; stderr: (text: string) => void };

  constructor(private readonly sink: StreamSink) {
    const out = process.stdout.write.bind(process.stdout) as (s: string) => boolean;
    const err = process.stderr.write.bind(process.stderr) as (s: string) => boolean;
    this.log = { stdout: (s) => void out(s), stderr: (s) => void err(s) };
  }

  /** Routes the process's stdout and stderr; the originals stay reachable through `log`. */
  install(): void {
    process.stdout.write = this.writer("stdout");
    process.stderr.write = this.writer("stderr");
  }

  write(name: StreamName, text: string): void {
    const parent = this.sink.currentParent();
    if (parent === DISCARD) return;
    if (!parent) {
      this.log[name](text);
      return;
    }
    if (this.buffer && (this.buffer.name !== name || this.buffer.parent !== parent)) this.flush();
    if (this.buffer) this.buffer.text += text;
    else this.buffer = { name, text, parent };
    if (Date.now() - this.lastSendMs >= FLUSH_MS || this.buffer.text.length >= MAX_BUFFER_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    const pending = this.buffer;
    if (!pending) return;
    this.buffer = null;
    this.lastSendMs = Date.now();
    this.sink.send(pending.name, pending.text, pending.parent);
  }

  private writer(name: StreamName): Write {
    const decoder = new TextDecoder();
    return ((chunk: string | Uint8Array, encodingOrCb?: BufferEncoding | ((err?: Error) => void), cb?: (err?: Error) => void) => {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      this.write(name, text);
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (done) process.nextTick(done);
      return true;
    }) as Write;
  }
}
