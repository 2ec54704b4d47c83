/**
 * The messages exchanged over comm target `proxyrm`, declared once. Every message carries a
 * `type` discriminant; the lab extension imports this file type-only, the kernel and the
 * notebook API import it too. Add a widget's messages here, to the union for its direction.
 */

/** The comm target the kernel registers at start-up. */
export const COMM_TARGET = "proxyrm";
export type CommTarget = typeof COMM_TARGET;

/** Frontend -> kernel, as comm_open data or a comm_msg: who is there? */
export interface HelloRequest {
  type: "hello";
  /** The frontend's name and version, for the kernel log. */
  client?: string;
}

/** Kernel -> frontend: the answer to `hello`. */
export interface HelloReply {
  type: "hello";
  /** @proxyrm/kernel's version. */
  version: string;
}

/** Kernel -> frontend: a message the kernel could not handle. */
export interface CommError {
  type: "error";
  /** What went wrong, one line. */
  message: string;
  /** The `type` of the message that failed, when it had one. */
  request?: string;
}

/** Everything a frontend may send on target `proxyrm`. */
export type FrontendMessage = HelloRequest;
/** Everything the kernel may send on target `proxyrm`. */
export type KernelMessage = HelloReply | CommError;
export type ProxyrmCommMessage = FrontendMessage | KernelMessage;
