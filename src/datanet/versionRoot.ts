/**
 * The Merkle tree of a Datanet version and its verification. Pure: no I/O here.
 *
 * Leaf: OpenZeppelin `StandardMerkleTree` over `["uint256", "bytes32"]` values
 * `[contributionId, contentHash]`, i.e. `keccak256(keccak256(abi.encode(id, contentHash)))`,
 * exactly what `DatanetRegistry.disputeVersion` and any `MerkleProof.verify` consumer check.
 * The library sorts leaves by hash, so the root depends only on the set, not on its order.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256 } from "ethers";

import { PoaError } from "../errors.js";
import { replayDatanet, type DatanetHistoryEvent, type VersionMember } from "./history.js";

/** The ABI types of a leaf. */
export const VERSION_LEAF_ENCODING = ["uint256", "bytes32"] as const;

/** A leaf as the OpenZeppelin library holds it. */
export type VersionLeaf = [bigint, string];

/** Builds the version tree of a member set. Throws on an empty set (the registry refuses one). */
export function buildVersionTree(members: readonly VersionMember[]): StandardMerkleTree<VersionLeaf> {
  if (members.length === 0) {
    throw new PoaError(
      "the Datanet has no accepted, non-revoked contribution: there is nothing to publish",
      "Have curators accept at least one contribution before publishing a version.",
    );
  }
  return StandardMerkleTree.of<VersionLeaf>(
    members.map((m) => [m.contributionId, m.contentHash]),
    [...VERSION_LEAF_ENCODING],
  );
}

/**
 * The root of `buildVersionTree(members)`, computed without building the library's tree
 * object: the same leaves (`keccak256(keccak256(abi.encode(id, contentHash)))`), sorted the same
 * way (ascending leaf hash), hashed in the same array layout (node `i` = sorted pair of nodes
 * `2i + 1` and `2i + 2`, leaves at the end in reverse order). Equality with the library is tested
 * on random sets; this is what a verifier needs, and it is several times faster on big versions.
 */
export function versionRootOf(members: readonly VersionMember[]): string {
  if (members.length === 0) return buildVersionTree(members).root; // throws the same error
  const leaves = members.map((m) => {
    if (m.contributionId < 0n || m.contributionId >= 1n << 256n) {
      throw new PoaError(`contribution id ${m.contributionId} does not fit a uint256`, "Pass ids read from the chain.");
    }
    const hash = m.contentHash.toLowerCase();
    if (!/^0x[0-9a-f]{64}$/.test(hash)) {
      throw new PoaError(`content hash ${m.contentHash} is not 32 bytes of hex`, "Pass hashes read from the chain.");
    }
    const encoded = "0x" + m.contributionId.toString(16).padStart(64, "0") + hash.slice(2);
    return keccak256(keccak256(encoded));
  });
  // Lower-case hex strings of equal length sort exactly like the bytes they encode.
  leaves.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const size = 2 * leaves.length - 1;
  const tree = new Array<string>(size);
  for (let i = 0; i < leaves.length; i++) tree[size - 1 - i] = leaves[i]!;
  for (let i = size - 1 - leaves.length; i >= 0; i--) {
    const left = tree[2 * i + 1]!;
    const right = tree[2 * i + 2]!;
    tree[i] =
      left < right
        ? keccak256("0x" + left.slice(2) + right.slice(2))
        : keccak256("0x" + right.slice(2) + left.slice(2));
  }
  return tree[0]!;
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
    throw new PoaError(
      `version ${version} is not published in the logs given`,
      "Check the Datanet id and version, and fetch logs up to the latest block.",
    );
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
    throw new PoaError(`version ${version} is not published in the logs given`, "Check the version number.");
  }
  if (publishedTree.root.toLowerCase() !== replayed.postedRoot) {
    throw new PoaError(
      `the tree given has root ${publishedTree.root}, but version ${version} posted ${replayed.postedRoot}`,
      "Load the tree dump the owner published for this exact version.",
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
