/** Seeded reward entries for the Merkle tests, and the reference library's tree of them. */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { toChecksumAddress } from "../../src/core/address.js";
import { LEAF_ENCODING, type RewardEntry } from "../../src/merkle/index.js";

/** A small seeded PRNG (mulberry32) so every run builds the same "random" trees. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` random hex digits. */
export function randomHex(next: () => number, count: number): string {
  let hex = "";
  for (let j = 0; j < count; j++) hex += Math.floor(next() * 16).toString(16);
  return hex;
}

/**
 * n distinct accounts with amounts at the encoding's edges (0, near 2^256 - 1, above 2^64, small),
 * written in lower case, EIP-55 checksummed and all upper case in turn.
 */
export function randomEntries(n: number, seed: number): RewardEntry[] {
  const next = rng(seed);
  const entries: RewardEntry[] = [];
  const seen = new Set<string>();
  while (entries.length < n) {
    const i = entries.length;
    const hex = "0x" + randomHex(next, 40);
    if (seen.has(hex)) continue;
    seen.add(hex);
    const kind = next();
    const amount =
      kind < 0.1
        ? 0n
        : kind < 0.2
          ? (1n << 256n) - 1n - BigInt(i)
          : kind < 0.3
            ? BigInt(Math.floor(next() * 1000))
            : BigInt(Math.floor(next() * 1e15)) * 10n ** 9n;
    const account = i % 3 === 0 ? toChecksumAddress(hex) : i % 3 === 1 ? hex : "0x" + hex.slice(2).toUpperCase();
    entries.push({ account, cumulativeAmount: amount });
  }
  return entries;
}

/** `StandardMerkleTree.of` over the entries, values as `[account, decimal amount]`. */
export function library(entries: readonly RewardEntry[]): StandardMerkleTree<[string, string]> {
  return StandardMerkleTree.of<[string, string]>(
    entries.map((e) => [e.account, e.cumulativeAmount.toString()]),
    [...LEAF_ENCODING],
  );
}
