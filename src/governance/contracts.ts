/**
 * The governance contracts of a deployment, bound to the acting account: the OpenGovernor, the
 * OpenTimelock (which holds every protocol admin role and the treasury), the GrantsVault and the
 * L2 OPEN (the votes), plus the names a proposal may use for its targets. Also the clock: the
 * L2's latest block time, and moving it on (the devnet's own control) or waiting for it.
 */
import type { ContractRunner, Interface, JsonRpcProvider, Signer } from "ethers";

import { contractAddress, type DeploymentRecord } from "../chain/deployment.js";
import { onChain } from "../chain/errors.js";
import { PoaError } from "../core/errors.js";
import type { NetworkContext } from "../context/network.js";
import { advanceL2TimeTo } from "../devnet/time.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  GrantsVault__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import type { GrantsVault, L2OpenToken, OpenGovernor, OpenTimelock } from "../../types/ethers-contracts/index.js";

/**
 * The deployment's contracts a proposal may name as a target (the record's step names), with the
 * ABI used to check and decode calls to them.
 */
export const TARGET_ABIS: Readonly<Record<string, Interface>> = {
  L2OpenToken: L2OpenToken__factory.createInterface(),
  DatanetRegistry: DatanetRegistry__factory.createInterface(),
  ModelRegistry: ModelRegistry__factory.createInterface(),
  FeeRouter: FeeRouter__factory.createInterface(),
  RewardDistributor: RewardDistributor__factory.createInterface(),
  OpenTimelock: OpenTimelock__factory.createInterface(),
  OpenGovernor: OpenGovernor__factory.createInterface(),
  GrantsVault: GrantsVault__factory.createInterface(),
};

/** Other names a calls file may use for a contract. */
export const TARGET_ALIASES: Readonly<Record<string, string>> = {
  OPEN: "L2OpenToken",
  Governor: "OpenGovernor",
  Timelock: "OpenTimelock",
  Treasury: "OpenTimelock",
};

export interface Governance {
  context: NetworkContext;
  record: DeploymentRecord;
  provider: JsonRpcProvider;
  /** The acting account's signer, or undefined when the network has no key (read-only use). */
  signer: Signer | undefined;
  account: string | undefined;
  governor: OpenGovernor;
  timelock: OpenTimelock;
  vault: GrantsVault;
  token: L2OpenToken;
  /** Address of every contract of `TARGET_ABIS` the record holds, by name. */
  addresses: Readonly<Record<string, string>>;
  /** The block the governor was deployed in: its events are read from there. */
  fromBlock: number;
}

/**
 * Binds the governance contracts of `record` to the network's key (when it has one). A record
 * without governance (deployed before it existed) is a DEPLOYMENT_INVALID error naming it.
 */
export async function openGovernance(context: NetworkContext, record: DeploymentRecord): Promise<Governance> {
  const file = context.deploymentFile;
  const governorAddress = contractAddress(record, "OpenGovernor", file);
  const timelockAddress = contractAddress(record, "OpenTimelock", file);
  const vaultAddress = contractAddress(record, "GrantsVault", file);
  const tokenAddress = contractAddress(record, "L2OpenToken", file);
  const signer = context.key === undefined ? undefined : context.signers().l2;
  const runner: ContractRunner = signer ?? context.l2;
  const governor = OpenGovernor__factory.connect(governorAddress, runner);
  const code = await onChain("read the governor's code", () => context.l2.getCode(governorAddress));
  if (code === "0x")
    throw new PoaError("CONTRACT_NOT_FOUND", `no contract at the OpenGovernor's address ${governorAddress} (${file})`, {
      details: { file, contract: "OpenGovernor", address: governorAddress },
      action: "Deploy the protocol again (a re-run deploys only what is missing).",
    });
  const addresses: Record<string, string> = {};
  for (const name of Object.keys(TARGET_ABIS)) {
    const entry = record.contracts[name];
    if (entry !== undefined && entry.chain === "l2") addresses[name] = entry.address;
  }
  const txHash = record.contracts.OpenGovernor?.txHash;
  let fromBlock = 0;
  if (txHash !== undefined && /^0x[0-9a-fA-F]{64}$/.test(txHash)) {
    const receipt = await onChain("read the governor's deployment", () => context.l2.getTransactionReceipt(txHash));
    fromBlock = receipt?.blockNumber ?? 0;
  }
  return {
    context,
    record,
    provider: context.l2,
    signer,
    account: signer === undefined ? undefined : context.account(),
    governor,
    timelock: OpenTimelock__factory.connect(timelockAddress, runner),
    vault: GrantsVault__factory.connect(vaultAddress, runner),
    token: L2OpenToken__factory.connect(tokenAddress, runner),
    addresses,
    fromBlock,
  };
}

/** The acting account, or an INVALID_PRIVATE_KEY error when the network has no key. */
export function actingAccount(g: Governance): string {
  if (g.account === undefined)
    throw new PoaError("INVALID_PRIVATE_KEY", `no private key given to act on network "${g.context.name}"`, {
      details: { network: g.context.name },
      action: "Give the key of the account to act with.",
    });
  return g.account;
}

/** The name of a deployment contract at `address`, if it is one. */
export function nameOf(g: Pick<Governance, "addresses">, address: string): string | undefined {
  const lower = address.toLowerCase();
  return Object.entries(g.addresses).find(([, a]) => a.toLowerCase() === lower)?.[0];
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/**
 * The L2 time a transaction sent now would see: the timestamp of the block the node would build
 * next (its "pending" block: on anvil, the wall clock plus any time travel), and at least one
 * second after the latest block. Comparing deadlines with it predicts what the contracts will
 * decide; comparing with the latest block would not, on a chain that builds blocks only for
 * transactions (the devnet), where the latest block can be minutes old.
 */
export async function chainTime(provider: JsonRpcProvider): Promise<bigint> {
  const [latest, pending] = await onChain("read the L2 clock", () =>
    Promise.all([provider.getBlock("latest"), provider.getBlock("pending").catch(() => null)]),
  );
  if (latest === null)
    throw new PoaError("CHAIN_DATA_INVALID", "the L2 returned no latest block", {
      action: "Check the L2 RPC URL.",
    });
  const next = BigInt(latest.timestamp) + 1n;
  const built = pending !== null && pending.number > latest.number ? BigInt(pending.timestamp) : 0n;
  return built > next ? built : next;
}

/** Reads made as of the block the node would build next (see `chainTime`). */
export const NEXT_BLOCK = { blockTag: "pending" } as const;

/** A unix time as "2026-03-01 12:00:05 UTC". */
export function formatTime(t: bigint): string {
  return `${new Date(Number(t) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")} UTC`;
}

/** A duration in seconds as "2 d 3 h", "4 min 10 s", "12 s". */
export function formatDuration(seconds: bigint): string {
  const s = seconds < 0n ? -seconds : seconds;
  const parts: [bigint, string][] = [
    [s / 86_400n, "d"],
    [(s % 86_400n) / 3_600n, "h"],
    [(s % 3_600n) / 60n, "min"],
    [s % 60n, "s"],
  ];
  const shown = parts.filter(([n]) => n > 0n).slice(0, 2);
  return shown.length === 0 ? "0 s" : shown.map(([n, unit]) => `${n} ${unit}`).join(" ");
}

/** "at <time> (in 4 min)" or "at <time> (3 s ago)". */
export function when(t: bigint, now: bigint): string {
  return `${formatTime(t)} (${t >= now ? `in ${formatDuration(t - now)}` : `${formatDuration(now - t)} ago`})`;
}

/**
 * Waits until a transaction sent now would see L2 time `t` or later (see `chainTime`). On the
 * devnet the clock is moved on (anvil's own control, `advanceL2TimeTo`); on another network this
 * polls the chain until then. Returns the new time.
 */
export async function waitUntil(g: Governance, t: bigint, pollMs = 5_000): Promise<bigint> {
  const now = await chainTime(g.provider);
  if (now >= t) return now;
  if (g.context.devnet !== undefined) {
    await onChain("move the devnet's L2 clock on", () =>
      advanceL2TimeTo(g.context.endpoints.l2Rpc, g.context.endpoints.l2ChainId, t),
    );
    return chainTime(g.provider);
  }
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const later = await chainTime(g.provider);
    if (later >= t) return later;
  }
}
