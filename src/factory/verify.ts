/**
 * Training input verification (pure). The caller fetches, for each published Datanet version to
 * train on, the version's on-chain root and count and, for each of its contributions, the id, the
 * on-chain content hash, the contributor and the bytes (from the content store). Nothing is
 * trained unless all of it holds together:
 *
 * - the version is published and not revoked, and has at least one contribution;
 * - no version is given twice, no contribution id (and no content hash) twice within a version;
 * - every contributor is a 20-byte address;
 * - keccak256(bytes) equals the on-chain content hash of every contribution;
 * - the number of contributions equals the on-chain count;
 * - the leaves (uint256 id, bytes32 contentHash) rebuild the on-chain root exactly
 *   (OpenZeppelin StandardMerkleTree, src/datanet/versionRoot.ts).
 *
 * Every refusal is a PoaError that names the Datanet, the version and, where one is at fault, the
 * contribution.
 */
import { addressProblem } from "../core/address.js";
import { PoaError } from "../core/errors.js";
import { type Hex } from "../core/hash.js";
import { buildHashTree, hexToBytes32, standardLeafHash, keccakHexFast } from "../merkle/index.js";

/** One contribution as fetched: on-chain facts plus the bytes from the content store. */
export interface FetchedContribution {
  readonly id: bigint;
  readonly contentHash: string;
  readonly contributor: string;
  readonly bytes: Uint8Array;
}

/** One published version as fetched from the chain, with its contributions. */
export interface FetchedVersion {
  readonly datanetId: bigint;
  readonly version: bigint;
  /** The version's Merkle root as posted on-chain. */
  readonly root: string;
  /** The version's contribution count as posted on-chain. */
  readonly count: bigint;
  /** Revoked on-chain (a revoked version is never trained on). Default false. */
  readonly revoked?: boolean;
  readonly contributions: readonly FetchedContribution[];
}

export interface VerifiedContribution {
  readonly id: bigint;
  readonly contentHash: Hex;
  readonly contributor: string;
  readonly bytes: Uint8Array;
}

/** A version whose every byte has been checked; contributions sorted by id. */
export interface VerifiedVersion {
  readonly datanetId: bigint;
  readonly version: bigint;
  readonly root: Hex;
  readonly count: bigint;
  readonly contributions: readonly VerifiedContribution[];
}

const name = (v: { datanetId: bigint; version: bigint }) => `Datanet ${v.datanetId} version ${v.version}`;

function refuse(
  code:
    | "TRAINING_INPUT_INVALID"
    | "CONTENT_HASH_MISMATCH"
    | "VERSION_ROOT_MISMATCH"
    | "VERSION_REVOKED"
    | "INVALID_ADDRESS",
  message: string,
  details: Record<string, unknown>,
  action: string,
): PoaError {
  return new PoaError(code, message, { details, action });
}

/** The version root of members, as the registry computes it (no other checks). */
export function rootOfMembers(members: readonly { id: bigint; contentHash: string }[]): Hex {
  const leaves = new Uint8Array(members.length * 32);
  members.forEach((m, i) => {
    const encoded = new Uint8Array(64);
    encoded.set(Buffer.from(m.id.toString(16).padStart(64, "0"), "hex"), 0);
    encoded.set(hexToBytes32(m.contentHash, "content hash"), 32);
    leaves.set(standardLeafHash(encoded), i * 32);
  });
  return buildHashTree(leaves).root as Hex;
}

/**
 * Checks what the caller fetched for the versions to train on; returns them in a canonical order
 * (by Datanet id, then version; contributions by id), or throws naming what is wrong.
 */
export function verifyTrainingInputs(versions: readonly FetchedVersion[]): VerifiedVersion[] {
  if (versions.length === 0) {
    throw refuse(
      "TRAINING_INPUT_INVALID",
      "no Datanet version to train on",
      {},
      "Name at least one published version.",
    );
  }
  const seen = new Set<string>();
  const out: VerifiedVersion[] = [];
  for (const v of versions) {
    const key = `${v.datanetId}:${v.version}`;
    const where = { datanetId: String(v.datanetId), version: String(v.version) };
    if (seen.has(key)) {
      throw refuse("TRAINING_INPUT_INVALID", `${name(v)} is given twice`, where, "Name each version once.");
    }
    seen.add(key);
    if (v.revoked === true) {
      throw refuse(
        "VERSION_REVOKED",
        `${name(v)} was revoked: it cannot be trained on`,
        where,
        "Train on a published version that is not revoked.",
      );
    }
    if (v.count === 0n || v.contributions.length === 0) {
      throw refuse(
        "TRAINING_INPUT_INVALID",
        `${name(v)} is empty (on-chain count ${v.count}, ${v.contributions.length} contributions given)`,
        where,
        "An empty version has nothing to train on; publish a version with accepted contributions.",
      );
    }
    const ids = new Set<bigint>();
    const hashes = new Map<string, bigint>();
    const checked: VerifiedContribution[] = [];
    for (const c of v.contributions) {
      const at = { ...where, contributionId: String(c.id) };
      if (typeof c.id !== "bigint" || c.id < 0n || c.id >= 1n << 256n) {
        throw refuse(
          "TRAINING_INPUT_INVALID",
          `${name(v)}: contribution id ${String(c.id)} is not a uint256`,
          at,
          "Pass ids read from the chain.",
        );
      }
      if (ids.has(c.id)) {
        throw refuse(
          "TRAINING_INPUT_INVALID",
          `${name(v)}: contribution ${c.id} is listed twice`,
          at,
          "List each contribution of the version once.",
        );
      }
      ids.add(c.id);
      if (typeof c.contentHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(c.contentHash)) {
        throw refuse(
          "TRAINING_INPUT_INVALID",
          `${name(v)}: contribution ${c.id} has no 32-byte content hash (${String(c.contentHash)})`,
          at,
          "Pass the content hash read from the chain.",
        );
      }
      const expected = c.contentHash.toLowerCase() as Hex;
      const first = hashes.get(expected);
      if (first !== undefined) {
        throw refuse(
          "TRAINING_INPUT_INVALID",
          `${name(v)}: contributions ${first} and ${c.id} have the same content hash ${expected}`,
          { ...at, firstContributionId: String(first), contentHash: expected },
          "The registry accepts a content hash once per Datanet: re-read the version's contributions from the chain.",
        );
      }
      hashes.set(expected, c.id);
      if (addressProblem(c.contributor) !== undefined) {
        throw refuse(
          "INVALID_ADDRESS",
          `${name(v)}: contribution ${c.id} has contributor ${String(c.contributor)}, not an address`,
          at,
          "Pass the contributor address read from the chain.",
        );
      }
      const actual = keccakHexFast(c.bytes);
      if (actual !== expected) {
        throw refuse(
          "CONTENT_HASH_MISMATCH",
          `${name(v)}: contribution ${c.id}: keccak256 of the bytes is ${actual}, but the chain holds ${expected}`,
          { ...at, expected, actual },
          "The stored bytes are not the registered ones: fetch the contribution again by its CID.",
        );
      }
      checked.push({ id: c.id, contentHash: expected, contributor: c.contributor, bytes: c.bytes });
    }
    if (BigInt(checked.length) !== v.count) {
      throw refuse(
        "TRAINING_INPUT_INVALID",
        `${name(v)} has ${v.count} contributions on-chain, but ${checked.length} were given`,
        { ...where, expected: String(v.count), actual: checked.length },
        "Fetch every contribution of the version (the accepted set at publication).",
      );
    }
    const root = rootOfMembers(checked);
    if (root !== v.root.toLowerCase()) {
      throw refuse(
        "VERSION_ROOT_MISMATCH",
        `${name(v)}: the contributions given rebuild root ${root}, but the chain posted ${v.root} (a contribution is missing, extra or not the published one)`,
        { ...where, expected: v.root, actual: root },
        "Fetch the version's members again from the chain's events.",
      );
    }
    checked.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    out.push({ datanetId: v.datanetId, version: v.version, root: root, count: v.count, contributions: checked });
  }
  return out.sort((a, b) =>
    a.datanetId !== b.datanetId
      ? a.datanetId < b.datanetId
        ? -1
        : 1
      : a.version < b.version
        ? -1
        : a.version > b.version
          ? 1
          : 0,
  );
}
