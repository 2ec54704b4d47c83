/**
 * Runs the lab: Debian's jupyter-server + jupyterlab-server (labhost/lab_host.py) on 127.0.0.1
 * with a token, the notebooks folder as root, and every Jupyter folder inside the project's
 * `.jupyter/lab/` so nothing is read from or written to the user's own Jupyter setup.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { UserError } from "../errors";
import { installLab } from "./install";
import { labHost } from "./paths";

/** The Debian packages the lab runs on; the message names them exactly. */
export const LAB_DEBIAN_PACKAGES = ["python3-jupyter-server", "python3-jupyterlab-server", "python3-ipykernel"];
export const APT_COMMAND = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${LAB_DEBIAN_PACKAGES.join(" ")}`;

export interface LabOptions {
  port: number;
  token?: string;
  openBrowser: boolean;
  notebookDir: string;
  stateDir: string;
  /** The Python with Debian's Jupyter packages (PROXYRM_LAB_PYTHON, else /usr/bin/python3). */
  python: string;
}

/** Throws a UserError naming the apt-get command when the Python lacks the server packages. */
export function checkPython(python: string): void {
  const r = spawnSync(python, ["-c", "import jupyter_server, jupyterlab_server"], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new UserError(`proxyrm lab needs Debian's jupyter-server and jupyterlab-server for ${python}; run: ${APT_COMMAND}`, { code: "missing-peer", blame: python });
  }
}

export function newLabToken(): string {
  return randomBytes(24).toString("hex");
}

function waitForServer(port: number, token: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (exited()) return reject(new UserError("the lab server exited before it answered (its log is above)", { code: "lab-failed" }));
      const req = http.get({ host: "127.0.0.1", port, path: "/api/status", headers: { Authorization: `token ${token}` }, timeout: 2000 }, (res) => {
        res.resume();
        if (res.statusCode === 200) resolve();
        else retry();
      });
      req.on("error", retry);
      req.on("timeout", () => req.destroy());
    };
    const retry = () => (Date.now() > deadline ? reject(new UserError(`the lab server did not answer on 127.0.0.1:${port} within 60 s`, { code: "lab-failed" })) : setTimeout(attempt, 250));
    attempt();
  });
}

/** Starts the server, prints its address, and resolves with its exit code when it stops. */
export async function runLab(options: LabOptions, print: (line: string) => void): Promise<number> {
  checkPython(options.python);
  if (!fs.existsSync(options.notebookDir) || !fs.statSync(options.notebookDir).isDirectory()) {
    throw new UserError(`${options.notebookDir}: no such folder to serve notebooks from`, { code: "bad-file", blame: options.notebookDir });
  }
  const host = labHost();
  const state = path.resolve(options.stateDir);
  const dataDir = path.join(state, "share", "jupyter");
  installLab(dataDir);
  const token = options.token ?? newLabToken();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(state, "config"),
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_PATH: dataDir,
    JUPYTER_RUNTIME_DIR: path.join(state, "runtime"),
    // The token goes through the environment, not argv, so other users' `ps` cannot read it.
    JUPYTER_TOKEN: token,
    PROXYRM_LAB_DIST: host.dist,
    PROXYRM_LAB_STATE: state,
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const args = [
    host.script,
    "--ip=127.0.0.1",
    `--port=${options.port}`,
    "--ServerApp.port_retries=0",
    `--ServerApp.root_dir=${path.resolve(options.notebookDir)}`,
    options.openBrowser ? "--ServerApp.open_browser=True" : "--no-browser",
  ];
  if (process.getuid?.() === 0) args.push("--allow-root");
  const child = spawn(options.python, args, { env, stdio: ["ignore", "inherit", "inherit"] });
  let exitCode: number | null = null;
  const exit = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve((exitCode = code ?? (signal ? 128 : 1)))));
  const stop = () => child.kill("SIGTERM");
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await waitForServer(options.port, token, () => exitCode !== null);
  } catch (err) {
    stop();
    await exit;
    throw err;
  }
  const shownToken = options.token === undefined ? token : "<your token>";
  print(`proxyrm lab: serving ${path.resolve(options.notebookDir)} at http://127.0.0.1:${options.port}/lab?token=${shownToken} (Ctrl-C stops it)`);
  const code = await exit;
  process.removeListener("SIGINT", stop);
  process.removeListener("SIGTERM", stop);
  return code;
}
