/**
 * Devnet benchmarks: start-up time (library and CLI) and deposit relay latency at two relayer
 * poll intervals measured side by side, plus the SDK's end-to-end deposit and withdrawal times.
 * Every devnet runs on free ports, so a running `poa devnet` is never disturbed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { parseEther, type Hex } from "viem";
import { getL2TransactionHashes } from "viem/op-stack";

import { createBridge } from "../src/bridge/index.js";
import { createMessenger } from "../src/bridge/messenger.js";
import { startDevnet } from "../src/devnet/devnet.js";
import { freePort } from "../src/devnet/ports.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function withDevnet<T>(
  pollMs: number,
  fn: (net: Awaited<ReturnType<typeof startDevnet>>) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "poa-bench-"));
  const net = await startDevnet({ l1Port: await freePort(), l2Port: await freePort(), dir, pollMs });
  try {
    return await fn(net);
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a devnet that the caller stops (for measurements that interleave two devnets). */
async function openDevnet(pollMs: number) {
  const dir = mkdtempSync(join(tmpdir(), "poa-bench-"));
  const net = await startDevnet({ l1Port: await freePort(), l2Port: await freePort(), dir, pollMs });
  return {
    net,
    close: async () => {
      await net.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Net = Awaited<ReturnType<typeof startDevnet>>;

/** One deposit: L1 receipt -> L2 receipt of the derived deposit (polled every 2 ms), and the SDK's view. */
async function measureDeposit(net: Net): Promise<{ raw: number; sdk: number }> {
  const messenger = createMessenger(net.addresses, net.accounts[1]!.privateKey);
  const tx = await messenger.depositETH(parseEther("0.01").toString(), {
    overrides: { from: net.accounts[1]!.address },
  } as never);
  const receipt = await net.l1.waitForTransactionReceipt({ hash: tx.hash as Hex, pollingInterval: 2 });
  const t0 = performance.now();
  const [l2Hash] = getL2TransactionHashes(receipt);
  for (;;) {
    const found = await net.l2.getTransactionReceipt({ hash: l2Hash! }).catch(() => undefined);
    if (found !== undefined) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const raw = performance.now() - t0;
  const sdk = (
    await createBridge(net.addresses, net.accounts[1]!.privateKey).deposit(parseEther("0.01"), undefined, {
      pollMs: 20,
    })
  ).relayMs;
  return { raw, sdk };
}

export default async function bench() {
  // Start-up, library: three cold starts.
  const startups: number[] = [];
  for (let i = 0; i < 3; i++) startups.push(await withDevnet(100, async (net) => net.startupMs));

  // Start-up, CLI: `node bin/poa.mjs devnet` until it prints "Devnet ready" (includes tsx).
  const cliDir = mkdtempSync(join(tmpdir(), "poa-bench-cli-"));
  const cliStart = performance.now();
  const cli = spawn(
    process.execPath,
    [
      "bin/poa.mjs",
      "devnet",
      "--l1-port",
      String(await freePort()),
      "--l2-port",
      String(await freePort()),
      "--dir",
      cliDir,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve) =>
    cli.stdout!.on("data", (c: Buffer) => c.toString().includes("Devnet ready") && resolve()),
  );
  const cliReady = performance.now() - cliStart;
  cli.kill("SIGTERM");
  await new Promise((r) => cli.once("exit", r));
  rmSync(cliDir, { recursive: true, force: true });

  // Two devnets alive at once, deposits alternating between them, so that load on this shared
  // machine hits both poll intervals alike.
  const [a, b] = [await openDevnet(25), await openDevnet(100)];
  const fast = { raw: [] as number[], sdk: [] as number[] };
  const normal = { raw: [] as number[], sdk: [] as number[] };
  try {
    for (let i = 0; i < 10; i++) {
      for (const [net, into] of [
        [a.net, fast],
        [b.net, normal],
      ] as const) {
        const m = await measureDeposit(net);
        into.raw.push(m.raw);
        into.sdk.push(m.sdk);
      }
    }
  } finally {
    await a.close();
    await b.close();
  }

  const withdrawals = await withDevnet(100, async (net) => {
    const bridge = createBridge(net.addresses, net.accounts[2]!.privateKey);
    const times: number[] = [];
    for (let i = 0; i < 2; i++)
      times.push((await bridge.withdraw(parseEther("0.1"), undefined, { pollMs: 20 })).totalMs);
    return times;
  });

  const markdown = `
Two anvils (L1 and OP Stack L2), the OP Stack L1 contracts behind proxies, the L2 predeploys,
relayer, proposer and clock; every run on free ports. Times are wall-clock on this machine.

| measure | value |
|---|---|
| start-up, library (\`startDevnet\`, 3 runs) | median ${ms(median(startups))} (min ${ms(Math.min(...startups))}, max ${ms(Math.max(...startups))}) |
| start-up, CLI (\`node bin/poa.mjs devnet\` until "ready", incl. TypeScript loading) | ${ms(cliReady)} |

Deposit relay latency, 10 ETH deposits each, alternating between two devnets alive at once: from the L1 deposit receipt
to the L2 receipt of the derived deposit (polled every 2 ms), and what the SDK's
CrossChainMessenger sees (\`depositETH\` until RELAYED, polling every 20 ms).

| relayer poll interval | relay p50 | relay max | SDK deposit-to-RELAYED p50 |
|---|---|---|---|
| 25 ms | ${ms(median(fast.raw))} | ${ms(Math.max(...fast.raw))} | ${ms(median(fast.sdk))} |
| 100 ms (default) | ${ms(median(normal.raw))} | ${ms(Math.max(...normal.raw))} | ${ms(median(normal.sdk))} |

Ratio of p50 relay latency, 100 ms vs 25 ms polling: ${(median(normal.raw) / median(fast.raw)).toFixed(2)}x.

ETH withdrawal through the SDK, initiate on L2 -> output proposed -> proven -> finalized on L1
(challenge period 0 on the devnet): ${withdrawals.map(ms).join(", ")}.
`;
  return { title: "Devnet: start-up and deposit relay latency", markdown };
}
