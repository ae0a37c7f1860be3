/**
 * One process at a time on a store folder (PGlite has a single connection and no locking of its
 * own: two processes on one folder would corrupt it).
 *
 * The lock is a folder `locks/` of holder files, one per process that tried to take the lock,
 * each named with the process id and a random nonce and holding a `LockHolder` plus the
 * process's start time. Taking the lock:
 *
 * 1. write my holder file completely under a temporary name, then `link()` it to its final name
 *    (an exclusive create, like O_EXCL: it fails if the name exists, and no one ever sees a half
 *    written holder file);
 * 2. list the other holder files; delete those whose process is gone (same host, and no process
 *    with that id, or one with another start time: the id was reused); if any other holder is
 *    alive, withdraw (delete mine) and retry after a short random pause, or give up with
 *    STORE_LOCKED naming that holder;
 * 3. otherwise the lock is mine until I delete my file.
 *
 * Why two processes can never both hold it: each one writes its file before it looks at the
 * others, so of any two, the one that looks last sees the other's file, unless that file was
 * deleted, which happens only when its owner withdrew or released (it does not hold the lock
 * then) or when its process is gone (it holds nothing). A stale lock is thus taken over without
 * a race: there is no "check, then delete, then create" step on a shared name that another
 * process could slip into. The price of the symmetric case (two processes start at the same
 * instant, each sees the other and both withdraw) is a retry, never a double owner.
 *
 * A holder on another host (a folder on a network file system) cannot be checked: it counts as
 * alive, and the error says which file to delete if that process is known to be gone.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

import { PoaError, messageOf } from "../core/errors.js";
import type { LockHolder } from "./database.js";

interface HolderFile extends LockHolder {
  /** The process's start time (Linux: clock ticks after boot, from /proc/<pid>/stat), if known. */
  processStart: string | null;
  nonce: string;
}

const PREFIX = "holder-";

/** Start time of process `pid` as the kernel records it, or null where that cannot be read. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command) is in parentheses and may contain spaces: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

/** "alive", "dead" or "unknown" (another host) for the process that wrote `holder`. */
export function holderState(
  holder: Pick<HolderFile, "pid" | "hostname" | "processStart">,
): "alive" | "dead" | "unknown" {
  if (holder.hostname !== hostname()) return "unknown";
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "dead";
    // EPERM: a process of another user has that id; it is alive.
  }
  if (holder.processStart !== null) {
    const start = processStartTime(holder.pid);
    if (start !== null && start !== holder.processStart) return "dead"; // the id was reused
  }
  return "alive";
}

function readHolder(file: string): HolderFile | "missing" | "invalid" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as HolderFile;
    if (typeof parsed.pid !== "number" || typeof parsed.hostname !== "string") return "invalid";
    return parsed;
  } catch {
    return "invalid";
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

export interface FolderLock {
  readonly holder: LockHolder;
  readonly file: string;
  /** Deletes the holder file. Idempotent; also runs at process exit. */
  release(): void;
}

export interface FolderLockOptions {
  /** The holder's role, shown to whoever is refused. */
  name: string;
  /** Keep trying for this long when the lock is held (default 0: refuse at once). */
  waitMs?: number;
}

/** Takes the lock of `folder` (see the file comment) or throws STORE_LOCKED. */
export async function acquireFolderLock(folder: string, options: FolderLockOptions): Promise<FolderLock> {
  const dir = join(folder, "locks");
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new PoaError("STORE_UNAVAILABLE", `cannot create the lock folder ${dir}: ${messageOf(error)}`, {
      details: { folder, path: dir },
      cause: error,
      action: "Choose a store folder you can write to.",
    });
  }
  const me: HolderFile = {
    name: options.name,
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
    processStart: processStartTime(process.pid),
    nonce: randomBytes(8).toString("hex"),
  };
  const mine = join(dir, `${PREFIX}${me.pid}-${me.nonce}.json`);
  const deadline = Date.now() + (options.waitMs ?? 0);
  // A few quick retries even without waiting: two processes starting at the same instant both
  // withdraw once, and a random pause separates them.
  for (let attempt = 0; ; attempt++) {
    writeHolderFile(dir, mine, me);
    const live = liveOthers(dir, mine);
    if (live.length === 0) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        unlinkQuietly(mine);
      };
      process.on("exit", release);
      return { holder: { name: me.name, pid: me.pid, hostname: me.hostname, since: me.since }, file: mine, release };
    }
    unlinkQuietly(mine);
    if (attempt >= 2 && Date.now() >= deadline) throw lockedError(folder, live[0]!);
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.floor(Math.random() * 50)));
  }
}

function writeHolderFile(dir: string, file: string, holder: HolderFile): void {
  const tmp = join(dir, `.tmp-${holder.pid}-${holder.nonce}`);
  try {
    const fd = openSync(tmp, "w", 0o644);
    try {
      writeSync(fd, JSON.stringify(holder));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, file); // exclusive: fails with EEXIST rather than replace a file
  } catch (error) {
    throw new PoaError("STORE_UNAVAILABLE", `cannot write the lock file ${file}: ${messageOf(error)}`, {
      details: { path: file },
      cause: error,
      action: "Choose a store folder you can write to.",
    });
  } finally {
    unlinkQuietly(tmp);
  }
}

interface LiveHolder {
  file: string;
  holder: HolderFile | undefined;
  state: "alive" | "unknown";
}

/** The other holder files whose process may be alive; those of processes that are gone are deleted. */
function liveOthers(dir: string, mine: string): LiveHolder[] {
  const live: LiveHolder[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (file === mine) continue;
    if (name.startsWith(".tmp-")) {
      // A temporary file of a process that died while writing it is garbage.
      const pid = Number(name.split("-")[1]);
      if (Number.isInteger(pid) && pid > 0 && holderState({ pid, hostname: hostname(), processStart: null }) === "dead")
        unlinkQuietly(file);
      continue;
    }
    if (!name.startsWith(PREFIX)) continue;
    const holder = readHolder(file);
    if (holder === "missing") continue;
    if (holder === "invalid") {
      // Holder files are linked complete, so this one was not written by this code: keep away.
      live.push({ file, holder: undefined, state: "unknown" });
      continue;
    }
    const state = holderState(holder);
    if (state === "dead") unlinkQuietly(file);
    else live.push({ file, holder, state });
  }
  return live;
}

function lockedError(folder: string, other: LiveHolder): PoaError {
  const h = other.holder;
  const who =
    h === undefined
      ? `an unreadable lock file ${other.file}`
      : h.pid === process.pid && h.hostname === hostname()
        ? `this same process (${h.name}, since ${h.since})`
        : `${h.name} (process ${h.pid} on ${h.hostname}, since ${h.since})`;
  return new PoaError("STORE_LOCKED", `the store ${folder} is in use by ${who}`, {
    details: {
      location: folder,
      lockFile: other.file,
      holder: h === undefined ? undefined : { name: h.name, pid: h.pid, hostname: h.hostname, since: h.since },
    },
    action:
      other.state === "unknown"
        ? `Wait until it finishes. If that process is known to be gone, delete ${other.file}.`
        : "Wait until it finishes, or stop it, then run again.",
  });
}
