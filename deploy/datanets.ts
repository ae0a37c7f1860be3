import type { BaseContract, Signer } from "ethers";

import {
  DatanetBoundsLogic__factory,
  DatanetCuratorLogic__factory,
  DatanetPenaltyLogic__factory,
  DatanetRegistry__factory,
  DatanetVersionLogic__factory,
} from "../types/ethers-contracts/index.js";
import type { DatanetRegistry } from "../types/ethers-contracts/index.js";
import type { IDatanetRegistry } from "../types/ethers-contracts/contracts/datanet/DatanetRegistry.js";
import type { DatanetRegistryLibraryAddresses } from "../types/ethers-contracts/factories/contracts/datanet/DatanetRegistry__factory.js";

const OPEN = 10n ** 18n;
const DAY = 86_400n;

/**
 * The production bounds. 10 MB (10,000,000 bytes, SI) per contributor per UTC day is
 * OpenLedger's upload cap; slashes of 1-50% of a rejected stake; bond periods of 1-90 days;
 * quorums of 1-15 curators; reviews of 1-30 days (after which an undecided stake comes back in
 * full); a 1,000 OPEN curator bond, withdrawable 14 days after unbonding.
 */
export const DEFAULT_DATANET_BOUNDS: IDatanetRegistry.BoundsStruct = {
  minStakeFloor: 1n * OPEN,
  minStakeCeiling: 1_000_000n * OPEN,
  maxDailyByteCap: 10_000_000n,
  minBondPeriod: 1n * DAY,
  maxBondPeriod: 90n * DAY,
  minSlashBps: 100n,
  maxSlashBps: 5_000n,
  minQuorum: 1n,
  maxQuorum: 15n,
  minReviewPeriod: 1n * DAY,
  maxReviewPeriod: 30n * DAY,
  curatorBond: 1_000n * OPEN,
  curatorUnbondingDelay: 14n * DAY,
};

/** Sensible parameters for a new Datanet, within `DEFAULT_DATANET_BOUNDS`. */
export const DEFAULT_DATANET_PARAMS: IDatanetRegistry.ParamsStruct = {
  minStake: 10n * OPEN,
  dailyByteCap: 10_000_000n,
  bondPeriod: 7n * DAY,
  slashBps: 2_000n,
  quorum: 2n,
  reviewPeriod: 7n * DAY,
};

/** The addresses a registry is wired to. */
export interface DatanetRegistryConfig {
  /** The staking token: OPEN on the L2. */
  readonly token: string;
  /** Receives swept slashes. */
  readonly treasury: string;
  /** DEFAULT_ADMIN_ROLE and PENALTY_ROLE (the timelock in production). */
  readonly governance: string;
  /** GUARDIAN_ROLE (pause only); omit for none. */
  readonly guardian?: string;
  readonly bounds?: IDatanetRegistry.BoundsStruct;
}

/**
 * Deploys the four external libraries the DatanetRegistry links (its cold paths: bounds,
 * curators, penalties, versions; docs/datanets.md, "Code layout"), one after the other, and
 * returns the link map `DatanetRegistry__factory` takes. They hold no state and no roles: any
 * deployment of the same bytecode serves any number of registries.
 */
export async function deployDatanetLibraries(deployer: Signer): Promise<DatanetRegistryLibraryAddresses> {
  const address = async (pending: Promise<BaseContract>) => (await (await pending).waitForDeployment()).getAddress();
  // Keys are the libraries' fully qualified names as compiled (typed: a wrong key fails tsc).
  return {
    "project/contracts/datanet/libraries/DatanetBoundsLogic.sol:DatanetBoundsLogic": await address(
      new DatanetBoundsLogic__factory(deployer).deploy(),
    ),
    "project/contracts/datanet/libraries/DatanetCuratorLogic.sol:DatanetCuratorLogic": await address(
      new DatanetCuratorLogic__factory(deployer).deploy(),
    ),
    "project/contracts/datanet/libraries/DatanetPenaltyLogic.sol:DatanetPenaltyLogic": await address(
      new DatanetPenaltyLogic__factory(deployer).deploy(),
    ),
    "project/contracts/datanet/libraries/DatanetVersionLogic.sol:DatanetVersionLogic": await address(
      new DatanetVersionLogic__factory(deployer).deploy(),
    ),
  };
}

/** Deploys the DatanetRegistry, with its libraries (`deployDatanetLibraries`) unless given. */
export async function deployDatanetRegistry(
  deployer: Signer,
  config: DatanetRegistryConfig,
  libraries?: DatanetRegistryLibraryAddresses,
): Promise<DatanetRegistry> {
  const links = libraries ?? (await deployDatanetLibraries(deployer));
  const registry = await new DatanetRegistry__factory(links, deployer).deploy(
    config.token,
    config.treasury,
    config.governance,
    config.guardian ?? "0x0000000000000000000000000000000000000000",
    config.bounds ?? DEFAULT_DATANET_BOUNDS,
  );
  await registry.waitForDeployment();
  return registry;
}

/**
 * Grants PENALTY_ROLE to `account` (the settlement, so it can revoke adversarial data it
 * finds). `governance` must hold DEFAULT_ADMIN_ROLE.
 */
export async function grantPenaltyRole(registry: DatanetRegistry, governance: Signer, account: string): Promise<void> {
  const role = await registry.PENALTY_ROLE();
  await (await registry.connect(governance).grantRole(role, account)).wait();
}
