#!/usr/bin/env node
// Mutation check of the Solidity test suites, run by hand (not in CI): applies each mutant of
// scripts/mutants/*.json to its contract, runs the relevant Solidity suite at the `ci` profile,
// records whether a test failed (killed) or all passed (survived), restores the contract, and
// prints a table and the kill rate. Every mutant must be killed; a survivor names a missing test.
//
//   node scripts/mutate.mjs                       every mutant of every list
//   node scripts/mutate.mjs protocol              the mutants of scripts/mutants/protocol.json
//   node scripts/mutate.mjs protocol:3,7          mutants 3 and 7 of that list (1-based)
//   node scripts/mutate.mjs --all-tests           run the whole `hardhat test solidity` suite for each
//   node scripts/mutate.mjs --profile default     a faster profile while iterating (report: ci)
//   node scripts/mutate.mjs --dry-run             check every mutant applies (its `find` is unique)
//
// A mutant is { "file", "find", "replace", "description" }: `find` must occur exactly once in
// `file`. The suite run for a mutant of contracts/<area>/ is test/<area>/*.t.sol, plus the suites
// that deploy that contract (see SUITES below); --all-tests runs everything.
//
// The contract is mutated in place, and restored in every case: after each run, on an error, on
// Ctrl-C or SIGTERM (the test run is stopped first), and, if this process was killed outright,
// at the start of the next run, from the journal .mutate-journal.json that holds the original
// text while a mutant is applied. A mutant that does not compile is "stillborn" and does not
// count in the kill rate (fix the mutant). Runs one mutant at a time (the machine has 2 cores),
// the unit and fuzz suites first and the invariant campaigns only when those all pass.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const listsDir = join(root, "scripts", "mutants");
const journal = join(root, ".mutate-journal.json");
const bin = join(root, "node_modules", ".bin");
const hardhat = join(bin, "hardhat");

/** Test suites per contract folder: the area's own suites and those that deploy its contracts. */
const SUITES = {
  "contracts/distributor": ["test/distributor"],
  "contracts/fees": ["test/fees"],
  "contracts/model": ["test/model", "test/fees"],
  "contracts/token": ["test/token"],
  "contracts/datanet": ["test/datanet"],
};

function fail(message) {
  console.error(`[mutate] ${message}`);
  process.exit(2);
}

// --- command line ------------------------------------------------------------------------
const args = process.argv.slice(2);
let profile = "ci";
let allTests = false;
let dryRun = false;
const selectors = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === "--profile") profile = args[++i] ?? fail("--profile needs a name");
  else if (args[i] === "--all-tests") allTests = true;
  else if (args[i] === "--dry-run") dryRun = true;
  else if (args[i] === "--help" || args[i] === "-h") {
    console.log(
      readFileSync(new URL(import.meta.url), "utf8")
        .split("\n")
        .slice(1, 23)
        .join("\n")
        .replace(/^\/\/ ?/gm, ""),
    );
    process.exit(0);
  } else if (args[i].startsWith("-")) fail(`unknown option ${args[i]} (see --help)`);
  else selectors.push(args[i]);
}

// --- a previous run killed outright left a mutant applied: restore it first -----------------
function restoreFromJournal() {
  if (!existsSync(journal)) return;
  const { file, original } = JSON.parse(readFileSync(journal, "utf8"));
  writeFileSync(join(root, file), original);
  rmSync(journal);
  console.log(`[mutate] restored ${file} left mutated by an interrupted run`);
}
restoreFromJournal();

// --- mutants -------------------------------------------------------------------------------
const lists = readdirSync(listsDir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ""), mutants: JSON.parse(readFileSync(join(listsDir, f), "utf8")) }));
let mutants = [];
for (const list of lists) {
  if (!Array.isArray(list.mutants)) fail(`scripts/mutants/${list.name}.json is not an array`);
  list.mutants.forEach((m, i) => mutants.push({ ...m, list: list.name, index: i + 1 }));
}
if (selectors.length > 0) {
  mutants = mutants.filter((m) =>
    selectors.some((sel) => {
      const [name, ids] = sel.split(":");
      if (name !== m.list) return false;
      return ids === undefined || ids.split(",").map(Number).includes(m.index);
    }),
  );
  if (mutants.length === 0) fail(`no mutant matches ${selectors.join(" ")}`);
}
for (const m of mutants) {
  for (const key of ["file", "find", "replace", "description"])
    if (typeof m[key] !== "string") fail(`${m.list}#${m.index}: "${key}" must be a string`);
  const text = readFileSync(join(root, m.file), "utf8");
  const count = text.split(m.find).length - 1;
  if (count !== 1) fail(`${m.list}#${m.index}: "find" occurs ${count} times in ${m.file} (it must be unique)`);
  if (m.find === m.replace) fail(`${m.list}#${m.index}: "replace" equals "find"`);
}
if (dryRun) {
  console.log(`[mutate] ${mutants.length} mutants apply cleanly`);
  process.exit(0);
}

function suitesFor(file) {
  if (allTests) return [];
  const area = Object.keys(SUITES).find((dir) => file.startsWith(`${dir}/`));
  const dirs = area === undefined ? [] : SUITES[area];
  if (dirs.length === 0) return []; // an interface or a shared file: the whole suite
  return dirs.flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith(".t.sol"))
      .map((f) => `${dir}/${f}`),
  );
}

// --- running, with guaranteed restore ---------------------------------------------------------
let applied = null; // { path, original }
let child = null;
let interrupted = false;

function restore() {
  if (applied === null) return;
  writeFileSync(applied.path, applied.original);
  applied = null;
  rmSync(journal, { force: true });
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    interrupted = true;
    if (child !== null) {
      try {
        process.kill(-child.pid, "SIGTERM"); // the test run's whole process group
      } catch {
        // already gone
      }
    }
    restore();
    console.error(`\n[mutate] interrupted (${signal}): contract restored`);
    process.exit(130);
  });
}
process.on("exit", restore);

function apply(m) {
  const path = join(root, m.file);
  const original = readFileSync(path, "utf8");
  // Journal first (atomically), so a kill between the two writes still restores.
  writeFileSync(`${journal}.tmp`, JSON.stringify({ file: m.file, original }));
  renameSync(`${journal}.tmp`, journal);
  applied = { path, original };
  writeFileSync(path, original.replace(m.find, m.replace));
}

function run(files) {
  return hardhatRun(["test", "solidity", "--test-profile", profile, ...files]);
}

/**
 * A full rebuild. Hardhat's incremental build recompiles a changed linked library, but the
 * Solidity test runner then still links the library's previous bytecode into the contracts that
 * use it (seen with DatanetPenaltyLogic: a mutant there survived every test until a forced
 * build). So a mutant in a library is built with --force, and so is the restored original.
 */
function forceBuild() {
  return hardhatRun(["build", "--force", "--quiet"]);
}

function hardhatRun(args) {
  return new Promise((resolve) => {
    const started = Date.now();
    let output = "";
    child = spawn(hardhat, args, {
      cwd: root,
      detached: true, // its own process group, so Ctrl-C handling can stop all of it
      stdio: ["ignore", "pipe", "pipe"],
      // node_modules/.bin first: Hardhat runs under the pinned Node 22 even from an older shell Node.
      env: { ...process.env, FORCE_COLOR: "0", PATH: `${bin}:${process.env.PATH ?? ""}` },
    });
    child.stdout.setEncoding("utf8").on("data", (d) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (output += d));
    child.on("close", (code) => {
      child = null;
      resolve({ code: code ?? 1, output, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

function verdict({ code, output }) {
  if (!/Running Solidity tests/.test(output)) return "stillborn"; // did not compile
  if (code === 0) return "survived";
  return "killed";
}

function firstFailure(output) {
  const m = output.match(/^\s+\d+\) ([^\n]+)\n\s+Error: ([^\n]+)/m);
  return m === null ? "" : `${m[1].trim()}: ${m[2].trim()}`.slice(0, 110);
}

console.log(`[mutate] ${mutants.length} mutants, profile ${profile}${allTests ? ", whole suite" : ""}`);
const results = [];
for (const m of mutants) {
  if (interrupted) break;
  const files = suitesFor(m.file);
  apply(m);
  const linked = m.file.includes("/libraries/");
  let result;
  try {
    if (linked) await forceBuild();
    // Unit and fuzz suites first, the (slow) invariant campaigns only if those all pass: the
    // verdict is the same (killed iff some test fails), most mutants are killed in the first step.
    const quick = files.filter((f) => !f.endsWith(".invariant.t.sol"));
    const campaigns = files.filter((f) => f.endsWith(".invariant.t.sol"));
    result = await run(files.length === 0 ? [] : quick);
    if (verdict(result) === "survived" && campaigns.length > 0) {
      const more = await run(campaigns);
      result = { ...more, seconds: result.seconds + more.seconds };
    }
  } finally {
    restore();
  }
  if (linked) await forceBuild(); // the original library's bytecode again, for the next mutant
  const v = verdict(result);
  results.push({ ...m, verdict: v, seconds: result.seconds, why: v === "killed" ? firstFailure(result.output) : "" });
  console.log(
    `[mutate] ${m.list}#${m.index} ${v.toUpperCase()} in ${result.seconds}s: ${m.description}` +
      (v === "killed" ? `\n         by ${firstFailure(result.output)}` : ""),
  );
  if (v === "stillborn") console.log(result.output.split("\n").slice(0, 15).join("\n"));
}

// --- report --------------------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n);
console.log(`\n| mutant | file | change | result | s |\n|---|---|---|---|---:|`);
for (const r of results)
  console.log(
    `| ${r.list}#${r.index} | ${relative(root, join(root, r.file))} | ${r.description} | ${r.verdict} | ${r.seconds} |`,
  );
const valid = results.filter((r) => r.verdict !== "stillborn");
const killed = valid.filter((r) => r.verdict === "killed").length;
const rate = valid.length === 0 ? 0 : (100 * killed) / valid.length;
console.log(
  `\n${pad("killed", 10)}${killed} of ${valid.length} (${rate.toFixed(1)}%)` +
    (results.length > valid.length ? `; ${results.length - valid.length} stillborn (did not compile)` : ""),
);
const survivors = valid.filter((r) => r.verdict === "survived");
if (survivors.length > 0) {
  console.log(`survived: ${survivors.map((r) => `${r.list}#${r.index}`).join(", ")} (add tests that kill them)`);
  process.exit(1);
}
process.exit(results.length > valid.length ? 1 : 0);
