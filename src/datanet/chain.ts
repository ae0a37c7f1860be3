/**
 * Reads a Datanet's history from the chain (the only I/O of this module set): the four events
 * that decide its versions, as `DatanetHistoryEvent`s for `replayDatanet` and `verifyVersions`.
 */
import type { DatanetRegistry } from "../../types/ethers-contracts/index.js";
import type { DatanetHistoryEvent } from "./history.js";

/** Block range to read; `fromBlock` must not be later than the Datanet's creation. */
export interface HistoryRange {
  readonly fromBlock?: number;
  readonly toBlock?: number | "latest";
}

/** Fetches every event of `datanetId` that decides its versions (four indexed log queries). */
export async function fetchDatanetHistory(
  registry: DatanetRegistry,
  datanetId: bigint,
  range: HistoryRange = {},
): Promise<DatanetHistoryEvent[]> {
  const from = range.fromBlock ?? 0;
  const to = range.toBlock ?? "latest";
  const [submitted, accepted, revoked, published] = await Promise.all([
    registry.queryFilter(registry.filters.ContributionSubmitted(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.ContributionAccepted(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.ContributionRevoked(undefined, datanetId), from, to),
    registry.queryFilter(registry.filters.VersionPublished(datanetId), from, to),
  ]);
  const at = (log: { blockNumber: number; index: number }) => ({ blockNumber: log.blockNumber, logIndex: log.index });
  return [
    ...submitted.map((l) => ({
      kind: "submitted" as const,
      at: at(l),
      contributionId: l.args.contributionId,
      contentHash: l.args.contentHash,
    })),
    ...accepted.map((l) => ({ kind: "accepted" as const, at: at(l), contributionId: l.args.contributionId })),
    ...revoked.map((l) => ({ kind: "revoked" as const, at: at(l), contributionId: l.args.contributionId })),
    ...published.map((l) => ({
      kind: "published" as const,
      at: at(l),
      version: l.args.version,
      root: l.args.root,
      count: l.args.count,
    })),
  ];
}
