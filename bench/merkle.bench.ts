/**
 * `node --import tsx bench/run.ts merkle`: the reward Merkle tree side by side in one run.
 *
 * 1. Build time and peak memory at 1,000 / 100,000 / 1,000,000 leaves for the current builder
 *    (WebAssembly keccak, src/merkle), the previous one (bench/merkle-previous.ts, @noble/hashes
 *    per hash) and `@openzeppelin/merkle-tree`'s `StandardMerkleTree.of`. Every measurement runs
 *    in a fresh child process (this file, started with a task), on the same deterministic entries
 *    (EIP-55 checksummed accounts, amounts above 2^64); the peak is the child's resident set
 *    high-water mark during the build alone (reset through /proc/self/clear_refs before it), and
 *    the three roots must agree.
 * 2. Files at 1,000,000 leaves: tree.json (streamed) and the proof shards, time and size, against
 *    `JSON.stringify(tree.dump())` + `writeFileSync`, the way the library's README writes a dump.
 * 3. The proof server under load: a child serves `GET /proof/<account>` (from tree.json, and from
 *    shards), this process sends requests for random accounts over keep-alive connections at a
 *    fixed concurrency and records each request's latency (send to last byte).
 *
 * Wall times include waiting for a core on this shared machine: the 1-minute load average is
 * printed with each part, and CPU time (the child's user + system time) is shown next to wall time.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { BenchSection } from "./run.js";

const SIZES = [1_000, 100_000, 1_000_000] as const;
const IMPLS = ["current", "previous", "openzeppelin"] as const;
type Impl = (typeof IMPLS)[number];
const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

// ---------------------------------------------------------------------------------------------
// Child side: one task per process.

/** Deterministic entries: accounts from a xorshift stream, EIP-55 checksummed; amounts above 2^64. */
async function makeEntries(n: number): Promise<{ account: string; cumulativeAmount: bigint }[]> {
  const { toChecksumAddress } = await import("../src/core/address.js");
  let x = 0x9e3779b9 | 0;
  let y = 0x243f6a88 | 0;
  const next = (): number => {
    let t = x ^ (x << 11);
    x = y;
    y = y ^ (y >>> 19) ^ (t ^ (t >>> 8));
    t = y;
    return t >>> 0;
  };
  const entries: { account: string; cumulativeAmount: bigint }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let hex = "0x";
    for (let w = 0; w < 5; w++) hex += next().toString(16).padStart(8, "0");
    // toChecksumAddress builds its result by concatenation (a rope of 41 pieces); addresses read
    // from JSON or a database are flat strings, so flatten it as they would be.
    entries[i] = {
      account: Buffer.from(toChecksumAddress(hex), "latin1").toString("latin1"),
      cumulativeAmount: 10n ** 18n * BigInt((i % 100_000) + 1) + BigInt(i) * 1_000_000_007n,
    };
  }
  return entries;
}

const status = (): string => readFileSync("/proc/self/status", "utf8");
const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())?.[1] ?? NaN);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Runs `work` with the resident high-water mark reset first; returns its wall and CPU time and the peak. */
async function measured<T>(
  work: () => T | Promise<T>,
): Promise<{ value: T; ms: number; cpuMs: number; rssMiB: number; peakMiB: number }> {
  gc();
  const rssMiB = kib("VmRSS") / 1024;
  writeFileSync("/proc/self/clear_refs", "5");
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await work();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000, rssMiB, peakMiB: kib("VmHWM") / 1024 };
}

async function childBuild(impl: Impl, n: number): Promise<unknown> {
  const entries = await makeEntries(n);
  const build =
    impl === "current"
      ? (await import("../src/merkle/index.js")).buildRewardTree
      : impl === "previous"
        ? (await import("./merkle-previous.js")).buildRewardTree
        : await (async () => {
            const { StandardMerkleTree } = await import("@openzeppelin/merkle-tree");
            return (e: typeof entries) =>
              StandardMerkleTree.of(
                e.map((v) => [v.account, v.cumulativeAmount]),
                ["address", "uint256"],
              );
          })();
  const r = await measured(() => build(entries));
  return { ms: r.ms, cpuMs: r.cpuMs, rssMiB: r.rssMiB, peakMiB: r.peakMiB, root: r.value.root };
}

async function childFiles(n: number, dir: string): Promise<unknown> {
  const entries = await makeEntries(n);
  const merkle = await import("../src/merkle/index.js");
  const tree = merkle.buildRewardTree(entries);
  const treeJson = await measured(() => merkle.writeTreeJson(tree, join(dir, "tree.json")));
  const shards = await measured(() => merkle.writeProofShards(tree, join(dir, "proofs")));
  const sizes = Object.values(shards.value.shards).map((s) => s.bytes);
  const lookups = 100_000;
  let sink = 0;
  const t = performance.now();
  for (let k = 0; k < lookups; k++) {
    const i = tree.find(entries[(k * 7919) % n]!.account)!;
    sink += tree.proof(i).length;
  }
  const lookupUs = ((performance.now() - t) * 1000) / lookups;
  return {
    root: tree.root,
    treeJson: {
      ms: treeJson.ms,
      cpuMs: treeJson.cpuMs,
      bytes: treeJson.value.bytes,
      peakMiB: treeJson.peakMiB,
      rssMiB: treeJson.rssMiB,
    },
    shards: {
      ms: shards.ms,
      cpuMs: shards.cpuMs,
      bytes: shards.value.totalBytes,
      files: sizes.length,
      prefixDigits: shards.value.prefixDigits,
      largest: Math.max(...sizes),
      mean: sizes.reduce((a, b) => a + b, 0) / sizes.length,
      peakMiB: shards.peakMiB,
      rssMiB: shards.rssMiB,
    },
    lookupUs,
    depth: sink / lookups,
  };
}

async function childNaiveDump(n: number, dir: string): Promise<unknown> {
  const entries = await makeEntries(n);
  const { buildRewardTree } = await import("../src/merkle/index.js");
  const tree = buildRewardTree(entries);
  const file = join(dir, "naive.json");
  const r = await measured(() => writeFileSync(file, JSON.stringify(tree.dump())));
  const bytes = statSync(file).size;
  rmSync(file);
  return { ms: r.ms, cpuMs: r.cpuMs, bytes, peakMiB: r.peakMiB, rssMiB: r.rssMiB };
}

async function childServe(source: "treeFile" | "shards", dir: string, root: string): Promise<void> {
  const { startProofServer } = await import("../src/settlement/proofs.js");
  const t = performance.now();
  const server = await startProofServer({
    ...(source === "treeFile" ? { treeFile: join(dir, "tree.json") } : { shards: join(dir, "proofs") }),
    root,
    epoch: 42,
  });
  gc();
  process.stdout.write(
    JSON.stringify({ url: server.url, startMs: performance.now() - t, rssMiB: kib("VmRSS") / 1024 }) + "\n",
  );
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
}

async function child(task: string[]): Promise<void> {
  const [kind, a, b, c] = task;
  if (kind === "serve") return childServe(a as "treeFile" | "shards", b!, c!);
  const result =
    kind === "build"
      ? await childBuild(a as Impl, Number(b))
      : kind === "files"
        ? await childFiles(Number(a), b!)
        : await childNaiveDump(Number(a), b!);
  process.stdout.write(JSON.stringify(result) + "\n");
}

// ---------------------------------------------------------------------------------------------
// Parent side.

const NODE_ARGS = ["--import", "tsx", "--expose-gc", "--max-old-space-size=16384", HERE];

function runChild(task: (string | number)[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...NODE_ARGS, ...task.map(String)],
      { cwd: ROOT, maxBuffer: 1 << 24, env: { ...process.env, POA_BENCH_CHILD: "1" } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`child ${task.join(" ")} failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>);
      },
    );
  });
}

const load = (): string => loadavg()[0]!.toFixed(2);
const log = (msg: string): void => console.error(`[merkle] ${msg}`);
const sec = (ms: number): string => (ms >= 10_000 ? (ms / 1000).toFixed(1) : (ms / 1000).toFixed(2)) + " s";
const mib = (x: number): string => `${Math.round(x)} MiB`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

interface BuildRow {
  impl: Impl;
  n: number;
  ms: number;
  cpuMs: number;
  rssMiB: number;
  peakMiB: number;
  root: string;
  loadBefore: string;
  loadAfter: string;
}

interface LoadResult {
  concurrency: number;
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  perSecond: number;
  errors: number;
  load: string;
  /** The server process's CPU time (user + system) per request, warm-up included. */
  serverCpuUs: number;
}

/** User + system CPU time of process `pid`, in ms (from /proc; clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Sends `warmup` then `requests` GETs for random accounts over `concurrency` keep-alive
 * connections, one request outstanding per connection, timing each from its write to the last
 * byte of its answer. A raw socket client (a request is one write, an answer is found by its
 * Content-Length), so that the client's own cost stays small next to the server's.
 */
async function loadTest(
  url: string,
  accounts: readonly string[],
  concurrency: number,
  requests: number,
  warmup: number,
  seed: number,
): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  let s = seed >>> 0;
  const pick = (): string => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return accounts[s % accounts.length]!;
  };
  const total = warmup + requests;
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let countedFrom = 0;
  const connection = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0n;
      let counted = false;
      const next = (): void => {
        if (issued >= total) {
          socket.end();
          resolve();
          return;
        }
        counted = issued >= warmup;
        if (issued === warmup) countedFrom = performance.now();
        issued++;
        sentAt = process.hrtime.bigint();
        socket.write(`GET /proof/${pick()} HTTP/1.1\r\nHost: bench\r\n\r\n`);
      };
      socket.on("connect", next);
      socket.on("data", (data: Buffer) => {
        pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
        const head = pending.indexOf("\r\n\r\n");
        if (head < 0) return;
        const length = /content-length: *(\d+)/i.exec(pending.toString("latin1", 0, head));
        if (length === null) {
          reject(new Error("an answer without Content-Length"));
          return;
        }
        const end = head + 4 + Number(length[1]);
        if (pending.length < end) return;
        const ok = pending.toString("latin1", 9, 12) === "200";
        pending = pending.subarray(end);
        if (counted) {
          latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
          if (!ok) errors++;
        }
        next();
      });
      socket.on("error", reject);
    });
  await Promise.all(Array.from({ length: concurrency }, connection));
  const seconds = (performance.now() - countedFrom) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    concurrency,
    requests,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: latencies.at(-1)!,
    perSecond: requests / seconds,
    errors,
    load: load(),
    serverCpuUs: NaN,
  };
}

async function serveAndLoad(
  source: "treeFile" | "shards",
  dir: string,
  root: string,
  accounts: readonly string[],
  levels: readonly number[],
  requests: number,
  warmup: number,
): Promise<{ startMs: number; rssMiB: number; results: LoadResult[] }> {
  const proc = spawn(process.execPath, [...NODE_ARGS, "serve", source, dir, root], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, POA_BENCH_CHILD: "1" },
  });
  const first = await new Promise<string>((resolve, reject) => {
    let text = "";
    proc.stdout.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("\n")) resolve(text.split("\n")[0]!);
    });
    proc.once("exit", (code) => reject(new Error(`proof server exited with ${code}`)));
  });
  const started = JSON.parse(first) as { url: string; startMs: number; rssMiB: number };
  try {
    const results: LoadResult[] = [];
    for (const c of levels) {
      const before = cpuOf(proc.pid!);
      const result = await loadTest(started.url, accounts, c, requests, warmup, 7 + c);
      result.serverCpuUs = ((cpuOf(proc.pid!) - before) * 1000) / (requests + warmup);
      results.push(result);
    }
    return { startMs: started.startMs, rssMiB: started.rssMiB, results };
  } finally {
    proc.stdin.end();
    await new Promise((resolve) => proc.once("exit", resolve));
  }
}

const ms3 = (x: number): string => `${x.toFixed(3)} ms`;

function loadRows(label: string, results: LoadResult[]): string[] {
  return results.map(
    (r) =>
      `| ${label} | ${r.concurrency} | ${r.requests.toLocaleString("en-US")} | ${ms3(r.p50)} | ${ms3(r.p90)} | **${ms3(r.p99)}** | ${ms3(r.max)} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${Math.round(r.serverCpuUs)} µs | ${r.errors} | ${r.load} |`,
  );
}

async function bench(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "poa-merkle-bench-"));
  const loadStart = load();
  const started = Date.now();
  try {
    // 1. Builds.
    const builds: BuildRow[] = [];
    for (const n of SIZES) {
      for (const impl of IMPLS) {
        const loadBefore = load();
        log(`build ${impl} ${n} (load ${loadBefore})`);
        const r = (await runChild(["build", impl, n])) as Omit<BuildRow, "impl" | "n" | "loadBefore" | "loadAfter">;
        builds.push({ impl, n, ...r, loadBefore, loadAfter: load() });
        log(`  ${sec(r.ms)}, peak ${mib(r.peakMiB)}, root ${r.root}`);
      }
      const roots = new Set(builds.filter((b) => b.n === n).map((b) => b.root));
      if (roots.size !== 1) throw new Error(`the builders disagree at ${n} leaves: ${[...roots].join(", ")}`);
    }

    // 2. Files at 1M.
    const n = SIZES.at(-1)!;
    log(`files at ${n} (load ${load()})`);
    const filesLoad = load();
    const files = (await runChild(["files", n, dir])) as {
      root: string;
      treeJson: { ms: number; cpuMs: number; bytes: number; peakMiB: number; rssMiB: number };
      shards: {
        ms: number;
        cpuMs: number;
        bytes: number;
        files: number;
        prefixDigits: number;
        largest: number;
        mean: number;
        peakMiB: number;
        rssMiB: number;
      };
      lookupUs: number;
      depth: number;
    };
    const naive = (await runChild(["naive", n, dir])) as {
      ms: number;
      cpuMs: number;
      bytes: number;
      peakMiB: number;
      rssMiB: number;
    };
    const filesLoadAfter = load();
    if (naive.bytes !== files.treeJson.bytes) throw new Error("tree.json and JSON.stringify(dump()) differ in size");

    // 3. Proof server.
    const accounts = (await makeEntries(n)).map((e) => e.account);
    const levels = [1, 8, 32] as const;
    log(`proof server from tree.json (load ${load()})`);
    const fromTree = await serveAndLoad("treeFile", dir, files.root, accounts, levels, 20_000, 2_000);
    log(`proof server from shards, default cache (load ${load()})`);
    const fromShards = await serveAndLoad("shards", dir, files.root, accounts, [8], 20_000, 2_000);
    // Shards that all fit the default cache: 100,000 accounts.
    const small = SIZES[1];
    const smallDir = join(dir, "100k");
    const smallFiles = (await runChild(["files", small, smallDir])) as {
      root: string;
      shards: { bytes: number; files: number; prefixDigits: number };
    };
    const smallAccounts = (await makeEntries(small)).map((e) => e.account);
    log(`proof server from shards at ${small} (load ${load()})`);
    const fromSmallShards = await serveAndLoad("shards", smallDir, smallFiles.root, smallAccounts, [8], 20_000, 20_000);

    // Report.
    const row = (impl: Impl, size: number): BuildRow => builds.find((b) => b.impl === impl && b.n === size)!;
    const buildTable = [
      "| leaves | builder | wall | CPU | peak RSS during the build | RSS before (entries in memory) | load avg before / after |",
      "|---|---|---|---|---|---|---|",
      ...builds.map(
        (b) =>
          `| ${b.n.toLocaleString("en-US")} | ${b.impl === "current" ? "**current** (WASM keccak)" : b.impl === "previous" ? "previous (noble keccak, JS sort)" : "`@openzeppelin/merkle-tree` 1.0.8"} | ${b.impl === "current" ? `**${sec(b.ms)}**` : sec(b.ms)} | ${sec(b.cpuMs)} | ${mib(b.peakMiB - b.rssMiB)} over (${mib(b.peakMiB)}) | ${mib(b.rssMiB)} | ${b.loadBefore} / ${b.loadAfter} |`,
      ),
    ].join("\n");
    const ratios = SIZES.map((size) => {
      const cur = row("current", size);
      const prev = row("previous", size);
      const oz = row("openzeppelin", size);
      return `| ${size.toLocaleString("en-US")} | ${(prev.ms / cur.ms).toFixed(1)}x | ${(oz.ms / cur.ms).toFixed(1)}x | ${(prev.cpuMs / cur.cpuMs).toFixed(1)}x | ${(oz.cpuMs / cur.cpuMs).toFixed(1)}x | ${((oz.peakMiB - oz.rssMiB) / Math.max(1, cur.peakMiB - cur.rssMiB)).toFixed(1)}x |`;
    }).join("\n");
    const cur1m = row("current", n);
    const markdown = `
Command: \`node --import tsx bench/run.ts merkle\` (${cpus().length} cores shared with other jobs; 1-minute
load average ${loadStart} at the start, ${load()} at the end, ${sec(Date.now() - started)} in all). Every build
runs in its own child process on the same entries (xorshift accounts, EIP-55 checksummed, so
every builder also checks a checksum per entry; amounts above 2^64); the three roots agree at
every size. "Peak RSS during the build" is the child's resident high-water mark reset just before
the build, minus its resident set at that moment (the entries themselves).

### Build

${buildTable}

| leaves | previous / current (wall) | library / current (wall) | previous / current (CPU) | library / current (CPU) | library / current (memory) |
|---|---|---|---|---|---|
${ratios}

Goal: 1,000,000 leaves in at most 10 s: **${sec(cur1m.ms)}** wall (${sec(cur1m.cpuMs)} CPU) at a load
average of ${cur1m.loadBefore}. The library was run at 1,000,000 leaves in the same run.

### Files at ${n.toLocaleString("en-US")} leaves (load average ${filesLoad} before, ${filesLoadAfter} after)

| output | wall | CPU | size | peak RSS over the tree in memory |
|---|---|---|---|---|
| \`tree.json\`, streamed (\`writeTreeJson\`) | **${sec(files.treeJson.ms)}** | ${sec(files.treeJson.cpuMs)} | ${mb(files.treeJson.bytes)} | ${mib(files.treeJson.peakMiB - files.treeJson.rssMiB)} |
| same bytes by \`writeFileSync(JSON.stringify(tree.dump()))\` | ${sec(naive.ms)} | ${sec(naive.cpuMs)} | ${mb(naive.bytes)} | ${mib(naive.peakMiB - naive.rssMiB)} |
| proof shards (\`writeProofShards\`, ${files.shards.prefixDigits}-digit prefixes: ${files.shards.files.toLocaleString("en-US")} files) | **${sec(files.shards.ms)}** | ${sec(files.shards.cpuMs)} | ${mb(files.shards.bytes)} in all; ${(files.shards.mean / 1e3).toFixed(0)} kB per shard on average, ${(files.shards.largest / 1e3).toFixed(0)} kB the largest | ${mib(files.shards.peakMiB - files.shards.rssMiB)} |

In memory: \`find\` + \`proof\` of an account take ${files.lookupUs.toFixed(2)} µs at ${n.toLocaleString("en-US")} leaves (mean
over 100,000 lookups; ${files.depth.toFixed(1)} nodes per proof).

### Proof server (\`GET /proof/<account>\`, random accounts, keep-alive connections)

The server runs in its own process; the client (this process: raw keep-alive sockets, one
request outstanding per connection) sends requests at a fixed concurrency and times each from
its write to the last byte of the answer, so the client's overhead and both processes' share of
the 2 shared cores are included. ${(2000).toLocaleString("en-US")} warm-up requests
are not counted (20,000 for the 100,000-account shards, so that every shard is loaded).

| source | concurrency | requests | p50 | p90 | p99 | max | requests/s | server CPU per request | non-200 | load avg |
|---|---|---|---|---|---|---|---|---|---|---|
${[
  ...loadRows(
    `tree.json, ${n.toLocaleString("en-US")} accounts (read in ${sec(fromTree.startMs)}, server RSS ${mib(fromTree.rssMiB)})`,
    fromTree.results,
  ),
  ...loadRows(
    `shards, ${n.toLocaleString("en-US")} accounts, default 256 MiB cache (${files.shards.files.toLocaleString("en-US")} shards, ${mb(files.shards.bytes)})`,
    fromShards.results,
  ),
  ...loadRows(
    `shards, ${small.toLocaleString("en-US")} accounts, all cached (${smallFiles.shards.files} shards, ${mb(smallFiles.shards.bytes)})`,
    fromSmallShards.results,
  ),
].join("\n")}

Goal: p99 at most 1 ms. "Server CPU per request" is the server process's own CPU time (from
/proc) divided by the requests: what an answer costs, whatever the machine's load; the latency
percentiles add the time both processes wait for one of the 2 shared cores. A shard-backed server
indexes a shard's bytes when it first needs it (no \`JSON.parse\`: the file stays outside the
JavaScript heap) and checks an account's proof against the root the first time it serves it (22
keccak hashes); with a million accounts its shards (${mb(files.shards.bytes)}) do not fit the default cache, so
random accounts keep reading shards: serve a tree that size from its \`tree.json\` (held as
${mib(fromTree.rssMiB)} of RSS).
`;
    return { title: "Merkle tree: build, files, proof server", markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain && process.env.POA_BENCH_CHILD === "1") {
  await child(process.argv.slice(2));
}

export default bench;
