import { appendFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { pad, toHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { PoaError } from "../core/errors.js";
import {
  ADDRESSES_FILE,
  ensureDir,
  isAlive,
  PROCESS_FILE,
  readProcess,
  removeProcess,
  writeJson,
  type DevnetAddresses,
} from "./addresses.js";
import { reaper, startAnvil, type AnvilProcess } from "./anvil.js";
import { MULTICALL3, PREDEPLOYS } from "./artifacts.js";
import { L1Clock } from "./clock.js";
import { DEFAULTS, OPERATOR_INDEX, validateConfig, type DevnetConfig } from "./config.js";
import { deployL1Contracts } from "./l1.js";
import { installL1Preinstalls, installPredeploys } from "./l2.js";
import { PollLoop } from "./loop.js";
import { assertPortFree } from "./ports.js";
import { OutputProposer } from "./proposer.js";
import { DepositRelayer } from "./relayer.js";
import { devnetChain, publicClient, rpc, Sender, type Public } from "./rpc.js";

export interface DevnetAccount {
  address: Hex;
  privateKey: Hex;
}

/** A running devnet. `stop()` stops every service and process it started (idempotent). */
export interface Devnet {
  config: DevnetConfig;
  addresses: DevnetAddresses;
  accounts: DevnetAccount[];
  l1: Public;
  l2: Public;
  /** Milliseconds from the call to startDevnet until everything was ready. */
  startupMs: number;
  stats(): { depositsRelayed: number; outputsProposed: number; l1Heartbeats: number; errors: number };
  /** Runs the relayer (and proposer) once now; resolves when done. Useful to skip a poll interval. */
  sync(): Promise<void>;
  /** Resolves when the devnet stopped, with the reason. */
  stopped: Promise<string>;
  stop(reason?: string): Promise<void>;
}

/** ETH anvil gives each account, and what the devnet gives each operator account, on both chains. */
const L2_ACCOUNT_ETH = 10_000n * 10n ** 18n;
const OPERATOR_ETH = 1_000_000n * 10n ** 18n;

/** The accounts anvil funds, derived from the mnemonic (address and key), for printing and tests. */
export function deriveAccounts(mnemonic: string, count: number, offset = 0): DevnetAccount[] {
  return Array.from({ length: count }, (_, i) => {
    const account = mnemonicToAccount(mnemonic, { addressIndex: offset + i });
    const key = account.getHdKey().privateKey;
    if (key === null) throw new Error("HD key without a private key");
    return { address: account.address, privateKey: toHex(key) };
  });
}

/**
 * Starts an L1 and an OP Stack L2 (two anvils), deploys the L1 contracts, installs the L2
 * predeploys, starts the deposit relayer, the output proposer and the L1 clock, and writes
 * `<dir>/addresses.json`. Throws a PoaError (having stopped whatever it started) when a port is
 * taken, a step fails or `signal` aborts the start-up (Ctrl-C while starting).
 */
export async function startDevnet(overrides: Partial<DevnetConfig> = {}, signal?: AbortSignal): Promise<Devnet> {
  const started = performance.now();
  const config = validateConfig({ ...DEFAULTS, ...overrides });
  const dir = resolve(config.dir);
  ensureDir(dir);
  const logFile = join(dir, "devnet.log");
  const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

  const check = () => {
    if (signal?.aborted === true)
      throw new PoaError("INTERRUPTED", "the devnet start-up was interrupted", { action: "Nothing was left running." });
  };
  check();
  const other = readProcess(dir);
  if (other !== undefined && isAlive(other.pid))
    throw new PoaError(
      "DEVNET_ALREADY_RUNNING",
      `a devnet is already running from ${dir} (process ${other.pid}, L1 ${other.l1Rpc}, L2 ${other.l2Rpc})`,
      {
        details: { dir, pid: other.pid, l1Rpc: other.l1Rpc, l2Rpc: other.l2Rpc },
        action: "Use it, stop it, or start another one from another folder with other ports.",
      },
    );
  await assertPortFree(config.host, config.l1Port, "L1", "l1Port");
  await assertPortFree(config.host, config.l2Port, "L2", "l2Port");
  // Only now, with nothing else running from this folder, start a fresh log.
  writeFileSync(logFile, "");

  const anvils: AnvilProcess[] = [];
  const loops: PollLoop[] = [];
  let errors = 0;
  let stopping: Promise<void> | undefined;
  let resolveStopped: (reason: string) => void = () => {};
  const stopped = new Promise<string>((r) => (resolveStopped = r));

  // Last resort for a crash (uncaught exception, process.exit): 'exit' handlers run synchronously,
  // so signal the process groups directly. SIGKILL of this process is the reaper's job.
  const onExit = () => {
    for (const anvil of anvils) {
      try {
        process.kill(-anvil.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", onExit);

  const stop = (reason = "stopped") => {
    stopping ??= (async () => {
      log(`stopping: ${reason}`);
      process.off("exit", onExit);
      await Promise.all(loops.map((l) => l.stop()));
      await Promise.all(anvils.map((a) => a.stop()));
      removeProcess(dir, process.pid);
      resolveStopped(reason);
    })();
    return stopping;
  };

  try {
    const common = { host: config.host, mnemonic: config.mnemonic, accounts: config.accounts };
    const track = (anvil: AnvilProcess) => {
      anvils.push(anvil);
      return anvil;
    };
    // allSettled, not all: when one chain fails to start, the other must be tracked (and stopped) too.
    const results = await Promise.allSettled([
      startAnvil({
        ...common,
        name: "L1",
        port: config.l1Port,
        chainId: config.l1ChainId,
        logFile: join(dir, "l1.log"),
        baseFee: config.l1BaseFee,
        timestamp: Math.floor(Date.now() / 1000) - config.l1TimeLag,
      }).then(track),
      startAnvil({
        ...common,
        name: "L2",
        port: config.l2Port,
        chainId: config.l2ChainId,
        logFile: join(dir, "l2.log"),
        optimism: true,
        baseFee: config.l2BaseFee,
      }).then(track),
    ]);
    for (const result of results) if (result.status === "rejected") throw result.reason;
    const [l1Anvil, l2Anvil] = results.map((r) => (r as PromiseFulfilledResult<AnvilProcess>).value) as [
      AnvilProcess,
      AnvilProcess,
    ];
    check();
    for (const anvil of anvils)
      void anvil.exited.then((code) => {
        if (stopping === undefined)
          void stop(
            `${anvil.name} anvil exited unexpectedly (code ${code}); see ${dir}/${anvil.name.toLowerCase()}.log`,
          );
      });

    const l1 = publicClient(devnetChain(config.l1ChainId, "devnet L1", l1Anvil.rpcUrl));
    const l2 = publicClient(devnetChain(config.l2ChainId, "devnet L2", l2Anvil.rpcUrl));

    const admin = mnemonicToAccount(config.mnemonic, { addressIndex: OPERATOR_INDEX.admin });
    const proposer = mnemonicToAccount(config.mnemonic, { addressIndex: OPERATOR_INDEX.proposer });
    // L1 timestamps strictly increase, one second per block (see clock.ts).
    await rpc(l1, "anvil_setBlockTimestampInterval", [1]);
    const fund = toHex(OPERATOR_ETH);
    await Promise.all(
      [l1, l2].flatMap((c) => [admin, proposer].map((a) => rpc(c, "anvil_setBalance", [a.address, fund]))),
    );

    check();
    const l1Contracts = await deployL1Contracts(new Sender(l1, admin), {
      admin: admin.address,
      proposer: proposer.address,
      l2ChainId: config.l2ChainId,
      baseFeeScalar: config.baseFeeScalar,
      blobBaseFeeScalar: config.blobBaseFeeScalar,
    });
    check();
    await Promise.all([installL1Preinstalls(l1), installPredeploys(l2, new Sender(l2, admin), l1Contracts)]);

    // anvil funds every account on L2 out of nothing. Back that ETH on L1 as if it had been
    // deposited: the portal holds what L2 accounts were given, so their withdrawals pay out.
    const l2Genesis = L2_ACCOUNT_ETH * BigInt(config.accounts) + 2n * OPERATOR_ETH;
    await rpc(l1, "anvil_setBalance", [l1Contracts.OptimismPortal, toHex(l2Genesis)]);

    check();
    const clock = new L1Clock(l1, config.l1BaseFee);
    const relayer = new DepositRelayer({
      l1,
      l2,
      portal: l1Contracts.OptimismPortal,
      fromBlock: (await l1.getBlockNumber()) + 1n,
      baseFeeScalar: config.baseFeeScalar,
      blobBaseFeeScalar: config.blobBaseFeeScalar,
      batcherHash: pad(admin.address, { size: 32 }),
      log,
    });
    // L1Block starts with the current L1 attributes, so the very first L2 transaction pays an L1 fee.
    await relayer.writeL1Info(relayer.cursor - 1n);
    const outputs = new OutputProposer({
      l1,
      l2,
      oracle: l1Contracts.L2OutputOracle,
      sender: new Sender(l1, proposer),
      beforeL1Block: () => clock.pinBaseFee(),
      log,
    });
    const onError = (name: string, error: unknown) => {
      errors += 1;
      log(`${name} error: ${error instanceof Error ? error.message : String(error)}`);
    };
    loops.push(
      new PollLoop("relayer", config.pollMs, () => relayer.tick(), onError).start(),
      new PollLoop("proposer", config.pollMs, () => outputs.tick(), onError).start(),
      new PollLoop("clock", 250, () => clock.tick(), onError).start(),
    );
    const [relayLoop, proposeLoop] = loops as [PollLoop, PollLoop, PollLoop];

    const addresses: DevnetAddresses = {
      l1ChainId: config.l1ChainId,
      l2ChainId: config.l2ChainId,
      l1Rpc: l1Anvil.rpcUrl,
      l2Rpc: l2Anvil.rpcUrl,
      ...l1Contracts,
      ...PREDEPLOYS,
      Multicall3: MULTICALL3,
    };
    writeJson(join(dir, ADDRESSES_FILE), addresses);
    writeJson(join(dir, PROCESS_FILE), {
      pid: process.pid,
      reaperPid: reaper.pid,
      anvilPids: anvils.map((a) => a.pid),
      startedAt: new Date().toISOString(),
      l1Rpc: l1Anvil.rpcUrl,
      l2Rpc: l2Anvil.rpcUrl,
    });
    const startupMs = performance.now() - started;
    log(`ready in ${startupMs.toFixed(0)} ms`);
    return {
      config,
      addresses,
      accounts: deriveAccounts(config.mnemonic, config.accounts),
      l1,
      l2,
      startupMs,
      stats: () => ({
        depositsRelayed: relayer.relayed,
        outputsProposed: outputs.proposed,
        l1Heartbeats: clock.heartbeats,
        errors,
      }),
      sync: async () => {
        await relayLoop.poke();
        await proposeLoop.poke();
      },
      stopped,
      stop: (reason?: string) => stop(reason),
    };
  } catch (error) {
    await stop(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof PoaError) throw error;
    throw new PoaError(
      "DEVNET_START_FAILED",
      `the devnet failed to start: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { dir }, action: `Logs are in ${dir}/ (devnet.log, l1.log, l2.log).` },
    );
  }
}
