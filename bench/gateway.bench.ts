/**
 * Gateway benchmark (`npm run bench -- gateway`, or `node --import tsx bench/run.ts gateway`).
 *
 * A real world (tests' fixture): anvil with the protocol, a text base and 1,000 adapters trained
 * by the Model Factory on SpamAssassin messages, registered on-chain, their artifacts in a content
 * store. The gateway runs in its own process (the library's `startGateway`, as `poa serve` runs
 * it); autocannon drives it over HTTP from this process.
 *
 * - throughput (req/s, tokens/s) and p50/p99 latency of 64-token completions at concurrency 1, 16
 *   and 64 on one adapter;
 * - throughput at concurrency 64 with requests spread uniformly over 100 of the 1,000 adapters,
 *   in the same run (goal: at least 50% of the single-adapter figure);
 * - cold adapter load (content store read, CID and keccak checks, manifest check, load) p50
 *   (goal: at most 50 ms) and resident memory per loaded adapter against the base, in this
 *   process with the gateway's own loader;
 * - gas per request of the gateway's payBatch transactions of 100 against a single `pay`
 *   (goal: at most 0.25).
 */
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import v8 from "node:v8";
import vm from "node:vm";

import { ContentStore } from "../src/content/index.js";
import { ArtifactLoader } from "../src/gateway/index.js";
import { ModelDirectory } from "../src/gateway/models.js";
import { freshFolder } from "../test/store/support/backends.js";
import { bindKey, raw, until } from "../test/gateway/support/gateway.js";
import { startGatewayChild } from "../test/gateway/support/child.js";
import { withStore } from "../test/gateway/support/verify.js";
import { OPEN, ROLE, startWorld } from "../test/gateway/support/world.js";
import type { BenchSection } from "./run.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

function log(message: string): void {
  console.error(`[gateway] ${message}`);
}

const fmt = (x: number, digits = 1) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 2)} MiB`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

const DURATION = 15;
const PROMPT = "Dear friend, I am writing to tell you about";

export default async function gatewayBench(): Promise<BenchSection> {
  const load0 = loadavg()[0]!;
  log("building the world: protocol, Datanets, a base and 1,000 adapters, registered");
  const t0 = performance.now();
  const world = await startWorld({ adapterDatanets: 46, adapters: 1_000, tabular: false, log });
  const worldSeconds = (performance.now() - t0) / 1000;
  const store = await freshFolder();
  const child = startGatewayChild({
    rpcUrl: world.url,
    chainId: world.chainId,
    contracts: world.contracts,
    privateKey: world.operatorKey,
    store,
    content: world.content,
    port: 0,
    concurrencyPerKey: 1_024,
    creditPollMs: 500,
    payments: { batchSize: 100, flushIntervalMs: 5_000, maxBacklog: 1_000_000, pollMs: 10 },
  });
  const rows: string[] = [];
  let spread: { rps: number; tps: number; p50: number; p99: number } | undefined;
  let single64 = 0;
  try {
    const url = await child.url;
    const key = await bindKey(url, world.users[0]!.privateKey);
    await world.deposit(0, 100_000n * OPEN);
    await until(
      async () => BigInt(((await raw(url, "/v1/credit", { key })).body.available as string) ?? "0") > 0n,
      30_000,
      "credit",
    );
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const tokensServed = async () =>
      ((await raw(url, "/v1/gateway")).body.records as { written: number; tokens_out: number }).tokens_out;
    const run = async (connections: number, bodies: string[], label: string) => {
      const before = await tokensServed();
      const result = await autocannon({
        url,
        connections,
        duration: DURATION,
        timeout: 60,
        requests: bodies.map((body) => ({ method: "POST", path: "/v1/completions", headers, body })),
      });
      const tokens = (await tokensServed()) - before;
      if (result.non2xx > 0 || result.errors > 0)
        log(`${label}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${result.timeouts} timeouts)`);
      const seconds = result.duration;
      const rps = result.requests.total / seconds;
      const out = {
        rps,
        tps: tokens / seconds,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        failed: result.non2xx + result.errors,
        load: loadavg()[0]!,
      };
      log(`${label}: ${fmt(rps)} req/s, ${fmt(out.tps, 0)} tokens/s, p50 ${out.p50} ms, p99 ${out.p99} ms`);
      return out;
    };
    const body = (model: bigint) => JSON.stringify({ model: model.toString(), prompt: PROMPT, max_tokens: 64 });
    const one = world.models.adapters[0]!;
    log("warming up one adapter");
    await run(4, [body(one)], "warm-up");
    for (const c of [1, 16, 64]) {
      const r = await run(c, [body(one)], `one adapter, concurrency ${c}`);
      if (c === 64) single64 = r.rps;
      rows.push(
        `| one adapter | ${c} | ${fmt(r.rps)} | ${fmt(r.tps, 0)} | ${fmt(r.tps / r.rps, 1)} | ${r.p50} | ${r.p99} | ${r.failed} | ${fmt(r.load, 1)} |`,
      );
    }
    const hundred = world.models.adapters.slice(0, 1_000).filter((_, i) => i % 10 === 0);
    log("loading 100 of the 1,000 adapters (one request each)");
    await run(8, hundred.map(body), "100 adapters, first pass");
    const s = await run(64, hundred.map(body), "100 of 1,000 adapters, concurrency 64");
    spread = s;
    rows.push(
      `| 100 of 1,000 adapters, uniform | 64 | ${fmt(s.rps)} | ${fmt(s.tps, 0)} | ${fmt(s.tps / s.rps, 1)} | ${s.p50} | ${s.p99} | ${s.failed} | ${fmt(s.load, 1)} |`,
    );
    const status = (await raw(url, "/v1/gateway")).body as {
      models: { bases: number; cached: number; coldLoads: number };
    };
    log(`models: ${JSON.stringify(status.models)}`);
    log("stopping the gateway (it pays what waits)");
    child.process.kill("SIGTERM");
    await child.exited;
  } finally {
    child.kill();
  }

  // ---- cold loads and memory, in this process, with the gateway's loader ----
  log("cold adapter loads and memory per loaded adapter");
  const directory = new ModelDirectory(world.registry, { ttlMs: 3_600_000 });
  const content = new ContentStore(world.content);
  const loads: number[] = [];
  const loader = new ArtifactLoader(content, {
    budgetBytes: 2 ** 31,
    loadModels: true,
    onLoad: (e) => {
      if (e.kind === "text-adapter") loads.push(e.ms);
    },
  });
  const baseInfo = await directory.get(world.models.base);
  const m0 = memory();
  await loader.load(baseInfo);
  const m1 = memory();
  const infos = [];
  for (const id of world.models.adapters.slice(0, 500)) infos.push(await directory.get(id));
  const m2a = memory();
  const wall: number[] = [];
  for (const info of infos) {
    const t = performance.now();
    await loader.load(info, baseInfo);
    wall.push(performance.now() - t);
  }
  const m2 = memory();
  const baseBytes = m1.heap - m0.heap;
  const perAdapter = (m2.heap - m2a.heap) / infos.length;
  const perAdapterRss = (m2.rss - m2a.rss) / infos.length;
  const artifactBytes = infos.map((i) => world.artifacts.get(i.id.toString())!.bytes.length);

  // ---- gas ----
  log("gas: the gateway's batches of 100 against one pay()");
  const batches = await withStore(store, async (db) => {
    const { rows: r } = await db.query<{ requests: number; gas_used: bigint }>(
      "SELECT requests, gas_used FROM gateway_batch WHERE status = 'paid' ORDER BY batch_id",
    );
    return r;
  });
  const full = batches.filter((b) => b.requests === 100);
  const small = batches.filter((b) => b.requests < 100);
  const smallPerRequest =
    small.reduce((s, b) => s + Number(b.gas_used), 0) /
    Math.max(
      1,
      small.reduce((s, b) => s + b.requests, 0),
    );
  const perRequestInBatch = full.reduce((s, b) => s + Number(b.gas_used), 0) / Math.max(1, full.length) / 100;
  const payer = world.wallet(ROLE.users + 1);
  await (await world.token.connect(payer).approve(world.contracts.feeRouter, 2n ** 255n)).wait();
  const singles: number[] = [];
  for (let i = 0; i < 5; i++) {
    const receipt = await (
      await world.router
        .connect(payer)
        .pay(world.models.adapters[0]!, `0x${(i + 1).toString(16).padStart(64, "0")}`, 9n, 40n, 10n ** 18n)
    ).wait();
    singles.push(Number(receipt!.gasUsed));
  }
  const single = singles[singles.length - 1]!;
  await world.stop();

  const ratio = spread === undefined ? 0 : spread.rps / single64;
  const gasRatio = perRequestInBatch / single;
  const load1 = loadavg()[0]!;
  return {
    title: "Inference gateway (OpenLoRA)",
    markdown: `
Real models: a base (order 3, trained on 300 SpamAssassin easy-ham messages) and 1,000 adapters
over it (each on two one-contribution Datanets of three spam messages), trained by the Model
Factory, registered on the ModelRegistry of a local anvil chain, artifacts in a content store.
The gateway runs in its own process (built-in engine, PGlite store, payments on: batches of 100
or every 5 s); [autocannon](https://github.com/mcollina/autocannon) 9.0.0 sends
\`POST /v1/completions\` with \`max_tokens: 64\` for ${DURATION} s per row from this process (no
seed: every answer is a new sample). Generation stops at the end of a paragraph, so a
"64-token completion" averages fewer tokens (column "tokens/request"). The machine is shared:
load average ${fmt(load0, 1)} at the start, ${fmt(load1, 1)} at the end; compare rows of this run,
not runs. World set-up: ${fmt(worldSeconds, 0)} s.

| requests | concurrency | req/s | tokens/s | tokens/request | p50 ms | p99 ms | failed | load avg |
|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

- **100 adapters against one**: ${fmt(100 * ratio, 0)}% of the single-adapter throughput at concurrency 64 (goal: at least 50%).
- **Cold adapter load** (content store read, CID and keccak-256 checks, manifest check against the
  registration, \`loadModel\`), ${infos.length} adapters: p50 ${fmt(percentile(loads, 50), 1)} ms, p95
  ${fmt(percentile(loads, 95), 1)} ms (goal p50 <= 50 ms); with the directory lookup and the cache,
  as a request sees it: p50 ${fmt(percentile(wall, 50), 1)} ms.
- **Memory**: the loaded base ${mib(baseBytes)}; each loaded adapter ${kib(perAdapter)} of heap and array
  buffers (${fmt((100 * perAdapter) / baseBytes, 2)}% of the base; artifact median ${kib(percentile(artifactBytes, 50))}; RSS
  ${kib(perAdapterRss)} per adapter), measured over ${infos.length} adapters loaded together.
- **Gas per request**: ${fmt(perRequestInBatch, 0)} in the gateway's payBatch transactions of 100
  (${full.length} batches) against ${fmt(single, 0)} for one \`pay\` (a warm payer and model):
  **${fmt(gasRatio, 3)}** (goal <= 0.25); ${fmt(smallPerRequest, 0)} per request in the ${small.length} smaller batches
  of the run (a flush interval that ended before 100 requests waited).
  Transaction gas (execution and the 21,000 base), on anvil; on an OP Stack L2 the L1 data fee
  adds about 32 bytes of calldata per request in a batch.

Command: \`npm run bench -- gateway\` (about ${fmt((performance.now() - t0) / 60_000, 0)} minutes here).
`,
  };
}
