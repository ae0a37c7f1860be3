/**
 * The one address validator of the library: 0x and 40 hex digits; all-lower or all-upper case is
 * taken as is, mixed case must carry a valid EIP-55 checksum (a mistyped letter in a checksummed
 * address is then caught, as wallets do).
 */
import { PoaError } from "./errors.js";
import { keccak } from "./hash.js";

export type Address = `0x${string}`;

export type AddressCheck =
  { readonly ok: true; readonly address: Address } | { readonly ok: false; readonly problem: "format" | "checksum" };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** EIP-55: the address with each hex letter upper-cased where the keccak of the lower-case hex has a nibble >= 8. */
export function toChecksumAddress(address: string): Address {
  const lower = address.slice(2).toLowerCase();
  const hash = keccak(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return out as Address;
}

/**
 * What is wrong with `value` as an address, or undefined when nothing is. Costs a keccak only for
 * a mixed-case address (the checksum), so tree builders can check millions of entries.
 */
export function addressProblem(value: unknown): "format" | "checksum" | undefined {
  if (typeof value !== "string" || !ADDRESS.test(value)) return "format";
  const mixedCase = /[a-f]/.test(value) && /[A-F]/.test(value); // the "0x" prefix is lower-case x only
  if (mixedCase && toChecksumAddress(value) !== value) return "checksum";
  return undefined;
}

/** Checks `value`; on success returns it EIP-55 checksummed. */
export function checkAddress(value: unknown): AddressCheck {
  const problem = addressProblem(value);
  if (problem !== undefined) return { ok: false, problem };
  return { ok: true, address: toChecksumAddress(value as string) };
}

/** `value` checksummed, or an INVALID_ADDRESS error that says whether the format or the checksum is wrong. */
export function requireAddress(value: unknown, what = "address"): Address {
  const checked = checkAddress(value);
  if (checked.ok) return checked.address;
  throw new PoaError(
    "INVALID_ADDRESS",
    checked.problem === "checksum"
      ? `${what} "${String(value)}" has a wrong EIP-55 checksum (a mistyped letter?)`
      : `${what} "${String(value)}" is not an address (0x and 40 hex digits)`,
    {
      details: { value, problem: checked.problem },
      action:
        checked.problem === "checksum"
          ? "Fix the capitalisation, or write the address in lower case to skip the checksum."
          : "Use a 0x-prefixed 20-byte hex address.",
    },
  );
}
