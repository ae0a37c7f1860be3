// The install stamp: a hash of package.json and package-lock.json, written by
// scripts/check-install.mjs after a verified install and compared by scripts/bootstrap.mjs,
// which skips `npm install` while both files are unchanged. Plain JS: runs under any Node.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const STAMP_FILE = join("node_modules", ".poa-install-stamp");

export function installFingerprint(root) {
  const hash = createHash("sha256");
  for (const file of ["package.json", "package-lock.json"]) {
    const path = join(root, file);
    hash.update(existsSync(path) ? readFileSync(path) : "");
  }
  return hash.digest("hex");
}
