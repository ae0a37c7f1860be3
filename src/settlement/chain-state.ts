/**
 * What the chain says, rebuilt from its events alone (EigenLayer's sidecar does the same): the
 * paid requests and their pools, the models and what they were trained on, every Datanet's
 * versions, every contribution's and curator's stake at any moment, and the distributor's roots
 * and claims. Pure: the logs come from the store's index (src/store/chain-index.ts), decoded.
 *
 * State "at" a time T applies every event whose block timestamp is at most T; the settlement
 * asks for the end of the range it settles, so stake that left before the range ended does not
 * count, and a revocation after it does not reach back.
 */
import { checkAddress, type Address } from "../core/address.js";
import type { Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { replayDatanet, type DatanetHistoryEvent, type VersionMember } from "../datanet/history.js";
import type { AttributionMethod, CuratorBond, Payment } from "./compute.js";

/** The decoded log shape the state is built from (a subset of the store's StoredLog). */
export interface EventLog {
  blockNumber: bigint;
  logIndex: number;
  blockTimestamp: bigint;
  transactionHash: Hex;
  contract: string | null;
  event: string | null;
  args: Json | null;
}

export interface ModelRecord {
  id: bigint;
  owner: Address;
  baseModelId: bigint;
  method: AttributionMethod;
  artifactHash: Hex;
  metadataURI: string;
  trainedOn: { datanetId: bigint; version: bigint }[];
  registeredAt: bigint;
}

type ContributionEvent =
  | { kind: "submitted"; at: bigint; stake: bigint }
  | { kind: "accepted"; at: bigint; bondedUntil: bigint }
  | { kind: "rejected"; at: bigint }
  | { kind: "withdrawn"; at: bigint }
  | { kind: "revoked"; at: bigint; slashed: bigint }
  | { kind: "taken down"; at: bigint }
  | { kind: "released"; at: bigint; amount: bigint };

export interface ContributionRecord {
  id: bigint;
  datanetId: bigint;
  contributor: Address;
  contentHash: Hex;
  uri: string;
  sizeBytes: bigint;
  events: ContributionEvent[];
}

export interface ContributionAt {
  status: "pending" | "accepted" | "rejected" | "withdrawn" | "revoked" | "taken down";
  /** Stake still bonded (accepted, not released, bond period not over). */
  bondedStake: bigint;
  excluded?: "revoked" | "penalised" | "taken down";
}

type CuratorEvent =
  | { kind: "appointed"; at: bigint }
  | { kind: "removed"; at: bigint }
  | { kind: "bond"; at: bigint; bond: bigint }
  | { kind: "unbonding"; at: bigint }
  | { kind: "withdrawn"; at: bigint }
  | { kind: "slashed"; at: bigint; amount: bigint };

export interface RootRecord {
  epoch: bigint;
  root: Hex;
  settler: Address;
  totalCumulative: bigint;
  reportHash: Hex;
  reportURI: string;
  challengeDeadline: bigint;
  proposedBlock: bigint;
  status: "pending" | "challenged" | "finalized" | "dropped";
}

/**
 * A payment as the FeeRouter's RequestPaid event states it: the settlement's fields plus the two
 * parts that leave the protocol's escrow at payment time (for the report's flow of money).
 */
export interface PaidRequest extends Payment {
  platform: bigint;
  owner: bigint;
}

export interface ChainState {
  payments: PaidRequest[];
  models: Map<string, ModelRecord>;
  contributions: Map<string, ContributionRecord>;
  /** Replayed versions per Datanet: version -> members. */
  versions: Map<string, Map<string, readonly VersionMember[]>>;
  curators: Map<string, Map<string, CuratorEvent[]>>;
  roots: RootRecord[];
  claimed: Map<string, bigint>;
  /** OPEN funded into the distributor per epoch (EpochFunded). */
  funded: Map<string, bigint>;
  lastBlock: bigint;
}

function arg(log: EventLog, name: string): Json {
  const args = log.args as Record<string, Json> | null;
  if (args === null || !(name in args))
    throw new PoaError(
      "CHAIN_DATA_INVALID",
      `${log.contract}.${log.event} at block ${log.blockNumber} has no argument "${name}"`,
      {
        details: { block: log.blockNumber.toString(), event: log.event, argument: name },
        action: "The event does not match the ABI the settlement knows: check the deployment's contract versions.",
      },
    );
  return args[name]!;
}
const big = (log: EventLog, name: string) => BigInt(arg(log, name) as string);
const str = (log: EventLog, name: string) => String(arg(log, name));
function address(log: EventLog, name: string): Address {
  const checked = checkAddress(arg(log, name));
  if (!checked.ok) throw new PoaError("CHAIN_DATA_INVALID", `${log.event}.${name} is not an address`);
  return checked.address;
}
const hex = (log: EventLog, name: string) => (arg(log, name) as string).toLowerCase() as Hex;

const METHODS: Record<string, AttributionMethod> = { "0": "spans", "1": "influence" };

/** Builds the state from logs in chain order (block, log index). */
export function buildChainState(logs: readonly EventLog[]): ChainState {
  const state: ChainState = {
    payments: [],
    models: new Map(),
    contributions: new Map(),
    versions: new Map(),
    curators: new Map(),
    roots: [],
    claimed: new Map(),
    funded: new Map(),
    lastBlock: 0n,
  };
  const history = new Map<string, DatanetHistoryEvent[]>();
  const pushHistory = (datanetId: bigint, event: DatanetHistoryEvent) => {
    const key = datanetId.toString();
    const list = history.get(key) ?? [];
    list.push(event);
    history.set(key, list);
  };
  const contributionEvent = (id: bigint, event: ContributionEvent) => {
    const c = state.contributions.get(id.toString());
    if (c === undefined)
      throw new PoaError("CHAIN_DATA_INVALID", `an event of contribution ${id} precedes its submission in the logs`, {
        details: { contributionId: id.toString() },
        action: "Index the registry's logs from its deployment block.",
      });
    c.events.push(event);
  };
  const curatorEvent = (datanetId: bigint, curator: Address, event: CuratorEvent) => {
    const byDatanet = state.curators.get(datanetId.toString()) ?? new Map<string, CuratorEvent[]>();
    const list = byDatanet.get(curator) ?? [];
    list.push(event);
    byDatanet.set(curator, list);
    state.curators.set(datanetId.toString(), byDatanet);
  };

  for (const log of logs) {
    state.lastBlock = log.blockNumber;
    const at = log.blockTimestamp;
    const position = { blockNumber: Number(log.blockNumber), logIndex: log.logIndex };
    switch (`${log.contract}.${log.event}`) {
      case "FeeRouter.RequestPaid": {
        const parts = arg(log, "parts") as Record<string, string>;
        state.payments.push({
          requestHash: hex(log, "requestHash"),
          modelId: big(log, "modelId"),
          payer: address(log, "payer"),
          epoch: big(log, "epoch"),
          tokensIn: Number(big(log, "tokensIn")),
          tokensOut: Number(big(log, "tokensOut")),
          fee: big(log, "fee"),
          stakers: BigInt(parts.stakers!),
          contributors: BigInt(parts.contributors!),
          platform: BigInt(parts.platform!),
          owner: BigInt(parts.owner!),
        });
        break;
      }
      case "ModelRegistry.ModelRegistered": {
        const trainedOn = (arg(log, "trainedOn") as { datanetId: string; version: string }[]).map((v) => ({
          datanetId: BigInt(v.datanetId),
          version: BigInt(v.version),
        }));
        const id = big(log, "modelId");
        state.models.set(id.toString(), {
          id,
          owner: address(log, "owner"),
          baseModelId: big(log, "baseModelId"),
          method: METHODS[str(log, "attributionMethod")] ?? "spans",
          artifactHash: hex(log, "artifactHash"),
          metadataURI: str(log, "metadataURI"),
          trainedOn,
          registeredAt: at,
        });
        break;
      }
      case "DatanetRegistry.ContributionSubmitted": {
        const id = big(log, "contributionId");
        const datanetId = big(log, "datanetId");
        state.contributions.set(id.toString(), {
          id,
          datanetId,
          contributor: address(log, "contributor"),
          contentHash: hex(log, "contentHash"),
          uri: str(log, "uri"),
          sizeBytes: big(log, "sizeBytes"),
          events: [{ kind: "submitted", at, stake: big(log, "stake") }],
        });
        pushHistory(datanetId, {
          kind: "submitted",
          at: position,
          contributionId: id,
          contentHash: hex(log, "contentHash"),
        });
        break;
      }
      case "DatanetRegistry.ContributionAccepted": {
        const id = big(log, "contributionId");
        contributionEvent(id, { kind: "accepted", at, bondedUntil: big(log, "bondedUntil") });
        pushHistory(big(log, "datanetId"), { kind: "accepted", at: position, contributionId: id });
        break;
      }
      case "DatanetRegistry.ContributionRejected":
        contributionEvent(big(log, "contributionId"), { kind: "rejected", at });
        break;
      case "DatanetRegistry.ContributionWithdrawn":
        contributionEvent(big(log, "contributionId"), { kind: "withdrawn", at });
        break;
      case "DatanetRegistry.ContributionRevoked": {
        const id = big(log, "contributionId");
        contributionEvent(id, { kind: "revoked", at, slashed: big(log, "slashed") });
        pushHistory(big(log, "datanetId"), { kind: "revoked", at: position, contributionId: id });
        break;
      }
      case "DatanetRegistry.ContributionTakenDown": {
        const id = big(log, "contributionId");
        contributionEvent(id, { kind: "taken down", at });
        pushHistory(big(log, "datanetId"), { kind: "takenDown", at: position, contributionId: id });
        break;
      }
      case "DatanetRegistry.StakeReleased":
        contributionEvent(big(log, "contributionId"), { kind: "released", at, amount: big(log, "amount") });
        break;
      case "DatanetRegistry.VersionPublished":
        pushHistory(big(log, "datanetId"), {
          kind: "published",
          at: position,
          version: big(log, "version"),
          root: hex(log, "root"),
          count: big(log, "count"),
        });
        break;
      case "DatanetRegistry.CuratorAppointed":
        curatorEvent(big(log, "datanetId"), address(log, "curator"), { kind: "appointed", at });
        break;
      case "DatanetRegistry.CuratorRemoved":
        curatorEvent(big(log, "datanetId"), address(log, "curator"), { kind: "removed", at });
        break;
      case "DatanetRegistry.CuratorBondDeposited":
        curatorEvent(big(log, "datanetId"), address(log, "curator"), { kind: "bond", at, bond: big(log, "bond") });
        break;
      case "DatanetRegistry.CuratorUnbondingStarted":
        curatorEvent(big(log, "datanetId"), address(log, "curator"), { kind: "unbonding", at });
        break;
      case "DatanetRegistry.CuratorBondWithdrawn":
        curatorEvent(big(log, "datanetId"), address(log, "curator"), { kind: "withdrawn", at });
        break;
      case "DatanetRegistry.CuratorBondSlashed":
        curatorEvent(big(log, "datanetId"), address(log, "curator"), {
          kind: "slashed",
          at,
          amount: big(log, "amount"),
        });
        break;
      case "RewardDistributor.RootProposed":
        state.roots.push({
          epoch: big(log, "epoch"),
          root: hex(log, "root"),
          settler: address(log, "settler"),
          totalCumulative: big(log, "totalCumulative"),
          reportHash: hex(log, "reportHash"),
          reportURI: str(log, "reportURI"),
          challengeDeadline: big(log, "challengeDeadline"),
          proposedBlock: log.blockNumber,
          status: "pending",
        });
        break;
      case "RewardDistributor.RootChallenged": {
        const pending = lastPending(state.roots, hex(log, "root"));
        if (pending !== undefined) pending.status = "challenged";
        break;
      }
      case "RewardDistributor.ChallengeResolved": {
        const pending = lastPending(state.roots, hex(log, "root"));
        if (pending !== undefined) pending.status = (arg(log, "upheld") as boolean) ? "dropped" : "pending";
        break;
      }
      case "RewardDistributor.RootRevoked": {
        const pending = lastPending(state.roots, hex(log, "root"));
        if (pending !== undefined) pending.status = "dropped";
        break;
      }
      case "RewardDistributor.RootFinalized": {
        const pending = lastPending(state.roots, hex(log, "root"));
        if (pending !== undefined) pending.status = "finalized";
        break;
      }
      case "RewardDistributor.Claimed": {
        const account = address(log, "account");
        state.claimed.set(account, (state.claimed.get(account) ?? 0n) + big(log, "amount"));
        break;
      }
      case "RewardDistributor.EpochFunded": {
        const epoch = big(log, "epoch").toString();
        state.funded.set(epoch, (state.funded.get(epoch) ?? 0n) + big(log, "amount"));
        break;
      }
      default:
        break;
    }
  }
  for (const [datanetId, events] of history) {
    const replay = replayDatanet(events);
    state.versions.set(datanetId, new Map(replay.versions.map((v) => [v.version.toString(), v.members])));
  }
  return state;
}

function lastPending(roots: RootRecord[], root: Hex): RootRecord | undefined {
  for (let i = roots.length - 1; i >= 0; i--) {
    const r = roots[i]!;
    if (r.root === root && (r.status === "pending" || r.status === "challenged")) return r;
  }
  return undefined;
}

/** A contribution's standing at time `t` (seconds): status, bonded stake, why it earns nothing. */
export function contributionAt(record: ContributionRecord, t: bigint): ContributionAt {
  let status: ContributionAt["status"] = "pending";
  let stake = 0n;
  let bondedUntil = 0n;
  let released = false;
  let excluded: ContributionAt["excluded"];
  for (const e of record.events) {
    if (e.at > t) break;
    switch (e.kind) {
      case "submitted":
        stake = e.stake;
        break;
      case "accepted":
        status = "accepted";
        bondedUntil = e.bondedUntil;
        break;
      case "rejected":
        status = "rejected";
        break;
      case "withdrawn":
        status = "withdrawn";
        break;
      case "revoked":
        status = "revoked";
        excluded = e.slashed > 0n ? "penalised" : "revoked";
        break;
      case "taken down":
        status = "taken down";
        excluded = "taken down";
        break;
      case "released":
        released = true;
        break;
    }
  }
  const bondedStake = status === "accepted" && !released && bondedUntil > t ? stake : 0n;
  return { status, bondedStake, ...(excluded === undefined ? {} : { excluded }) };
}

/** The bonded, voting curators of a Datanet at time `t`, with their bonds. */
export function curatorsAt(state: ChainState, datanetId: bigint, t: bigint): CuratorBond[] {
  const out: CuratorBond[] = [];
  const byCurator = state.curators.get(datanetId.toString());
  if (byCurator === undefined) return out;
  for (const [curator, events] of [...byCurator].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let appointed = false;
    let bond = 0n;
    let unbonding = false;
    for (const e of events) {
      if (e.at > t) break;
      if (e.kind === "appointed") appointed = true;
      else if (e.kind === "removed") appointed = false;
      else if (e.kind === "bond") {
        bond = e.bond;
        unbonding = false;
      } else if (e.kind === "unbonding") unbonding = true;
      else if (e.kind === "withdrawn") bond = 0n;
      else if (e.kind === "slashed") bond = bond > e.amount ? bond - e.amount : 0n;
    }
    if (appointed && !unbonding && bond > 0n) out.push({ datanetId, curator: curator as Address, bond });
  }
  return out;
}

/** The latest finalized root, if any. */
export function finalizedRoot(state: ChainState): RootRecord | undefined {
  for (let i = state.roots.length - 1; i >= 0; i--) if (state.roots[i]!.status === "finalized") return state.roots[i];
  return undefined;
}

/** The root that is pending (proposed, not yet finalized or dropped), if any. */
export function pendingRoot(state: ChainState): RootRecord | undefined {
  const last = state.roots[state.roots.length - 1];
  return last !== undefined && (last.status === "pending" || last.status === "challenged") ? last : undefined;
}
