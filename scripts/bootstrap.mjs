#!/usr/bin/env node
// Makes sure the project is installed before a top-level npm script runs. Runs under any Node
// (the system Node 20 on a fresh machine): it only checks files and, when needed, runs
// `npm install`, whose post-install step (scripts/check-install.mjs) repairs what npm skips
// under an old Node. Everything after it in the npm script runs under the pinned Node 22.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { STAMP_FILE, installFingerprint } from "./lib/install-fingerprint.mjs";

const root = new URL("..", import.meta.url).pathname;
const stamp = join(root, STAMP_FILE);

const installed = existsSync(stamp) && readFileSync(stamp, "utf8") === installFingerprint(root);

if (!installed) {
  console.log("[bootstrap] installing dependencies (first run, or package.json changed)...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["install", "--no-fund", "--no-audit"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("[bootstrap] npm install failed; fix the error above and run the command again.");
    process.exit(result.status ?? 1);
  }
}
