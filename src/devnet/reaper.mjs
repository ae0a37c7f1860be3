// The devnet's watchdog. The devnet process starts it with a pipe on stdin and writes the
// process-group id of every anvil it spawns, one per line. When that pipe closes (the devnet
// exited, crashed or was killed with SIGKILL, so no cleanup code of its own could run), the
// reaper sends SIGTERM to every group, then SIGKILL to any still alive after two seconds, so no
// chain is ever left running. Plain JavaScript: it must start fast and depend on nothing.
const groups = new Set();
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  const lines = buffer.split("\n");
  buffer = lines.pop() ?? "";
  for (const line of lines) {
    const [verb, id] = line.trim().split(" ");
    const pgid = Number(id);
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (verb === "add") groups.add(pgid);
    if (verb === "del") groups.delete(pgid);
  }
});
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
  if (groups.size === 0) process.exit(0);
  signal("SIGTERM");
  setTimeout(() => {
    signal("SIGKILL");
    process.exit(0);
  }, 2000).unref();
  const poll = setInterval(() => {
    signal(0);
    if (groups.size === 0) process.exit(0);
  }, 50);
  poll.unref();
});
// Ignore the terminal's Ctrl-C: the reaper must outlive the devnet to clean up after it.
process.on("SIGINT", () => {});
