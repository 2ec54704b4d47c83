/**
 * `npm run bench`: every benchmark, each ratio against a peer measured in the same run, into
 * docs/bench/results.json, then docs/BENCHMARKS.md generated from it (scripts/bench-doc.ts).
 * Benchmarks report; they assert nothing about time.
 *
 *   npm run bench                                  # everything (prebench installs the peers)
 *   node --import tsx bench/run.ts --only kcenter,heads
 *
 * A partial run replaces only its sections in results.json; the others keep their figures
 * and the date they were measured. Build first (npm run build): k-center and the runs time
 * the compiled CLI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { benchArrowIo } from "./arrow-io";
import { benchBandwidth } from "./bandwidth";
import { benchBeforeAfter } from "./before-after";
import { benchEndToEnd } from "./end-to-end";
import { benchExplore } from "./explore";
import { benchHeads } from "./heads";
import { KCENTER_CASES, benchKCenter } from "./kcenter";
import { benchKernel } from "./kernel";
import { benchLabRender } from "./lab-render";
import { machineInfo, type MachineInfo } from "./machine";
import { benchTinyGpt } from "./tinygpt";
import { writeBenchmarksDoc } from "../scripts/bench-doc";

export const SECTIONS = ["kcenter", "bandwidth", "heads", "tinygpt", "arrow", "kernel", "lab", "explore", "smoke", "default", "speedup"] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface Section {
  measuredAt: string;
  machine: MachineInfo;
  data: unknown;
}

export interface BenchResults {
  sections: Partial<Record<SectionName, Section>>;
}

const ROOT = path.join(__dirname, "..");
export const RESULTS_FILE = path.join(ROOT, "docs", "bench", "results.json");

const runners: Record<SectionName, (log: (line: string) => void) => unknown | Promise<unknown>> = {
  kcenter: (log) => KCENTER_CASES.map((c) => benchKCenter(c, log)),
  bandwidth: benchBandwidth,
  heads: benchHeads,
  tinygpt: benchTinyGpt,
  arrow: benchArrowIo,
  kernel: (log) => benchKernel(log),
  lab: benchLabRender,
  explore: benchExplore,
  smoke: (log) => benchEndToEnd("smoke", 1, log),
  default: (log) => benchEndToEnd("default", 1, log),
  // Timing on the default run; the smoke runs add seeds to the check that no artefact changed.
  speedup: async (log) => [await benchBeforeAfter(log, "default", [1]), await benchBeforeAfter(log, "smoke", [3, 4, 5, 6])],
};

function parseOnly(argv: string[]): SectionName[] {
  const at = argv.indexOf("--only");
  if (at < 0) return [...SECTIONS];
  const names = (argv[at + 1] ?? "").split(",").filter(Boolean);
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    process.stderr.write(`proxyrm bench: --only takes a comma-separated list of ${SECTIONS.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}\n`);
    process.exit(2);
  }
  return names as SectionName[];
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const results: BenchResults = fs.existsSync(RESULTS_FILE) ? (JSON.parse(fs.readFileSync(RESULTS_FILE, "utf8")) as BenchResults) : { sections: {} };
  const machine = machineInfo();
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.python}`);
  const log = (line: string) => console.log(line);
  for (const name of only) {
    const data = await runners[name](log);
    results.sections[name] = { measuredAt: new Date().toISOString(), machine, data };
    // Written after each section, so an interrupted run keeps what it measured.
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  }
  writeBenchmarksDoc();
  console.log(`wrote ${path.relative(ROOT, RESULTS_FILE)} and docs/BENCHMARKS.md`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
