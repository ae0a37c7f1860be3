/**
 * Temporary folders for tests, all under one folder per test process that is removed when the
 * process exits, so a test run leaves nothing in the system's temporary folder (a settlement
 * fixture alone writes hundreds of MiB), whether or not each test cleans up after itself.
 * `POA_KEEP_TEMP=1` keeps them (to look at what a test wrote, such as the HTML report's
 * screenshot) and prints where they are.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let root: string | undefined;

/** A fresh folder named `<prefix>XXXXXX` under this process's temporary root. */
export function tempDir(prefix: string): string {
  if (root === undefined) {
    const made = mkdtempSync(join(tmpdir(), `poa-test-${process.pid}-`));
    root = made;
    if (process.env.POA_KEEP_TEMP === "1")
      process.on("exit", () => process.stderr.write(`[test] POA_KEEP_TEMP=1: kept the tests' folders in ${made}\n`));
    else process.on("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}
