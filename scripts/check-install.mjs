#!/usr/bin/env node
// Post-install check and repair, run by `npm install` (see package.json "postinstall").
//
// Hardhat 3's simulator (EDR) ships its native code in per-platform packages that declare
// `engines: node >= 22`. An `npm install` run by an npm that itself runs under an older Node
// (the system Node 20 here) silently skips that optional package, and every Hardhat command
// then fails with HHE27. npm scripts run with node_modules/.bin first on PATH, so this script
// runs under the pinned Node 22 from the `node` package: it finds the missing platform package
// and unpacks it from the registry, so that a plain `npm install` always leaves a working tree.
// If it cannot, it fails the install with a message that says what to run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { STAMP_FILE, installFingerprint } from "./lib/install-fingerprint.mjs";

const root = new URL("..", import.meta.url).pathname;
const require = createRequire(join(root, "package.json"));
const REQUIRED_NODE_MAJOR = 22;

function fail(message) {
  console.error(`\n[check-install] ${message}\n`);
  process.exit(1);
}

const major = Number(process.versions.node.split(".")[0]);
if (major < REQUIRED_NODE_MAJOR) {
  fail(
    `this project runs on Node >= ${REQUIRED_NODE_MAJOR} (found ${process.version}), and the pinned ` +
      `Node from the npm package "node" is missing from node_modules/.bin.\n` +
      `Run:  npx -y -p node@22 npm install`,
  );
}

function libcSuffix() {
  if (process.platform !== "linux") return "";
  const report = process.report?.getReport?.();
  return report?.header?.glibcVersionRuntime ? "-gnu" : "-musl";
}

function edrPlatformPackage() {
  const edrPkg = JSON.parse(readFileSync(join(root, "node_modules/@nomicfoundation/edr/package.json"), "utf8"));
  const arch = process.arch;
  const platform = process.platform;
  const candidates = Object.keys(edrPkg.optionalDependencies ?? {});
  const wanted =
    platform === "linux"
      ? `@nomicfoundation/edr-linux-${arch}${libcSuffix()}`
      : platform === "win32"
        ? `@nomicfoundation/edr-win32-${arch}-msvc`
        : `@nomicfoundation/edr-${platform}-${arch}`;
  if (!candidates.includes(wanted)) {
    fail(`Hardhat's simulator has no native build for ${platform}/${arch} (looked for ${wanted}).`);
  }
  return { name: wanted, version: edrPkg.optionalDependencies[wanted] };
}

function installFromRegistry({ name, version }) {
  const dir = mkdtempSync(join(tmpdir(), "poa-install-"));
  try {
    const out = execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", dir, "--silent"], {
      cwd: root,
      encoding: "utf8",
    });
    const tarball = join(dir, out.trim().split("\n").pop());
    const target = join(root, "node_modules", ...name.split("/"));
    mkdirSync(target, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const edr = edrPlatformPackage();
const bindingDir = join(root, "node_modules", ...edr.name.split("/"));
if (!existsSync(join(bindingDir, "package.json"))) {
  console.log(
    `[check-install] ${edr.name}@${edr.version} was skipped by npm (it ran under an older Node); installing it.`,
  );
  try {
    installFromRegistry(edr);
  } catch (error) {
    fail(
      `could not install ${edr.name}@${edr.version}: ${error.message}\n` +
        `Run:  PATH="$PWD/node_modules/.bin:$PATH" npm install`,
    );
  }
}

try {
  require("@nomicfoundation/edr");
} catch (error) {
  fail(
    `Hardhat's simulator does not load (${error.message.split("\n")[0]}).\n` +
      `Run:  rm -rf node_modules && npx -y -p node@22 npm install`,
  );
}
// The stamp lets scripts/bootstrap.mjs skip `npm install` while package.json and the lock file
// are unchanged since this verified install.
writeFileSync(join(root, STAMP_FILE), installFingerprint(root));
console.log(`[check-install] ok: Node ${process.version}, Hardhat simulator ${edr.name}@${edr.version}`);
