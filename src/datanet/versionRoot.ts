/**
 * The Merkle tree of a Datanet version and its verification. Pure: no I/O here.
 *
 * Leaf: OpenZeppelin `StandardMerkleTree` over `["uint256", "bytes32"]` values
 * `[contributionId, contentHash]`, i.e. `keccak256(keccak256(abi.encode(id, contentHash)))`,
 * exactly what `DatanetRegistry.disputeVersion` and any `MerkleProof.verify` consumer check.
 * The library sorts leaves by hash, so the root depends only on the set, not on its order.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { PoaError } from "../core/errors.js";
import { buildHashTree, hexToBytes32, standardLeafHash } from "../merkle/index.js";
import { replayDatanet, type DatanetHistoryEvent, type VersionMember } from "./history.js";

/** The ABI types of a leaf. */
export const VERSION_LEAF_ENCODING = ["uint256", "bytes32"] as const;

/** A leaf as the OpenZeppelin library holds it. */
export type VersionLeaf = [bigint, string];

/** Builds the version tree of a member set. Throws on an empty set (the registry refuses one). */
export function buildVersionTree(members: readonly VersionMember[]): StandardMerkleTree<VersionLeaf> {
  if (members.length === 0) {
    throw new PoaError(
      "STATE_CONFLICT",
      "the Datanet has no accepted contribution that is neither revoked nor taken down: there is nothing to publish",
      { action: "Have curators accept at least one contribution before publishing a version." },
    );
  }
  return StandardMerkleTree.of<VersionLeaf>(
    members.map((m) => [m.contributionId, m.contentHash]),
    [...VERSION_LEAF_ENCODING],
  );
}

/**
 * The leaf of one member: `keccak256(keccak256(abi.encode(uint256 contributionId, bytes32
 * contentHash)))`, 32 bytes. Throws a PoaError for an id that is not a uint256 or a content hash
 * that is not 32 bytes of hex.
 */
export function versionLeafHash(member: VersionMember): Uint8Array {
  const { contributionId, contentHash } = member;
  if (typeof contributionId !== "bigint" || contributionId < 0n || contributionId >= 1n << 256n) {
    throw new PoaError("VALUE_OUT_OF_RANGE", `contribution id ${contributionId} does not fit a uint256`, {
      action: "Pass ids read from the chain.",
    });
  }
  const encoded = new Uint8Array(64);
  encoded.set(Buffer.from(contributionId.toString(16).padStart(64, "0"), "hex"), 0);
  encoded.set(hexToBytes32(contentHash, "content hash"), 32);
  return standardLeafHash(encoded);
}

/**
 * The root of `buildVersionTree(members)`, computed without building the library's tree
 * object: the shared Merkle core of src/merkle (`buildHashTree`: leaves sorted by hash, the
 * library's heap layout, sorted-pair nodes) over `versionLeafHash` leaves. Equality with the
 * library is tested on random sets; this is what a verifier needs, and it is several times
 * faster on big versions.
 */
export function versionRootOf(members: readonly VersionMember[]): string {
  if (members.length === 0) return buildVersionTree(members).root; // throws the same error
  const leaves = new Uint8Array(members.length * 32);
  members.forEach((m, i) => leaves.set(versionLeafHash(m), i * 32));
  return buildHashTree(leaves).root;
}

/** What the owner posts for the next version: root and count of the current live set. */
export interface NextVersion {
  readonly version: bigint;
  readonly root: string;
  readonly count: bigint;
  readonly tree: StandardMerkleTree<VersionLeaf>;
}

/** The next version to publish, computed from the Datanet's events alone. */
export function nextVersion(events: readonly DatanetHistoryEvent[]): NextVersion {
  const replay = replayDatanet(events);
  const tree = buildVersionTree(replay.live);
  return {
    version: BigInt(replay.versions.length + 1),
    root: tree.root,
    count: BigInt(replay.live.length),
    tree,
  };
}

/** The verdict on one published version. */
export interface VersionCheck {
  readonly version: bigint;
  readonly postedRoot: string;
  readonly expectedRoot: string;
  readonly postedCount: bigint;
  readonly expectedCount: bigint;
  readonly ok: boolean;
}

/** Recomputes the root of every published version from the events and compares. */
export function verifyVersions(events: readonly DatanetHistoryEvent[]): VersionCheck[] {
  return replayDatanet(events).versions.map((v) => {
    if (v.members.length === 0) {
      // The registry refuses to publish an empty set: the accepting events were not read.
      throw new PoaError(
        "CHAIN_DATA_INVALID",
        `version ${v.version} has no member in the events read: the history is incomplete`,
        { action: "Read the logs from the Datanet's creation block (or 0), from a node that serves all of them." },
      );
    }
    const expectedRoot = versionRootOf(v.members);
    const expectedCount = BigInt(v.members.length);
    return {
      version: v.version,
      postedRoot: v.postedRoot,
      expectedRoot,
      postedCount: v.postedCount,
      expectedCount,
      ok: expectedRoot === v.postedRoot && expectedCount === v.postedCount,
    };
  });
}

/** Recomputes one version's root from the events alone. */
export function recomputeVersionRoot(events: readonly DatanetHistoryEvent[], version: bigint): string {
  const replayed = replayDatanet(events).versions.find((v) => v.version === version);
  if (replayed === undefined) {
    throw new PoaError("NOT_FOUND", `version ${version} is not published in the logs given`, {
      action: "Check the Datanet id and version, and fetch logs up to the latest block.",
    });
  }
  return versionRootOf(replayed.members);
}

/** Arguments of `DatanetRegistry.disputeVersion` for a leaf the version must not hold. */
export interface DisputeArgs {
  readonly version: bigint;
  readonly contributionId: bigint;
  readonly contentHash: string;
  readonly proof: string[];
}

/**
 * Given the tree the owner published for `version` (e.g. loaded from the version URI with
 * `StandardMerkleTree.load`), finds a leaf that is not a member of the version according to the
 * events, with its proof: the arguments of an on-chain dispute. Returns undefined when every
 * leaf is a member (then a wrong root can only omit members: `verifyVersions` flags it).
 * Throws when the tree's root is not the posted root.
 */
export function findFalseInclusion(
  events: readonly DatanetHistoryEvent[],
  version: bigint,
  publishedTree: StandardMerkleTree<VersionLeaf>,
): DisputeArgs | undefined {
  const replayed = replayDatanet(events).versions.find((v) => v.version === version);
  if (replayed === undefined) {
    throw new PoaError("NOT_FOUND", `version ${version} is not published in the logs given`, {
      action: "Check the version number.",
    });
  }
  if (publishedTree.root.toLowerCase() !== replayed.postedRoot) {
    throw new PoaError(
      "VERSION_ROOT_MISMATCH",
      `the tree given has root ${publishedTree.root}, but version ${version} posted ${replayed.postedRoot}`,
      { action: "Load the tree dump the owner published for this exact version." },
    );
  }
  const members = new Set(replayed.members.map((m) => `${m.contributionId}:${m.contentHash}`));
  for (const [index, [id, hash]] of publishedTree.entries()) {
    if (!members.has(`${BigInt(id)}:${hash.toLowerCase()}`)) {
      return { version, contributionId: BigInt(id), contentHash: hash, proof: publishedTree.getProof(index) };
    }
  }
  return undefined;
}
