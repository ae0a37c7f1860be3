/**
 * Temporary folders for tests, all under one folder per test process that is removed when the
 * process exits, so a test run leaves nothing in the system's temporary folder (a settlement
 * fixture alone writes hundreds of MiB), whether or not each test cleans up after itself.
 * `POA_KEEP_TEMP=1` keeps them (to look at what a test wrote, such as the HTML report's
 * screenshot) and prints where they are. A process killed by a signal cannot remove its root, so
 * the first call also removes the roots of test processes that are no longer running (but not
 * those kept with `POA_KEEP_TEMP=1`, marked by a `.keep` file).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { isAlive } from "../../src/devnet/addresses.js";

let root: string | undefined;

const ROOT_NAME = /^poa-test-(\d+)-/;
const KEEP = ".keep";

/**
 * Removes the roots left by this user's test processes that died without their exit handler
 * running. Best effort: a root that cannot be removed (another run is removing it) is left.
 */
export function removeOrphans(): void {
  if (process.env.POA_KEEP_TEMP === "1") return;
  for (const name of readdirSync(tmpdir())) {
    const pid = ROOT_NAME.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    const orphan = join(tmpdir(), name);
    try {
      if (statSync(orphan).uid !== process.getuid?.() || existsSync(join(orphan, KEEP))) continue;
      rmSync(orphan, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

/** A fresh folder named `<prefix>XXXXXX` under this process's temporary root. */
export function tempDir(prefix: string): string {
  if (root === undefined) {
    removeOrphans();
    const made = mkdtempSync(join(tmpdir(), `poa-test-${process.pid}-`));
    root = made;
    if (process.env.POA_KEEP_TEMP === "1") {
      writeFileSync(join(made, KEEP), "kept by POA_KEEP_TEMP=1; remove the folder when done\n");
      process.on("exit", () => process.stderr.write(`[test] POA_KEEP_TEMP=1: kept the tests' folders in ${made}\n`));
    } else process.on("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}
