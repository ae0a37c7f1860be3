import { resolve } from "node:path";

import { Contract, NonceManager, Wallet } from "ethers";

import { formatAmount } from "../core/amount.js";
import { createBridge, type BridgeStep } from "../bridge/index.js";
import { PoaError } from "../core/errors.js";
import { findRunningDevnet, type DevnetAddresses } from "../devnet/addresses.js";
import { DEFAULTS, TEST_MNEMONIC } from "../devnet/config.js";
import { deployToNetwork } from "../context/deploy.js";
import { resolveNetwork } from "../context/network.js";
import { deriveAccounts, startDevnet, type Devnet } from "../devnet/devnet.js";
import { l2FeeReport } from "../devnet/fees.js";
import { freePort, isPortFree } from "../devnet/ports.js";
import { chainProvider } from "../chain/provider.js";
import { runStory, type Act } from "./story.js";

export interface DemoOptions {
  dir: string;
  /** OPEN to bridge in and out, in base units. */
  deposit: bigint;
  withdraw: bigint;
  /** Deployment record (default deployments/devnet.json). */
  deploymentFile?: string;
  /** Where lines go (stdout by default). */
  print?: (line: string) => void;
}

export interface DemoResult {
  embedded: boolean;
  relayMs: number;
  withdrawMs: number;
  l2Txs: { label: string; gasUsed: bigint; l2Fee: bigint; l1Fee: bigint }[];
  l2Supply: bigint;
  lockedInBridge: bigint;
  protocol: string[];
}

/** What the L1 bridge holds for one (L1 token, L2 token) pair. */
const BRIDGE_DEPOSITS = ["function deposits(address l1Token, address l2Token) view returns (uint256)"];
const ERC20 = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)"];

/** Uses the devnet running from `dir`, or starts one (default ports when free, else free ports). */
async function devnetFor(
  dir: string,
  print: (line: string) => void,
  signal: AbortSignal,
): Promise<{ addresses: DevnetAddresses; embedded?: Devnet }> {
  const running = await findRunningDevnet(dir);
  if (running !== undefined) {
    print(`Using the devnet running from ${dir} (L1 ${running.l1Rpc}, L2 ${running.l2Rpc}).`);
    return { addresses: running };
  }
  const defaultsFree =
    (await isPortFree(DEFAULTS.host, DEFAULTS.l1Port)) && (await isPortFree(DEFAULTS.host, DEFAULTS.l2Port));
  const ports = defaultsFree ? {} : { l1Port: await freePort(), l2Port: await freePort() };
  if (!defaultsFree)
    print(`Ports ${DEFAULTS.l1Port}/${DEFAULTS.l2Port} are taken by something else: using free ports.`);
  const net = await startDevnet({ dir, ...ports }, signal);
  print(
    `Started an embedded devnet in ${(net.startupMs / 1000).toFixed(2)} s (L1 ${net.addresses.l1Rpc}, L2 ${net.addresses.l2Rpc}).`,
  );
  return { addresses: net.addresses, embedded: net };
}

/** OPEN the story hands out and spends on L2 (transfers, bonds, stakes, fees), with headroom. */
export const STORY_OPEN = 2_200n * 10n ** 18n;

const gwei = (wei: bigint) => formatAmount(wei, 9, 3);

/** The main job: devnet, deployment, bridge in, protocol flow, bridge out, summary. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const depositAmount = options.deposit;
  const withdrawAmount = options.withdraw;
  // Checked before anything starts: the story hands out and spends STORY_OPEN on L2.
  if (depositAmount < STORY_OPEN + withdrawAmount)
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `the demo needs at least ${formatAmount(STORY_OPEN + withdrawAmount)} OPEN on L2 (${formatAmount(STORY_OPEN)} for the protocol story plus the ${formatAmount(withdrawAmount)} it withdraws), but deposits only ${formatAmount(depositAmount)}`,
      {
        details: { field: "deposit", needed: (STORY_OPEN + withdrawAmount).toString() },
        action: `Deposit at least ${formatAmount(STORY_OPEN + withdrawAmount)} OPEN, or withdraw less.`,
      },
    );

  // Ctrl-C at any point stops the embedded devnet (or aborts its start-up) before exiting.
  const abort = new AbortController();
  let embedded: Devnet | undefined;
  const stopSignal = () => {
    abort.abort();
    if (embedded !== undefined) void embedded.stop("interrupted").then(() => process.exit(130));
    else setTimeout(() => process.exit(130), 3000).unref();
  };
  process.on("SIGINT", stopSignal);
  process.on("SIGTERM", stopSignal);
  try {
    const found = await devnetFor(options.dir, print, abort.signal);
    const { addresses } = found;
    embedded = found.embedded;
    const [user, contributor, builder, curator] = deriveAccounts(TEST_MNEMONIC, 4);
    if (user === undefined || contributor === undefined || builder === undefined || curator === undefined)
      throw new Error("no accounts");

    print("\n1. Deploying (deployments/devnet.json)");
    const context = await resolveNetwork({
      devnetDir: options.dir,
      privateKey: user.privateKey,
      ...(options.deploymentFile === undefined ? {} : { deploymentFile: options.deploymentFile }),
    });
    const deployment = await deployToNetwork(context);
    context.close();
    for (const [name, entry] of Object.entries(deployment.record.contracts))
      print(
        `  ${name.padEnd(22)} ${entry.chain.toUpperCase()}  ${entry.address}  ${deployment.deployed.includes(name) ? `deployed, ${entry.gasUsed} gas` : "already deployed"}`,
      );
    const l1Token = deployment.record.contracts.OpenToken!.address;
    const l2Token = deployment.record.contracts.L2OpenToken!.address;

    const onStep = (step: BridgeStep, detail?: string) => print(`  ${step}${detail === undefined ? "" : ` ${detail}`}`);
    const bridge = createBridge(addresses, user.privateKey);
    const pair = { l1: l1Token, l2: l2Token };

    print(`\n2. Bridging ${formatAmount(depositAmount)} OPEN from L1 to L2 (Optimism SDK, standard bridge)`);
    const deposit = await bridge.deposit(depositAmount, pair, { onStep });

    print("\n3. Protocol flow on L2");
    const l2Provider = chainProvider(addresses.l2Rpc, addresses.l2ChainId, true);
    const wallet = (key: string) => new NonceManager(new Wallet(key, l2Provider));
    const acts: Act[] = [];
    for (const [name, entry] of Object.entries(deployment.record.contracts))
      if (entry.chain === "l2" && deployment.deployed.includes(name))
        acts.push({ label: `deploy ${name}`, hash: entry.txHash });
    const story = await runStory(
      deployment.record,
      {
        user: wallet(user.privateKey),
        contributor: wallet(contributor.privateKey),
        curator: wallet(curator.privateKey),
        builder: wallet(builder.privateKey),
      },
      print,
    );
    acts.push(...story.acts);

    print(`\n4. Withdrawing ${formatAmount(withdrawAmount)} OPEN from L2 to L1 (initiate, prove, finalize)`);
    const withdrawal = await bridge.withdraw(withdrawAmount, pair, { onStep });
    acts.push({ label: "initiate the withdrawal", hash: withdrawal.l2TxHash });

    const fees = await l2FeeReport(
      addresses.l2Rpc,
      addresses.l2ChainId,
      acts.map((a) => a.hash),
    );
    const l2Txs: DemoResult["l2Txs"] = fees.txs.map((tx, i) => ({
      label: acts[i]!.label,
      gasUsed: tx.gasUsed,
      l2Fee: tx.l2Fee,
      l1Fee: tx.l1Fee,
    }));
    const l1Open = new Contract(l1Token, ERC20, chainProvider(addresses.l1Rpc, addresses.l1ChainId));
    const l2Open = new Contract(l2Token, ERC20, l2Provider);
    const [l1Balance, l2Balance, l2Supply, lockedInBridge] = (await Promise.all([
      l1Open.balanceOf!(user.address),
      l2Open.balanceOf!(user.address),
      l2Open.totalSupply!(),
      new Contract(addresses.L1StandardBridge, BRIDGE_DEPOSITS, l1Open.runner).deposits!(l1Token, l2Token),
    ])) as bigint[];

    print("\nSummary");
    print(
      `  devnet       ${embedded === undefined ? "reused the running devnet" : "embedded, stopped at the end"}: L1 chain ${addresses.l1ChainId}, L2 chain ${addresses.l2ChainId} (OP Stack)`,
    );
    print(`  deployment   ${deployment.deployed.length} deployed, ${deployment.reused.length} already there`);
    print(
      `  deposit      ${formatAmount(depositAmount)} OPEN L1 -> L2, relayed ${deposit.relayMs} ms after its L1 receipt`,
    );
    print(
      `  withdrawal   ${formatAmount(withdrawAmount)} OPEN L2 -> L1, proven and finalized in ${(withdrawal.totalMs / 1000).toFixed(1)} s`,
    );
    for (const line of story.lines) print(`  protocol     ${line}`);
    print(`  balances     user ${formatAmount(l1Balance!)} OPEN on L1, ${formatAmount(l2Balance!)} OPEN on L2`);
    print(
      `  invariant    L2 OPEN supply ${formatAmount(l2Supply!)} ${l2Supply! <= lockedInBridge! ? "<=" : "EXCEEDS"} OPEN the L1 bridge holds for it ${formatAmount(lockedInBridge!)}`,
    );

    const width = Math.max(...l2Txs.map((t) => t.label.length), 10);
    print(`\nL2 transactions (fees in gwei)`);
    print(
      `  ${"transaction".padEnd(width)}  ${"gas".padStart(9)}  ${"L2 execution fee".padStart(16)}  ${"L1 data fee".padStart(14)}`,
    );
    let totalL2 = 0n;
    let totalL1 = 0n;
    for (const tx of l2Txs) {
      totalL2 += tx.l2Fee;
      totalL1 += tx.l1Fee;
      print(
        `  ${tx.label.padEnd(width)}  ${tx.gasUsed.toString().padStart(9)}  ${gwei(tx.l2Fee).padStart(16)}  ${gwei(tx.l1Fee).padStart(14)}`,
      );
    }
    print(
      `  ${"total".padEnd(width)}  ${"".padStart(9)}  ${gwei(totalL2).padStart(16)}  ${gwei(totalL1).padStart(14)}`,
    );
    const share = totalL1 + totalL2 === 0n ? 0 : Number((totalL1 * 10_000n) / (totalL1 + totalL2)) / 100;
    const params = fees.params;
    print(
      `  The L1 data fee is ${share}% of the total (L1 base fee ${formatAmount(params.l1BaseFee, 9, 3)} gwei and blob base fee ${params.blobBaseFee} wei in L1Block, ` +
        `scalars ${params.baseFeeScalar}/${params.blobBaseFeeScalar} as on OP Mainnet; L2 tip 0.001 gwei).`,
    );
    if (l2Supply! > lockedInBridge!)
      throw new PoaError("INVARIANT_BROKEN", "L2 OPEN supply exceeds what the L1 bridge holds", {
        action: "This is a bug: report it with .devnet/devnet.log.",
      });
    return {
      embedded: embedded !== undefined,
      relayMs: deposit.relayMs,
      withdrawMs: withdrawal.totalMs,
      l2Txs,
      l2Supply: l2Supply!,
      lockedInBridge: lockedInBridge!,
      protocol: story.lines,
    };
  } finally {
    process.off("SIGINT", stopSignal);
    process.off("SIGTERM", stopSignal);
    if (embedded !== undefined) {
      await embedded.stop("demo finished");
      print(`\nStopped the embedded devnet. Logs: ${resolve(options.dir)}/`);
    }
  }
}
