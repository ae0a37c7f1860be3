/**
 * The chain facts a Datanet version is made of, and their replay. Pure: no I/O here.
 *
 * Version `v` of a Datanet is, by the registry's definition, the set of its contributions that
 * were accepted and neither revoked (penalised) nor taken down when the `VersionPublished` event
 * of `v` was emitted. Replaying the Datanet's `ContributionSubmitted`, `ContributionAccepted`,
 * `ContributionRevoked`, `ContributionTakenDown` and `VersionPublished` events in chain order
 * therefore reconstructs every version exactly: a taken-down contribution leaves every version
 * published after its takedown, as a revoked one does, and stays in the versions before it
 * (they are immutable).
 */
import { PoaError } from "../core/errors.js";

/** Where a log sits in the chain; logs are ordered by block, then by index in the block. */
export interface LogPosition {
  readonly blockNumber: number;
  readonly logIndex: number;
}

/** The five events of one Datanet that decide its versions. */
export type DatanetHistoryEvent =
  | {
      readonly kind: "submitted";
      readonly at: LogPosition;
      readonly contributionId: bigint;
      readonly contentHash: string;
    }
  | { readonly kind: "accepted"; readonly at: LogPosition; readonly contributionId: bigint }
  | { readonly kind: "revoked"; readonly at: LogPosition; readonly contributionId: bigint }
  /** `ContributionTakenDown`: of an accepted contribution (then it leaves the live set) or a pending one. */
  | { readonly kind: "takenDown"; readonly at: LogPosition; readonly contributionId: bigint }
  | {
      readonly kind: "published";
      readonly at: LogPosition;
      readonly version: bigint;
      readonly root: string;
      readonly count: bigint;
    };

/** A member of a version: the leaf `(contributionId, contentHash)`. */
export interface VersionMember {
  readonly contributionId: bigint;
  readonly contentHash: string;
}

/** A published version as the chain shows it, with the member set replayed from the events. */
export interface ReplayedVersion {
  readonly version: bigint;
  readonly at: LogPosition;
  readonly postedRoot: string;
  readonly postedCount: bigint;
  /** Accepted contributions neither revoked nor taken down when it was published, by ascending id. */
  readonly members: readonly VersionMember[];
}

/** The result of a replay: every published version, and the live set after the last event. */
export interface DatanetReplay {
  readonly versions: readonly ReplayedVersion[];
  /** The set the owner would publish next, by ascending id. */
  readonly live: readonly VersionMember[];
}

/** Chain order: block number, then log index. */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  return a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;
}

const HINT_FULL_HISTORY =
  "Fetch the Datanet's logs from the registry's deployment block (fromBlock), not from a later block.";

/**
 * Replays one Datanet's events (in any order: they are sorted by chain position) and returns
 * every published version with its member set, plus the current live set.
 * Throws a PoaError when the history is incomplete or inconsistent.
 */
export function replayDatanet(events: readonly DatanetHistoryEvent[]): DatanetReplay {
  const ordered = [...events].sort((a, b) => compareLogPositions(a.at, b.at));
  const contentOf = new Map<bigint, string>();
  const live = new Map<bigint, string>();
  const takenDown = new Set<bigint>();
  const versions: ReplayedVersion[] = [];

  for (const event of ordered) {
    switch (event.kind) {
      case "submitted":
        contentOf.set(event.contributionId, event.contentHash.toLowerCase());
        break;
      case "accepted": {
        const contentHash = contentOf.get(event.contributionId);
        if (contentHash === undefined) {
          throw new PoaError(
            "CHAIN_DATA_INVALID",
            `history incomplete: contribution ${event.contributionId} was accepted but its submission is not in the logs`,
            { action: HINT_FULL_HISTORY },
          );
        }
        if (takenDown.has(event.contributionId)) {
          throw new PoaError(
            "CHAIN_DATA_INVALID",
            `history inconsistent: contribution ${event.contributionId} was accepted after its takedown`,
            { action: "Read the logs from one node of this chain; the registry never accepts taken-down data." },
          );
        }
        live.set(event.contributionId, contentHash);
        break;
      }
      case "revoked":
        if (!live.delete(event.contributionId)) {
          throw new PoaError(
            "CHAIN_DATA_INVALID",
            `history inconsistent: contribution ${event.contributionId} was revoked but is not accepted in the logs`,
            { action: HINT_FULL_HISTORY },
          );
        }
        break;
      case "takenDown":
        // An accepted one leaves the live set; a pending one (taken down before any decision)
        // was never in it. Either way its submission must be in the logs read.
        if (!live.delete(event.contributionId) && !contentOf.has(event.contributionId)) {
          throw new PoaError(
            "CHAIN_DATA_INVALID",
            `history incomplete: contribution ${event.contributionId} was taken down but its submission is not in the logs`,
            { action: HINT_FULL_HISTORY },
          );
        }
        takenDown.add(event.contributionId);
        break;
      case "published": {
        const expected = BigInt(versions.length + 1);
        if (event.version !== expected) {
          throw new PoaError(
            "CHAIN_DATA_INVALID",
            `history incomplete: found version ${event.version} where version ${expected} was expected`,
            { action: HINT_FULL_HISTORY },
          );
        }
        versions.push({
          version: event.version,
          at: event.at,
          postedRoot: event.root.toLowerCase(),
          postedCount: event.count,
          members: sortedMembers(live),
        });
        break;
      }
    }
  }
  return { versions, live: sortedMembers(live) };
}

function sortedMembers(set: ReadonlyMap<bigint, string>): VersionMember[] {
  return [...set.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([contributionId, contentHash]) => ({ contributionId, contentHash }));
}
