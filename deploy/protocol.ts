/**
 * Deploys the whole protocol, idempotently: OPEN on L1, the bridged OPEN on L2 (remote token =
 * the L1 OPEN), and every protocol contract on L2, wired, with roles granted. Addresses go to
 * `deployments/<network>.json` as soon as each contract is deployed, so a crash loses nothing and
 * a re-run deploys only what is missing (a recorded address without code counts as missing, and
 * so does a contract built on a dependency that was redeployed since; a new chain, told by its
 * genesis hash, starts a new record).
 *
 * Then governance (deploy/governance.ts): the OpenTimelock, the OpenGovernor and the GrantsVault
 * from the network's configuration (`GOVERNANCE_DEFAULTS`: short on the devnet, defensible
 * elsewhere), and the hand-over: every protocol admin role and the treasuries go to the timelock,
 * the deployer's roles are renounced (it keeps SETTLER_ROLE and PENALTY_ROLE when it is the
 * settler), and `checkRoles` asserts every role holder from the chain's role events.
 *
 * Wiring (role grants) is done while the deployer holds DEFAULT_ADMIN_ROLE, i.e. before the
 * hand-over; afterwards (a re-run) or with a separate governance, the grants are governance's to
 * make, and `wire` leaves them alone, so a re-run never reverts.
 *
 * Adding a contract is one entry in `PROTOCOL_STEPS`: its name, its chain, a `deploy` that
 * returns the deployed contract given the addresses deployed before it, and optionally a `wire`
 * that grants roles and sets links (written to be safe to run again: check, then act).
 */
import { existsSync } from "node:fs";

import type { BaseContract, ContractTransactionResponse, Signer } from "ethers";

import { readDeployment, writeDeployment, type Chain, type DeploymentRecord } from "../src/chain/deployment.js";
import { PoaError } from "../src/core/errors.js";
import { deployDatanetRegistry } from "./datanets.js";
import { deployRewardDistributor } from "./distributor.js";
import { deployFeeRouter, deployModelRegistry } from "./models.js";
import {
  DEVNET_ROLE_ACCOUNTS,
  governanceConfig,
  governanceNetworkOf,
  governanceSteps,
  type GovernanceConfig,
  type GovernanceNetwork,
} from "./governance.js";
import { deployL2OpenToken, deployOpenToken } from "./tokens.js";
import { DatanetRegistry__factory, RewardDistributor__factory } from "../types/ethers-contracts/index.js";

export type { Chain, DeployedContract, DeploymentRecord } from "../src/chain/deployment.js";

export interface DeployContext {
  /** The network's name ("devnet", ...). */
  network: string;
  signers: Record<Chain, Signer>;
  /** Address of every contract deployed (or found) so far, by step name. */
  address(name: string): string;
  /** The deployer's address on each chain (same key on both in the devnet). */
  deployer: Record<Chain, string>;
  /** Who holds which protocol role (all the deployer unless given). */
  roles: ProtocolRoles;
  /** Protocol parameters chosen at deployment. */
  params: ProtocolParams;
  /** The governance configuration (the network's defaults and overrides, checked). */
  governance: GovernanceConfig;
  log(line: string): void;
}

/**
 * The protocol's accounts. The protocol contracts are built with `governance` (the deployer) as
 * DEFAULT_ADMIN_ROLE and `treasury` as treasury; the governance steps then hand both to the
 * timelock. Defaults: the deployer is the settler everywhere; on the devnet the guardian and the
 * council are `DEVNET_ROLE_ACCOUNTS` (test mnemonic accounts 8 and 9), elsewhere the deployer
 * (pass real ones); the resolver is the timelock.
 */
export interface ProtocolRoles {
  /** DEFAULT_ADMIN_ROLE at construction: the deployer, until the hand-over to the timelock. */
  governance: string;
  /** Pauses, revokes pending roots and Datanet versions, cancels proposals, vetoes milestones. */
  guardian: string;
  /** Receives platform fees and slashes until the hand-over (then the timelock). */
  treasury: string;
  /** Proposes epoch roots (RewardDistributor SETTLER_ROLE) and flags adversarial data (PENALTY_ROLE). */
  settler: string;
  /**
   * Resolves challenged roots (RewardDistributor RESOLVER_ROLE). Undefined: the timelock (a
   * governance vote decides), or `governance` when the steps deploy no timelock. Never the settler.
   */
  resolver?: string | undefined;
  /** Reviews Exploration and Building grant milestones (GrantsVault COUNCIL_ROLE). */
  council: string;
}

export interface ProtocolParams {
  /** Seconds per reward epoch (default 1 day). Epoch 0 starts at deployment. */
  epochLength: bigint;
  /** Seconds a proposed root stays open to challenge (default 1 hour, the minimum). */
  challengeWindow: bigint;
  settlerBond: bigint;
  challengerBond: bigint;
}

export const DEFAULT_PROTOCOL_PARAMS: ProtocolParams = {
  epochLength: 86_400n,
  challengeWindow: 3_600n,
  settlerBond: 10n ** 17n,
  challengerBond: 10n ** 17n,
};

/**
 * True while the deployer still holds DEFAULT_ADMIN_ROLE on `contract`: before the hand-over to the
 * timelock. Wires grant roles only then; afterwards granting is governance's business.
 */
async function deployerIsAdmin(
  contract: { DEFAULT_ADMIN_ROLE(): Promise<string>; hasRole(role: string, account: string): Promise<boolean> },
  ctx: DeployContext,
): Promise<boolean> {
  return contract.hasRole(await contract.DEFAULT_ADMIN_ROLE(), ctx.deployer.l2);
}

/** Grants `role` to `account` unless it already has it (wiring must be safe to run again). */
async function ensureRole(
  contract: {
    hasRole(role: string, account: string): Promise<boolean>;
    grantRole(role: string, account: string): Promise<ContractTransactionResponse>;
  },
  role: string,
  account: string,
): Promise<ContractTransactionResponse[]> {
  return (await contract.hasRole(role, account)) ? [] : [await contract.grantRole(role, account)];
}

export interface DeployStep {
  name: string;
  chain: Chain;
  deploy(ctx: DeployContext): Promise<BaseContract>;
  /** Wires the contract (roles, links). Runs on every deployment; must be idempotent. */
  wire?(ctx: DeployContext): Promise<ContractTransactionResponse[] | void>;
}

/** The protocol without governance, in deployment order. Areas append their steps here (see deploy/<area>.ts). */
export const CORE_STEPS: DeployStep[] = [
  {
    name: "OpenToken",
    chain: "l1",
    deploy: (ctx) => deployOpenToken(ctx.signers.l1, ctx.deployer.l1),
  },
  {
    name: "L2OpenToken",
    chain: "l2",
    deploy: (ctx) => deployL2OpenToken(ctx.signers.l2, ctx.address("OpenToken")),
  },
  {
    name: "DatanetRegistry",
    chain: "l2",
    deploy: (ctx) =>
      deployDatanetRegistry(ctx.signers.l2, {
        token: ctx.address("L2OpenToken"),
        treasury: ctx.roles.treasury,
        governance: ctx.roles.governance,
        guardian: ctx.roles.guardian,
      }),
    // The settlement penalises adversarial data it finds.
    async wire(ctx) {
      const registry = DatanetRegistry__factory.connect(ctx.address("DatanetRegistry"), ctx.signers.l2);
      if (!(await deployerIsAdmin(registry, ctx))) return [];
      return ensureRole(registry, await registry.PENALTY_ROLE(), ctx.roles.settler);
    },
  },
  {
    name: "RewardDistributor",
    chain: "l2",
    async deploy(ctx) {
      const latest = await ctx.signers.l2.provider!.getBlock("latest");
      return deployRewardDistributor(ctx.signers.l2, {
        admin: ctx.roles.governance,
        open: ctx.address("L2OpenToken"),
        genesis: BigInt(latest!.timestamp),
        epochLength: ctx.params.epochLength,
        challengeWindow: ctx.params.challengeWindow,
        settlerBond: ctx.params.settlerBond,
        challengerBond: ctx.params.challengerBond,
      });
    },
    async wire(ctx) {
      const distributor = RewardDistributor__factory.connect(ctx.address("RewardDistributor"), ctx.signers.l2);
      if (!(await deployerIsAdmin(distributor, ctx))) return [];
      // A resolver left to the timelock is granted by the hand-over (the timelock comes later).
      const resolver = ctx.roles.resolver;
      return [
        ...(await ensureRole(distributor, await distributor.SETTLER_ROLE(), ctx.roles.settler)),
        ...(resolver === undefined ? [] : await ensureRole(distributor, await distributor.RESOLVER_ROLE(), resolver)),
        ...(await ensureRole(distributor, await distributor.GUARDIAN_ROLE(), ctx.roles.guardian)),
      ];
    },
  },
  {
    name: "ModelRegistry",
    chain: "l2",
    deploy: (ctx) =>
      deployModelRegistry(ctx.signers.l2, {
        datanets: ctx.address("DatanetRegistry"),
        admin: ctx.roles.governance,
        guardian: ctx.roles.guardian,
      }),
  },
  {
    name: "FeeRouter",
    chain: "l2",
    // deployFeeRouter checks that the router runs on the distributor's epoch clock and token.
    deploy: (ctx) =>
      deployFeeRouter(ctx.signers.l2, {
        token: ctx.address("L2OpenToken"),
        registry: ctx.address("ModelRegistry"),
        distributor: ctx.address("RewardDistributor"),
        treasury: ctx.roles.treasury,
        admin: ctx.roles.governance,
        guardian: ctx.roles.guardian,
      }),
  },
];

/** Governance on the L2 (deploy/governance.ts): OpenTimelock, OpenGovernor, GrantsVault, then the hand-over. */
export const GOVERNANCE_STEPS: DeployStep[] = governanceSteps();

/** Everything `deployProtocol` deploys by default: the protocol, then its governance. */
export const PROTOCOL_STEPS: DeployStep[] = [...CORE_STEPS, ...GOVERNANCE_STEPS];

export interface DeployOptions {
  network: string;
  signers: Record<Chain, Signer>;
  /** Where the record lives; undefined keeps it in memory only (in-process networks). */
  file?: string;
  steps?: readonly DeployStep[];
  roles?: Partial<ProtocolRoles>;
  params?: Partial<ProtocolParams>;
  /**
   * Governance parameters: the defaults of `network` (default: the deployment's network if
   * GOVERNANCE_DEFAULTS has it, else "mainnet") with `overrides`.
   */
  governance?: { network?: GovernanceNetwork; overrides?: Partial<GovernanceConfig> };
  log?: (line: string) => void;
}

export interface DeployResult {
  record: DeploymentRecord;
  deployed: string[];
  reused: string[];
}

export async function deployProtocol(options: DeployOptions): Promise<DeployResult> {
  const steps = options.steps ?? PROTOCOL_STEPS;
  const log = options.log ?? (() => {});
  const { signers } = options;
  const l1Provider = signers.l1.provider;
  const l2Provider = signers.l2.provider;
  if (l1Provider === null || l2Provider === null)
    throw new PoaError("INVALID_VALUE", "deployProtocol needs signers connected to providers");
  const providers = { l1: l1Provider, l2: l2Provider };

  const [l1Network, l2Network, l1Genesis, l2Genesis, l1Deployer, l2Deployer] = await Promise.all([
    providers.l1.getNetwork(),
    providers.l2.getNetwork(),
    providers.l1.getBlock(0),
    providers.l2.getBlock(0),
    signers.l1.getAddress(),
    signers.l2.getAddress(),
  ]);
  const fresh: DeploymentRecord = {
    network: options.network,
    l1ChainId: Number(l1Network.chainId),
    l2ChainId: Number(l2Network.chainId),
    l1Genesis: l1Genesis?.hash ?? "",
    l2Genesis: l2Genesis?.hash ?? "",
    contracts: {},
  };
  let record = fresh;
  if (options.file !== undefined && existsSync(options.file)) {
    const previous = readDeployment(options.file);
    const sameChains =
      previous.l1ChainId === fresh.l1ChainId &&
      previous.l2ChainId === fresh.l2ChainId &&
      previous.l1Genesis === fresh.l1Genesis &&
      previous.l2Genesis === fresh.l2Genesis;
    if (sameChains) record = previous;
    else log(`${options.file} describes other chains (restarted devnet?): starting a new record`);
  }
  const save = () => {
    if (options.file !== undefined) writeDeployment(options.file, record);
  };

  const governance = governanceConfig(
    options.governance?.network ?? governanceNetworkOf(options.network),
    options.governance?.overrides,
  );
  const withTimelock = steps.some((s) => s.name === "OpenTimelock");
  const devnet = options.network === "devnet";
  const given = options.roles ?? {};
  const guardian = given.guardian ?? (devnet ? DEVNET_ROLE_ACCOUNTS.guardian : l2Deployer);
  const roles: ProtocolRoles = {
    governance: given.governance ?? l2Deployer,
    guardian,
    treasury: given.treasury ?? l2Deployer,
    settler: given.settler ?? l2Deployer,
    resolver: given.resolver ?? (withTimelock ? undefined : (given.governance ?? l2Deployer)),
    council: given.council ?? (devnet ? DEVNET_ROLE_ACCOUNTS.council : guardian),
  };
  // Refused before any transaction: a settler would judge challenges to its own roots.
  if (roles.resolver !== undefined && roles.resolver.toLowerCase() === roles.settler.toLowerCase())
    throw new PoaError("INVALID_VALUE", `the settler ${roles.settler} is also the resolver`, {
      details: { settler: roles.settler, resolver: roles.resolver },
      action:
        "A settler must not judge challenges to its own roots: leave the resolver to the timelock (the default) or give a separate account.",
    });

  const ctx: DeployContext = {
    network: options.network,
    signers,
    deployer: { l1: l1Deployer, l2: l2Deployer },
    roles,
    params: { ...DEFAULT_PROTOCOL_PARAMS, ...options.params },
    governance,
    log,
    address(name) {
      const entry = record.contracts[name];
      if (entry === undefined)
        throw new PoaError(
          "INVALID_VALUE",
          `deployment step needs "${name}", which is not deployed yet (check PROTOCOL_STEPS order)`,
        );
      return entry.address;
    },
  };

  const deployed: string[] = [];
  const reused: string[] = [];
  for (const step of steps) {
    const existing = record.contracts[step.name];
    if (existing !== undefined && existing.chain === step.chain) {
      const code = await providers[step.chain].getCode(existing.address);
      const stale = Object.entries(existing.dependsOn ?? {}).filter(
        ([dep, at]) => record.contracts[dep]?.address !== at,
      );
      if (code !== "0x" && stale.length === 0) {
        reused.push(step.name);
        continue;
      }
      log(
        code === "0x"
          ? `${step.name}: recorded at ${existing.address} but no code there; deploying again`
          : `${step.name}: built on a previous ${stale.map(([dep]) => dep).join(", ")}; deploying again`,
      );
    }
    // Record which addresses the step reads, so a redeployed dependency redeploys its dependents.
    const dependsOn: Record<string, string> = {};
    const stepCtx: DeployContext = {
      ...ctx,
      address(name) {
        const address = ctx.address(name);
        dependsOn[name] = address;
        return address;
      },
    };
    const contract = await step.deploy(stepCtx);
    const tx = contract.deploymentTransaction();
    const receipt = tx === null ? null : await tx.wait();
    record.contracts[step.name] = {
      chain: step.chain,
      address: await contract.getAddress(),
      txHash: receipt?.hash ?? "",
      gasUsed: (receipt?.gasUsed ?? 0n).toString(),
      dependsOn,
    };
    save();
    deployed.push(step.name);
    log(`${step.name}: deployed on ${step.chain} at ${record.contracts[step.name]!.address}`);
  }
  for (const step of steps) {
    const txs = await step.wire?.(ctx);
    for (const tx of txs ?? []) await tx.wait();
  }
  save();
  return { record, deployed, reused };
}
