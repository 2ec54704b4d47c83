/**
 * The run-directory lock (src/store/run-lock.ts): one process per run directory, a second one
 * refused naming the holder's pid, a lock left by a process killed with -9 taken over, and the
 * lock re-entrant within a process. Holders are real child processes.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { UserError } from "../src/errors";
import { LOCK_FILE, RunLockedError, holdsRunDir, lockRunDir } from "../src/store/run-lock";
import { build } from "./helpers/build";

const ROOT = path.join(__dirname, "..");
const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-lock-"));
  dirs.push(dir);
  return dir;
}

/** A child process that takes the lock with the compiled library and holds it until killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const lib = path.join(ROOT, "src", "dist", "store", "run-lock.js");
  if (!fs.existsSync(lib)) assert.equal(build().status, 0);
  const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(lib)}).lockRunDir(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1000);`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => d.includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
  });
  return child;
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => {
  child.on("exit", () => resolve());
  child.kill("SIGKILL");
});

describe("lockRunDir", () => {
  test("creates proxyrm.lock with pid, host and start time only; release removes it", () => {
    const dir = tempDir();
    const release = lockRunDir(dir);
    const info = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as Record<string, unknown>;
    assert.equal(info.pid, process.pid);
    assert.equal(info.host, os.hostname());
    assert.deepEqual(Object.keys(info).sort(), process.platform === "linux" ? ["host", "pid", "start"] : ["host", "pid"]);
    assert.ok(holdsRunDir(dir));
    release();
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
    assert.ok(!holdsRunDir(dir));
  });

  test("re-entrant within a process: the file stays until the last holder releases", () => {
    const dir = tempDir();
    const a = lockRunDir(dir);
    const b = lockRunDir(path.join(dir, ".")); // the same directory, spelled differently
    a();
    a(); // releasing twice is harmless
    assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
    b();
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  });

  test("a live process holds it: RunLockedError naming its pid; after kill -9 the stale lock is taken over", async () => {
    const dir = tempDir();
    const child = await holder(dir);
    assert.throws(() => lockRunDir(dir), (error: unknown) => {
      assert.ok(error instanceof RunLockedError && error instanceof UserError);
      assert.equal(error.pid, child.pid);
      assert.equal(error.message, `${dir} is in use by another proxyrm process (pid ${child.pid}); wait for it to finish or stop it`);
      return true;
    });
    await killed(child);
    assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)), "kill -9 leaves the lock file");
    const release = lockRunDir(dir);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).pid, process.pid);
    release();
    assert.deepEqual(fs.readdirSync(dir), [], "no stale copy left behind");
  });

  test("a reused pid (same pid, another start time) and an old lock file without content are stale", () => {
    for (const content of [JSON.stringify({ pid: process.pid, host: os.hostname(), start: "1" }), ""]) {
      const dir = tempDir();
      const file = path.join(dir, LOCK_FILE);
      fs.writeFileSync(file, content);
      if (content === "") {
        // A fresh empty lock is a process between creating and filling it: held.
        assert.throws(() => lockRunDir(dir), RunLockedError);
        const minuteAgo = new Date(Date.now() - 60_000);
        fs.utimesSync(file, minuteAgo, minuteAgo);
      }
      const release = lockRunDir(dir);
      release();
      assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
    }
  });

  test("a lock from another host is never taken over; the message says which file to delete", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 4242, host: "build-07" }));
    assert.throws(() => lockRunDir(dir), new RegExp(`in use by another proxyrm process \\(pid 4242 on host build-07\\); if that process is gone, delete ${path.join(dir, LOCK_FILE).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
  });
});
