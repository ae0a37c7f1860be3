/** Proof checking with the contract's rules, for scripts and wallets that hold no tree. */
import { keccak256 } from "viem";

import { leafHash, type RewardEntry } from "./leaf.js";
import type { Hex } from "./tree.js";

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The root a proof leads to from `entry` (sorted-pair hashing, as OpenZeppelin MerkleProof). */
export function processProof(entry: RewardEntry, proof: readonly Hex[]): Hex {
  let node = leafHash(entry);
  const pair = new Uint8Array(64);
  for (const sibling of proof) {
    const s = hexToBytes(sibling);
    const [lo, hi] = compare(node, s) <= 0 ? [node, s] : [s, node];
    pair.set(lo, 0);
    pair.set(hi, 32);
    node = keccak256(pair, "bytes");
  }
  return `0x${Buffer.from(node).toString("hex")}`;
}

/** Whether `proof` places `entry` in the tree with `root`. */
export function verifyProof(root: Hex, entry: RewardEntry, proof: readonly Hex[]): boolean {
  return processProof(entry, proof) === root.toLowerCase();
}
