/**
 * Governance on the L2: the OpenTimelock, the OpenGovernor over the L2 OPEN votes and the OpenCircle
 * GrantsVault, from one `GovernanceConfig` per network; then `handOver`, which gives every protocol
 * admin role (and the treasury) to the timelock and renounces the deployer's; and `checkRoles`,
 * which reads every role grant and revocation from the chain and asserts that each role is held
 * by exactly the accounts it should be, returning a readable table.
 *
 * Plugging into deploy/protocol.ts: `governanceSteps()` returns the three steps (OpenTimelock,
 * OpenGovernor, GrantsVault) that end PROTOCOL_STEPS, so `deployProtocol` deploys governance with
 * the protocol. Their `wire`s run after every protocol wire: the governor's wires the timelock
 * (and renounces the deployer's timelock admin), the vault's hands the protocol over and checks
 * every role. The configuration is the network's (`governanceNetworkOf`), the roles
 * `deployProtocol`'s (on the devnet: `DEVNET_ROLE_ACCOUNTS`).
 *
 * Parameter choices and their sources: docs/governance.md, "Parameters".
 */
import type { BaseContract, ContractRunner, Provider, Signer } from "ethers";
import { ZeroAddress } from "ethers";

import { PoaError } from "../src/core/errors.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  GrantsVault__factory,
  ModelRegistry__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  RewardDistributor__factory,
} from "../types/ethers-contracts/index.js";
import type { GrantsVault, OpenGovernor, OpenTimelock } from "../types/ethers-contracts/index.js";

const OPEN = 10n ** 18n;
const MINUTE = 60n;
const HOUR = 3_600n;
const DAY = 86_400n;

/** Inclusive bounds of a grant tier, in OPEN wei (18 decimals). */
export interface TierBounds {
  min: bigint;
  max: bigint;
}

/** Every governance parameter chosen at deployment. Times in seconds (the votes use a timestamp clock). */
export interface GovernanceConfig {
  /** From a proposal to the start of its vote; the vote's snapshot is taken then. */
  votingDelay: bigint;
  /** Length of the vote. */
  votingPeriod: bigint;
  /** Votes (OPEN wei) a proposer needs, read one second before proposing. */
  proposalThreshold: bigint;
  /** Quorum, in percent of the L2 OPEN supply at the snapshot (for + abstain count). */
  quorumPercent: bigint;
  /** A vote that reaches quorum leaves at least this long to vote (at most the voting period). */
  lateQuorumExtension: bigint;
  /** Between queueing a successful proposal and executing it. */
  timelockMinDelay: bigint;
  /** OpenCircle tier bounds (OPEN wei). */
  tierBounds: { exploration: TierBounds; building: TierBounds; expansion: TierBounds };
  /** Between a milestone's approval and its release, for the guardian to veto (1 hour to 30 days). */
  vetoWindow: bigint;
}

/** OpenCircle's published tiers, in US dollars (issue 14). */
export const OPENCIRCLE_TIERS_USD = {
  exploration: { min: 25_000n, max: 50_000n },
  building: { min: 50_000n, max: 150_000n },
  expansion: { min: 250_000n, max: 500_000n },
} as const;

/**
 * OpenCircle's dollar tiers converted to OPEN at `usdCentsPerOpen` (e.g. 100n for $1.00), rounded
 * down for the minimum and up for the maximum, so no grant the dollar tier allows is refused.
 */
export function tierBoundsAtPrice(usdCentsPerOpen: bigint): GovernanceConfig["tierBounds"] {
  if (usdCentsPerOpen <= 0n)
    throw new PoaError("INVALID_VALUE", `OPEN price ${usdCentsPerOpen} cents is not positive`, {
      action: "Give the price in US cents, e.g. 100n.",
    });
  const toOpen = (usd: bigint, up: boolean) => {
    const wei = usd * 100n * OPEN;
    return up ? (wei + usdCentsPerOpen - 1n) / usdCentsPerOpen : wei / usdCentsPerOpen;
  };
  const tier = (t: { min: bigint; max: bigint }) => ({ min: toOpen(t.min, false), max: toOpen(t.max, true) });
  return {
    exploration: tier(OPENCIRCLE_TIERS_USD.exploration),
    building: tier(OPENCIRCLE_TIERS_USD.building),
    expansion: tier(OPENCIRCLE_TIERS_USD.expansion),
  };
}

/**
 * The reference price the default tier bounds use: $1.00 per OPEN. It is an assumption, not a
 * market price: before the first grant, governance re-sets the bounds (`setTierBounds`) from the
 * price of the day, or the deployer passes `tierBoundsAtPrice(currentCents)`.
 */
export const REFERENCE_USD_CENTS_PER_OPEN = 100n;

/**
 * Defaults per network. Sources are the figures in shared/notes/anchors.md ("Governance and
 * grants") unless said otherwise; docs/governance.md gives the reasoning in full.
 */
export const GOVERNANCE_DEFAULTS = {
  /** Defensible production values for an OP Stack L2 carrying the protocol's treasury. */
  mainnet: {
    // 1 day: the common setting; holders see a proposal and can (re)delegate before the snapshot.
    votingDelay: 1n * DAY,
    // 7 days: the common setting, and the low end of OpenLedger's own 1-2 weeks; a full week so
    // every time zone and a weekend are covered.
    votingPeriod: 7n * DAY,
    // 1,000,000 OPEN = 0.1% of the fixed 1,000,000,000 supply. Not from the anchors (they give
    // none): our choice, high enough to keep spam out, low enough that a few holders together
    // can propose. Governance can change it (setProposalThreshold).
    proposalThreshold: 1_000_000n * OPEN,
    // 5%: inside both the common 4-5% and OpenLedger's 5-25%. It is a fraction of the *L2* supply
    // (only bridged OPEN votes), see docs/governance.md, "Limits".
    quorumPercent: 5n,
    // 2 days: the common late-quorum extension; a last-minute whale still leaves two days to react.
    lateQuorumExtension: 2n * DAY,
    // 2 days: the low end of the common 2-3 days (Arbitrum's L2 timelock is 3 days, but it is
    // followed by the L1 exit and an L1 timelock). With the 1 + 7 day vote, a change takes at
    // least 10 days from proposal to execution, and is known to be coming for at least 2.
    timelockMinDelay: 2n * DAY,
    tierBounds: tierBoundsAtPrice(REFERENCE_USD_CENTS_PER_OPEN),
    // 3 days: the guardian (a multisig) must be able to react over a weekend; shorter than a
    // governance cycle so lower-tier grants are paid within days of approval.
    vetoWindow: 3n * DAY,
  },
  /**
   * The local devnet (and in-process test networks): DELIBERATELY SHORT, for the demo only, so a
   * proposal goes from vote to execution in minutes. The veto window is the contract's minimum
   * (1 hour): the demo moves the devnet's clock on rather than waiting. Never use these on a
   * chain that holds value.
   */
  devnet: {
    votingDelay: 1n,
    votingPeriod: 5n * MINUTE,
    proposalThreshold: 1_000n * OPEN,
    quorumPercent: 4n,
    lateQuorumExtension: 1n * MINUTE,
    timelockMinDelay: 1n * MINUTE,
    tierBounds: tierBoundsAtPrice(REFERENCE_USD_CENTS_PER_OPEN),
    vetoWindow: 1n * HOUR,
  },
} as const satisfies Record<string, GovernanceConfig>;

export type GovernanceNetwork = keyof typeof GOVERNANCE_DEFAULTS;

/** The defaults of `network` with `overrides`, checked. */
export function governanceConfig(
  network: GovernanceNetwork,
  overrides: Partial<GovernanceConfig> = {},
): GovernanceConfig {
  const base: GovernanceConfig | undefined = GOVERNANCE_DEFAULTS[network];
  if (base === undefined) {
    throw new PoaError("INVALID_VALUE", `no governance defaults for network "${String(network)}"`, {
      action: `Use one of: ${Object.keys(GOVERNANCE_DEFAULTS).join(", ")}.`,
    });
  }
  const config = { ...base, ...overrides };
  checkGovernanceConfig(config);
  return config;
}

const MIN_VETO_WINDOW = HOUR;
const MAX_VETO_WINDOW = 30n * DAY;
const U32 = 2n ** 32n - 1n;
const U48 = 2n ** 48n - 1n;
const U128 = 2n ** 128n - 1n;

/** Checks a configuration the way the contracts will, so a bad one fails before any transaction. */
export function checkGovernanceConfig(c: GovernanceConfig): void {
  const fail = (what: string, hint: string): never => {
    throw new PoaError("INVALID_VALUE", `governance config: ${what}`, { action: hint });
  };
  if (c.votingDelay < 0n || c.votingDelay > U48) fail(`voting delay ${c.votingDelay} s`, "Use 0 to 2^48-1 seconds.");
  if (c.votingPeriod <= 0n || c.votingPeriod > U32)
    fail(`voting period ${c.votingPeriod} s`, "Use 1 to 2^32-1 seconds (the governor refuses 0).");
  if (c.lateQuorumExtension < 0n || c.lateQuorumExtension > c.votingPeriod)
    fail(
      `late-quorum extension ${c.lateQuorumExtension} s exceeds the voting period ${c.votingPeriod} s`,
      "The governor caps the extension at the voting period.",
    );
  if (c.quorumPercent <= 0n || c.quorumPercent > 100n)
    fail(`quorum ${c.quorumPercent}%`, "Use a whole percentage from 1 to 100.");
  if (c.proposalThreshold < 0n) fail(`proposal threshold ${c.proposalThreshold}`, "Use a non-negative OPEN amount.");
  if (c.timelockMinDelay < 0n) fail(`timelock delay ${c.timelockMinDelay} s`, "Use a non-negative delay.");
  if (c.vetoWindow < MIN_VETO_WINDOW || c.vetoWindow > MAX_VETO_WINDOW)
    fail(`veto window ${c.vetoWindow} s`, "The vault accepts 1 hour to 30 days (3600 to 2592000 s).");
  for (const [name, b] of Object.entries(c.tierBounds)) {
    if (b.min <= 0n || b.min > b.max || b.max > U128)
      fail(`${name} bounds [${b.min}, ${b.max}]`, "Each tier needs 0 < min <= max < 2^128 (OPEN wei).");
  }
}

// ---------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------

/** Who holds the governance-side roles. */
export interface GovernanceRoles {
  /** Cancels proposals (governor and timelock), pauses, vetoes grant milestones. Never moves funds. */
  guardian: string;
  /** Reviews Exploration and Building milestones. Should not be the guardian (who checks it). */
  council: string;
}

export interface GovernanceContracts {
  timelock: OpenTimelock;
  governor: OpenGovernor;
  vault: GrantsVault;
}

function providerOf(runner: Signer): Provider {
  if (runner.provider === null)
    throw new PoaError("INVALID_VALUE", "the signer has no provider", { action: "Connect it to a network first." });
  return runner.provider;
}

async function requireContract(provider: Provider, what: string, address: string): Promise<void> {
  if ((await provider.getCode(address)) === "0x") {
    throw new PoaError("CONTRACT_NOT_FOUND", `${what} ${address} has no contract code on this chain`, {
      action: `Deploy the ${what} first.`,
    });
  }
}

/**
 * Deploys the OpenTimelock with the deployer as a temporary admin (the governor's address is not
 * known yet); `wireTimelock` makes the governor its proposer and renounces that admin.
 */
export async function deployTimelock(deployer: Signer, config: GovernanceConfig): Promise<OpenTimelock> {
  const timelock = await new OpenTimelock__factory(deployer).deploy(
    config.timelockMinDelay,
    [],
    [ZeroAddress], // anyone executes a ready operation
    await deployer.getAddress(),
  );
  await timelock.waitForDeployment();
  return timelock;
}

/** Deploys the OpenGovernor over `token` (the L2 OPEN) executing through `timelock`. */
export async function deployGovernor(
  deployer: Signer,
  params: { token: string; timelock: string; guardian: string; config: GovernanceConfig },
): Promise<OpenGovernor> {
  const { config } = params;
  checkGovernanceConfig(config);
  const provider = providerOf(deployer);
  await requireContract(provider, "L2 OPEN token", params.token);
  await requireContract(provider, "OpenTimelock", params.timelock);
  const governor = await new OpenGovernor__factory(deployer).deploy(params.token, params.timelock, {
    votingDelay: config.votingDelay,
    votingPeriod: config.votingPeriod,
    proposalThreshold: config.proposalThreshold,
    quorumNumerator: config.quorumPercent,
    lateQuorumExtension: config.lateQuorumExtension,
    guardian: params.guardian,
  });
  await governor.waitForDeployment();
  return governor;
}

/**
 * Makes `governor` the timelock's only proposer (and a canceller: its own cancel path needs it),
 * the guardian a canceller, and renounces the deployer's admin. Safe to run again: it grants only
 * what is missing, and does nothing once the deployer's admin is gone.
 */
export async function wireTimelock(
  timelock: OpenTimelock,
  deployer: Signer,
  roles: { governor: string; guardian: string },
): Promise<void> {
  const t = timelock.connect(deployer);
  const me = await deployer.getAddress();
  const [admin, proposer, canceller] = await Promise.all([
    t.DEFAULT_ADMIN_ROLE(),
    t.PROPOSER_ROLE(),
    t.CANCELLER_ROLE(),
  ]);
  if (!(await t.hasRole(admin, me))) return;
  const grants: [string, string][] = [
    [proposer, roles.governor],
    [canceller, roles.governor],
    [canceller, roles.guardian],
  ];
  for (const [role, account] of grants) {
    if (!(await t.hasRole(role, account))) await (await t.grantRole(role, account)).wait();
  }
  await (await t.renounceRole(admin, me)).wait();
}

/** Deploys the GrantsVault, governed (and funded) by the timelock. */
export async function deployGrantsVault(
  deployer: Signer,
  params: {
    token: string;
    timelock: string;
    /** Funds grants and receives refunds; the timelock unless given. */
    treasury?: string;
    roles: GovernanceRoles;
    config: GovernanceConfig;
  },
): Promise<GrantsVault> {
  const { config } = params;
  checkGovernanceConfig(config);
  await requireContract(providerOf(deployer), "L2 OPEN token", params.token);
  const b = config.tierBounds;
  const vault = await new GrantsVault__factory(deployer).deploy(
    params.token,
    params.timelock,
    params.treasury ?? params.timelock,
    params.roles.council,
    params.roles.guardian,
    [b.exploration, b.building, b.expansion],
    config.vetoWindow,
  );
  await vault.waitForDeployment();
  return vault;
}

/** Deploys and wires the timelock, the governor and the vault; the deployer keeps no role in them. */
export async function deployGovernance(
  deployer: Signer,
  params: { token: string; roles: GovernanceRoles; config: GovernanceConfig },
): Promise<GovernanceContracts> {
  checkGovernanceConfig(params.config);
  const timelock = await deployTimelock(deployer, params.config);
  const timelockAddress = await timelock.getAddress();
  const governor = await deployGovernor(deployer, {
    token: params.token,
    timelock: timelockAddress,
    guardian: params.roles.guardian,
    config: params.config,
  });
  await wireTimelock(timelock, deployer, { governor: await governor.getAddress(), guardian: params.roles.guardian });
  const vault = await deployGrantsVault(deployer, {
    token: params.token,
    timelock: timelockAddress,
    roles: params.roles,
    config: params.config,
  });
  return { timelock, governor, vault };
}

// ---------------------------------------------------------------------------------------------
// Hand-over
// ---------------------------------------------------------------------------------------------

/** The protocol contracts whose admin roles the timelock takes over. */
export interface ProtocolAddresses {
  DatanetRegistry: string;
  ModelRegistry: string;
  FeeRouter: string;
  RewardDistributor: string;
}

export interface HandOverParams {
  timelock: string;
  protocol: ProtocolAddresses;
  /** GUARDIAN_ROLE everywhere (pause, revoke a pending root, revoke a Datanet version). */
  guardian: string;
  /** RewardDistributor SETTLER_ROLE and DatanetRegistry PENALTY_ROLE. */
  settler: string;
  /** RewardDistributor RESOLVER_ROLE; the timelock (a governance vote decides challenges) unless given. */
  resolver?: string;
  /** Point the FeeRouter's and the DatanetRegistry's treasury at the timelock (default true). */
  moveTreasury?: boolean;
  log?: (line: string) => void;
}

/** One role change `handOver` made (or would skip as already done). */
export interface HandOverAction {
  contract: keyof ProtocolAddresses;
  action: string;
  txHash: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Gives the timelock DEFAULT_ADMIN_ROLE on DatanetRegistry, ModelRegistry, FeeRouter and
 * RewardDistributor (and PENALTY_ROLE on the registry, which its constructor gave governance),
 * points the treasuries at the timelock, makes `guardian`, `settler` and `resolver` the only
 * holders of their roles, revokes every role the deployer held but should not, and renounces the
 * deployer's admin last. Refuses a settler that is also the resolver (a settler would judge
 * challenges to its own roots). Safe to run again: a contract whose admin is already the timelock
 * alone is skipped.
 */
export async function handOver(deployer: Signer, params: HandOverParams): Promise<HandOverAction[]> {
  const resolver = params.resolver ?? params.timelock;
  const { timelock, guardian, settler } = params;
  const log = params.log ?? (() => {});
  if (same(settler, resolver)) {
    throw new PoaError("INVALID_VALUE", `the settler ${settler} is also the resolver`, {
      action:
        "A settler must not judge challenges to its own roots: give RESOLVER_ROLE to the timelock (the default) or a separate council.",
    });
  }
  for (const [what, address] of [
    ["timelock", timelock],
    ["guardian", guardian],
    ["settler", settler],
    ["resolver", resolver],
  ] as const) {
    if (same(address, ZeroAddress))
      throw new PoaError("INVALID_VALUE", `hand-over: the ${what} is the zero address`, {
        action: "Give a real account.",
      });
  }
  const provider = providerOf(deployer);
  await requireContract(provider, "timelock", timelock);
  const me = await deployer.getAddress();
  if (same(me, timelock))
    throw new PoaError("INVALID_VALUE", "the deployer is the timelock", {
      action: "Hand over from the deploying key.",
    });
  const actions: HandOverAction[] = [];

  type Roles = {
    hasRole(role: string, account: string): Promise<boolean>;
    grantRole(role: string, account: string): Promise<{ wait(): Promise<unknown>; hash: string }>;
    revokeRole(role: string, account: string): Promise<{ wait(): Promise<unknown>; hash: string }>;
    renounceRole(role: string, account: string): Promise<{ wait(): Promise<unknown>; hash: string }>;
  };
  const send = async (
    contract: keyof ProtocolAddresses,
    action: string,
    tx: Promise<{ wait(): Promise<unknown>; hash: string }>,
  ) => {
    const sent = await tx;
    await sent.wait();
    actions.push({ contract, action, txHash: sent.hash });
    log(`${contract}: ${action}`);
  };
  /** Makes `holders` hold `role`, and takes it from the deployer unless the deployer is one of them. */
  const settle = async (name: keyof ProtocolAddresses, c: Roles, role: string, label: string, holders: string[]) => {
    for (const h of holders)
      if (!(await c.hasRole(role, h))) await send(name, `grant ${label} to ${h}`, c.grantRole(role, h));
    if (!holders.some((h) => same(h, me)) && (await c.hasRole(role, me)))
      await send(name, `revoke ${label} from the deployer`, c.revokeRole(role, me));
  };

  const datanets = DatanetRegistry__factory.connect(params.protocol.DatanetRegistry, deployer);
  const models = ModelRegistry__factory.connect(params.protocol.ModelRegistry, deployer);
  const router = FeeRouter__factory.connect(params.protocol.FeeRouter, deployer);
  const distributor = RewardDistributor__factory.connect(params.protocol.RewardDistributor, deployer);
  const admin = await datanets.DEFAULT_ADMIN_ROLE(); // 0x00.. on every AccessControl

  const contracts: [keyof ProtocolAddresses, Roles & BaseContract][] = [
    ["DatanetRegistry", datanets],
    ["ModelRegistry", models],
    ["FeeRouter", router],
    ["RewardDistributor", distributor],
  ];
  for (const [name, c] of contracts) {
    await requireContract(provider, name, await c.getAddress());
    const [mine, timelocks] = await Promise.all([c.hasRole(admin, me), c.hasRole(admin, timelock)]);
    if (!mine) {
      if (timelocks) {
        log(`${name}: already handed over`);
        continue;
      }
      throw new PoaError(
        "STATE_CONFLICT",
        `${name}: neither the deployer ${me} nor the timelock holds DEFAULT_ADMIN_ROLE`,
        { action: "Hand over with the key that deployed the protocol (or check the addresses)." },
      );
    }
    const guardianRole = await (c as unknown as { GUARDIAN_ROLE(): Promise<string> }).GUARDIAN_ROLE();
    if (name === "DatanetRegistry") {
      if (params.moveTreasury !== false && !same(await datanets.treasury(), timelock))
        await send(name, "treasury -> timelock", datanets.setTreasury(timelock));
      await settle(name, datanets, await datanets.PENALTY_ROLE(), "PENALTY_ROLE", [timelock, settler]);
      await settle(name, datanets, await datanets.TAKEDOWN_ROLE(), "TAKEDOWN_ROLE", [timelock]);
    }
    if (name === "FeeRouter" && params.moveTreasury !== false && !same(await router.treasury(), timelock))
      await send(name, "treasury -> timelock", router.setTreasury(timelock));
    if (name === "RewardDistributor") {
      await settle(name, distributor, await distributor.SETTLER_ROLE(), "SETTLER_ROLE", [settler]);
      await settle(name, distributor, await distributor.RESOLVER_ROLE(), "RESOLVER_ROLE", [resolver]);
    }
    await settle(name, c, guardianRole, "GUARDIAN_ROLE", [guardian]);
    await send(name, "grant DEFAULT_ADMIN_ROLE to the timelock", c.grantRole(admin, timelock));
    await send(name, "deployer renounces DEFAULT_ADMIN_ROLE", c.renounceRole(admin, me));
  }
  return actions;
}

// ---------------------------------------------------------------------------------------------
// Role check
// ---------------------------------------------------------------------------------------------

/** Everything `checkRoles` needs to know: addresses and who should hold what. */
export interface RoleExpectations {
  protocol: ProtocolAddresses;
  governance: { OpenTimelock: string; OpenGovernor: string; GrantsVault: string };
  /** The L2 OPEN (the governor's votes and the vault's token). */
  token: string;
  guardian: string;
  council: string;
  settler: string;
  /** The timelock unless given. */
  resolver?: string;
  /** First block to read role events from (default 0: the whole chain). */
  fromBlock?: number;
}

/** One row of the role table. */
export interface RoleRow {
  contract: string;
  role: string;
  expected: string[];
  actual: string[];
  ok: boolean;
}

interface RoleEvents {
  filters: { RoleGranted(): unknown; RoleRevoked(): unknown };
  queryFilter(filter: never, from?: number, to?: number | string): Promise<unknown[]>;
}

/**
 * Every account holding `role` on `contract`, rebuilt from its RoleGranted and RoleRevoked events
 * (OpenZeppelin's AccessControl emits one for every change, including constructor grants), so an
 * unexpected holder cannot hide: non-enumerable AccessControl has no other way to list holders.
 */
async function holdersOf(contract: BaseContract, fromBlock: number): Promise<Map<string, Set<string>>> {
  const c = contract as unknown as RoleEvents;
  const [granted, revoked] = await Promise.all([
    c.queryFilter(c.filters.RoleGranted() as never, fromBlock, "latest"),
    c.queryFilter(c.filters.RoleRevoked() as never, fromBlock, "latest"),
  ]);
  type Ev = { blockNumber: number; index: number; args: { role: string; account: string }; granted: boolean };
  const events: Ev[] = [
    ...(granted as Omit<Ev, "granted">[]).map((e) => ({ ...e, granted: true })),
    ...(revoked as Omit<Ev, "granted">[]).map((e) => ({ ...e, granted: false })),
  ].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const holders = new Map<string, Set<string>>();
  for (const e of events) {
    const set = holders.get(e.args.role) ?? new Set<string>();
    if (e.granted) set.add(e.args.account.toLowerCase());
    else set.delete(e.args.account.toLowerCase());
    holders.set(e.args.role, set);
  }
  return holders;
}

/**
 * Asserts every role holder of the protocol and governance contracts, and the links that are not
 * roles (treasuries, the governor's timelock, token and guardian). Throws a PoaError carrying the
 * table when anything differs; returns the table (all rows ok) otherwise.
 */
export async function checkRoles(runner: ContractRunner, e: RoleExpectations): Promise<RoleRow[]> {
  const timelock = e.governance.OpenTimelock;
  const resolver = e.resolver ?? timelock;
  const fromBlock = e.fromBlock ?? 0;
  const datanets = DatanetRegistry__factory.connect(e.protocol.DatanetRegistry, runner);
  const models = ModelRegistry__factory.connect(e.protocol.ModelRegistry, runner);
  const router = FeeRouter__factory.connect(e.protocol.FeeRouter, runner);
  const distributor = RewardDistributor__factory.connect(e.protocol.RewardDistributor, runner);
  const tl = OpenTimelock__factory.connect(timelock, runner);
  const governor = OpenGovernor__factory.connect(e.governance.OpenGovernor, runner);
  const vault = GrantsVault__factory.connect(e.governance.GrantsVault, runner);
  const ADMIN = "DEFAULT_ADMIN_ROLE";

  const expected: [string, BaseContract, Record<string, [string, string[]]>][] = [
    [
      "DatanetRegistry",
      datanets,
      {
        [await datanets.DEFAULT_ADMIN_ROLE()]: [ADMIN, [timelock]],
        [await datanets.PENALTY_ROLE()]: ["PENALTY_ROLE", [timelock, e.settler]],
        [await datanets.TAKEDOWN_ROLE()]: ["TAKEDOWN_ROLE", [timelock]],
        [await datanets.GUARDIAN_ROLE()]: ["GUARDIAN_ROLE", [e.guardian]],
      },
    ],
    [
      "ModelRegistry",
      models,
      {
        [await models.DEFAULT_ADMIN_ROLE()]: [ADMIN, [timelock]],
        [await models.GUARDIAN_ROLE()]: ["GUARDIAN_ROLE", [e.guardian]],
      },
    ],
    [
      "FeeRouter",
      router,
      {
        [await router.DEFAULT_ADMIN_ROLE()]: [ADMIN, [timelock]],
        [await router.GUARDIAN_ROLE()]: ["GUARDIAN_ROLE", [e.guardian]],
      },
    ],
    [
      "RewardDistributor",
      distributor,
      {
        [await distributor.DEFAULT_ADMIN_ROLE()]: [ADMIN, [timelock]],
        [await distributor.SETTLER_ROLE()]: ["SETTLER_ROLE", [e.settler]],
        [await distributor.RESOLVER_ROLE()]: ["RESOLVER_ROLE", [resolver]],
        [await distributor.GUARDIAN_ROLE()]: ["GUARDIAN_ROLE", [e.guardian]],
      },
    ],
    [
      "OpenTimelock",
      tl,
      {
        [await tl.DEFAULT_ADMIN_ROLE()]: [ADMIN, [timelock]],
        [await tl.PROPOSER_ROLE()]: ["PROPOSER_ROLE", [e.governance.OpenGovernor]],
        [await tl.CANCELLER_ROLE()]: ["CANCELLER_ROLE", [e.governance.OpenGovernor, e.guardian]],
        [await tl.EXECUTOR_ROLE()]: ["EXECUTOR_ROLE", [ZeroAddress]],
      },
    ],
    [
      "GrantsVault",
      vault,
      {
        [await vault.DEFAULT_ADMIN_ROLE()]: [ADMIN, [timelock]],
        [await vault.COUNCIL_ROLE()]: ["COUNCIL_ROLE", [e.council]],
        [await vault.GUARDIAN_ROLE()]: ["GUARDIAN_ROLE", [e.guardian]],
      },
    ],
  ];

  const rows: RoleRow[] = [];
  const norm = (xs: string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort();
  for (const [name, contract, roles] of expected) {
    const holders = await holdersOf(contract, fromBlock);
    for (const role of new Set([...Object.keys(roles), ...holders.keys()])) {
      const [label, want] = roles[role] ?? [`unexpected role ${role}`, []];
      const have = norm([...(holders.get(role) ?? [])]);
      const wanted = norm(want);
      rows.push({
        contract: name,
        role: label,
        expected: wanted,
        actual: have,
        ok: wanted.length === have.length && wanted.every((w, i) => w === have[i]),
      });
    }
  }

  const link = (contract: string, what: string, want: string, have: string) =>
    rows.push({
      contract,
      role: what,
      expected: [want.toLowerCase()],
      actual: [have.toLowerCase()],
      ok: same(want, have),
    });
  link("DatanetRegistry", "treasury()", timelock, await datanets.treasury());
  link("FeeRouter", "treasury()", timelock, await router.treasury());
  link("GrantsVault", "treasury()", timelock, await vault.treasury());
  link("GrantsVault", "token()", e.token, await vault.token());
  link("OpenGovernor", "timelock()", timelock, await governor.timelock());
  link("OpenGovernor", "token()", e.token, await governor.token());
  link("OpenGovernor", "proposalGuardian()", e.guardian, await governor.proposalGuardian());

  const bad = rows.filter((r) => !r.ok);
  if (bad.length > 0) {
    const names = roleNames(e);
    throw new PoaError(
      "INVARIANT_BROKEN",
      `${bad.length} role or link check(s) failed:\n${formatRoleTable(bad, names)}`,
      {
        action:
          "Run handOver (and wireTimelock) from the deploying key, or revoke the unexpected holders through governance.",
      },
    );
  }
  return rows;
}

/** Names for the accounts a role table mentions. */
export function roleNames(e: RoleExpectations): Map<string, string> {
  const names = new Map<string, string>();
  const add = (address: string, name: string) => {
    const key = address.toLowerCase();
    names.set(key, names.has(key) ? `${names.get(key)}+${name}` : name);
  };
  add(e.governance.OpenTimelock, "timelock");
  add(e.governance.OpenGovernor, "governor");
  add(e.governance.GrantsVault, "vault");
  add(e.guardian, "guardian");
  add(e.council, "council");
  add(e.settler, "settler");
  if (e.resolver !== undefined && !same(e.resolver, e.governance.OpenTimelock)) add(e.resolver, "resolver");
  add(e.token, "OPEN");
  add(ZeroAddress, "anyone");
  return names;
}

/** A fixed-width text table: contract | role | holders | ok. */
export function formatRoleTable(rows: RoleRow[], names: Map<string, string> = new Map()): string {
  const show = (xs: string[]) => (xs.length === 0 ? "(none)" : xs.map((x) => names.get(x) ?? x).join(", "));
  const lines = rows.map((r) => [r.contract, r.role, show(r.actual), r.ok ? "ok" : `EXPECTED ${show(r.expected)}`]);
  const header = ["contract", "role", "holders", "check"];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Steps for deploy/protocol.ts
// ---------------------------------------------------------------------------------------------

/**
 * Accounts of the devnet's test mnemonic ("test test ... junk", the accounts every local Ethereum
 * tool funds) that `deployProtocol` gives the governance-side roles on the devnet, so that no two
 * of the settler, the resolver, the guardian and the council share a key:
 * - account 0 deploys and stays the settler (SETTLER_ROLE, PENALTY_ROLE), as the settlement
 *   commands expect (their default key on the devnet);
 * - the resolver and the treasury are the timelock (governance), not a key;
 * - account 8 is the guardian, account 9 the council.
 * These keys are public: never use them on a chain that holds value.
 */
export const DEVNET_ROLE_ACCOUNTS = {
  /** Test mnemonic account 8. */
  guardian: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
  /** Test mnemonic account 9. */
  council: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
} as const;

/** The governance defaults a network uses: its own when it has some (devnet, mainnet), else mainnet's. */
export function governanceNetworkOf(network: string): GovernanceNetwork {
  return Object.hasOwn(GOVERNANCE_DEFAULTS, network) ? (network as GovernanceNetwork) : "mainnet";
}

/**
 * What a governance step reads from `deployProtocol`'s context (a structural subset of
 * deploy/protocol.ts `DeployContext`, declared here so that this module does not import that one).
 */
export interface GovernanceStepContext {
  signers: { l2: Signer };
  address(name: string): string;
  roles: {
    guardian: string;
    settler: string;
    council: string;
    /** RESOLVER_ROLE; the timelock when undefined. */
    resolver?: string | undefined;
  };
  /** The network's governance configuration (checked). */
  governance: GovernanceConfig;
  log(line: string): void;
}

/** A deployment step of the governance (structurally a deploy/protocol.ts `DeployStep`). */
export interface GovernanceStep {
  name: string;
  chain: "l2";
  deploy(ctx: GovernanceStepContext): Promise<BaseContract>;
  wire?(ctx: GovernanceStepContext): Promise<void>;
}

/** The addresses `checkRoles` expects, from a deployment context. */
export function roleExpectations(ctx: Pick<GovernanceStepContext, "address" | "roles">): RoleExpectations {
  return {
    protocol: protocolAddresses(ctx),
    governance: {
      OpenTimelock: ctx.address("OpenTimelock"),
      OpenGovernor: ctx.address("OpenGovernor"),
      GrantsVault: ctx.address("GrantsVault"),
    },
    token: ctx.address("L2OpenToken"),
    guardian: ctx.roles.guardian,
    council: ctx.roles.council,
    settler: ctx.roles.settler,
    ...(ctx.roles.resolver === undefined ? {} : { resolver: ctx.roles.resolver }),
  };
}

/**
 * The three governance steps of PROTOCOL_STEPS (after every protocol contract): OpenTimelock,
 * OpenGovernor, GrantsVault. They read `L2OpenToken` and the four protocol contracts from the
 * deployment record, the configuration from `ctx.governance` and the roles from `ctx.roles`.
 *
 * - The timelock records the L2 OPEN as a dependency (it does not take it as an argument): a new
 *   token means a new protocol and a new governance, and a timelock already wired to the previous
 *   governor could not be given to a new one.
 * - The governor's `wire` wires the timelock (once: it renounces the deployer's timelock admin).
 * - The vault's `wire` hands the protocol over (every admin role and the treasuries to the
 *   timelock, the deployer's renounced; skipped for contracts already handed over) and then checks
 *   every role holder (throwing on any difference), so a deployment that finishes is a deployment
 *   whose roles are right, on the first run and on every re-run.
 */
export function governanceSteps(): GovernanceStep[] {
  return [
    {
      name: "OpenTimelock",
      chain: "l2",
      deploy: (ctx) => {
        ctx.address("L2OpenToken"); // recorded as a dependency (see above)
        return deployTimelock(ctx.signers.l2, ctx.governance);
      },
    },
    {
      name: "OpenGovernor",
      chain: "l2",
      deploy: (ctx) =>
        deployGovernor(ctx.signers.l2, {
          token: ctx.address("L2OpenToken"),
          timelock: ctx.address("OpenTimelock"),
          guardian: ctx.roles.guardian,
          config: ctx.governance,
        }),
      async wire(ctx) {
        const timelock = OpenTimelock__factory.connect(ctx.address("OpenTimelock"), ctx.signers.l2);
        await wireTimelock(timelock, ctx.signers.l2, {
          governor: ctx.address("OpenGovernor"),
          guardian: ctx.roles.guardian,
        });
      },
    },
    {
      name: "GrantsVault",
      chain: "l2",
      deploy: (ctx) =>
        deployGrantsVault(ctx.signers.l2, {
          token: ctx.address("L2OpenToken"),
          timelock: ctx.address("OpenTimelock"),
          roles: { guardian: ctx.roles.guardian, council: ctx.roles.council },
          config: ctx.governance,
        }),
      async wire(ctx) {
        await handOver(ctx.signers.l2, {
          timelock: ctx.address("OpenTimelock"),
          protocol: protocolAddresses(ctx),
          guardian: ctx.roles.guardian,
          settler: ctx.roles.settler,
          ...(ctx.roles.resolver === undefined ? {} : { resolver: ctx.roles.resolver }),
          log: ctx.log,
        });
        const expectations = roleExpectations(ctx);
        const rows = await checkRoles(ctx.signers.l2, expectations);
        ctx.log(
          `every role holder checked (settler ${ctx.roles.settler}, guardian ${ctx.roles.guardian}, council ${ctx.roles.council}, resolver ${ctx.roles.resolver ?? "the timelock"}, timelock ${expectations.governance.OpenTimelock}):\n${formatRoleTable(rows, roleNames(expectations))}`,
        );
      },
    },
  ];
}

/** The four protocol contracts' addresses from a deployment context. */
export function protocolAddresses(ctx: Pick<GovernanceStepContext, "address">): ProtocolAddresses {
  return {
    DatanetRegistry: ctx.address("DatanetRegistry"),
    ModelRegistry: ctx.address("ModelRegistry"),
    FeeRouter: ctx.address("FeeRouter"),
    RewardDistributor: ctx.address("RewardDistributor"),
  };
}
