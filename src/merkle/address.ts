/**
 * The one address validator of the library: 0x and 40 hex digits; all-lower or all-upper case is
 * taken as is, mixed case must carry a valid EIP-55 checksum (a mistyped letter in a checksummed
 * address is then caught, as wallets do).
 */
import { getAddress } from "viem";

export type AddressCheck =
  | { readonly ok: true; readonly address: `0x${string}` }
  | { readonly ok: false; readonly problem: "format" | "checksum" };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Checks `value`; on success returns it EIP-55 checksummed. */
export function checkAddress(value: unknown): AddressCheck {
  if (typeof value !== "string" || !ADDRESS.test(value)) return { ok: false, problem: "format" };
  const checksummed = getAddress(value);
  const mixedCase = /[a-f]/.test(value.slice(2)) && /[A-F]/.test(value.slice(2));
  if (mixedCase && checksummed !== value) return { ok: false, problem: "checksum" };
  return { ok: true, address: checksummed };
}
