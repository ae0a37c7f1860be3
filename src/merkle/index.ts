/** The RewardDistributor's Merkle tree: StandardMerkleTree-compatible, built to scale. */
export { LEAF_ENCODING, leafHash, type RewardEntry } from "./leaf.js";
export {
  buildHashTree,
  buildRewardTree,
  rewardLeafHashes,
  type BuildOptions,
  type HashTree,
  type Hex,
  type RewardTree,
  type StandardDump,
} from "./tree.js";
export { processProof, verifyProof } from "./verify.js";
