#!/usr/bin/env node
// Compiles the AssemblyScript modules of asm/ to WebAssembly with fixed flags, offline:
//   asm/sais.ts   -> src/attribution/sais.wasm (suffix arrays)
//   asm/keccak.ts -> src/merkle/keccak.wasm    (keccak-256 and the Merkle tree batch operations)
// The .wasm files are committed so that `poa` runs without a build step; a test per module
// (test/attribution/sais.test.ts, test/merkle/wasm.test.ts) rebuilds it and checks that the bytes
// are identical, so the committed binary is the source's.
// Usage: node asm/build.mjs [outFile]            (SA-IS; default src/attribution/sais.wasm)
//        node asm/build.mjs <module> [outFile]   (module: sais | keccak; default: its committed path)
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

export const MODULES = {
  sais: { source: "asm/sais.ts", out: "src/attribution/sais.wasm", flags: [] },
  // 128-bit SIMD (two keccak states at once): WebAssembly SIMD runs in Node 16.4 and later.
  keccak: { source: "asm/keccak.ts", out: "src/merkle/keccak.wasm", flags: ["--enable", "simd"] },
};

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const name = args[0] !== undefined && Object.hasOwn(MODULES, args[0]) ? args.shift() : "sais";
const module = MODULES[name];
const out = args[0] ?? module.out;
const asc = fileURLToPath(new URL("../node_modules/assemblyscript/bin/asc.js", import.meta.url));
execFileSync(process.execPath, [asc, module.source, "--outFile", out, ...ASC_FLAGS, ...module.flags], {
  cwd: root,
  stdio: "inherit",
});
