/**
 * Content addresses. Two identifiers per piece of content, with different jobs:
 *
 * - the **content hash**, `keccak256(bytes)` over the raw bytes (no prefix, no length, no
 *   normalisation), is what the chain stores (DatanetRegistry contributions, ModelRegistry
 *   artifacts) and what every read is checked against;
 * - the **CID** is the IPFS address of the same bytes, a CIDv1 (base32, `bafy...`/`bafk...`)
 *   computed locally by the IPFS UnixFS importer with the parameters of
 *   `ipfs add --cid-version 1 --raw-leaves --chunker size-262144` (kubo's defaults for a CIDv1
 *   file): fixed 262,144-byte chunks stored as raw leaves, a balanced DAG of dag-pb nodes with at
 *   most 174 links each, sha2-256. A file of at most one chunk is a single raw block
 *   (`bafkrei...`, the sha2-256 of the bytes); a larger one has a dag-pb root (`bafybei...`).
 *   Adding the same bytes to any IPFS node with those options gives the same CID.
 *
 * The CID is derived from the bytes alone, so the store is self-checking: `get` recomputes it.
 */
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { importer, type WritableStorage } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";

import { PoaError } from "../core/errors.js";
import { type Hex } from "../core/hash.js";
import { keccakHexFast } from "../merkle/index.js";

/** Bytes per leaf chunk (kubo's default `size-262144`). */
export const CHUNK_SIZE = 262_144;
/** Links per dag-pb node of the balanced layout (kubo's default). */
export const MAX_CHILDREN_PER_NODE = 174;

/** A blockstore that keeps nothing: the importer only needs somewhere to `put` blocks. */
const discard = { put: async (cid: CID) => cid } as unknown as WritableStorage;

/** The CIDv1 (base32 string) of `bytes`, exactly as `ipfs add --cid-version 1 --raw-leaves` computes it. */
export async function computeCid(bytes: Uint8Array): Promise<string> {
  let root: CID | undefined;
  for await (const entry of importer([{ content: bytes }], discard, {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
  })) {
    root = entry.cid;
  }
  if (root === undefined) throw new Error("the IPFS importer returned no root"); // cannot happen for one file
  return root.toString();
}

/** keccak256 of the raw bytes, 0x hex: the on-chain content hash of a contribution or an artifact. */
export function contentHashOf(bytes: Uint8Array): Hex {
  return keccakHexFast(bytes);
}

/**
 * Checks that `value` is a CIDv1 in base32 (what `computeCid` produces) and returns it. Anything
 * else (a CIDv0 `Qm...`, another base, a path) is refused: the store names files by this form only.
 */
export function parseCid(value: string): string {
  let cid: CID;
  try {
    cid = CID.parse(value);
  } catch (error) {
    throw new PoaError("INVALID_VALUE", `${JSON.stringify(value)} is not a CID`, {
      details: { cid: value },
      cause: error,
      action: "Give the CIDv1 (bafy... or bafk...) the content store returned.",
    });
  }
  if (cid.version !== 1 || cid.toString() !== value) {
    throw new PoaError("INVALID_VALUE", `${value} is not a base32 CIDv1`, {
      details: { cid: value },
      action: "Give the CIDv1 (bafy... or bafk...) the content store returned.",
    });
  }
  return value;
}
