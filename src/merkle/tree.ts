/**
 * A Merkle tree over reward entries that is byte-for-byte the tree `StandardMerkleTree.of(values,
 * ["address", "uint256"])` of `@openzeppelin/merkle-tree` builds (same leaf order, same layout,
 * same root, same proofs, same dump), built to scale: every hash is computed by a WebAssembly
 * keccak (asm/keccak.ts) in batches over flat memory, leaves are sorted with a typed-array sort on
 * hash prefixes, and the tree is kept as one flat buffer. JavaScript touches each entry once, to
 * copy its address digits and amount into that memory; no hex string, BigInt-to-string or
 * per-entry object is made while building.
 *
 * Layout (the library's): a heap array of 2n - 1 nodes, node i's children at 2i + 1 and 2i + 2,
 * the root at 0; leaves sorted by hash (ascending bytes, ties in the caller's order: the
 * library's sort is stable), leaf k stored at index 2n - 2 - k; inner nodes hash their two
 * children in ascending byte order (OpenZeppelin `MerkleProof`).
 */
import { PoaError } from "../core/errors.js";
import { bytes32ToHex as toHex, compareBytes32, type Hex } from "./hash.js";
import { checkEntry, type RewardEntry } from "./leaf.js";
import { Arena, type KeccakExports } from "./wasm.js";
import { MAX_UINT256 } from "../core/amount.js";

export type { Hex } from "./hash.js";

/** A built tree. `entries` keeps the caller's order; proofs are asked for by that index. */
export interface RewardTree {
  readonly root: Hex;
  readonly entries: readonly RewardEntry[];
  /** Number of entries (leaves). */
  readonly count: number;
  /** Proof for `entries[i]`, leaf to root, as StandardMerkleTree.getProof(i) returns it. */
  proof(i: number): Hex[];
  /** Index in `entries` of `account` (any letter case); a NOT_FOUND PoaError when it is absent. */
  indexOf(account: string): number;
  /** Index in `entries` of `account` (any letter case), or undefined when absent or not an address. */
  find(account: string): number | undefined;
  /** Position of `entries[i]` in the heap array (the library's `treeIndex`). */
  treeIndex(i: number): number;
  /** Node `index` of the heap array, as hex. */
  node(index: number): Hex;
  /** Number of nodes (2n - 1). */
  readonly nodeCount: number;
  /**
   * The library's JSON dump (`StandardMerkleTree.load` accepts it). Large for big trees: to write
   * one to a file, `writeTreeJson` streams the same bytes as `JSON.stringify(tree.dump())`.
   */
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

/**
 * The most leaves one tree holds: a reward tree's build needs 128 bytes per leaf of WebAssembly
 * memory, which is at most 4 GiB (32,000,000 leaves take 3.8 GiB).
 */
export const MAX_LEAVES = 32_000_000;

/** What the writers of this folder read from a built tree without copying it (not exported by the index). */
export interface TreeInternals {
  /** The heap array, 32 bytes per node. */
  readonly nodes: Uint8Array;
  /** Node of each leaf, by the caller's index. */
  readonly treeIndexOf: Uint32Array;
  /** For reward trees: each entry's address as 5 little-endian u32 words, by the caller's index. */
  readonly addressWords?: Uint32Array;
  /** For reward trees: the open-addressing table over `addressWords` that `find` searches. */
  readonly addressTable?: AddressTable;
  /** For reward trees: the instance that holds the tree, and a scratch region in it for the writers. */
  readonly wasm?: { readonly exports: KeccakExports; readonly scratch: number; readonly scratchBytes: number };
}

const internals = new WeakMap<object, TreeInternals>();

/** The flat buffers behind a tree built by this module. */
export function treeInternals(tree: HashTree | RewardTree): TreeInternals {
  const found = internals.get(tree);
  if (found === undefined) {
    throw new PoaError("MERKLE_INVALID", "this tree was not built by src/merkle", {
      action: "Build the tree with buildRewardTree or buildHashTree.",
    });
  }
  return found;
}

function tooMany(n: number): PoaError {
  return new PoaError(
    "VALUE_OUT_OF_RANGE",
    `cannot build a Merkle tree of ${n} leaves: one tree holds at most ${MAX_LEAVES}`,
    {
      details: { leaves: n, max: MAX_LEAVES },
      action: "Split the entries over several trees.",
    },
  );
}

/** Bits that hold a leaf index in a sort key (0 for one leaf). */
function indexBits(n: number): number {
  return n <= 1 ? 0 : 32 - Math.clz32(n - 1);
}

/**
 * The keys hold the top 53 - bits bits of each hash and the leaf's index; leaves whose hash
 * prefixes are equal (about n^2 / 2^(54 - bits) pairs for random hashes, plus any identical
 * leaves) are put in full-hash order here, index order among identical hashes, as the library's
 * stable sort leaves them.
 */
function orderTies(bytes: Uint8Array, leaves: number, keys: Float64Array, bits: number): void {
  const scale = 2 ** bits;
  const n = keys.length;
  let start = 0;
  while (start < n) {
    const prefix = Math.floor(keys[start]! / scale);
    let end = start + 1;
    while (end < n && Math.floor(keys[end]! / scale) === prefix) end++;
    if (end - start > 1) {
      const run: number[] = [];
      for (let k = start; k < end; k++) run.push(keys[k]! - prefix * scale);
      run.sort((a, b) => compareBytes32(bytes, leaves + a * 32, bytes, leaves + b * 32) || a - b);
      for (let k = start; k < end; k++) keys[k] = prefix * scale + run[k - start]!;
    }
    start = end;
  }
}

/**
 * Sorts the n leaf hashes at `leaves`, places them in the heap array at `nodes` and hashes every
 * inner node; returns the tree's buffers (views into the arena).
 */
function layOut(
  arena: Arena,
  at: { leaves: number; keys: number; nodes: number; index: number },
  n: number,
  report: (done: number) => void,
): { nodes: Uint8Array; treeIndexOf: Uint32Array } {
  const ex = arena.exports;
  const bits = indexBits(n);
  ex.sortKeys(at.leaves, at.keys, n, bits);
  const keys = new Float64Array(ex.memory.buffer, at.keys, n);
  keys.sort();
  orderTies(arena.bytes(), at.leaves, keys, bits);
  ex.placeLeaves(at.leaves, at.keys, at.nodes, at.index, n, bits);
  const SLICE = 1 << 16;
  for (let from = n - 1; from > 0; from -= SLICE) {
    const to = Math.max(0, from - SLICE);
    ex.buildInner(at.nodes, n, from, to);
    report(n - 1 - to);
  }
  // Views, not copies: the arena's memory is never grown again, and the tree keeps it.
  const memory = ex.memory.buffer;
  return {
    nodes: new Uint8Array(memory, at.nodes, (2 * n - 1) * 32),
    treeIndexOf: new Uint32Array(memory, at.index, n),
  };
}

/** Refuses an entry index outside a tree of `n` entries. */
function checkEntryIndex(i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new PoaError("VALUE_OUT_OF_RANGE", `no entry ${i} in a tree of ${n} entries`, {
      action: `Ask for an index from 0 to ${n - 1}.`,
    });
  }
}

function makeHashTree(nodes: Uint8Array, treeIndexOf: Uint32Array): HashTree {
  const n = treeIndexOf.length;
  const hexView = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
  const total = 2 * n - 1;
  const checkIndex = (i: number): void => checkEntryIndex(i, n);
  const tree: HashTree = {
    root: toHex(nodes, 0),
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
      return toHex(nodes, index * 32);
    },
    proof(i) {
      checkIndex(i);
      const proof: Hex[] = [];
      let index = treeIndexOf[i]!;
      while (index > 0) {
        const sibling = index % 2 === 1 ? index + 1 : index - 1;
        // One native call per node: half the time of toHex's 32 concatenations (a proof server
        // answers with 20 of these per request).
        proof.push(`0x${hexView.toString("hex", sibling * 32, sibling * 32 + 32)}` as Hex);
        index = (index - 1) >> 1;
      }
      return proof;
    },
  };
  internals.set(tree, { nodes, treeIndexOf });
  return tree;
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
  if (n > MAX_LEAVES) throw tooMany(n);
  const report = options.onProgress ?? (() => {});
  const arena = new Arena();
  const at = {
    leaves: arena.alloc(32 * n),
    keys: arena.alloc(8 * n),
    nodes: arena.alloc(64 * n),
    index: arena.alloc(4 * n),
  };
  arena.bytes().set(leafHashes, at.leaves);
  const { nodes, treeIndexOf } = layOut(arena, at, n, (done) => report(done, n - 1));
  report(n - 1, n - 1);
  return makeHashTree(nodes, treeIndexOf);
}

const MAX_UINT64 = (1n << 64n) - 1n;
/** Entries encoded per WebAssembly call. */
const CHUNK = 4096;
/** The encoder's ASCII area, which the writers reuse as scratch once the tree is built. */
const SCRATCH_BYTES = 42 * CHUNK;

/**
 * Writes `abi.encode(account, cumulativeAmount)` of every entry (64 bytes each, from `enc`) and
 * their leaf hashes (32 bytes each, from `leaves`) into the arena, a chunk at a time. Stops at the
 * first entry that is not valid and returns its index (n when all are valid); the entries before
 * it are encoded and hashed.
 */
function encodeEntries(
  arena: Arena,
  entries: readonly RewardEntry[],
  at: { enc: number; leaves: number; ascii: number },
  report: (done: number) => void,
): number {
  const n = entries.length;
  const ex = arena.exports;
  const ascii = at.ascii;
  const bytes = Buffer.from(arena.exports.memory.buffer);
  const view = new DataView(bytes.buffer);
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    let bad = n;
    for (let i = start, p = ascii; i < end; i++, p += 42) {
      const { account, cumulativeAmount: amount } = entries[i]!;
      // 42 characters in 42 UTF-8 bytes: ASCII only, so the Latin-1 copy is exact; the
      // WebAssembly parser checks the "0x", the digits and the checksum.
      if (typeof account !== "string" || account.length !== 42 || Buffer.byteLength(account, "utf8") !== 42) {
        bad = i;
        break;
      }
      bytes.write(account, p, 42, "latin1");
      if (typeof amount !== "bigint" || amount < 0n || amount > MAX_UINT256) {
        bad = i;
        break;
      }
      // Fresh memory is zero: only the non-zero 64-bit words of the amount are written.
      const word = at.enc + 64 * i + 56;
      if (amount <= MAX_UINT64) view.setBigUint64(word, amount);
      else {
        let rest = amount;
        for (let w = word; rest > 0n; w -= 8) {
          view.setBigUint64(w, BigInt.asUintN(64, rest));
          rest >>= 64n;
        }
      }
    }
    const parsed = Math.min(bad, end) - start;
    const problem = ex.parseAddresses(ascii, parsed, at.enc + 64 * start + 12, 64);
    if (problem >= 0) bad = start + (problem >> 1);
    const hashed = Math.min(bad, end) - start;
    ex.hashLeaves(at.enc + 64 * start, 64, at.leaves + 32 * start, hashed);
    if (bad < n) return bad;
    report(end);
  }
  return n;
}

/**
 * The table slot of the address at words[o]: a multiply-rotate mix of its 5 words, started from a
 * `seed` drawn per tree, so that which addresses share a slot changes from tree to tree (the table
 * is internal: no output depends on it).
 */
function slotOf(words: Uint32Array, o: number, mask: number, seed: number): number {
  let h = seed;
  for (let k = o; k < o + 5; k++) {
    h = Math.imul(h ^ words[k]!, 0x9e3779b1);
    h = (h << 15) | (h >>> 17);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & mask;
}

function sameAddress(a: Uint32Array, ao: number, b: Uint32Array, bo: number): boolean {
  return (
    a[ao] === b[bo] &&
    a[ao + 1] === b[bo + 1] &&
    a[ao + 2] === b[bo + 2] &&
    a[ao + 3] === b[bo + 3] &&
    a[ao + 4] === b[bo + 4]
  );
}

/** An open-addressing table of addresses (slot -> index + 1), searched from a per-tree seed. */
interface AddressTable {
  readonly table: Int32Array;
  readonly mask: number;
  readonly seed: number;
}

/**
 * The table of the first `limit` addresses. Returns it, or the first index whose address an
 * earlier entry already has, with that entry.
 */
function addressTable(words: Uint32Array, limit: number): AddressTable | { duplicate: number; first: number } {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const size = 2 ** Math.max(4, 32 - Math.clz32(Math.max(1, 2 * limit - 1)));
  const table = new Int32Array(size);
  const mask = size - 1;
  for (let i = 0; i < limit; i++) {
    let slot = slotOf(words, 5 * i, mask, seed);
    for (;;) {
      const held = table[slot]!;
      if (held === 0) {
        table[slot] = i + 1;
        break;
      }
      if (sameAddress(words, 5 * (held - 1), words, 5 * i)) return { duplicate: i, first: held - 1 };
      slot = (slot + 1) & mask;
    }
  }
  return { table, mask, seed };
}

/** An account's index through its address table (any letter case); undefined when absent or not an address. */
function makeFind(words: Uint32Array, { table, mask, seed }: AddressTable): (account: string) => number | undefined {
  const probe = new Uint8Array(20);
  const probeWords = new Uint32Array(probe.buffer);
  return (account) => {
    if (!parseAccount(account, probe)) return undefined;
    let slot = slotOf(probeWords, 0, mask, seed);
    for (;;) {
      const held = table[slot]!;
      if (held === 0) return undefined;
      if (sameAddress(words, 5 * (held - 1), probeWords, 0)) return held - 1;
      slot = (slot + 1) & mask;
    }
  };
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) NIBBLE[48 + c] = c;
for (let c = 0; c < 6; c++) NIBBLE[97 + c] = NIBBLE[65 + c] = 10 + c;

/** `account`'s 20 bytes as 5 u32 words in `out`, any letter case, no checksum check; false if it is not 0x + 40 hex digits. */
function parseAccount(account: unknown, out: Uint8Array): boolean {
  if (
    typeof account !== "string" ||
    account.length !== 42 ||
    account.charCodeAt(0) !== 48 ||
    account.charCodeAt(1) !== 120
  )
    return false;
  for (let j = 0; j < 20; j++) {
    const hi = account.charCodeAt(2 + 2 * j);
    const lo = account.charCodeAt(3 + 2 * j);
    const h = hi < 128 ? NIBBLE[hi]! : -1;
    const l = lo < 128 ? NIBBLE[lo]! : -1;
    if ((h | l) < 0) return false;
    out[j] = (h << 4) | l;
  }
  return true;
}

function duplicateError(entries: readonly RewardEntry[], first: number, i: number): PoaError {
  return new PoaError("MERKLE_INVALID", `account ${entries[i]!.account} appears twice (entries ${first} and ${i})`, {
    details: { account: entries[i]!.account, entries: [first, i] },
    action: "A cumulative tree holds one leaf per account: add the amounts up before building.",
  });
}

/** The distributor's leaf hashes of `entries`, concatenated, in the caller's order (checks each entry, not duplicates). */
export function rewardLeafHashes(entries: readonly RewardEntry[], options: BuildOptions = {}): Uint8Array {
  const n = entries.length;
  if (n > MAX_LEAVES) throw tooMany(n);
  const report = options.onProgress ?? (() => {});
  const arena = new Arena();
  const at = { enc: arena.alloc(64 * n), leaves: arena.alloc(32 * n), ascii: arena.alloc(SCRATCH_BYTES) };
  const bad = encodeEntries(arena, entries, at, (done) => report(done, n));
  if (bad < n) {
    checkEntry(entries[bad]!, bad);
    throw new Error(`entry ${bad} refused by the encoder but not by checkEntry`);
  }
  report(n, n);
  return arena.bytes().slice(at.leaves, at.leaves + 32 * n);
}

/**
 * Builds the tree. Rejects (with a PoaError saying which entry and what to do) an empty list,
 * a malformed entry, and an account listed twice: a cumulative tree has one leaf per account.
 * The first problem in the entries' order is the one reported.
 */
export function buildRewardTree(entries: readonly RewardEntry[], options: BuildOptions = {}): RewardTree {
  const n = entries.length;
  if (n === 0)
    throw new PoaError("MERKLE_INVALID", "cannot build a Merkle tree of no entries", {
      action: "Give at least one account.",
    });
  if (n > MAX_LEAVES) throw tooMany(n);
  const report = options.onProgress ?? (() => {});
  const total = 2 * n - 1;
  const arena = new Arena();
  // The encodings' region becomes the heap array once the leaves are hashed (64n >= 64n - 32 bytes).
  const at = {
    enc: arena.alloc(64 * n),
    leaves: arena.alloc(32 * n),
    keys: arena.alloc(8 * n),
    index: arena.alloc(4 * n),
    addresses: arena.alloc(20 * n),
    ascii: arena.alloc(SCRATCH_BYTES),
  };
  const bad = encodeEntries(arena, entries, at, (done) => report(done, total));
  // Each entry's address as 5 u32 words, compact (the encodings become the heap array).
  arena.exports.gather(at.enc + 12, 64, 20, at.addresses, bad);
  const words = new Uint32Array(arena.exports.memory.buffer, at.addresses, 5 * bad);
  const lookup = addressTable(words, bad);
  if ("duplicate" in lookup) throw duplicateError(entries, lookup.first, lookup.duplicate);
  if (bad < n) {
    checkEntry(entries[bad]!, bad);
    throw new Error(`entry ${bad} refused by the encoder but not by checkEntry`);
  }
  const { nodes, treeIndexOf } = layOut(arena, { ...at, nodes: at.enc }, n, (done) => report(n + done, total));
  report(total, total);
  const tree = makeHashTree(nodes, treeIndexOf);
  const find = makeFind(words, lookup);
  const rewardTree: RewardTree = {
    root: tree.root,
    entries,
    count: n,
    nodeCount: tree.nodeCount,
    find,
    indexOf(account) {
      const i = find(account);
      if (i === undefined) {
        throw new PoaError("NOT_FOUND", `account ${account} is not in this tree`, {
          details: { account },
          action: "Check the address, or that the tree is the epoch you mean: an account appears once it has earned.",
        });
      }
      return i;
    },
    treeIndex: (i) => tree.treeIndex(i),
    node: (index) => tree.node(index),
    proof: (i) => tree.proof(i),
    dump() {
      const hex: Hex[] = new Array<Hex>(total);
      for (let i = 0; i < total; i++) hex[i] = toHex(nodes, i * 32);
      return {
        format: "standard-v1",
        leafEncoding: ["address", "uint256"],
        tree: hex,
        values: entries.map((e, i) => ({
          value: [e.account, e.cumulativeAmount.toString()],
          treeIndex: treeIndexOf[i]!,
        })),
      };
    },
  };
  internals.set(rewardTree, {
    nodes,
    treeIndexOf,
    addressWords: words,
    addressTable: lookup,
    wasm: { exports: arena.exports, scratch: at.ascii, scratchBytes: SCRATCH_BYTES },
  });
  return rewardTree;
}

/**
 * What answering proof requests needs of a reward tree, without a JavaScript object per entry:
 * the amounts are one byte buffer of decimal digits, and the addresses, nodes and lookup table
 * are the tree's typed arrays. A process that serves a million accounts from a {@link RewardTree}
 * keeps three million small objects (entries, their address strings and amounts) in the V8 heap,
 * and every young-generation collection then pauses it for about 4 ms; from this view, once the
 * tree itself is let go, the heap stays small and so do the pauses.
 */
export interface CompactRewardTree {
  readonly root: Hex;
  readonly count: number;
  /** Index of `account` (any letter case), or undefined when absent or not an address. */
  find(account: string): number | undefined;
  /** The cumulative amount of entry `i`, in decimal. */
  amount(i: number): string;
  /** Proof for entry `i`, leaf to root, as {@link RewardTree.proof}. */
  proof(i: number): Hex[];
}

/** The compact view of a reward tree built by this module (see {@link CompactRewardTree}). */
export function compactRewardTree(tree: RewardTree): CompactRewardTree {
  const { nodes, treeIndexOf, addressWords, addressTable: lookup } = treeInternals(tree);
  if (addressWords === undefined || lookup === undefined) {
    throw new PoaError("MERKLE_INVALID", "this tree is not a reward tree", {
      action: "Build the tree with buildRewardTree or read it with readTreeJson.",
    });
  }
  const n = tree.count;
  const texts = tree.entries.map((e) => e.cumulativeAmount.toString());
  const ends = new Uint32Array(n);
  for (let i = 0, end = 0; i < n; i++) ends[i] = end += texts[i]!.length;
  const amounts = Buffer.from(texts.join(""), "latin1");
  const { proof } = makeHashTree(nodes, treeIndexOf);
  return {
    root: tree.root,
    count: n,
    find: makeFind(addressWords, lookup),
    amount(i) {
      checkEntryIndex(i, n);
      return amounts.toString("latin1", i === 0 ? 0 : ends[i - 1]!, ends[i]!);
    },
    proof,
  };
}
