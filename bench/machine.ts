/** What every benchmark figure is conditional on: the machine, its load, and the peers' versions. */
import { spawnSync } from "node:child_process";
import * as os from "node:os";

export const PYTHON = "/usr/bin/python3"; // Debian's, where scripts/debian-peers.sh installs the peers

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  python: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const python = spawnSync(PYTHON, ["--version"], { encoding: "utf8" });
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    python: (python.stdout || python.stderr || "unknown").trim(),
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** The 1-minute load average: on a shared machine, the context every ratio was measured in. */
export function load(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/** Seconds a child process takes, start to exit, with its stdout; throws with its stderr on failure. */
export function timedSpawn(command: string, args: string[], what: string): { seconds: number; stdout: string; stderr: string } {
  const t0 = performance.now();
  const run = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}): ${(run.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`);
  return { seconds, stdout: run.stdout, stderr: run.stderr };
}

/** Seconds `run` takes in this process (wall clock). */
export function seconds(run: () => unknown): number {
  const t0 = performance.now();
  run();
  return (performance.now() - t0) / 1000;
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
