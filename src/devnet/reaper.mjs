// The devnet's watchdog. The devnet process starts it with a pipe on stdin and writes the
// process-group id of every anvil it spawns, one per line, each optionally followed by a folder
// (the chain's states on disk, as a JSON string). When that pipe closes (the devnet exited,
// crashed or was killed with SIGKILL, so no cleanup code of its own could run), the reaper sends
// SIGTERM to every group, then SIGKILL to any still alive after two seconds, so no chain is ever
// left running, and then removes the groups' folders. Plain JavaScript: it must start fast and
// depend on nothing.
import { rmSync } from "node:fs";

const groups = new Set();
const folders = new Map();
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  const lines = buffer.split("\n");
  buffer = lines.pop() ?? "";
  for (const line of lines) {
    // "add <pgid>" or "add <pgid> <folder as a JSON string>", and "del <pgid>".
    const match = /^(add|del) (\d+)(?: (".*"))?$/.exec(line);
    if (match === null) continue;
    const [, verb, id, folder] = match;
    const pgid = Number(id);
    if (pgid <= 1) continue;
    if (verb === "add") {
      groups.add(pgid);
      try {
        if (folder !== undefined) folders.set(pgid, JSON.parse(folder));
      } catch {
        // not a folder this process wrote: the chain is still reaped
      }
    }
    if (verb === "del") {
      groups.delete(pgid);
      folders.delete(pgid);
    }
  }
});
const finish = () => {
  for (const folder of folders.values()) {
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch {
      // nothing more can be done
    }
  }
  process.exit(0);
};
const signal = (name) => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, name);
    } catch {
      groups.delete(pgid); // already gone
    }
  }
};
process.stdin.on("end", () => {
  if (groups.size === 0) finish();
  signal("SIGTERM");
  // Both timers keep the reaper alive (nothing else does once stdin has ended) until the groups
  // are gone, or two seconds have passed and SIGKILL is sent; then it removes the folders.
  setTimeout(() => {
    signal("SIGKILL");
    finish();
  }, 2000);
  setInterval(() => {
    signal(0);
    if (groups.size === 0) finish();
  }, 50);
});
// Ignore the terminal's Ctrl-C: the reaper must outlive the devnet to clean up after it.
process.on("SIGINT", () => {});
