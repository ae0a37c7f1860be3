#!/usr/bin/env node
// Makes sure the project is installed before a top-level npm script runs. Runs under any Node
// (the system Node 20 on a fresh machine): it only checks files and, when needed, runs
// `npm install`, whose post-install step (scripts/check-install.mjs) repairs what npm skips
// under an old Node. Everything after it in the npm script runs under the pinned Node 22.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const stamp = join(root, "node_modules", ".poa-install-stamp");

/** Same function as in check-install.mjs: the stamp it writes after a verified install. */
function installFingerprint() {
  const hash = createHash("sha256");
  for (const file of ["package.json", "package-lock.json"]) {
    const path = join(root, file);
    hash.update(existsSync(path) ? readFileSync(path) : "");
  }
  return hash.digest("hex");
}

const installed = existsSync(stamp) && readFileSync(stamp, "utf8") === installFingerprint();

if (!installed) {
  console.log("[bootstrap] installing dependencies (first run, or package.json changed)...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["install", "--no-fund", "--no-audit"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("[bootstrap] npm install failed; fix the error above and run the command again.");
    process.exit(result.status ?? 1);
  }
}
