#!/usr/bin/env node
// Checks, or with --write refreshes, the two committed snapshots of the compiled contracts:
//   snapshots/contracts/semver-lock.json     each protocol contract's version() and code hash
//   snapshots/contracts/bytecode-sizes.json  each contract's runtime and creation code size
// from the artifacts of the last build (run `npm run build` first). test/contracts/ checks the
// same things on every `npm test`; rules in docs/contracts.md.
//
//   node scripts/contract-snapshots.mjs           report differences; exit 1 if any
//   node scripts/contract-snapshots.mjs --write   rewrite both files
//
// --write never records a contract whose code changed while its version() did not (or went
// down): it says which contract to bump and leaves the lock as it was, so the lock cannot be
// refreshed around a missing version bump. Runs under any Node >= 18; needs no Hardhat.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

import {
  BYTECODE_SIZES_FILE,
  SEMVER_LOCK_FILE,
  checkSemverLock,
  checkSizeCeilings,
  computeBytecodeSizes,
  computeSemverLock,
  diffBytecodeSizes,
  formatSnapshot,
  readContractArtifacts,
} from "./lib/contract-snapshots.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const write = args.includes("--write");
const unknown = args.filter((a) => a !== "--write");
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown[0]}; usage: node scripts/contract-snapshots.mjs [--write]`);
  process.exit(2);
}

const readJson = (file) => (existsSync(join(root, file)) ? JSON.parse(readFileSync(join(root, file), "utf8")) : {});
const writeJson = (file, value) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), formatSnapshot(value));
};

let artifacts;
try {
  artifacts = readContractArtifacts(root);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const sourceOf = (name) => artifacts.get(name)?.sourceName ?? "its source";

const lock = computeSemverLock(root, artifacts);
const lockProblems = checkSemverLock(readJson(SEMVER_LOCK_FILE), lock, sourceOf);
const sizes = computeBytecodeSizes(root, artifacts);
const sizeChanges = diffBytecodeSizes(readJson(BYTECODE_SIZES_FILE), sizes);
const ceilings = checkSizeCeilings(sizes);

let failed = false;
if (write) {
  const refused = lockProblems.filter((p) => ["unversioned", "notBumped", "downgraded"].includes(p.kind));
  if (refused.length > 0) {
    console.error(`${SEMVER_LOCK_FILE} not written:`);
    for (const p of refused) console.error(`  ${p.message}`);
    failed = true;
  } else {
    writeJson(SEMVER_LOCK_FILE, lock);
    console.log(
      `${SEMVER_LOCK_FILE}: ${Object.keys(lock).length} contracts` +
        (lockProblems.length > 0 ? ` (${lockProblems.map((p) => p.contract).join(", ")} updated)` : ", unchanged"),
    );
  }
  writeJson(BYTECODE_SIZES_FILE, sizes);
  console.log(
    `${BYTECODE_SIZES_FILE}: ${Object.keys(sizes).length} contracts${sizeChanges.length ? "" : ", unchanged"}`,
  );
  for (const line of sizeChanges) console.log(`  ${line}`);
} else {
  for (const p of lockProblems) console.error(p.message);
  if (sizeChanges.length > 0) {
    console.error(`${BYTECODE_SIZES_FILE} is stale (run \`node scripts/contract-snapshots.mjs --write\`):`);
    for (const line of sizeChanges) console.error(`  ${line}`);
  }
  failed = lockProblems.length > 0 || sizeChanges.length > 0;
  if (!failed) console.log(`${SEMVER_LOCK_FILE} and ${BYTECODE_SIZES_FILE} match the build.`);
}
for (const p of ceilings) console.error(p.message);
process.exit(failed || ceilings.length > 0 ? 1 : 0);
