/**
 * Keeps a file change from killing the kernel.
 *
 * tslab's converter replaces TypeScript's debounce timer with a one-slot fake
 * (tslab/dist/converter.js, sys.setTimeout): it throws "Unexpected pending rebuildTimer" when
 * asked for a second timer while one is pending, and its pending timer runs only at the next
 * conversion. TypeScript clears its own timer before asking for a new one, so this stays
 * quiet as long as the two agree; they stop agreeing when a conversion is stopped part-way
 * (an interrupt, a terminate) after TypeScript forgot its timer but before tslab cleared
 * its slot. The next change of a watched file (a module a cell imports, a .d.ts rebuilt under
 * node_modules) then throws from a file watcher's callback: an uncaught exception that ends
 * the kernel process, and the notebook with it.
 *
 * The throw is harmless to drop: TypeScript has already bumped the changed file's version
 * before asking for the timer, and the pending timer rebuilds the program at the next
 * conversion, which then reads the new file. So the watchers' callbacks are wrapped here,
 * before tslab creates a converter, to drop exactly that error (one line on stderr) and pass
 * every other one on.
 */
type WatchCallback = (...args: unknown[]) => void;
type Watch = (path: string, callback: WatchCallback, ...rest: unknown[]) => unknown;

const PENDING_TIMER = "Unexpected pending rebuildTimer";
let installed = false;
let warned = false;

/** Calls `callback`, dropping tslab's pending-timer error. Exported for its test. */
export function guardWatchCallback(callback: WatchCallback, warn: (line: string) => void = (line) => process.stderr.write(line)): WatchCallback {
  return (...args: unknown[]) => {
    try {
      callback(...args);
    } catch (err) {
      if (!(err instanceof Error) || err.message !== PENDING_TIMER) throw err;
      if (!warned) {
        warned = true;
        warn("proxyrm kernel: a watched file changed while a rebuild was pending; it is picked up by the next cell\n");
      }
    }
  };
}

/** Wraps watchFile and watchDirectory of the TypeScript that tslab loads; idempotent. */
export function installWatchGuard(): void {
  if (installed) return;
  installed = true;
  const ts = require("@tslab/typescript-for-tslab") as { sys: Record<string, Watch | undefined> };
  for (const name of ["watchFile", "watchDirectory"]) {
    const original = ts.sys[name];
    if (typeof original !== "function") continue;
    ts.sys[name] = (path, callback, ...rest) => original.call(ts.sys, path, guardWatchCallback(callback), ...rest);
  }
}
