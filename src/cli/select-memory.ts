/**
 * `proxyrm select --max-memory`: the memory estimate up front (stderr, when it is large or a
 * limit was asked for), and exit 2 with it when it does not fit.
 */
import * as os from "node:os";
import { BadOptionError, UserError } from "../errors";
import { describeEstimate, estimateSelectMemory, formatBytes, parseByteSize } from "../select/kcenter-memory";

/** Below this an estimate is not worth a line on stderr unless a limit was asked for. */
const MENTION_BYTES = 2 ** 30;

export function parseMaxMemory(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined) throw new BadOptionError("--max-memory", `expected a size such as 8G, 512M or a byte count, got "${value}"`);
  return bytes;
}

export function checkMemory(file: string, column: string, maxMemory: number | undefined): void {
  const estimate = estimateSelectMemory(file, column, process.memoryUsage().rss);
  if (estimate === undefined) return;
  const limit = maxMemory ?? os.freemem();
  const source = maxMemory === undefined ? "memory available now" : "--max-memory";
  if (estimate.total > limit) {
    throw new UserError(`${file} needs an estimated ${describeEstimate(estimate)}, more than the ${formatBytes(limit)} of ${source}`, {
      code: "out-of-memory",
      blame: "--max-memory",
    });
  }
  if (maxMemory !== undefined || estimate.total >= MENTION_BYTES) {
    process.stderr.write(`proxyrm select: memory estimate ${describeEstimate(estimate)}; limit ${formatBytes(limit)} (${source})\n`);
  }
}
