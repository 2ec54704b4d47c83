/**
 * Where the progress throttle reads the time and schedules its deferred update: the real clock
 * by default, a fake one in tests, so the throttle's spacing can be checked exactly rather than
 * against a loaded machine's wall clock.
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once after `ms`; the handle goes to `cancel`. Never keeps the process alive. */
  after(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  cancel(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
