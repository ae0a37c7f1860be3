import type { Signer } from "ethers";

import { RewardDistributor__factory } from "../types/ethers-contracts/index.js";
import type { RewardDistributor } from "../types/ethers-contracts/index.js";

/** Parameters of a RewardDistributor deployment; times in seconds, bonds in wei (ETH). */
export interface DistributorParams {
  /** Governance: DEFAULT_ADMIN_ROLE (the timelock once governance exists). */
  admin: string;
  /** The OPEN token on this chain. */
  open: string;
  /** Start of epoch 0 (unix seconds). */
  genesis: bigint;
  /** Seconds per epoch. */
  epochLength: bigint;
  /** Seconds a proposed root stays open to challenge (1 hour to 30 days). */
  challengeWindow: bigint;
  /** ETH a settler posts with each proposal. */
  settlerBond: bigint;
  /** ETH a challenger posts with a challenge. */
  challengerBond: bigint;
}

/** Who holds the operational roles. Each is granted only if given. */
export interface DistributorRoles {
  settlers?: readonly string[];
  resolver?: string;
  guardian?: string;
}

/** Deploys a RewardDistributor. `deployer` must be `params.admin` for `grantDistributorRoles`. */
export async function deployRewardDistributor(deployer: Signer, params: DistributorParams): Promise<RewardDistributor> {
  const distributor = await new RewardDistributor__factory(deployer).deploy(
    params.admin,
    params.open,
    params.genesis,
    params.epochLength,
    params.challengeWindow,
    params.settlerBond,
    params.challengerBond,
  );
  await distributor.waitForDeployment();
  return distributor;
}

/** Grants the settler, resolver and guardian roles; `admin` must hold DEFAULT_ADMIN_ROLE. */
export async function grantDistributorRoles(
  distributor: RewardDistributor,
  admin: Signer,
  roles: DistributorRoles,
): Promise<void> {
  const d = distributor.connect(admin);
  for (const settler of roles.settlers ?? []) await (await d.grantRole(await d.SETTLER_ROLE(), settler)).wait();
  if (roles.resolver !== undefined) await (await d.grantRole(await d.RESOLVER_ROLE(), roles.resolver)).wait();
  if (roles.guardian !== undefined) await (await d.grantRole(await d.GUARDIAN_ROLE(), roles.guardian)).wait();
}
