/**
 * Temporary folders for tests, all under one folder per test process that is removed when the
 * process exits, so a test run leaves nothing in the system's temporary folder (a settlement
 * fixture alone writes hundreds of MiB), whether or not each test cleans up after itself.
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
    process.on("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}
