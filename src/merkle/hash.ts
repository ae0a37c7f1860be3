/**
 * The primitives every Merkle tree of the project shares, whatever its leaf encoding: one keccak
 * (@noble/hashes, on bytes), the leaf double hash of OpenZeppelin `StandardMerkleTree`, the sorted-pair
 * node hash of OpenZeppelin `MerkleProof`, 32-byte comparison and strict hex conversion.
 */
import { PoaError } from "../core/errors.js";
import { keccak, type Hex } from "../core/hash.js";

export { keccak, type Hex };

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

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * Parses a 32-byte hex value (a node, a root, a content hash). Anything else is a PoaError that
 * names `what` and says what was expected: malformed hex never becomes zero bytes.
 */
export function hexToBytes32(hex: unknown, what: string): Uint8Array {
  if (typeof hex !== "string" || !BYTES32.test(hex)) {
    throw new PoaError("MERKLE_INVALID", `${what} ${String(hex)} is not 32 bytes of hex`, {
      action: "Give it as 0x followed by exactly 64 hex digits.",
    });
  }
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}
