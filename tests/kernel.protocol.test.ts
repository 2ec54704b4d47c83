/**
 * The Jupyter protocol suites in tests/kernel/ against the real proxyrm kernel: the kernelspec
 * is installed with the real CLI into a temporary prefix, then Debian's jupyter_client and
 * jupyter_kernel_test run from /usr/bin/python3 (not whichever python3 is first on PATH):
 * test_kernel.py (jupyter_kernel_test's KernelTests, every sample filled in),
 * test_protocol.py (comms, interrupt, stop_on_error, history, clear_output, counts, shutdown),
 * test_wire.py (forged and unsigned messages ignored, hmac-sha512, heartbeat and control during
 * a 5 s synchronous loop, interrupt_request, busy before execute_input, display fallback) and
 * test_runs.py (run.sft() interrupted by message and by SIGINT, then completed).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build, ROOT } from "./helpers/build";

const PYTHON = "/usr/bin/python3";
const SUITES = ["tests/kernel/test_kernel.py", "tests/kernel/test_protocol.py", "tests/kernel/test_wire.py", "tests/kernel/test_runs.py"];
const TIMEOUT_MS = 20 * 60_000;

let dir: string;
let env: NodeJS.ProcessEnv;

function python(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Why the suites cannot run here, or null: Debian's python3 with jupyter_client and jupyter_kernel_test. */
function missingPython(): string | null {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import jupyter_client, jupyter_kernel_test"], { encoding: "utf8" });
  return probe.status === 0 ? null : `${PYTHON} lacks jupyter_client or jupyter_kernel_test (run scripts/debian-peers.sh test)`;
}

before(() => {
  const built = build();
  assert.equal(built.status, 0, built.output);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-kernel-protocol-"));
  const prefix = path.join(dir, "prefix");
  const install = spawnSync(process.execPath, [path.join(ROOT, "src", "bin", "proxyrm.js"), "kernel", "install", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(install.status, 0, install.stderr);
  env = {
    ...process.env,
    // Only this kernelspec, never one from the user's own Jupyter folders.
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(dir, "config"),
    PYTHONWARNINGS: "ignore::ResourceWarning",
    PYTHONDONTWRITEBYTECODE: "1",
  };
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("proxyrm kernel over the Jupyter protocol", () => {
  it("passes jupyter_kernel_test and the protocol suite", { timeout: TIMEOUT_MS }, async (t) => {
    // A missing peer fails, never skips (npm test's pretest installs it: scripts/debian-peers.sh).
    assert.equal(missingPython(), null);
    const { code, output } = await python(["-m", "unittest", "-v", ...SUITES], TIMEOUT_MS - 10_000);
    assert.equal(code, 0, `python unittest exited ${code}:\n${output}`);
    const ran = /^Ran (\d+) tests?/m.exec(output);
    assert.ok(ran && Number(ran[1]) > 30, `expected both suites to run:\n${output}`);
    t.diagnostic(`${ran?.[0]}; ${/^OK.*$/m.exec(output)?.[0] ?? ""}`);
  });
});
