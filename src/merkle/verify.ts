/** Proof checking with the contract's rules, for scripts and wallets that hold no tree. */
import { bytes32ToHex, hashPair, hexToBytes32, type Hex } from "./hash.js";
import { leafHash, type RewardEntry } from "./leaf.js";

/**
 * The root a proof leads to from a 32-byte leaf hash (sorted-pair hashing, as OpenZeppelin
 * `MerkleProof.processProof`), for any leaf encoding. A sibling that is not 32 bytes of hex is a
 * PoaError naming its position.
 */
export function processProofFromLeaf(leaf: Uint8Array, proof: readonly string[]): Hex {
  let node = leaf;
  const pair = new Uint8Array(64);
  proof.forEach((sibling, i) => {
    node = hashPair(node, 0, hexToBytes32(sibling, `proof[${i}]`), 0, pair);
  });
  return bytes32ToHex(node);
}

/** The root a proof leads to from `entry`. */
export function processProof(entry: RewardEntry, proof: readonly Hex[]): Hex {
  return processProofFromLeaf(leafHash(entry), proof);
}

/** Whether `proof` places `entry` in the tree with `root` (a malformed root is a PoaError). */
export function verifyProof(root: Hex, entry: RewardEntry, proof: readonly Hex[]): boolean {
  return processProof(entry, proof) === bytes32ToHex(hexToBytes32(root, "root"));
}
