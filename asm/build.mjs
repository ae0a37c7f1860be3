#!/usr/bin/env node
// Compiles asm/sais.ts (AssemblyScript) to src/attribution/sais.wasm with fixed flags, offline.
// The .wasm is committed so that `poa` runs without a build step; test/attribution/wasm.test.ts
// rebuilds it and checks that the bytes are identical, so the committed binary is the source's.
// Usage: node asm/build.mjs [outFile]   (default src/attribution/sais.wasm)
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ASC_FLAGS = [
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--converge",
  "--noAssert",
  "--runtime",
  "stub",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "65536",
];

const root = fileURLToPath(new URL("..", import.meta.url));
const out = process.argv[2] ?? "src/attribution/sais.wasm";
const asc = fileURLToPath(new URL("../node_modules/assemblyscript/bin/asc.js", import.meta.url));
execFileSync(process.execPath, [asc, "asm/sais.ts", "--outFile", out, ...ASC_FLAGS], {
  cwd: root,
  stdio: "inherit",
});
