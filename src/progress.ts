/**
 * How long stages report progress. The library never prints: the CLI hands it a reporter that
 * draws bars on a TTY and plain lines otherwise; a notebook hands it an updating display.
 */
export interface Progress {
  start(stage: string, total: number): void;
  tick(n: number, info?: Record<string, number>): void;
  end(): void;
  /** A one-off message (a stage skipped because it is already done, a summary line). */
  log?(message: string): void;
}

/** A reporter that drops everything (tests, library callers that want silence). */
export const silentProgress: Progress = { start() {}, tick() {}, end() {} };
