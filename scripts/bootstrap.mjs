#!/usr/bin/env node
// Makes sure the project is installed before a top-level npm script runs. Runs under any Node
// (the system Node 20 on a fresh machine): it only checks files and, when needed, runs
// `npm install`, whose post-install step (scripts/check-install.mjs) repairs what npm skips
// under an old Node. Everything after it in the npm script runs under the pinned Node 22.
//
// An install interrupted half-way (Ctrl-C, a killed terminal) leaves node_modules in a state
// npm itself cannot always resume from ("Cannot find module …/installArchSpecificPackage"). A
// marker file is written before installing and removed after: if the next run finds it, the
// previous install did not finish, and node_modules is removed and installed afresh.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { STAMP_FILE, installFingerprint } from "./lib/install-fingerprint.mjs";

const root = new URL("..", import.meta.url).pathname;
const stamp = join(root, STAMP_FILE);
const marker = join(root, ".poa-install-in-progress");

const installed = existsSync(stamp) && readFileSync(stamp, "utf8") === installFingerprint(root);

if (!installed || existsSync(marker)) {
  if (existsSync(marker)) {
    console.log("[bootstrap] the previous install was interrupted: removing node_modules and installing again...");
    rmSync(join(root, "node_modules"), { recursive: true, force: true });
  } else {
    console.log("[bootstrap] installing dependencies (first run, or package.json changed); this takes a minute...");
  }
  writeFileSync(marker, `${process.pid}\n`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const child = spawn(npm, ["install", "--no-fund", "--no-audit"], { cwd: root, stdio: ["inherit", "pipe", "pipe"] });
  // npm running under the system's older Node warns about every package that wants Node 22
  // (EBADENGINE); the pinned Node 22 runs everything afterwards, so these warnings say nothing
  // a user can act on. They are counted, not printed; everything else is passed through.
  let hidden = 0;
  const filter = (stream) => {
    let pending = "";
    return (chunk) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (/npm warn EBADENGINE/i.test(line)) {
          if (/Unsupported engine/i.test(line)) hidden += 1;
          continue;
        }
        stream.write(`${line}\n`);
      }
    };
  };
  child.stdout.setEncoding("utf8").on("data", filter(process.stdout));
  child.stderr.setEncoding("utf8").on("data", filter(process.stderr));
  // Ctrl-C reaches npm too (same process group); wait for it to exit rather than leave it running.
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
    process.on(signal, () => {
      interrupted = true;
      child.kill(signal);
    });
  const code = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  if (interrupted) {
    console.error("\n[bootstrap] install interrupted; the next run starts it again.");
    process.exit(130);
  }
  if (code !== 0) {
    console.error("[bootstrap] npm install failed; fix the error above and run the command again.");
    process.exit(code);
  }
  rmSync(marker, { force: true });
  if (hidden > 0)
    console.log(
      `[bootstrap] installed (${hidden} "unsupported engine" warnings hidden: npm ran under Node ${process.versions.node}, the project runs on its pinned Node 22)`,
    );
}
