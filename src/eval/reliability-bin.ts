/**
 * One bin of a reliability diagram: the evaluate stage computes it (metrics.ts), the report and
 * the lab's calibration and metrics views draw it.
 *
 * Types only, and no imports: the lab extension's browser bundle reaches this file through
 * kernel-ext's payloads.ts (`import type`, erased), so it must never pull in Node code.
 */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean top-class probability in the bin. */
  confidence: number;
  /** Share of the bin whose top class is the gold score. */
  accuracy: number;
}
