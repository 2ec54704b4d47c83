/// <reference lib="dom" />
/**
 * Shared set-up of the browser tests: `proxyrm lab` started on a free port with a token, and
 * headless Debian chromium (playwright-core, a fresh profile per launch) that records every
 * page error, console error or warning, failed request and HTTP error status.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort } from "./free-port";

export const ROOT = path.join(__dirname, "..", "..");
export const BIN = path.join(ROOT, "src", "dist", "cli", "main.js");
export const CHROMIUM = "/usr/bin/chromium";

export { freePort };

export interface Lab {
  base: string;
  token: string;
  child: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `proxyrm lab --no-browser` serving `notebookDir` and waits for the line it prints. It
 * runs in `notebookDir`, so its `.jupyter/lab/` state is that folder's own: no two labs (or a
 * developer's own) share settings, workspaces or the installed extension.
 */
export async function startLab(notebookDir: string): Promise<Lab> {
  const port = await freePort();
  const token = `t${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const child = spawn(process.execPath, [BIN, "lab", "--port", String(port), "--no-browser", "--notebook-dir", "."], {
    cwd: notebookDir,
    env: { ...process.env, PROXYRM_LAB_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes("proxyrm lab: serving")) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`proxyrm lab exited ${child.exitCode}:\n${out}`));
      }
    }, 100);
  });
  return {
    base: `http://127.0.0.1:${port}`,
    token,
    child,
    log: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Chromium's own GPU-driver performance notes (software GL under --disable-gpu), not page faults. */
const BENIGN = [/GL Driver Message \(OpenGL, Performance/];

export interface Session {
  browser: Browser;
  page: Page;
  problems: string[];
}

export async function openBrowser(extraArgs: string[] = []): Promise<Session> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if ((m.type() === "error" || m.type() === "warning") && !BENIGN.some((re) => re.test(m.text()))) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { browser, page, problems };
}

/**
 * Opens a notebook in the lab and waits until the application has restored its layout. `reset`
 * starts from an empty workspace, so notebooks other tests opened are not restored next to it.
 */
export async function openNotebook(page: Page, lab: Lab, name: string): Promise<void> {
  await page.goto(`${lab.base}/lab/tree/${name}?reset&token=${lab.token}`);
  await page.waitForFunction(() => (window as unknown as { jupyterapp?: unknown }).jupyterapp, null, { timeout: 90_000 });
  await page.evaluate(() => (window as unknown as { jupyterapp: { restored: Promise<void> } }).jupyterapp.restored);
  await page.waitForSelector(".jp-Notebook", { timeout: 90_000 });
}

/**
 * Waits until the open notebook's kernel is idle and its websocket connected. jupyter-server
 * 1.23 "nudges" a kernel on each websocket connect; a kernel busy with a cell then cannot answer,
 * and output sent meanwhile can be lost, so cells are only run against a settled kernel.
 */
export async function waitKernelIdle(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      type K = { status: string; connectionStatus: string };
      const app = (window as unknown as { jupyterapp?: { shell: { currentWidget: { sessionContext?: { session?: { kernel?: K | null } | null } } | null } } }).jupyterapp;
      const kernel = app?.shell.currentWidget?.sessionContext?.session?.kernel;
      return !!kernel && kernel.status === "idle" && kernel.connectionStatus === "connected";
    },
    null,
    { timeout: 180_000 },
  );
}
