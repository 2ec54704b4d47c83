#!/usr/bin/env node
/**
 * The proxyrm kernel's entry point: `node main.js <connection_file>` (the argv that
 * `proxyrm kernel install` writes into kernel.json).
 *
 * Start-up order is what makes kernel_info fast: bind the sockets and answer first, then build
 * the TypeScript converter (converter-set.ts), right after the first kernel_info reply (every
 * client sends one first), or two seconds after start-up if none came.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createExecutor } from "tslab/dist/executor";
import { publishCellSignal } from "./cell-signal";
import { createLazyConverters } from "./converter-set";
import { installDisplay } from "./display-bundle";
import { CaptureConsole, ProxyrmHandler } from "./handler";
import { startInterruptWatchdog } from "./interrupt-watchdog";
import { keepImportsLive } from "./live-imports";
import { aliasKernelPackageForRequire } from "./module-alias";
import { ProxyrmServer } from "./server";
import { registerProxyrmTarget } from "./widgets";

/** Build the converter this long after start-up if no kernel_info_request came. */
const BUILD_WITHOUT_KERNEL_INFO_MS = 2000;

export const KERNEL_VERSION: string = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;

export async function startKernel(connectionFile: string): Promise<ProxyrmServer> {
  // Before anything slow: a SIGINT must never kill the kernel (Node's default is to exit).
  let server: ProxyrmServer | null = null;
  const log = (line: string) => void process.stderr.write(line);
  const watchdog = startInterruptWatchdog(log);
  process.on("SIGINT", () => {
    watchdog?.handled();
    server?.interrupt();
  });

  const converters = createLazyConverters((busy) => watchdog?.blocked(busy));
  const output = new CaptureConsole();
  output.onInterrupted = () => watchdog?.handled();
  const executor = createExecutor(process.cwd(), converters.converters, output);
  aliasKernelPackageForRequire();
  keepImportsLive();
  const handler = new ProxyrmHandler(executor, output, converters, watchdog, { version: KERNEL_VERSION });
  server = new ProxyrmServer(handler, connectionFile);
  const srv = server;
  srv.streams.install();
  installDisplay(srv);
  registerDefaultTarget();
  publishCellSignal();

  // A throw in a timer or an unhandled rejection from some earlier cell must not end the
  // kernel: report it where output goes now, as tslab does.
  process.on("uncaughtException", (err) => console.error("Uncaught exception:", err));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection:", reason));

  // setImmediate: the reply and its idle status are handed to ZeroMQ before the build blocks.
  srv.afterKernelInfo = () => setImmediate(() => converters.build());
  setTimeout(() => converters.build(), BUILD_WITHOUT_KERNEL_INFO_MS).unref();

  await srv.init();
  exitWithParent();
  return srv;
}

/**
 * Exits when the process that started the kernel is gone (jupyter_client passes its pid in
 * JPY_PARENT_PID), as ipykernel's parent poller does: a crashed notebook server or test leaves
 * no orphan kernel holding gigabytes.
 */
function exitWithParent(): void {
  const parent = Number(process.env.JPY_PARENT_PID);
  if (!Number.isSafeInteger(parent) || parent <= 1 || process.platform === "win32") return;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") process.exit(0);
    }
  }, 1000).unref();
}

/**
 * Comm target `proxyrm`, there from start-up: answers `hello` with the kernel's version and
 * routes widget messages, each validated first (widgets.ts).
 */
function registerDefaultTarget(): void {
  registerProxyrmTarget(KERNEL_VERSION);
}

if (require.main === module) {
  const connectionFile = process.argv[2];
  if (!connectionFile) {
    process.stderr.write("usage: node main.js <connection_file>\n");
    process.exit(2);
  }
  startKernel(connectionFile).catch((err: unknown) => {
    process.stderr.write(`proxyrm kernel failed to start: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  });
}
