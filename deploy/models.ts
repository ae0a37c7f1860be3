import { AbiCoder, hexlify, keccak256, randomBytes } from "ethers";
import type { ContractTransactionReceipt, Provider, Signer, Typed } from "ethers";

import { PoaError } from "../src/core/errors.js";
import {
  FeeRouter__factory,
  IEpochEscrow__factory,
  IRewardDistributor__factory,
  ModelRegistry__factory,
} from "../types/ethers-contracts/index.js";
import type { FeeRouter, ModelRegistry } from "../types/ethers-contracts/index.js";

/** Governance bounds on a model's fee split, in basis points (inclusive). */
export interface SplitBounds {
  minOwnerBps: number;
  maxOwnerBps: number;
  minStakersBps: number;
  maxStakersBps: number;
  minContributorsBps: number;
  maxContributorsBps: number;
}

/**
 * Default bounds: the owner keeps at most 70%, the stakers get 5-50%, the data contributors at
 * least 10% of every fee net of the platform fee.
 */
export const DEFAULT_SPLIT_BOUNDS: SplitBounds = {
  minOwnerBps: 0,
  maxOwnerBps: 7_000,
  minStakersBps: 500,
  maxStakersBps: 5_000,
  minContributorsBps: 1_000,
  maxContributorsBps: 9_000,
};

/** Default notice before a price or split change takes effect (seconds). */
export const DEFAULT_NOTICE_DELAY = 24n * 3600n;

/** Default platform fee (basis points of every fee), at most 2,000. */
export const DEFAULT_PLATFORM_FEE_BPS = 500n;

export interface ModelRegistryParams {
  /** The DatanetRegistry (IDatanetVersions) that provenance is checked against. */
  datanets: string;
  /** Governance: DEFAULT_ADMIN_ROLE (the timelock once governance exists). */
  admin: string;
  /** May pause registrations. */
  guardian: string;
  splitBounds?: SplitBounds;
  /** Seconds, within [1 hour, 30 days]. */
  noticeDelay?: bigint;
}

export interface FeeRouterParams {
  /** OPEN on this chain. */
  token: string;
  registry: string;
  /** The RewardDistributor (IEpochEscrow): its epoch clock is the router's. */
  distributor: string;
  /** Receives swept platform fees. */
  treasury: string;
  /** Basis points, at most 2,000. */
  platformFeeBps?: bigint;
  /** Governance: DEFAULT_ADMIN_ROLE. */
  admin: string;
  /** May pause payments. */
  guardian: string;
}

export interface ModelsAndFees {
  registry: ModelRegistry;
  router: FeeRouter;
}

const MIN_NOTICE = 3600n;
const MAX_NOTICE = 30n * 24n * 3600n;

/** Throws a PoaError naming `what` unless `address` holds contract code. */
async function requireContract(provider: Provider, what: string, address: string): Promise<void> {
  const code = await provider.getCode(address);
  if (code === "0x") {
    throw new PoaError("CONTRACT_NOT_FOUND", `${what} ${address} has no contract code on this chain`, {
      action: `Deploy the ${what} first (or give the address it was deployed at on this network).`,
    });
  }
}

function providerOf(deployer: Signer): Provider {
  if (deployer.provider === null) {
    throw new PoaError("INVALID_VALUE", "the deployer signer has no provider", {
      action: "Connect the signer to a network first.",
    });
  }
  return deployer.provider;
}

/** Checks bounds the way the registry does, so a bad configuration fails before any transaction. */
export function checkSplitBounds(b: SplitBounds): void {
  const parts: [string, number, number][] = [
    ["owner", b.minOwnerBps, b.maxOwnerBps],
    ["stakers", b.minStakersBps, b.maxStakersBps],
    ["contributors", b.minContributorsBps, b.maxContributorsBps],
  ];
  for (const [name, min, max] of parts) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || min > max || max > 10_000) {
      throw new PoaError("INVALID_VALUE", `split bounds for the ${name} are invalid: [${min}, ${max}]`, {
        action: "Each bound is an integer number of basis points with 0 <= min <= max <= 10000.",
      });
    }
  }
  const minSum = b.minOwnerBps + b.minStakersBps + b.minContributorsBps;
  const maxSum = b.maxOwnerBps + b.maxStakersBps + b.maxContributorsBps;
  if (minSum > 10_000 || maxSum < 10_000) {
    throw new PoaError(
      "INVALID_VALUE",
      `no split can satisfy these bounds (minimums sum to ${minSum}, maximums to ${maxSum})`,
      { action: "The minimums must sum to at most 10000 and the maximums to at least 10000." },
    );
  }
}

/** Deploys the ModelRegistry. */
export async function deployModelRegistry(deployer: Signer, params: ModelRegistryParams): Promise<ModelRegistry> {
  const bounds = params.splitBounds ?? DEFAULT_SPLIT_BOUNDS;
  const noticeDelay = params.noticeDelay ?? DEFAULT_NOTICE_DELAY;
  checkSplitBounds(bounds);
  if (noticeDelay < MIN_NOTICE || noticeDelay > MAX_NOTICE) {
    throw new PoaError("INVALID_VALUE", `notice delay ${noticeDelay} s is outside [${MIN_NOTICE}, ${MAX_NOTICE}]`, {
      action: "Use a delay between 1 hour and 30 days, in seconds.",
    });
  }
  await requireContract(providerOf(deployer), "DatanetRegistry", params.datanets);
  const registry = await new ModelRegistry__factory(deployer).deploy(
    params.datanets,
    params.admin,
    params.guardian,
    bounds,
    noticeDelay,
  );
  await registry.waitForDeployment();
  return registry;
}

/**
 * Deploys the FeeRouter. The router copies the distributor's genesis and epoch length (both
 * immutable there) and gives the distributor a standing allowance so that `fund` can pull the
 * escrowed parts; nothing else needs wiring: the distributor accepts funding from anyone.
 */
export async function deployFeeRouter(deployer: Signer, params: FeeRouterParams): Promise<FeeRouter> {
  const platformFeeBps = params.platformFeeBps ?? DEFAULT_PLATFORM_FEE_BPS;
  if (platformFeeBps < 0n || platformFeeBps > 2_000n) {
    throw new PoaError("INVALID_VALUE", `platform fee ${platformFeeBps} bps is above the 2000 bps cap`, {
      action: "Use at most 2000 (20%).",
    });
  }
  const provider = providerOf(deployer);
  await requireContract(provider, "OPEN token", params.token);
  await requireContract(provider, "ModelRegistry", params.registry);
  await requireContract(provider, "RewardDistributor", params.distributor);
  // The constructor refuses it too (DistributorTokenMismatch); checking here first costs no gas.
  const distributorToken = await IRewardDistributor__factory.connect(params.distributor, deployer).token();
  requireSameToken(params.token, distributorToken, params.distributor);
  const router = await new FeeRouter__factory(deployer).deploy(
    params.token,
    params.registry,
    params.distributor,
    params.treasury,
    platformFeeBps,
    params.admin,
    params.guardian,
  );
  await router.waitForDeployment();
  await checkWiring(router, params.distributor);
  return router;
}

/** Deploys and wires both contracts. */
export async function deployModelsAndFees(
  deployer: Signer,
  params: Omit<ModelRegistryParams, "admin" | "guardian"> &
    Omit<FeeRouterParams, "registry" | "admin" | "guardian"> & { admin: string; guardian: string },
): Promise<ModelsAndFees> {
  const registry = await deployModelRegistry(deployer, params);
  const router = await deployFeeRouter(deployer, { ...params, registry: await registry.getAddress() });
  return { registry, router };
}

/** Throws a PoaError unless the distributor escrows the token the router takes fees in. */
function requireSameToken(routerToken: string, distributorToken: string, distributorAddress: string): void {
  if (routerToken.toLowerCase() !== distributorToken.toLowerCase()) {
    throw new PoaError(
      "DEPLOYMENT_INVALID",
      `the RewardDistributor ${distributorAddress} escrows token ${distributorToken}, not the fee token ${routerToken}`,
      {
        action: "Deploy the FeeRouter and the RewardDistributor with the same OPEN token (the L2 OPEN of this chain).",
      },
    );
  }
}

/** Checks that the router takes fees in the distributor's token, runs on its clock and can fund it. */
export async function checkWiring(router: FeeRouter, distributorAddress: string): Promise<void> {
  const runner = router.runner;
  const distributor = IEpochEscrow__factory.connect(distributorAddress, runner);
  const [genesis, length, routerGenesis, routerLength, distributorToken, routerToken] = await Promise.all([
    distributor.genesis(),
    distributor.epochLength(),
    router.genesis(),
    router.epochLength(),
    IRewardDistributor__factory.connect(distributorAddress, runner).token(),
    router.token(),
  ]);
  requireSameToken(routerToken, distributorToken, distributorAddress);
  if (genesis !== routerGenesis || length !== routerLength) {
    throw new PoaError(
      "DEPLOYMENT_INVALID",
      `FeeRouter epochs (genesis ${routerGenesis}, length ${routerLength}) differ from the distributor's (${genesis}, ${length})`,
      { action: "Redeploy the FeeRouter against this distributor." },
    );
  }
}

/** What a builder registers (the registry's `Registration` struct). */
export type ModelRegistration = Exclude<Parameters<ModelRegistry["registerModel"]>[0], Typed>;

/** The commitment `commitArtifact` records: keccak256(abi.encode(artifactHash, owner, salt)). */
export function artifactCommitment(artifactHash: string, owner: string, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "bytes32"], [artifactHash, owner, salt]));
}

/** A registered model: its id, the salt its commitment used and both receipts. */
export interface RegisteredModel {
  modelId: bigint;
  salt: string;
  commit: ContractTransactionReceipt;
  register: ContractTransactionReceipt;
}

/**
 * Registers a model the way the registry requires since 3.0.0 (commit-reveal, so that nobody who
 * sees the artifact hash in a pending registration can take it first): records the commitment
 * keccak256(abi.encode(artifactHash, owner, salt)) with `commitArtifact`, waits for it to be
 * mined, then sends `registerModel(registration, salt)`, which lands in a later block. The owner
 * is the registry's signer. A fresh random salt is used unless one is given.
 */
export async function commitAndRegisterModel(
  registry: ModelRegistry,
  registration: ModelRegistration,
  options: { salt?: string } = {},
): Promise<RegisteredModel> {
  const runner = registry.runner as Signer | null;
  if (runner === null || typeof (runner as Signer).getAddress !== "function") {
    throw new PoaError("INVALID_VALUE", "the ModelRegistry handle has no signer to register a model with", {
      action: "Connect the registry to the builder's signer before registering.",
    });
  }
  const owner = await runner.getAddress();
  const salt = options.salt ?? hexlify(randomBytes(32));
  const commitment = artifactCommitment(String(registration.artifactHash), owner, salt);
  const commit = await (await registry.commitArtifact(commitment)).wait();
  // The registration is sent after the commitment's block was mined, so it lands in a later one.
  const register = await (await registry.registerModel(registration, salt)).wait();
  if (commit === null || register === null) {
    throw new PoaError("CHAIN_DATA_INVALID", "a model registration transaction returned no receipt", {
      action: "Check the node and register again with the same salt.",
    });
  }
  let modelId: bigint | undefined;
  for (const log of register.logs) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ModelRegistered") modelId = parsed.args[0] as bigint;
  }
  if (modelId === undefined) {
    throw new PoaError("CHAIN_DATA_INVALID", "the registration emitted no ModelRegistered event", {
      action: "Check that the address is a ModelRegistry.",
    });
  }
  return { modelId, salt, commit, register };
}
