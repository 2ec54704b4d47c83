/**
 * `proxyrm select --max-memory`: the memory estimate up front (stderr, when it is large or a
 * limit was asked for), and exit 2 with it when it does not fit.
 */
import * as os from "node:os";
import { BadOptionError, UserError } from "../errors";
import { readArrowFooter } from "../store/arrow-footer";
import { MAX_BATCH_BYTES, tooLargeError } from "../store/arrow-tables";
import { describeEstimate, estimateSelectMemory, formatBytes, parseByteSize } from "../select/kcenter-memory";

/** Below this an estimate is not worth a line on stderr unless a limit was asked for. */
const MENTION_BYTES = 2 ** 30;

export function parseMaxMemory(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined) throw new BadOptionError("--max-memory", `expected a size such as 8G, 512M or a byte count, got "${value}"`);
  return bytes;
}

export function checkMemory(file: string, column: string, maxMemory: number | undefined): void {
  // A batch the reader would refuse: refuse it now, in one line, before any estimate is printed.
  const shape = readArrowFooter(file);
  if (shape !== undefined) {
    const whole = shape.recordBatches <= 1 || shape.dictionaries > 0 ? shape.bytes : Math.max(...shape.blocks.map((b) => b.length));
    if (whole > MAX_BATCH_BYTES) throw tooLargeError(file, whole);
  }
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
