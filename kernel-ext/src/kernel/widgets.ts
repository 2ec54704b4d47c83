/**
 * The kernel side of comm target `proxyrm`: validates each incoming message
 * (comm-validate.ts), answers `hello`, and hands widget messages to the widget that registered
 * their `widget` id (the labelling widget, an uncertainty explorer). Whatever goes wrong (a bad
 * message, an unknown widget, a handler that throws or rejects) becomes a CommError reply; the
 * kernel never crashes on a frontend's message.
 *
 * The registry is one per process (a global symbol), so the notebook API's copy of this module
 * and the kernel's share it.
 */
import type { CommError, KernelMessage, WidgetRequest } from "../comm-messages";
import { COMM_TARGET } from "../comm-messages";
import { checkFrontendMessage } from "./comm-validate";
import { commRegistry, type Comm } from "./comms";

/** Answers one widget message; what it returns (or resolves to) is sent back on the same comm. */
export type WidgetHandler = (message: WidgetRequest) => KernelMessage | KernelMessage[] | Promise<KernelMessage | KernelMessage[]>;

const KEY = Symbol.for("proxyrm.kernel.widgets");
type Holder = { [KEY]?: Map<string, WidgetHandler> };

function registry(): Map<string, WidgetHandler> {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= new Map());
}

/** Routes messages naming `widget` to `handler` (replacing an earlier one); returns an unregister function. */
export function registerWidget(widget: string, handler: WidgetHandler): () => void {
  registry().set(widget, handler);
  return () => {
    if (registry().get(widget) === handler) registry().delete(widget);
  };
}

export function hasWidget(widget: string): boolean {
  return registry().has(widget);
}

/** Registers comm target `proxyrm` (the kernel does at start-up). */
export function registerProxyrmTarget(version: string): void {
  commRegistry().registerTarget(COMM_TARGET, (comm, open) => {
    comm.onMsg = (data) => void answer(comm, data, version);
    if (open.data && typeof open.data === "object" && Object.keys(open.data).length > 0) void answer(comm, open.data, version);
  });
}

/** Answers one incoming message; resolves once every reply is sent. Exported for tests. */
export async function answer(comm: Pick<Comm, "send" | "closed">, data: unknown, version: string): Promise<void> {
  const send = (msg: KernelMessage) => {
    if (!comm.closed) comm.send(msg);
  };
  const checked = checkFrontendMessage(data);
  if (!checked.ok) {
    send(errorMessage(checked.error, checked.request, checked.widget));
    return;
  }
  const message = checked.message;
  if (message.type === "hello") {
    send({ type: "hello", version });
    return;
  }
  const handler = registry().get(message.widget);
  if (!handler) {
    send(errorMessage(`no widget "${message.widget}" in this kernel (its cell was not run since the kernel started: run it again)`, message.type, message.widget));
    return;
  }
  try {
    const replies = await handler(message);
    for (const reply of Array.isArray(replies) ? replies : [replies]) send(reply);
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    send(errorMessage(text, message.type, message.widget));
  }
}

function errorMessage(message: string, request?: string, widget?: string): CommError {
  const error: CommError = { type: "error", message };
  if (request !== undefined) error.request = request;
  if (widget !== undefined) error.widget = widget;
  return error;
}
