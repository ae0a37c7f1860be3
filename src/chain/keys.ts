import { Wallet } from "ethers";

import { PoaError } from "../core/errors.js";

export type PrivateKey = `0x${string}`;

/** Checks a private key (0x and 64 hex digits) without ever echoing it. */
export function parsePrivateKey(value: string, source = "the private key"): PrivateKey {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new PoaError("INVALID_PRIVATE_KEY", `${source} must be 0x followed by 64 hex digits`, {
      details: { source },
    });
  return value as PrivateKey;
}

/** The address a private key signs for. */
export function addressOfKey(key: PrivateKey): string {
  return new Wallet(key).address;
}
