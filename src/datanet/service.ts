/**
 * The Datanet jobs behind `poa datanet create | add | review | publish | show`: each checks what
 * can be checked before it sends anything (allowance, balance, minimum stake, duplicate content,
 * the size the chain will count, the count a version will have), then sends and waits.
 * Contribution bytes go to the content store first: the URI is their IPFS CIDv1 and the on-chain
 * content hash is keccak-256 of the bytes.
 */
import type { ContractTransactionResponse, Signer } from "ethers";

import { onChain } from "../chain/errors.js";
import { ContentStore } from "../content/store.js";
import { formatOpen } from "../core/amount.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import type { DatanetRegistry, L2OpenToken } from "../../types/ethers-contracts/index.js";
import { fetchDatanetHistory } from "./chain.js";
import { commitAndSubmit } from "./submit.js";
import { nextVersion } from "./versionRoot.js";

export const DATA_KINDS = ["text", "image", "audio", "tabular"] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface DatanetParams {
  minStake: bigint;
  dailyByteCap: bigint;
  bondPeriod: bigint;
  slashBps: bigint;
  quorum: bigint;
  /** Seconds curators have to decide a contribution; each keeps the one in force when submitted. */
  reviewPeriod: bigint;
}

async function sent(
  what: string,
  tx: () => Promise<ContractTransactionResponse>,
): Promise<{ hash: Hex; blockNumber: number }> {
  return onChain(what, async () => {
    const response = await tx();
    const receipt = await response.wait();
    if (receipt === null || receipt.status !== 1)
      throw new PoaError("CONTRACT_REVERTED", `${what}: the transaction ${response.hash} failed`, {
        details: { txHash: response.hash },
      });
    return { hash: response.hash as Hex, blockNumber: receipt.blockNumber };
  });
}

/** Creates a Datanet owned by the signer; returns its id. */
export async function createDatanet(
  registry: DatanetRegistry,
  args: { kind: DataKind; metadataURI: string; params: DatanetParams },
): Promise<{ datanetId: bigint; txHash: Hex }> {
  const bounds = await onChain("read the Datanet bounds", () => registry.bounds());
  const p = args.params;
  const outside = (what: string, value: bigint, min: bigint, max: bigint) => {
    if (value < min || value > max)
      throw new PoaError("VALUE_OUT_OF_RANGE", `${what} ${value} is outside the governance bounds [${min}, ${max}]`, {
        details: { field: what, value: value.toString(), min: min.toString(), max: max.toString() },
      });
  };
  outside("minStake", p.minStake, bounds.minStakeFloor, bounds.minStakeCeiling);
  outside("dailyByteCap", p.dailyByteCap, 1n, bounds.maxDailyByteCap);
  outside("bondPeriod", p.bondPeriod, bounds.minBondPeriod, bounds.maxBondPeriod);
  outside("slashBps", p.slashBps, bounds.minSlashBps, bounds.maxSlashBps);
  outside("quorum", p.quorum, bounds.minQuorum, bounds.maxQuorum);
  outside("reviewPeriod", p.reviewPeriod, bounds.minReviewPeriod, bounds.maxReviewPeriod);
  const tx = await sent("create a Datanet", () =>
    registry.createDatanet(DATA_KINDS.indexOf(args.kind), args.metadataURI, {
      minStake: p.minStake,
      dailyByteCap: p.dailyByteCap,
      bondPeriod: p.bondPeriod,
      slashBps: p.slashBps,
      quorum: p.quorum,
      reviewPeriod: p.reviewPeriod,
    }),
  );
  return { datanetId: await registry.datanetCount(), txHash: tx.hash };
}

/** Checks that `owner` holds `amount` OPEN and has allowed `spender` to take it; approves when it has not. */
export async function ensureAllowance(
  token: L2OpenToken,
  owner: string,
  spender: string,
  amount: bigint,
): Promise<Hex | undefined> {
  const [balance, allowance] = await onChain("read the OPEN balance", () =>
    Promise.all([token.balanceOf(owner), token.allowance(owner, spender)]),
  );
  if (balance < amount)
    throw new PoaError(
      "INSUFFICIENT_FUNDS",
      `${owner} holds ${formatOpen(balance)} OPEN on L2, less than the ${formatOpen(amount)} OPEN needed`,
      {
        details: { account: owner, balance: balance.toString(), needed: amount.toString() },
        action: "Bridge or receive more OPEN on the L2 first.",
      },
    );
  if (allowance >= amount) return undefined;
  return (await sent("approve the OPEN", () => token.approve(spender, amount))).hash;
}

export interface AddedContribution {
  contributionId: bigint;
  cid: string;
  contentHash: Hex;
  uri: string;
  sizeBytes: number;
  /** The reveal (`submit`) transaction. */
  txHash: Hex;
  /** The commitment transaction, made a block before the reveal. */
  commitTxHash: Hex | undefined;
  /** The commitment's salt (needed only to retry a reveal that failed). */
  salt: Hex;
}

/**
 * Stakes on and submits `bytes` to a Datanet: stores the bytes (content-addressed), then checks
 * the Datanet exists, the stake against its minimum, that the same content is not already in it
 * (a pending holder past its review deadline can be displaced), the contributor's daily byte cap
 * (by the chain's clock), the OPEN balance and allowance; then commits and reveals
 * (`commitAndSubmit`: the registry's front-running guard).
 */
export async function addContribution(args: {
  registry: DatanetRegistry;
  token: L2OpenToken;
  signer: Signer;
  content: ContentStore;
  datanetId: bigint;
  bytes: Uint8Array;
  stake: bigint;
}): Promise<AddedContribution> {
  const { registry, token, datanetId, bytes } = args;
  const contributor = await args.signer.getAddress();
  if (bytes.length === 0)
    throw new PoaError("INVALID_VALUE", "the contribution is empty", { action: "Contribute a non-empty file." });
  const count = await onChain("read the Datanets", () => registry.datanetCount());
  if (datanetId < 1n || datanetId > count)
    throw new PoaError("NOT_FOUND", `Datanet ${datanetId} does not exist (there are ${count})`, {
      details: { datanetId: datanetId.toString(), count: count.toString() },
    });
  const datanet = await registry.getDatanet(datanetId);
  if (args.stake < datanet.params.minStake)
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `a stake of ${formatOpen(args.stake)} OPEN is below Datanet ${datanetId}'s minimum of ${formatOpen(datanet.params.minStake)} OPEN`,
      {
        details: { field: "stake", stake: args.stake.toString(), minimum: datanet.params.minStake.toString() },
      },
    );
  const stored = await args.content.put(bytes);
  const existing = await registry.contributionOfContent(datanetId, stored.contentHash);
  const provider = args.signer.provider;
  const latest = provider == null ? null : await onChain("read the latest block", () => provider.getBlock("latest"));
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  const displaceable =
    existing !== 0n &&
    (await onChain("read the contribution holding this content", async () => {
      const holder = await registry.getContribution(existing);
      return Number(holder.status) === 1 && now >= holder.reviewDeadline;
    }));
  if (existing !== 0n && !displaceable)
    throw new PoaError(
      "DUPLICATE_ENTRY",
      `this content (${stored.contentHash}) is already contribution ${existing} of Datanet ${datanetId}`,
      {
        details: { contentHash: stored.contentHash, contributionId: existing.toString() },
        action: "Copies earn nothing: contribute something new.",
      },
    );
  const day = now / 86_400n;
  const today = await registry.bytesSubmittedOn(datanetId, contributor, day);
  if (today + BigInt(bytes.length) > datanet.params.dailyByteCap)
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `${bytes.length} more bytes today would pass Datanet ${datanetId}'s daily cap of ${datanet.params.dailyByteCap} bytes (already ${today})`,
      {
        details: {
          field: "dailyByteCap",
          today: today.toString(),
          adding: bytes.length,
          cap: datanet.params.dailyByteCap.toString(),
        },
        action: "Contribute the rest tomorrow (UTC), or split it across days.",
      },
    );
  await ensureAllowance(token, contributor, await registry.getAddress(), args.stake);
  const uri = `ipfs://${stored.cid}`;
  // The size submitted is the real size: the chain counts what it is told (I-4), so never less.
  const submitted = await commitAndSubmit(registry.connect(args.signer), {
    datanetId,
    contentHash: stored.contentHash,
    uri,
    sizeBytes: BigInt(bytes.length),
    stake: args.stake,
  });
  return {
    contributionId: submitted.contributionId,
    cid: stored.cid,
    contentHash: stored.contentHash,
    uri,
    sizeBytes: bytes.length,
    txHash: submitted.submitReceipt.hash as Hex,
    commitTxHash: submitted.commitReceipt?.hash as Hex | undefined,
    salt: submitted.salt,
  };
}

/** A curator's vote; returns the contribution's status after it. */
export async function reviewContribution(
  registry: DatanetRegistry,
  curator: string,
  contributionId: bigint,
  accept: boolean,
): Promise<{ status: string; txHash: Hex }> {
  const count = await onChain("read the contributions", () => registry.contributionCount());
  if (contributionId < 1n || contributionId > count)
    throw new PoaError("NOT_FOUND", `contribution ${contributionId} does not exist (there are ${count})`, {
      details: { contributionId: contributionId.toString() },
    });
  const c = await registry.getContribution(contributionId);
  if (Number(c.status) !== 1)
    throw new PoaError(
      "STATE_CONFLICT",
      `contribution ${contributionId} is not under review (it is ${STATUS[Number(c.status)] ?? "unknown"})`,
      {
        details: { contributionId: contributionId.toString(), status: STATUS[Number(c.status)] },
      },
    );
  const latest = await onChain("read the latest block", async () => registry.runner?.provider?.getBlock("latest"));
  if (latest != null && BigInt(latest.timestamp) >= c.reviewDeadline)
    throw new PoaError(
      "STATE_CONFLICT",
      `the review of contribution ${contributionId} closed at ${c.reviewDeadline} (its review deadline): no vote counts any more`,
      {
        details: { contributionId: contributionId.toString(), reviewDeadline: c.reviewDeadline.toString() },
        action: "Its contributor may withdraw it in full; vote on contributions still under review.",
      },
    );
  if (!(await registry.canVote(c.datanetId, curator)))
    throw new PoaError(
      "STATE_CONFLICT",
      `${curator} cannot vote in Datanet ${c.datanetId} (not an appointed curator with a full bond)`,
      {
        details: { curator, datanetId: c.datanetId.toString() },
        action: "Be appointed by the Datanet's owner and deposit the curator bond first.",
      },
    );
  if (await registry.hasVoted(contributionId, curator))
    throw new PoaError("STATE_CONFLICT", `${curator} already voted on contribution ${contributionId}`);
  const tx = await sent(`vote on contribution ${contributionId}`, () => registry.vote(contributionId, accept));
  const after = await registry.getContribution(contributionId);
  return { status: STATUS[Number(after.status)] ?? "unknown", txHash: tx.hash };
}

export const STATUS = ["none", "pending", "accepted", "rejected", "withdrawn", "revoked", "taken down", "displaced"];

/**
 * Publishes the Datanet's next version: its root is computed from the chain's own events (the
 * accepted, non-revoked set), and the count is checked against the registry's before sending.
 */
export async function publishVersion(
  registry: DatanetRegistry,
  datanetId: bigint,
  uri = "",
): Promise<{ version: bigint; root: Hex; count: bigint; txHash: Hex }> {
  const history = await fetchDatanetHistory(registry, datanetId);
  const next = nextVersion(history);
  const datanet = await registry.getDatanet(datanetId);
  if (BigInt(datanet.liveAcceptedCount) !== next.count)
    throw new PoaError(
      "CHAIN_DATA_INVALID",
      `the events give ${next.count} accepted contributions, the registry counts ${datanet.liveAcceptedCount}`,
      {
        details: { fromEvents: next.count.toString(), registry: datanet.liveAcceptedCount.toString() },
        action: "Read the logs from a node that serves all of them.",
      },
    );
  const tx = await sent(`publish a version of Datanet ${datanetId}`, () =>
    registry.publishVersion(datanetId, next.root, next.count, uri),
  );
  return { version: BigInt(datanet.versionCount) + 1n, root: next.root as Hex, count: next.count, txHash: tx.hash };
}

/** The owner appoints a curator (who votes once bonded). */
export async function appointCurator(
  registry: DatanetRegistry,
  owner: string,
  datanetId: bigint,
  curator: string,
): Promise<Hex> {
  const datanet = await onChain("read the Datanet", () => registry.getDatanet(datanetId));
  if (datanet.owner.toLowerCase() !== owner.toLowerCase())
    throw new PoaError(
      "STATE_CONFLICT",
      `only Datanet ${datanetId}'s owner ${datanet.owner} appoints curators, not ${owner}`,
      {
        details: { datanetId: datanetId.toString(), owner: datanet.owner, caller: owner },
      },
    );
  if ((await registry.getCurator(datanetId, curator)).appointed)
    throw new PoaError("STATE_CONFLICT", `${curator} is already a curator of Datanet ${datanetId}`);
  return (await sent("appoint a curator", () => registry.appointCurator(datanetId, curator))).hash;
}

/** A curator bonds OPEN in a Datanet (approving the registry when needed). */
export async function bondCurator(
  registry: DatanetRegistry,
  token: L2OpenToken,
  curator: string,
  datanetId: bigint,
  amount: bigint,
): Promise<{ bond: bigint; required: bigint; txHash: Hex }> {
  await ensureAllowance(token, curator, await registry.getAddress(), amount);
  const tx = await sent("deposit the curator bond", () => registry.depositCuratorBond(datanetId, amount));
  const [c, bounds] = await Promise.all([registry.getCurator(datanetId, curator), registry.bounds()]);
  return { bond: c.bond, required: bounds.curatorBond, txHash: tx.hash };
}

/** A Datanet as the chain holds it: owner, kind, parameters, counts, versions. */
export async function showDatanet(registry: DatanetRegistry, datanetId: bigint) {
  const count = await onChain("read the Datanets", () => registry.datanetCount());
  if (datanetId < 1n || datanetId > count)
    throw new PoaError("NOT_FOUND", `Datanet ${datanetId} does not exist (there are ${count})`, {
      details: { datanetId: datanetId.toString() },
    });
  const d = await registry.getDatanet(datanetId);
  const versions = [];
  for (let v = 1n; v <= BigInt(d.versionCount); v++) {
    const version = await registry.getVersion(datanetId, v);
    versions.push({ version: v, root: version.root, count: version.count, disputed: version.disputed });
  }
  const history = await fetchDatanetHistory(registry, datanetId);
  const submitted = history.filter((e) => e.kind === "submitted").length;
  return {
    owner: d.owner,
    kind: DATA_KINDS[Number(d.kind)] ?? "unknown",
    params: d.params,
    curators: Number(d.curatorCount),
    accepted: Number(d.liveAcceptedCount),
    submitted,
    /** What the next version would be (undefined while nothing is accepted). */
    next: (() => {
      try {
        return nextVersion(history);
      } catch {
        return undefined;
      }
    })(),
    versions,
  };
}
