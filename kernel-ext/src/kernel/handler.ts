/**
 * tslab's JupyterHandlerImpl, extended: kernel_info names this kernel and says `status: ok`,
 * is_complete also answers `invalid`, and a cell runs through `runCell`, which returns its
 * value and its error as data instead of printing them, so the server can send execute_result
 * and `error` messages (tslab prints both to the cell's stdout/stderr). complete and inspect
 * are tslab's own.
 */
import * as util from "node:util";
import { JupyterHandlerImpl } from "tslab/dist/jupyter";
import type { ConsoleInterface, Executor } from "tslab/dist/executor";
import * as ts from "@tslab/typescript-for-tslab";
import type { LazyConverters } from "./converter-set";

/** What the control thread is told about a running cell, and what it asked (control-thread.ts). */
export interface CellMarks {
  /** Around a cell's asynchronous part: true once its synchronous part returned, false when it settled. */
  userCode(running: boolean): void;
  /** The shared abort flag is set: an interrupt arrived for this cell (maybe before its SIGINT handler ran). */
  interruptRequested(): boolean;
}

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** What a cell did: its last expression's value (when not null/undefined) or its error. */
export type CellOutcome = { ok: true; hasValue: boolean; value?: unknown } | { ok: false; error: CellError };

type KernelInfo = ReturnType<JupyterHandlerImpl["handleKernel"]> & { status: "ok"; help_links: { text: string; url: string }[] };
type IsCompleteReply = { status: "complete" | "incomplete" | "invalid" | "unknown"; indent?: string };

/** ename of an interrupted cell: what Jupyter tools (nbclient, papermill) know an interrupt by. */
export const INTERRUPT_ENAME = "KeyboardInterrupt";

/** tslab's executor prints a compile diagnostic with exactly this format. */
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";
/** A compile at least this long is followed by an event-loop turn, so a SIGINT during it is seen. */
const YIELD_AFTER_COMPILE_MS = 15;
/** What tslab's executor raises when an awaited cell is interrupted. */
const TSLAB_ASYNC_INTERRUPT = "Interrupted asynchronously";

interface Capture {
  hasValue: boolean;
  value?: unknown;
  errors: unknown[];
  diagnostics: string[];
}

/**
 * The executor's console. tslab calls `log(value)` for a cell's last expression and `error(...)`
 * for diagnostics and thrown values; while a cell runs they are captured, otherwise (addModule
 * cells, nothing running) printed as tslab would.
 */
export class CaptureConsole implements ConsoleInterface {
  capture: Capture | null = null;
  /** breakOnSigint stopped a cell: a SIGINT was handled (the control thread is told). */
  onInterrupted: () => void = () => undefined;

  log(value?: unknown, ...rest: unknown[]): void {
    if (this.capture && rest.length === 0) {
      this.capture.hasValue = true;
      this.capture.value = value;
    } else console.log(value, ...rest);
  }

  error(first?: unknown, ...rest: unknown[]): void {
    if (!this.capture) console.error(first, ...rest);
    else if (first === DIAGNOSTIC_FORMAT) this.capture.diagnostics.push(util.format(first, ...rest));
    else {
      if ((first as NodeJS.ErrnoException | null)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") this.onInterrupted();
      this.capture.errors.push(first);
    }
  }
}

export interface HandlerInfo {
  version: string;
}

export class ProxyrmHandler extends JupyterHandlerImpl {
  /** Set while a cell runs, so an interrupt can be told from an ordinary error. */
  private interrupted = false;

  constructor(
    private readonly exec: Executor,
    private readonly output: CaptureConsole,
    private readonly converters: LazyConverters,
    private readonly marks: CellMarks | null,
    private readonly info: HandlerInfo,
  ) {
    super(exec, false);
  }


  override handleKernel(): KernelInfo {
    const base = super.handleKernel();
    return {
      ...base,
      status: "ok",
      protocol_version: "5.3",
      implementation: "proxyrm",
      implementation_version: this.info.version,
      language_info: { ...base.language_info, version: ts.version, pygments_lexer: "typescript" },
      banner: `proxyrm ${this.info.version}: TypeScript ${ts.version} on Node.js ${process.version} (tslab kernel)`,
      help_links: [{ text: "tslab", url: "https://github.com/yunabe/tslab" }],
    };
  }

  /**
   * tslab's rule, plus: code ending in an operator or an open template literal is incomplete
   * (tslab misses `1 + ` with a trailing space), and code with any other syntax error is
   * `invalid`, so a console runs it and shows the error instead of waiting for more lines.
   */
  override handleIsComplete(req: { code: string }): IsCompleteReply {
    const base = super.handleIsComplete(req) as IsCompleteReply;
    if (base.status === "incomplete" || /(^|\n)\s*\n\s*$/.test(req.code)) return base;
    const parsed = ts.createSourceFile("cell.ts", req.code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS) as ts.SourceFile & {
      parseDiagnostics?: ts.DiagnosticWithLocation[];
    };
    const diagnostics = parsed.parseDiagnostics ?? [];
    if (diagnostics.length === 0) return { status: "complete" };
    const end = req.code.trimEnd().length;
    const wantsMore = diagnostics.some((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      return d.start >= end && (text.endsWith(" expected.") || text === "Unterminated template literal.");
    });
    if (wantsMore) return { status: "incomplete", indent: /^[ \t]*/.exec(req.code.slice(req.code.lastIndexOf("\n") + 1))?.[0] ?? "" };
    return { status: "invalid" };
  }

  override handleShutdown(req: { restart?: boolean }): { restart: boolean } & { status: "ok" } {
    return { status: "ok", restart: Boolean(req.restart) };
  }

  /** Runs one cell through tslab's executor. Never throws. */
  async runCell(code: string): Promise<CellOutcome> {
    this.interrupted = false;
    // Convert first, then, if that took a while (the converter's first build, a heavy import),
    // let the event loop poll once: a SIGINT that came meanwhile reaches its handler now,
    // before breakOnSigint would drop it, and the cell does not run at all. (Two check phases:
    // the poll between them is the first to see the signal.) Quick compiles skip the turns,
    // which would cost every small cell a little.
    const compileStart = performance.now();
    this.converters.prepare(code);
    if (performance.now() - compileStart > YIELD_AFTER_COMPILE_MS) {
      for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.interrupted) {
      return { ok: false, error: { ename: INTERRUPT_ENAME, evalue: "interrupted before the cell ran", traceback: [`${INTERRUPT_ENAME}: interrupted before the cell ran`] } };
    }
    const capture: Capture = { hasValue: false, errors: [], diagnostics: [] };
    this.output.capture = capture;
    let ok: boolean;
    try {
      // execute() returns once the cell's synchronous part (under breakOnSigint) is done; what
      // follows, up to the cell's settling, is the control thread's to stop as a last resort.
      const settled = this.exec.execute(code);
      this.marks?.userCode(true);
      ok = await settled;
    } catch (err) {
      // The converter itself failed (its build failed, TypeScript threw).
      ok = false;
      capture.errors.push(err);
    } finally {
      this.marks?.userCode(false);
      this.output.capture = null;
    }
    this.converters.cellFinished(ok);
    if (ok) return capture.hasValue ? { ok, hasValue: true, value: capture.value } : { ok, hasValue: false };
    if (capture.diagnostics.length > 0) {
      return { ok: false, error: { ename: "CompileError", evalue: capture.diagnostics[0], traceback: capture.diagnostics } };
    }
    return { ok: false, error: this.describe(capture.errors[0]) };
  }

  /** Asks the running cell to stop (an awaited promise is abandoned; sync code is stopped by the signal itself). */
  interrupt(): void {
    this.interrupted = true;
    this.exec.interrupt();
  }

  private describe(thrown: unknown): CellError {
    // A loop that saw the shared flag may throw before the main thread's SIGINT handler ran.
    const interrupted = this.interrupted || Boolean(this.marks?.interruptRequested());
    if (isInterrupt(thrown) || (interrupted && isAbort(thrown))) {
      const why = thrown instanceof Error && thrown.message ? thrown.message : "interrupted";
      return { ename: INTERRUPT_ENAME, evalue: why, traceback: [`${INTERRUPT_ENAME}: ${why}`] };
    }
    if (thrown instanceof Error) {
      const evalue = thrown.message;
      return { ename: thrown.name || "Error", evalue, traceback: userFrames(thrown) };
    }
    const text = util.inspect(thrown);
    return { ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
  }
}

function isInterrupt(e: unknown): boolean {
  return e instanceof Error && ((e as NodeJS.ErrnoException).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED" || e.message === TSLAB_ASYNC_INTERRUPT);
}

/** An AbortSignal fired (the cell's signal, on interrupt): DOMException AbortError or proxyrm's AbortedError. */
function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === "AbortError" || e.name === "AbortedError");
}

/** The stack down to the kernel's own frames (vm, tslab's executor), which say nothing about the cell. */
function userFrames(err: Error): string[] {
  const lines = (err.stack ?? `${err.name}: ${err.message}`).split("\n");
  const cut = lines.findIndex((l, i) => i > 0 && /\(node:vm:|at node:vm:|[\\/]tslab[\\/]dist[\\/]|[\\/]kernel[\\/](handler|server)\.js/.test(l));
  return cut > 0 ? lines.slice(0, cut) : lines;
}
