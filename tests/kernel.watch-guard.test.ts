/**
 * A file change must not kill the kernel: tslab's one-slot fake timer throws "Unexpected pending
 * rebuildTimer" from a file watcher's callback when a conversion was stopped part-way, which
 * ended the kernel process (seen in test_runs.py's SIGINT mid-sft). The guard drops that error,
 * with one warning line, and nothing else.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { guardWatchCallback, installWatchGuard } from "../kernel-ext/src/kernel/watch-guard";

describe("the kernel's file-watch guard", () => {
  it("drops tslab's pending-timer error with one warning line, once", () => {
    const lines: string[] = [];
    const calls: unknown[][] = [];
    const cb = guardWatchCallback((...args) => {
      calls.push(args);
      throw new Error("Unexpected pending rebuildTimer");
    }, (line) => lines.push(line));
    cb("a.ts", 1);
    cb("b.ts", 1);
    assert.deepEqual(calls, [["a.ts", 1], ["b.ts", 1]], "the callback still sees every change");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /picked up by the next cell/);
  });

  it("passes every other error on", () => {
    const cb = guardWatchCallback(() => {
      throw new TypeError("something else");
    });
    assert.throws(() => cb("a.ts", 1), /something else/);
  });

  it("wraps the watchers of the TypeScript tslab loads, so a throwing callback no longer escapes", async () => {
    installWatchGuard();
    installWatchGuard(); // idempotent: one wrapper, not two
    const ts = require("@tslab/typescript-for-tslab") as { sys: { watchFile: (p: string, cb: (f: string, k: number) => void, interval?: number) => { close(): void } } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-watch-guard-"));
    const file = path.join(dir, "module.ts");
    fs.writeFileSync(file, "export const a = 1;\n");
    let fired = 0;
    const watcher = ts.sys.watchFile(file, () => {
      fired++;
      throw new Error("Unexpected pending rebuildTimer");
    }, 50);
    try {
      const deadline = Date.now() + 20_000;
      let n = 0;
      while (fired === 0 && Date.now() < deadline) {
        fs.writeFileSync(file, `export const a = ${++n};\n`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(fired > 0, "the watcher never fired");
    } finally {
      watcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
