/**
 * execute_requests run one at a time, in arrival order, with ipykernel's stop_on_error rule:
 * when a request with stop_on_error fails, the execute requests already queued at that moment
 * are answered `aborted` without running; a request sent later always runs.
 *
 * "Already queued" includes requests still sitting in the shell socket: `abortQueued` first
 * lets the socket drain (ipykernel flushes its shell stream the same way), and the failing
 * request's reply is sent only after that, so anything a client sends after seeing the reply
 * arrives once aborting is over. (Stock tslab instead aborts whatever arrives within 200 ms,
 * which drops cells a client sent after the error.)
 */
export interface QueueHandlers<T> {
  /** Runs one request and sends its reply. May call `abortQueued` before replying. */
  run(item: T): Promise<void>;
  /** Answers a request that will not run. */
  abort(item: T): void;
  /** Resolves once every message that has reached the shell socket has been handed to `push`. */
  drainIncoming(): Promise<void>;
  /** `run` threw: a kernel bug, reported to the log; the queue goes on. */
  reportError(err: unknown): void;
}

export class ExecutionQueue<T> {
  private readonly pending: { item: T; aborted: boolean }[] = [];
  private running = false;

  constructor(private readonly handlers: QueueHandlers<T>) {}

  /** Requests waiting to run (not counting the one running). */
  get size(): number {
    return this.pending.length;
  }

  push(item: T): void {
    this.pending.push({ item, aborted: false });
    if (!this.running) void this.pump();
  }

  /** stop_on_error: every request queued now, including those still in the socket, is aborted. */
  async abortQueued(): Promise<void> {
    await this.handlers.drainIncoming();
    for (const entry of this.pending) entry.aborted = true;
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        if (next.aborted) {
          this.handlers.abort(next.item);
          continue;
        }
        try {
          await this.handlers.run(next.item);
        } catch (err) {
          this.handlers.reportError(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
