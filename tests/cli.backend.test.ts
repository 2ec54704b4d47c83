/**
 * `--backend` through the real CLI: every backend either trains (the manifest names it) or
 * fails with one line and exit 2 before the run directory exists. A broken tfjs-node-gpu is
 * simulated with a fake package on NODE_PATH, which Node consults only when normal resolution
 * finds nothing, i.e. on machines without the real one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { BACKENDS, type BackendName } from "../src/backend";
import { build } from "./helpers/build";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");
// SFT for a few steps only: enough to prove the backend trains, fast on any of them.
const SHORT = JSON.stringify({ sft: { steps: 4 } });

let tmp: string;

before(() => {
  if (!fs.existsSync(BIN)) assert.equal(build().status, 0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-cli-backend-"));
  fs.writeFileSync(path.join(tmp, "short.json"), SHORT);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runUntilSft(out: string, extra: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, "run", "--preset", "tiny", "--until", "sft", "--config", "short.json", "--out", out, ...extra], {
    cwd: tmp,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, dir: path.join(tmp, out) };
}

/** Whether this machine can run `name`, decided without the CLI. */
function expectedAvailable(name: BackendName): boolean {
  if (name === "wasm" || name === "cpu") return true; // bundled with proxyrm
  if (name === "tensorflow") {
    try {
      require.resolve("@tensorflow/tfjs-node-gpu");
      return true;
    } catch {
      return false;
    }
  }
  // webgpu: the same probe the CLI runs, in this process.
  const probe = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(path.join(ROOT, "src", "dist", "backend-webgpu.js"))}).probeWebGpuAdapter().then(() => process.exit(0), () => process.exit(1))`]);
  return probe.status === 0;
}

const manifestBackend = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { backend: string }).backend;

describe("proxyrm run --backend NAME", () => {
  for (const name of BACKENDS) {
    it(`${name}: trains on it, or one line and exit 2 with nothing written`, () => {
      const r = runUntilSft(`run-${name}`, ["--backend", name]);
      if (expectedAvailable(name)) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(manifestBackend(r.dir), name);
        assert.ok(!r.stderr.includes("looks like you are running TensorFlow.js"), "tfjs's cpu banner was printed");
      } else {
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, new RegExp(`^proxyrm: --backend ${name}: unavailable: [^\\n]+\\n$`));
        assert.ok(!fs.existsSync(r.dir), "the run directory was created");
      }
    });
  }

  it("an unknown backend: one line naming the choices, exit 2, nothing written", () => {
    const r = runUntilSft("run-metal", ["--backend", "metal"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'proxyrm: backend: must be tensorflow, webgpu, wasm, cpu, got "metal"\n');
    assert.ok(!fs.existsSync(r.dir));
  });
});

describe("resuming a run", () => {
  it("stays on the backend it was made on: one that cannot run here is one line, exit 2, nothing changed", (t) => {
    if (expectedAvailable("webgpu")) return t.skip("webgpu runs here: no backend this machine lacks to resume on");
    const first = runUntilSft("resume", []);
    assert.equal(first.code, 0, first.stderr);
    // As if made on a GPU machine and copied here, unfinished.
    const file = path.join(first.dir, "manifest.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"backend": "wasm"', '"backend": "webgpu"'));
    const before = fs.readdirSync(first.dir).sort();
    const manifest = fs.readFileSync(file, "utf8");
    const r = spawnSync(process.execPath, [BIN, "run", "--preset", "tiny", "--until", "generate", "--config", "short.json", "--out", "resume"], { cwd: tmp, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^proxyrm: resume was made on the webgpu backend, which cannot run here \(Dawn found no GPU adapter[^\n]*\); resume it where it started, or use another --out\n$/);
    assert.deepEqual(fs.readdirSync(first.dir).sort(), before);
    assert.equal(fs.readFileSync(file, "utf8"), manifest);
  });
});

describe("a broken tfjs-node-gpu (a fake package on NODE_PATH)", () => {
  const fakes = {
    // What a CUDA machine without the right libcudart/libtensorflow gets from the native addon.
    broken: `throw new Error("libtensorflow.so.2: cannot open shared object file: No such file or directory");`,
    // Loads, registers nothing: what danfo's tfjs-node alias (plain tfjs) does.
    "no backend": `module.exports = require(${JSON.stringify(require.resolve("@tensorflow/tfjs"))});`,
  };
  const reasons = { broken: "libtensorflow.so.2: cannot open shared object file: No such file or directory", "no backend": 'the module registered no "tensorflow" backend' };

  function fakeNodePath(kind: keyof typeof fakes): string {
    const dir = path.join(tmp, `fake-${kind.replace(" ", "-")}`);
    const pkg = path.join(dir, "@tensorflow", "tfjs-node-gpu");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@tensorflow/tfjs-node-gpu", version: "4.22.0", main: "index.js" }));
    fs.writeFileSync(path.join(pkg, "index.js"), fakes[kind]);
    return dir;
  }

  const realOneInstalled = (t: TestContext) => {
    if (expectedAvailable("tensorflow")) t.skip("the real tfjs-node-gpu is installed here and resolves before NODE_PATH");
    return expectedAvailable("tensorflow");
  };

  for (const kind of Object.keys(fakes) as (keyof typeof fakes)[]) {
    it(`${kind}, no backend forced: one warning line, then training on wasm`, (t) => {
      if (realOneInstalled(t)) return;
      const r = runUntilSft(`auto-${kind.replace(" ", "-")}`, [], { NODE_PATH: fakeNodePath(kind) });
      assert.equal(r.code, 0, r.stderr);
      const warnings = r.stderr.split("\n").filter((l) => l.includes("warning"));
      assert.deepEqual(warnings, [`proxyrm: warning: tensorflow failed (${reasons[kind]}); using wasm`]);
      assert.ok(!r.stderr.includes("unexpected error"));
      assert.equal(manifestBackend(r.dir), "wasm");
    });

    it(`${kind}, --backend tensorflow: one line naming the reason, exit 2, nothing written`, (t) => {
      if (realOneInstalled(t)) return;
      const r = runUntilSft(`forced-${kind.replace(" ", "-")}`, ["--backend", "tensorflow"], { NODE_PATH: fakeNodePath(kind) });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.split("\n").length, 2, r.stderr);
      assert.ok(r.stderr.startsWith(`proxyrm: --backend tensorflow: unavailable: ${reasons[kind]}; install @tensorflow/tfjs-node-gpu`), r.stderr);
      assert.ok(!fs.existsSync(r.dir));
    });
  }
});

describe("proxyrm serve --backend", () => {
  it("an unknown backend: one line, exit 2", () => {
    const r = spawnSync(process.execPath, [BIN, "serve", "--backend", "metal"], { cwd: tmp, encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'proxyrm: --backend: must be tensorflow, webgpu, wasm, cpu, got "metal"\n');
  });
});
