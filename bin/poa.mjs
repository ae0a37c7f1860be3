#!/usr/bin/env node
// Entry point of the `poa` command. The CLI is written in TypeScript; tsx compiles it on the
// fly so that a clone runs without a build step. It needs the project's pinned Node 22:
// `npx poa ...` and npm scripts put node_modules/.bin (where that Node lives) first on PATH.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const major = Number(process.versions.node.split(".")[0]);
const pinnedNode = new URL("../node_modules/.bin/node", import.meta.url).pathname;
if (major < 22 && existsSync(pinnedNode)) {
  // Started by an older Node (e.g. a shell that looked `node` up before the install created
  // node_modules/.bin): hand over to the pinned Node 22 with the same arguments.
  const result = spawnSync(pinnedNode, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}
if (major < 22) {
  console.error(
    `poa needs Node >= 22 (this is ${process.version}). Run it as \`npx poa ...\` from the project ` +
      `folder after \`npm install\`, which uses the pinned Node 22 in node_modules/.bin.`,
  );
  process.exit(2);
}
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
