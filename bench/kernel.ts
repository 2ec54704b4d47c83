/**
 * The proxyrm kernel against stock tslab 1.0.22, each started from its own kernelspec by a
 * small ZeroMQ client, alternating, and the medians compared (ratio = proxyrm / tslab; the
 * targets: kernel_info under 2 s, first cell at most 1.2x, round trip at most 1x):
 *
 *   kernel_info   spawn -> kernel_info_reply (the client asks at once, as jupyter_client does)
 *   first cell    spawn -> execute_reply of `1 + 1`, sent the moment kernel_info is answered
 *   after ready   kernel_info_reply -> that execute_reply (stock tslab builds its TypeScript
 *                 converter before it answers kernel_info; proxyrm builds it in a worker, so
 *                 here it shows up after ready instead: the sum is what a user waits)
 *   round trip    median execute_request -> execute_reply of a small cell, after warm-up
 *
 * Replies only (shell), no iopub: a SUB socket joins late and would miss the first statuses.
 *
 *   node --import tsx bench/kernel.ts [--repeats 5] [--cells 100]
 *   node --import tsx bench/run.ts --only kernel      # the same, into docs/bench/results.json and docs/BENCHMARKS.md
 *
 * Build first (npm run build). Needs /usr/bin/python3 only for tslab's own installer.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import { Wire, type Message } from "../kernel-ext/src/kernel/wire";
import { freePort } from "../tests/helpers/free-port";
import { load } from "./machine";

const ROOT = path.join(__dirname, "..");
const REPLY_TIMEOUT_MS = 120_000;

interface Sample {
  kernelInfoMs: number;
  firstCellMs: number;
  afterReadyMs: number;
  roundTripMs: number;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The kernelspec argv of both kernels, installed into `prefix` by their own installers. */
function installKernels(prefix: string): { proxyrm: string[]; tslab: string[] } {
  const ours = spawnSync(process.execPath, [path.join(ROOT, "src", "bin", "proxyrm.js"), "kernel", "install", "--prefix", prefix], { encoding: "utf8" });
  if (ours.status !== 0) throw new Error(`proxyrm kernel install failed: ${ours.stderr}`);
  const tslabBin = path.join(ROOT, "node_modules", ".bin", "tslab");
  const theirs = spawnSync(tslabBin, ["install", "--python=/usr/bin/python3", `--binary=${tslabBin}`, `--prefix=${prefix}`], { encoding: "utf8" });
  if (theirs.status !== 0) throw new Error(`tslab install failed: ${theirs.stdout}${theirs.stderr}`);
  const argv = (name: string) => (JSON.parse(fs.readFileSync(path.join(prefix, "share", "jupyter", "kernels", name, "kernel.json"), "utf8")) as { argv: string[] }).argv;
  return { proxyrm: argv("proxyrm"), tslab: argv("tslab") };
}

class Client {
  readonly shell = new zmq.Dealer();
  readonly control = new zmq.Dealer();
  private readonly replies = new Map<string, (m: Message) => void>();

  constructor(
    readonly wire: Wire,
    ports: { shell: number; control: number },
  ) {
    this.shell.connect(`tcp://127.0.0.1:${ports.shell}`);
    this.control.connect(`tcp://127.0.0.1:${ports.control}`);
    void this.listen(this.shell, (m) => this.replies.get(m.parent_header.msg_id as string)?.(m));
    void this.listen(this.control, () => undefined);
  }

  private async listen(sock: zmq.Dealer, on: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of sock) on(this.wire.parse(frames));
    } catch {
      // closed
    }
  }

  /** Sends a request (after the previous one is on its way: a socket takes one send at a time); resolves with its reply. */
  async request(msgType: string, content: object): Promise<Message> {
    const msg = this.wire.create(msgType, content);
    const reply = new Promise<Message>((resolve, reject) => {
      this.replies.set(msg.header.msg_id, resolve);
      setTimeout(() => reject(new Error(`no ${msgType} reply in ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS).unref();
    });
    await this.shell.send(this.wire.serialize(msg));
    return reply;
  }

  shutdown(): void {
    void this.control.send(this.wire.serialize(this.wire.create("shutdown_request", { restart: false })));
  }

  close(): void {
    for (const s of [this.shell, this.control]) s.close();
  }
}

interface Started {
  client: Client;
  child: ChildProcess;
  kernelInfoMs: number;
  firstCellMs: number;
  afterReadyMs: number;
}

/** Spawns a kernel from its kernelspec argv and times kernel_info and the first cell. */
async function start(argv: string[], dir: string): Promise<Started> {
  const ports = { shell: await freePort(), iopub: await freePort(), stdin: await freePort(), control: await freePort(), hb: await freePort() };
  const key = randomBytes(16).toString("hex");
  const connectionFile = path.join(dir, `kernel-${key}.json`);
  const conn = { transport: "tcp", ip: "127.0.0.1", key, signature_scheme: "hmac-sha256", kernel_name: "", ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`${k}_port`, v])) };
  fs.writeFileSync(connectionFile, JSON.stringify(conn));
  const started = performance.now();
  const child: ChildProcess = spawn(argv[0], argv.slice(1).map((a) => a.replace("{connection_file}", connectionFile)), { cwd: ROOT, stdio: "ignore" });
  const client = new Client(new Wire(key), ports);
  await client.request("kernel_info_request", {});
  const ready = performance.now();
  await client.request("execute_request", { code: "1 + 1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  const firstDone = performance.now();
  await client.request("execute_request", { code: "let benchCounter = 0", silent: false });
  return { client, child, kernelInfoMs: ready - started, firstCellMs: firstDone - started, afterReadyMs: firstDone - ready };
}

async function roundTripMs(k: Started): Promise<number> {
  const t0 = performance.now();
  await k.client.request("execute_request", { code: "benchCounter += 1", silent: false, store_history: true, user_expressions: {}, stop_on_error: true });
  return performance.now() - t0;
}

async function stop(k: Started): Promise<void> {
  k.client.shutdown();
  const exited = new Promise<void>((resolve) => k.child.once("exit", () => resolve()));
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (k.child.exitCode === null && k.child.signalCode === null) k.child.kill("SIGKILL");
  k.client.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface KernelBenchRow {
  label: string;
  tslabMs: number;
  proxyrmMs: number;
  /** proxyrm / tslab. */
  ratio: number;
  /** The goal, in words, and whether this run met it; null where there is none. */
  target: string | null;
  met: boolean | null;
}

export interface KernelBenchResult {
  repeats: number;
  cells: number;
  loadBefore: number;
  loadAfter: number;
  rows: KernelBenchRow[];
}

/** Both kernels, `repeats` starts each, `cells` alternating cells per start; medians and ratios. */
export async function benchKernel(log: (line: string) => void, options: { repeats?: number; cells?: number } = {}): Promise<KernelBenchResult> {
  const repeats = options.repeats ?? 5;
  const cells = options.cells ?? 100;
  const loadBefore = load();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxyrm-bench-kernel-"));
  try {
    const argv = installKernels(path.join(dir, "prefix"));
    const samples: Record<"proxyrm" | "tslab", Sample[]> = { proxyrm: [], tslab: [] };
    for (let r = 0; r < repeats; r++) {
      // Started one after the other (start-up timings alone on the machine), then cells
      // alternate between the two live kernels so both see the same background load.
      const tslab = await start(argv.tslab, dir);
      const proxyrm = await start(argv.proxyrm, dir);
      const trips = { tslab: [] as number[], proxyrm: [] as number[] };
      for (let i = 0; i < cells; i++) {
        trips.tslab.push(await roundTripMs(tslab));
        trips.proxyrm.push(await roundTripMs(proxyrm));
      }
      await Promise.all([stop(tslab), stop(proxyrm)]);
      for (const [name, k] of [["tslab", tslab], ["proxyrm", proxyrm]] as const) {
        samples[name].push({ kernelInfoMs: k.kernelInfoMs, firstCellMs: k.firstCellMs, afterReadyMs: k.afterReadyMs, roundTripMs: median(trips[name]) });
      }
      log(`kernel: start ${r + 1}/${repeats} done`);
    }
    const plan: [string, keyof Sample, "under-2s" | number | null][] = [
      ["kernel_info after spawn", "kernelInfoMs", "under-2s"],
      ["first cell (`1 + 1`) after spawn", "firstCellMs", 1.2],
      ["first cell after kernel_info", "afterReadyMs", null],
      ["cell round trip (`benchCounter += 1`, median)", "roundTripMs", 1.0],
    ];
    const rows = plan.map(([label, field, goal]): KernelBenchRow => {
      const tslabMs = median(samples.tslab.map((s) => s[field]));
      const proxyrmMs = median(samples.proxyrm.map((s) => s[field]));
      const ratio = proxyrmMs / tslabMs;
      if (goal === "under-2s") return { label, tslabMs, proxyrmMs, ratio, target: "proxyrm under 2000 ms", met: proxyrmMs < 2000 };
      if (goal === null) return { label, tslabMs, proxyrmMs, ratio, target: null, met: null };
      return { label, tslabMs, proxyrmMs, ratio, target: `ratio at most ${goal}`, met: ratio <= goal };
    });
    for (const r of rows) log(`kernel: ${r.label}: tslab ${r.tslabMs.toFixed(1)} ms, proxyrm ${r.proxyrmMs.toFixed(1)} ms, ratio ${r.ratio.toFixed(2)}${r.target ? ` (${r.target}: ${r.met ? "met" : "MISSED"})` : ""}`);
    return { repeats, cells, loadBefore, loadAfter: load(), rows };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchKernel((line) => console.log(line), { repeats: flag("--repeats", 5), cells: flag("--cells", 100) }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
