#!/usr/bin/env node
// `hardhat build --quiet`, minus the compiler warnings about third-party code. solc warns about
// OpenZeppelin's own sources (an identifier `at` that a future Solidity reserves, transient
// storage in ReentrancyGuardTransient) on every full compile: about a hundred lines that bury
// what matters. Warnings located under node_modules/ are counted and summarised in one line;
// every other line, including every warning about this project's code and every error, is
// printed as solc wrote it; blank lines on stdout are dropped. The exit code is Hardhat's.
import { spawn } from "node:child_process";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);

const child = spawn(bin("node"), [bin("hardhat"), "build", "--quiet", ...process.argv.slice(2)], {
  stdio: ["ignore", "pipe", "pipe"],
});

// Hardhat's --quiet build still prints a blank line per compilation job: keep the rest.
child.stdout.setEncoding("utf8");
child.stdout.on("data", (chunk) => {
  const text = chunk.replace(/^\s*\n/gm, "");
  if (text !== "") process.stdout.write(text);
});

let hidden = 0;
let block = [];
let pending = "";

/** A solc diagnostic ends at a blank line; one about node_modules/ is hidden. */
function flush() {
  if (block.length === 0) return;
  const thirdParty = block[0].startsWith("Warning:") && block.some((l) => /-->\s+\.\/node_modules\//.test(l));
  if (thirdParty) hidden += 1;
  else process.stderr.write(block.join("\n") + "\n");
  block = [];
}

function onLine(line) {
  if (block.length > 0) {
    if (line.trim() === "") {
      flush();
      return;
    }
    block.push(line);
  } else if (line.startsWith("Warning:")) {
    block.push(line);
  } else {
    process.stderr.write(line + "\n");
  }
}

child.stderr.setEncoding("utf8");
child.stderr.on("data", (chunk) => {
  const lines = (pending + chunk).split("\n");
  pending = lines.pop();
  for (const line of lines) onLine(line);
});
// A fresh clone compiles everything with the WASM compiler (a minute or more on two cores), and
// Hardhat's quiet build says nothing until it is done: say what is happening, then show time
// passing every 15 s. A cached build finishes before the first line is due.
const started = Date.now();
const announce = setTimeout(() => {
  process.stderr.write(
    "[build] compiling the Solidity sources with solc (WASM); a fresh clone takes a minute or two...\n",
  );
}, 3000);
const heartbeat = setInterval(() => {
  process.stderr.write(`[build] still compiling (${Math.round((Date.now() - started) / 1000)} s)\n`);
}, 15_000);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));

child.on("close", (code) => {
  clearTimeout(announce);
  clearInterval(heartbeat);
  if (Date.now() - started > 3000)
    process.stderr.write(`[build] done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (pending !== "") onLine(pending);
  flush();
  if (hidden > 0) console.error(`(${hidden} compiler warnings about code under node_modules/ not shown)`);
  process.exit(code ?? 1);
});
