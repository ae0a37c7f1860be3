/**
 * The previous reward tree builder of src/merkle (commit 3236e5b, before the WebAssembly keccak),
 * frozen here so that `bench/merkle.bench.ts` measures it side by side with the current one:
 * keccak from @noble/hashes per hash, leaves ordered by `Array.prototype.sort` with a byte
 * comparator, a Map of lower-cased accounts for duplicates. Same layout and root as the current
 * builder and as StandardMerkleTree. Not used by the library.
 */
import { addressProblem } from "../src/core/address.js";
import { PoaError } from "../src/core/errors.js";
import { keccak, type Hex } from "../src/core/hash.js";

/** The `StandardMerkleTree` leaf of an ABI-encoded value: `keccak256(keccak256(encoded))`. */
export function standardLeafHash(encoded: Uint8Array): Uint8Array {
  return keccak(keccak(encoded));
}

/** Compares the 32-byte words at `a[aOffset]` and `b[bOffset]` as unsigned big-endian numbers. */
export function compareBytes32(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): number {
  for (let i = 0; i < 32; i++) {
    const d = a[aOffset + i]! - b[bOffset + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The parent of two nodes as OpenZeppelin `MerkleProof` computes it: keccak256 of the smaller
 * then the larger (`scratch`, 64 bytes, is reused to avoid an allocation per node).
 */
export function hashPair(
  a: Uint8Array,
  aOffset: number,
  b: Uint8Array,
  bOffset: number,
  scratch: Uint8Array = new Uint8Array(64),
): Uint8Array {
  const aFirst = compareBytes32(a, aOffset, b, bOffset) <= 0;
  scratch.set(a.subarray(aOffset, aOffset + 32), aFirst ? 0 : 32);
  scratch.set(b.subarray(bOffset, bOffset + 32), aFirst ? 32 : 0);
  return keccak(scratch);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** The 32 bytes at `bytes[offset]` as lower-case 0x hex. */
export function bytes32ToHex(bytes: Uint8Array, offset = 0): Hex {
  let s = "0x";
  for (let i = offset; i < offset + 32; i++) s += HEX[bytes[i]!];
  return s as Hex;
}

/** One leaf: an account and its cumulative reward since genesis (base units of OPEN). */
export interface RewardEntry {
  readonly account: string;
  readonly cumulativeAmount: bigint;
}

const MAX_UINT256 = (1n << 256n) - 1n;

/** Checks one entry, throwing a PoaError that names it (by `index`) and says what to fix. */
export function checkEntry(entry: RewardEntry, index: number): void {
  const problem = addressProblem(entry.account);
  if (problem === "format") {
    throw new PoaError(
      "MERKLE_INVALID",
      `entry ${index}: account ${String(entry.account)} is not a 20-byte hex address`,
      { action: "Give each account as 0x followed by 40 hex digits." },
    );
  }
  if (problem === "checksum") {
    throw new PoaError(
      "MERKLE_INVALID",
      `entry ${index}: account ${entry.account} has a bad EIP-55 checksum (mixed case that is not the checksum)`,
      { action: "Fix the capitalisation or write the address in lower case." },
    );
  }
  if (
    typeof entry.cumulativeAmount !== "bigint" ||
    entry.cumulativeAmount < 0n ||
    entry.cumulativeAmount > MAX_UINT256
  ) {
    throw new PoaError(
      "MERKLE_INVALID",
      `entry ${index}: cumulative amount ${String(entry.cumulativeAmount)} is not a uint256`,
      { action: "Give amounts as non-negative bigints in base units (wei of OPEN), below 2^256." },
    );
  }
}

/** `abi.encode(account, cumulativeAmount)`: two 32-byte words, written into `out` at `offset`. */
export function encodeLeafInto(entry: RewardEntry, out: Uint8Array, offset = 0): void {
  out.fill(0, offset, offset + 12);
  out.set(Buffer.from(entry.account.slice(2), "hex"), offset + 12);
  out.set(Buffer.from(entry.cumulativeAmount.toString(16).padStart(64, "0"), "hex"), offset + 32);
}

/** The double-hashed leaf of one entry (32 bytes). */
export function leafHash(entry: RewardEntry): Uint8Array {
  const encoded = new Uint8Array(64);
  encodeLeafInto(entry, encoded);
  return standardLeafHash(encoded);
}
/** A built tree. `entries` keeps the caller's order; proofs are asked for by that index. */
export interface RewardTree {
  readonly root: Hex;
  readonly entries: readonly RewardEntry[];
  /** Proof for `entries[i]`, leaf to root, as StandardMerkleTree.getProof(i) returns it. */
  proof(i: number): Hex[];
  /** Index in `entries` of `account` (any letter case). */
  indexOf(account: string): number;
  /** Position of `entries[i]` in the heap array (the library's `treeIndex`). */
  treeIndex(i: number): number;
  /** Node `index` of the heap array, as hex. */
  node(index: number): Hex;
  /** Number of nodes (2n - 1). */
  readonly nodeCount: number;
  /** The library's JSON dump (`StandardMerkleTree.load` accepts it). Large for big trees. */
  dump(): StandardDump;
}

/** The `standard-v1` format of `StandardMerkleTree.dump()`. */
export interface StandardDump {
  format: "standard-v1";
  leafEncoding: string[];
  tree: Hex[];
  values: { value: [string, string]; treeIndex: number }[];
}

export interface BuildOptions {
  /** Called as leaves and levels are hashed, with (done, total) units of work. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * A sorted-leaf, sorted-pair heap tree over raw 32-byte leaf hashes (`count * 32` bytes in
 * `leafHashes`, in the caller's order): the layout of `StandardMerkleTree`, for any leaf encoding.
 */
export interface HashTree {
  readonly root: Hex;
  readonly count: number;
  readonly nodeCount: number;
  proof(i: number): Hex[];
  treeIndex(i: number): number;
  node(index: number): Hex;
}

/** Builds a {@link HashTree}; `buildRewardTree` is this over the distributor's leaves. */
export function buildHashTree(leafHashes: Uint8Array, options: BuildOptions = {}): HashTree {
  const n = leafHashes.length / 32;
  if (!Number.isInteger(n) || n === 0) {
    throw new PoaError(
      "MERKLE_INVALID",
      `leaf hashes must be a non-empty multiple of 32 bytes, got ${leafHashes.length}`,
      { action: "Pass the concatenated 32-byte leaf hashes." },
    );
  }
  const total = 2 * n - 1;
  const report = options.onProgress ?? (() => {});
  // Sort by hash; Array.prototype.sort is stable, as the library's is.
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => compareBytes32(leafHashes, a * 32, leafHashes, b * 32));

  const nodes = new Uint8Array(total * 32);
  const treeIndexOf = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const valueIndex = order[k]!;
    const index = total - 1 - k;
    nodes.set(leafHashes.subarray(valueIndex * 32, valueIndex * 32 + 32), index * 32);
    treeIndexOf[valueIndex] = index;
  }
  const pair = new Uint8Array(64);
  for (let i = total - 1 - n; i >= 0; i--) {
    nodes.set(hashPair(nodes, (2 * i + 1) * 32, nodes, (2 * i + 2) * 32, pair), i * 32);
    if ((i & 0x3fff) === 0) report(n - 1 - i, n - 1);
  }
  report(n - 1, n - 1);

  const checkIndex = (i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new PoaError("VALUE_OUT_OF_RANGE", `no entry ${i} in a tree of ${n} entries`, {
        action: `Ask for an index from 0 to ${n - 1}.`,
      });
    }
  };
  return {
    root: bytes32ToHex(nodes, 0),
    count: n,
    nodeCount: total,
    treeIndex(i) {
      checkIndex(i);
      return treeIndexOf[i]!;
    },
    node(index) {
      if (!Number.isInteger(index) || index < 0 || index >= total) {
        throw new PoaError("VALUE_OUT_OF_RANGE", `no node ${index} in a tree of ${total} nodes`, {
          action: `Ask for a node from 0 to ${total - 1}.`,
        });
      }
      return bytes32ToHex(nodes, index * 32);
    },
    proof(i) {
      checkIndex(i);
      const proof: Hex[] = [];
      let index = treeIndexOf[i]!;
      while (index > 0) {
        const sibling = index % 2 === 1 ? index + 1 : index - 1;
        proof.push(bytes32ToHex(nodes, sibling * 32));
        index = (index - 1) >> 1;
      }
      return proof;
    },
  };
}

/** The distributor's leaf hashes of `entries`, concatenated (checks nothing). */
export function rewardLeafHashes(entries: readonly RewardEntry[], options: BuildOptions = {}): Uint8Array {
  const n = entries.length;
  const report = options.onProgress ?? (() => {});
  const leaves = new Uint8Array(n * 32);
  const encoded = new Uint8Array(64);
  for (let i = 0; i < n; i++) {
    encodeLeafInto(entries[i]!, encoded);
    leaves.set(standardLeafHash(encoded), i * 32);
    if ((i & 0x3fff) === 0) report(i, n);
  }
  report(n, n);
  return leaves;
}

/**
 * Builds the tree. Rejects (with a PoaError saying which entry and what to do) an empty list,
 * a malformed entry, and an account listed twice: a cumulative tree has one leaf per account.
 */
export function buildRewardTree(entries: readonly RewardEntry[], options: BuildOptions = {}): RewardTree {
  const n = entries.length;
  if (n === 0)
    throw new PoaError("MERKLE_INVALID", "cannot build a Merkle tree of no entries", {
      action: "Give at least one account.",
    });
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    checkEntry(entry, i);
    const key = entry.account.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new PoaError("MERKLE_INVALID", `account ${entry.account} appears twice (entries ${first} and ${i})`, {
        action: "A cumulative tree holds one leaf per account: add the amounts up before building.",
      });
    }
    seen.set(key, i);
  });
  const tree = buildHashTree(rewardLeafHashes(entries), options);
  return {
    indexOf(account) {
      const i = seen.get(account.toLowerCase());
      if (i === undefined) {
        throw new PoaError("NOT_FOUND", `account ${account} is not in this tree`, {
          action: "Check the address, or that the tree is the epoch you mean: an account appears once it has earned.",
        });
      }
      return i;
    },
    root: tree.root,
    entries,
    nodeCount: tree.nodeCount,
    treeIndex: (i) => tree.treeIndex(i),
    node: (index) => tree.node(index),
    proof: (i) => tree.proof(i),
    dump() {
      const nodes: Hex[] = [];
      for (let i = 0; i < tree.nodeCount; i++) nodes.push(tree.node(i));
      return {
        format: "standard-v1",
        leafEncoding: ["address", "uint256"],
        tree: nodes,
        values: entries.map((e, i) => ({
          value: [e.account, e.cumulativeAmount.toString()],
          treeIndex: tree.treeIndex(i),
        })),
      };
    },
  };
}
