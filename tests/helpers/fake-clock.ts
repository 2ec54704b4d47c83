/**
 * A clock that moves only when the test says: `advance(ms)` runs each timer due on the way at
 * its own due time, in order, so what a throttle shows depends on the script and not on load.
 */
import type { Clock } from "../../kernel-ext/src/notebook/clock";

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): unknown {
    const timer = { id: this.nextId++, due: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  cancel(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.due;
      next.fn();
    }
    this.time = end;
  }
}
