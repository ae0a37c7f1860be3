/**
 * `poa claim`: pays accounts what the finalized root owes them. The tree comes from the finalized
 * root's report (fetched by the CID in its reportURI from the content store, checked against the
 * posted reportHash, its balances rebuilding the root): nothing but the chain and the published
 * report is trusted. The OPEN always goes to the account, whoever sends the claim.
 */
import type { Signer } from "ethers";

import type { DeploymentRecord } from "../chain/deployment.js";
import { contractAddress } from "../chain/deployment.js";
import { onChain } from "../chain/errors.js";
import { ContentStore } from "../content/store.js";
import { checkAddress } from "../core/address.js";
import { formatOpen } from "../core/amount.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { buildRewardTree, type RewardTree } from "../merkle/index.js";
import { RewardDistributor__factory, type RewardDistributor } from "../../types/ethers-contracts/index.js";
import type { RootRecord } from "./chain-state.js";
import { loadPrevious } from "./inputs.js";

export interface FinalizedTree {
  root: Hex;
  epoch: bigint;
  tree: RewardTree;
}

/**
 * The finalized root's tree, rebuilt from its report. `rootRecord` is the finalized root as the
 * chain's events describe it (epoch, report URI and hash).
 */
export async function finalizedTree(rootRecord: RootRecord, content: ContentStore): Promise<FinalizedTree> {
  const previous = await loadPrevious(rootRecord, content);
  const entries = [...previous!.balances].map(([account, cumulativeAmount]) => ({ account, cumulativeAmount }));
  return { root: rootRecord.root, epoch: rootRecord.epoch, tree: buildRewardTree(entries) };
}

/** The distributor's finalized root and its RootProposed record (from the chain, live). */
export async function currentFinalizedRoot(distributor: RewardDistributor): Promise<RootRecord> {
  const root = (await onChain("read the finalized root", () => distributor.root())).toLowerCase() as Hex;
  if (/^0x0+$/.test(root))
    throw new PoaError("NOT_FOUND", "no root has been finalized yet: there is nothing to claim", {
      action: "Wait for the first settlement to be finalized.",
    });
  const proposals = await onChain("read the proposals", () =>
    distributor.queryFilter(distributor.filters.RootProposed(undefined, root)),
  );
  const last = proposals[proposals.length - 1];
  if (last === undefined)
    throw new PoaError("CHAIN_DATA_INVALID", `the finalized root ${root} has no RootProposed event`, {
      details: { root },
    });
  return {
    epoch: last.args.epoch,
    root,
    settler: last.args.settler as Hex,
    totalCumulative: last.args.totalCumulative,
    reportHash: last.args.reportHash.toLowerCase() as Hex,
    reportURI: last.args.reportURI,
    challengeDeadline: last.args.challengeDeadline,
    proposedBlock: BigInt(last.blockNumber),
    status: "finalized",
  };
}

export interface ClaimOutcome {
  account: string;
  cumulative: bigint;
  alreadyClaimed: bigint;
  paid: bigint;
  txHash: Hex | null;
}

function distributorOf(record: DeploymentRecord, signer: Signer): RewardDistributor {
  return RewardDistributor__factory.connect(contractAddress(record, "RewardDistributor"), signer);
}

/** Claims for one account with `claimWithRoot` (refuses clearly when there is nothing to claim). */
export async function claimOne(args: {
  record: DeploymentRecord;
  signer: Signer;
  content: string;
  account: string;
}): Promise<ClaimOutcome> {
  const checked = checkAddress(args.account);
  if (!checked.ok)
    throw new PoaError(
      "INVALID_ADDRESS",
      `"${args.account}" is not an address${checked.problem === "checksum" ? " (wrong EIP-55 checksum)" : ""}`,
      {
        details: { value: args.account, problem: checked.problem },
      },
    );
  const account = checked.address;
  const distributor = distributorOf(args.record, args.signer);
  const finalized = await finalizedTree(await currentFinalizedRoot(distributor), new ContentStore(args.content));
  let index: number;
  try {
    index = finalized.tree.indexOf(account);
  } catch {
    throw new PoaError("NOT_FOUND", `${account} has earned nothing in the finalized root (epoch ${finalized.epoch})`, {
      details: { account, epoch: finalized.epoch.toString(), root: finalized.root },
      action: "An account appears once its contributions, stake or bond have earned.",
    });
  }
  const cumulative = finalized.tree.entries[index]!.cumulativeAmount;
  const alreadyClaimed = await distributor.claimed(account);
  if (alreadyClaimed >= cumulative)
    throw new PoaError(
      "STATE_CONFLICT",
      `${account} has nothing left to claim: ${formatOpen(alreadyClaimed)} of ${formatOpen(cumulative)} OPEN already paid`,
      {
        details: { account, claimed: alreadyClaimed.toString(), cumulative: cumulative.toString() },
        action: "Wait for the next finalized root.",
      },
    );
  const txHash = await onChain(`claim for ${account}`, async () => {
    const tx = await distributor.claimWithRoot(finalized.root, account, cumulative, finalized.tree.proof(index));
    await tx.wait();
    return tx.hash as Hex;
  });
  return { account, cumulative, alreadyClaimed, paid: cumulative - alreadyClaimed, txHash };
}

/** Claims for every account of the finalized root that has something left, in batches. */
export async function claimAll(args: {
  record: DeploymentRecord;
  signer: Signer;
  content: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<{ root: Hex; epoch: bigint; claimed: ClaimOutcome[]; skipped: number; txHashes: Hex[] }> {
  const distributor = distributorOf(args.record, args.signer);
  const finalized = await finalizedTree(await currentFinalizedRoot(distributor), new ContentStore(args.content));
  const todo: { index: number; account: string; cumulative: bigint; claimed: bigint }[] = [];
  let skipped = 0;
  for (let i = 0; i < finalized.tree.entries.length; i++) {
    const { account, cumulativeAmount } = finalized.tree.entries[i]!;
    const claimed = await distributor.claimed(account);
    if (claimed >= cumulativeAmount) skipped++;
    else todo.push({ index: i, account, cumulative: cumulativeAmount, claimed });
  }
  const size = args.batchSize ?? 100;
  const txHashes: Hex[] = [];
  const outcomes: ClaimOutcome[] = [];
  for (let start = 0; start < todo.length; start += size) {
    const batch = todo.slice(start, start + size);
    const hash = await onChain(`claim for ${batch.length} accounts`, async () => {
      const tx = await distributor.claimBatch(
        finalized.root,
        batch.map((c) => ({
          account: c.account,
          cumulativeAmount: c.cumulative,
          proof: finalized.tree.proof(c.index),
        })),
      );
      await tx.wait();
      return tx.hash as Hex;
    });
    txHashes.push(hash);
    for (const c of batch)
      outcomes.push({
        account: c.account,
        cumulative: c.cumulative,
        alreadyClaimed: c.claimed,
        paid: c.cumulative - c.claimed,
        txHash: hash,
      });
    args.onProgress?.(Math.min(start + size, todo.length), todo.length);
  }
  return { root: finalized.root, epoch: finalized.epoch, claimed: outcomes, skipped, txHashes };
}
