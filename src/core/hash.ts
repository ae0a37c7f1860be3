/**
 * keccak-256, the one hash primitive of the pure layers (Merkle trees, addresses, content
 * hashes), from @noble/hashes (the audited implementation viem and ethers use underneath), so
 * that pure code needs no Ethereum client.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";

export type Hex = `0x${string}`;

/** keccak-256 of `bytes`, as 32 bytes. */
export function keccak(bytes: Uint8Array): Uint8Array {
  return keccak_256(bytes);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case 0x hex of `bytes`. */
export function toHex(bytes: Uint8Array): Hex {
  let out = "0x";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out as Hex;
}

/** keccak-256 of `bytes` as 0x hex. */
export function keccakHex(bytes: Uint8Array): Hex {
  return toHex(keccak(bytes));
}

/** keccak-256 of the UTF-8 bytes of `text` (Solidity's `keccak256(bytes(text))`), as 0x hex. */
export function keccakText(text: string): Hex {
  return keccakHex(new TextEncoder().encode(text));
}
