/**
 * `status: starting` (docs/kernel.md): the kernel's first iopub message, with no parent, sent
 * after iopub is bound and before shell is, so a client that has seen a kernel_info reply can
 * never meet it later in place of its first request's `busy`. Over the wire a subscriber cannot
 * be sure to see it (ZeroMQ drops what a publisher sends before a subscription arrives, for
 * ipykernel too), so this checks the order in-process, on the real sockets.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ProxyrmHandler } from "../kernel-ext/src/kernel/handler";
import { ProxyrmServer } from "../kernel-ext/src/kernel/server";
import { freePort } from "./helpers/free-port";

interface Sockets {
  iopub: { lastEndpoint: string | null };
  shell: { lastEndpoint: string | null };
  stdin: { lastEndpoint: string | null };
}

describe("the kernel's status: starting", () => {
  it("is the first iopub message, parentless, published after iopub is bound and before shell and stdin are", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-starting-"));
    const ports = { shell_port: await freePort(), iopub_port: await freePort(), stdin_port: await freePort(), control_port: await freePort(), hb_port: await freePort() };
    const config = path.join(dir, "kernel.json");
    fs.writeFileSync(config, JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key: "k", signature_scheme: "hmac-sha256", ...ports }));
    // init() never touches the handler: it only binds sockets and publishes.
    const server = new ProxyrmServer({ close: () => undefined } as unknown as ProxyrmHandler, config, () => undefined);
    const seen: { msgType: string; content: object; parent: unknown; bound: Record<keyof Sockets, boolean> }[] = [];
    const sockets = () => server as unknown as Sockets;
    const internals = server as unknown as { publish: (msgType: string, content: object, parent: unknown) => void };
    const publish = internals.publish.bind(server);
    internals.publish = (msgType, content, parent) => {
      const s = sockets();
      seen.push({ msgType, content, parent, bound: { iopub: !!s.iopub.lastEndpoint, shell: !!s.shell.lastEndpoint, stdin: !!s.stdin.lastEndpoint } });
      publish(msgType, content, parent);
    };
    try {
      await server.init();
      assert.ok(seen.length >= 1, "init() published nothing");
      const first = seen[0];
      assert.equal(first.msgType, "status");
      assert.deepEqual(first.content, { execution_state: "starting" });
      assert.equal(first.parent, null);
      assert.deepEqual(first.bound, { iopub: true, shell: false, stdin: false });
      assert.match(sockets().shell.lastEndpoint ?? "", new RegExp(`:${ports.shell_port}$`), "init() binds shell after publishing");
      assert.equal(seen.filter((m) => m.msgType === "status" && (m.content as { execution_state?: string }).execution_state === "starting").length, 1, "starting goes out once");
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
