/**
 * Reads a Datanet's history from the chain (the only I/O of this module set): the five events
 * that decide its versions, as `DatanetHistoryEvent`s for `replayDatanet` and `verifyVersions`.
 */
import { PoaError } from "../core/errors.js";
import type { DatanetRegistry } from "../../types/ethers-contracts/index.js";
import type { DatanetHistoryEvent } from "./history.js";

/** Block range to read; `fromBlock` must not be later than the Datanet's creation. */
export interface HistoryRange {
  readonly fromBlock?: number;
  readonly toBlock?: number | "latest";
  /**
   * Blocks per `eth_getLogs` request (default 50,000). Public RPC endpoints cap the range of a
   * log query; lower this when a node refuses a query as too large.
   */
  readonly chunkSize?: number;
}

/** Fetches every event of `datanetId` that decides its versions (five indexed log queries per block range). */
export async function fetchDatanetHistory(
  registry: DatanetRegistry,
  datanetId: bigint,
  range: HistoryRange = {},
): Promise<DatanetHistoryEvent[]> {
  const from = range.fromBlock ?? 0;
  let to: number;
  if (range.toBlock === undefined || range.toBlock === "latest") {
    const provider = registry.runner?.provider;
    if (provider == null) {
      throw new PoaError("INVALID_VALUE", "the registry contract has no provider to read logs with", {
        action: "Connect it with DatanetRegistry__factory.connect(address, providerOrSignerWithProvider).",
      });
    }
    to = await provider.getBlockNumber();
  } else {
    to = range.toBlock;
  }
  if (from > to) {
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `the first block ${from} is after the last block ${to}: there is nothing to read`,
      { action: `Pass a first block at or before the Datanet's creation (at most ${to}), or leave it at 0.` },
    );
  }
  const chunk = Math.max(1, range.chunkSize ?? 50_000);
  const events: DatanetHistoryEvent[] = [];
  const toLatest = range.toBlock === undefined || range.toBlock === "latest";
  for (let start = from; start <= to; start += chunk) {
    const end = start + chunk - 1;
    // The last chunk of an open range reads up to "latest", not to a block number that a
    // provider may have cached from before the newest blocks.
    const last = end >= to;
    const batch = await fetchRange(registry, datanetId, start, last && toLatest ? "latest" : Math.min(to, end));
    // A loop, not push(...batch): spreading ~130,000 arguments overflows the call stack.
    for (const event of batch) events.push(event);
  }
  return events;
}

async function fetchRange(
  registry: DatanetRegistry,
  datanetId: bigint,
  from: number,
  to: number | "latest",
): Promise<DatanetHistoryEvent[]> {
  const [submitted, accepted, revoked, takenDown, published] = await Promise.all([
    registry.queryFilter(registry.filters.ContributionSubmitted(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.ContributionAccepted(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.ContributionRevoked(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.ContributionTakenDown(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.VersionPublished(datanetId), from, to),
  ]);
  const at = (log: { blockNumber: number; index: number }) => ({ blockNumber: log.blockNumber, logIndex: log.index });
  const out: DatanetHistoryEvent[] = [];
  for (const l of submitted)
    out.push({ kind: "submitted", at: at(l), contributionId: l.args.contributionId, contentHash: l.args.contentHash });
  for (const l of accepted) out.push({ kind: "accepted", at: at(l), contributionId: l.args.contributionId });
  for (const l of revoked) out.push({ kind: "revoked", at: at(l), contributionId: l.args.contributionId });
  for (const l of takenDown) out.push({ kind: "takenDown", at: at(l), contributionId: l.args.contributionId });
  for (const l of published)
    out.push({ kind: "published", at: at(l), version: l.args.version, root: l.args.root, count: l.args.count });
  return out;
}
