/**
 * scripts/debian-peers.sh, the set-up `npm test` and `npm run bench` run first: with stand-ins for
 * dpkg-query, apt-get and id on PATH, it installs exactly the missing packages as root (one
 * apt-get update), and otherwise stops with one line naming the command.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./helpers/build";

const SCRIPT = path.join(ROOT, "scripts", "debian-peers.sh");
let dir: string;

/** A PATH whose dpkg-query reports `missing` as not installed, and whose id -u prints `uid`. */
function fakeSystem(name: string, missing: string[], uid: number, aptWorks = true): { env: NodeJS.ProcessEnv; aptLog: string } {
  const bin = path.join(dir, name);
  fs.mkdirSync(bin);
  const aptLog = path.join(bin, "apt.log");
  const state = path.join(bin, "installed-now");
  const write = (file: string, body: string) => fs.writeFileSync(path.join(bin, file), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  write(
    "dpkg-query",
    `pkg="\${@: -1}"; for m in ${missing.join(" ")}; do if [ "$pkg" = "$m" ] && ! grep -qx "$m" "${state}" 2>/dev/null; then exit 1; fi; done; printf 'install ok installed'`,
  );
  write("id", `echo ${uid}`);
  write(
    "apt-get",
    `echo "$*" >> "${aptLog}"; ${aptWorks ? "" : 'case "$*" in *install*) echo "E: Unable to locate package" >&2; exit 100;; esac;'} case "$*" in *install*) for a in "$@"; do echo "$a" >> "${state}"; done;; esac`,
  );
  return { env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` }, aptLog };
}

function run(env: NodeJS.ProcessEnv, command = "test") {
  return spawnSync("bash", [SCRIPT, command], { env, encoding: "utf8" });
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-debian-peers-"));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("scripts/debian-peers.sh", () => {
  it("does nothing when every package is installed", () => {
    const { env, aptLog } = fakeSystem("all", [], 0);
    const r = run(env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /all \d+ installed/);
    assert.equal(fs.existsSync(aptLog), false, "apt-get must not run");
  });

  it("as root, installs exactly the missing packages after one apt-get update", () => {
    const { env, aptLog } = fakeSystem("root", ["chromium", "python3-scipy"], 0);
    const r = run(env);
    assert.equal(r.status, 0, r.stderr);
    const calls = fs.readFileSync(aptLog, "utf8").trim().split("\n");
    assert.equal(calls.length, 2, calls.join("\n"));
    assert.match(calls[0], /^update\b/);
    assert.match(calls[1], /^install -y -qq --no-install-recommends chromium python3-scipy$/);
  });

  it("not root, exits 1 with one line naming the apt-get command and installs nothing", () => {
    const { env, aptLog } = fakeSystem("user", ["python3-nbclient"], 1000);
    const r = run(env);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /sudo apt-get install -y --no-install-recommends python3-nbclient$/);
    assert.equal(fs.existsSync(aptLog), false);
  });

  it("a failed apt-get install exits 1 and names the command", () => {
    const { env } = fakeSystem("broken", ["chromium"], 0, false);
    const r = run(env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /installing Debian packages failed.*apt-get install -y --no-install-recommends chromium/);
  });

  it("bench has its own list (the peers benchmarks compare against)", () => {
    const { env, aptLog } = fakeSystem("bench", ["python3-torch", "python3-jupyter-server"], 0);
    const r = run(env, "bench");
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(aptLog, "utf8"), /install -y -qq --no-install-recommends python3-torch\n/);
  });

  it("an unknown command is a usage error, exit 2", () => {
    const r = run(process.env, "lint");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage/);
  });
});
