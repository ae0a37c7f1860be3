/**
 * Leaf encoding of the RewardDistributor, identical to `StandardMerkleTree` of
 * `@openzeppelin/merkle-tree` with leaf encoding `["address", "uint256"]`:
 * `keccak256(keccak256(abi.encode(account, cumulativeAmount)))`.
 */
import { PoaError } from "../core/errors.js";
import { addressProblem } from "../core/address.js";
import { standardLeafHash } from "./hash.js";
import { MAX_UINT256 } from "../core/amount.js";

/** One leaf: an account and its cumulative reward since genesis (base units of OPEN). */
export interface RewardEntry {
  readonly account: string;
  readonly cumulativeAmount: bigint;
}

/** The leaf encoding, as `StandardMerkleTree` names it. */
export const LEAF_ENCODING = ["address", "uint256"] as const;

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
