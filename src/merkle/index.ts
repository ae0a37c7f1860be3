/**
 * Merkle trees in the layout of OpenZeppelin `StandardMerkleTree` (sorted leaves, sorted pairs),
 * built to scale: a leaf-encoding-agnostic core (`buildHashTree`, `processProofFromLeaf`,
 * `hashPair`, `standardLeafHash`) and the RewardDistributor's `(address, uint256)` leaves on it.
 * Datanet versions use the same core with `(uint256, bytes32)` leaves (src/datanet/versionRoot.ts).
 * Hashing runs in WebAssembly (asm/keccak.ts). Trees are written as `tree.json` (the library's
 * dump, streamed) and as proof shards by address prefix (docs/merkle.md).
 */
export { addressProblem, checkAddress, type AddressCheck } from "../core/address.js";
export { checkAccount } from "./address.js";
export { bytes32ToHex, compareBytes32, hashPair, hexToBytes32, keccak, standardLeafHash, type Hex } from "./hash.js";
export { LEAF_ENCODING, leafHash, type RewardEntry } from "./leaf.js";
export {
  buildHashTree,
  buildRewardTree,
  compactRewardTree,
  MAX_LEAVES,
  rewardLeafHashes,
  type BuildOptions,
  type CompactRewardTree,
  type HashTree,
  type RewardTree,
  type StandardDump,
} from "./tree.js";
export { processProof, processProofFast, processProofFromLeaf, verifyProof } from "./verify.js";
export { KeccakStream, keccakHexFast, keccakLarge } from "./wasm.js";
export { CHUNK_BYTES, treeJsonChunks, writeTreeJson, type WrittenFile } from "./dump.js";
export { parseTreeJson, readTreeJson } from "./load.js";
export {
  defaultPrefixDigits,
  parseShardIndex,
  proofShardFiles,
  readShardBytes,
  SHARD_FORMAT,
  SHARD_INDEX_FILE,
  SHARD_TARGET_ACCOUNTS,
  shardOf,
  writeProofShards,
  type ShardFile,
  type ShardIndex,
  type ShardOptions,
  type ShardReader,
  type ShardRecord,
} from "./shards.js";
