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

/**
 * What is wrong with `value` as an address, or undefined when nothing is. Costs a keccak only for
 * a mixed-case address (the checksum), so tree builders can check millions of entries.
 */
export function addressProblem(value: unknown): "format" | "checksum" | undefined {
  if (typeof value !== "string" || !ADDRESS.test(value)) return "format";
  const mixedCase = /[a-f]/.test(value) && /[A-F]/.test(value); // the "0x" prefix is lower-case x only
  if (mixedCase && getAddress(value) !== value) return "checksum";
  return undefined;
}

/** Checks `value`; on success returns it EIP-55 checksummed. */
export function checkAddress(value: unknown): AddressCheck {
  const problem = addressProblem(value);
  if (problem !== undefined) return { ok: false, problem };
  return { ok: true, address: getAddress(value as string) };
}
