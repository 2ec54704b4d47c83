/**
 * One process holds a run directory at a time (shared/DESIGN.md, "Paid labels"): two processes
 * on one directory could each spend the whole budget and interleave their ledger lines. The lock
 * is a file, `proxyrm.lock`, created with O_EXCL and holding the holder's pid, host and (on
 * Linux) the process start time. A second process is refused with a RunLockedError naming the
 * pid. A lock whose holder is gone (killed with -9, the machine rebooted) is stale and is taken
 * over: on the same host, a pid that no longer exists, or that now belongs to a process started
 * at another time (the pid was reused), is stale. A lock from another host is never taken over
 * (its pid cannot be checked from here); the message says to delete the file if that host's
 * process is gone.
 *
 * Node has no flock(), so taking over a stale lock renames it to a private name first; only one
 * of two processes racing for the same stale lock can rename it, and the loser then finds the
 * winner's fresh lock.
 *
 * Within one process the lock is re-entrant (a notebook may open the same run twice, the gate
 * locks around each request while a session already holds the directory): a count per
 * directory, the file removed when it drops to zero and when the process exits.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../errors";

export const LOCK_FILE = "proxyrm.lock";

/** What the lock file holds. No paths, arguments or environment: nothing secret. */
interface LockInfo {
  pid: number;
  host: string;
  /** Linux: the process start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  start?: string;
}

/** Another live process holds the run directory. */
export class RunLockedError extends UserError {
  readonly pid: number;
  constructor(dir: string, holder: LockInfo) {
    const where = holder.host === os.hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
    const stale =
      holder.host === os.hostname()
        ? "wait for it to finish or stop it"
        : `if that process is gone, delete ${path.join(dir, LOCK_FILE)}`;
    super(`${dir} is in use by another proxyrm process (${where}); ${stale}`, { code: "locked", blame: dir });
    this.name = "RunLockedError";
    this.pid = holder.pid;
  }
}

/** How long a lock file without content may be in the middle of being written. */
const TORN_LOCK_GRACE_MS = 5000;

/** Locks held by this process: resolved directory -> how many holders. */
const held = new Map<string, number>();
let exitHookInstalled = false;

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after its last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function selfInfo(): LockInfo {
  const start = startTime(process.pid);
  return { pid: process.pid, host: os.hostname(), ...(start === undefined ? {} : { start }) };
}

/** Whether the holder named in a lock file is still running (unknowable for another host: assume so). */
function isAlive(info: LockInfo): boolean {
  if (info.host !== os.hostname()) return true;
  // A lock file without content: held while young (its writer is filling it), stale after that.
  if (info.pid < 0) return Date.now() - Number(info.start?.slice("torn:".length)) < TORN_LOCK_GRACE_MS;
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (info.start !== undefined) {
    const now = startTime(info.pid);
    if (now !== undefined && now !== info.start) return false; // the pid was reused
  }
  return true;
}

function readInfo(file: string): LockInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (Number.isSafeInteger(info.pid) && typeof info.host === "string") return info;
  } catch {
    // fall through: a lock torn by a crash while it was being written
  }
  // Unreadable: its writer is between creating and filling it (a moment), or died there.
  return { pid: -1, host: os.hostname(), start: `torn:${fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0}` };
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new UserError(`${path.dirname(file)}: cannot create ${LOCK_FILE} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      code: "bad-file",
      blame: file,
    });
  }
  try {
    fs.writeFileSync(fd, `${JSON.stringify(info)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Takes the run directory's lock (creating the directory if needed) and returns its release.
 * Re-entrant within a process.
 * @throws RunLockedError when another live process holds it.
 */
export function lockRunDir(dir: string): () => void {
  const key = path.resolve(dir);
  const count = held.get(key) ?? 0;
  if (count === 0) acquire(key);
  held.set(key, count + 1);
  installExitHook();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(key) ?? 1) - 1;
    if (left > 0) {
      held.set(key, left);
      return;
    }
    held.delete(key);
    removeOwnLock(key);
  };
}

/** Whether this process holds the lock on `dir`. */
export function holdsRunDir(dir: string): boolean {
  return (held.get(path.resolve(dir)) ?? 0) > 0;
}

function acquire(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me = selfInfo();
  // Bounded: each pass either takes the lock, throws, or removed a stale lock someone left.
  for (let attempt = 0; attempt < 8; attempt++) {
    if (tryCreate(file, me)) return;
    const holder = readInfo(file);
    if (holder === undefined) continue; // released between our create and read
    if (holder.pid === me.pid && holder.host === me.host && holder.start === me.start) {
      // Written by this very process (a lock it failed to remove on release): still ours.
      return;
    }
    if (isAlive(holder)) throw new RunLockedError(dir, holder);
    const aside = path.join(dir, `.${LOCK_FILE}.stale-${process.pid}-${attempt}`);
    try {
      fs.renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // another process took it over first
      throw error;
    }
    // If a racing process replaced the stale lock with its own between our read and rename, we
    // moved a live lock: put it back and let the loop find it held.
    const moved = readInfo(aside);
    if (moved !== undefined && (moved.pid !== holder.pid || moved.host !== holder.host) && isAlive(moved)) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // A third process created a lock meanwhile; the loop will find that one.
      }
    }
    fs.rmSync(aside, { force: true });
  }
  throw new UserError(`${dir}: could not take ${LOCK_FILE} (other processes keep replacing it)`, { code: "locked", blame: dir });
}

function removeOwnLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  const holder = readInfo(file);
  if (holder && holder.pid === process.pid && holder.host === os.hostname()) fs.rmSync(file, { force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A normal exit (also process.exit and an uncaught error) leaves no lock behind; kill -9 does,
  // and the next process takes that stale lock over.
  process.on("exit", () => {
    for (const dir of held.keys()) {
      try {
        removeOwnLock(dir);
      } catch {
        // exiting anyway
      }
    }
    held.clear();
  });
}
