/**
 * API keys bound to L2 accounts by a signature.
 *
 * A user makes up a key (`newApiKey`: "poa_" and 64 hex digits of randomness), signs with their
 * account the message below (EIP-191 `personal_sign`, what every wallet signs), and registers the
 * key's hash, the account and the signature with the gateway. The gateway stores the hash only.
 * The message names the gateway's address and the chain, so a signature made for one gateway
 * cannot bind the key at another, and it names the key's hash (never the key), so a signature
 * that leaks binds nothing anyone else can use: only the holder of the key can present it.
 *
 *     OpenLedger PoA gateway: bind an API key to my account
 *     Gateway: 0x<gateway address, EIP-55>
 *     Chain: <L2 chain id, decimal>
 *     Account: 0x<the account, EIP-55>
 *     Key hash: 0x<keccak256 of the key's UTF-8 bytes, lower case>
 *
 * Revoking a key is the same message with the first line
 * `OpenLedger PoA gateway: revoke an API key`. Lines are joined by "\n", without a final newline.
 */
import { randomBytes } from "node:crypto";

import { getAddress, verifyMessage, type Signer } from "ethers";

import { checkAddress, type Address } from "../core/address.js";
import { PoaError } from "../core/errors.js";
import { keccakText, type Hex } from "../core/hash.js";

export type KeyAction = "bind" | "revoke";

const TITLE: Record<KeyAction, string> = {
  bind: "OpenLedger PoA gateway: bind an API key to my account",
  revoke: "OpenLedger PoA gateway: revoke an API key",
};

/** The shape of an API key. */
export const API_KEY_PATTERN = /^poa_[0-9a-f]{64}$/;

/** A fresh random API key: "poa_" and 64 lower-case hex digits (32 random bytes). */
export function newApiKey(): string {
  return `poa_${randomBytes(32).toString("hex")}`;
}

/** keccak256 of the key's UTF-8 bytes: what the gateway stores and the message names. */
export function apiKeyHash(key: string): Hex {
  return keccakText(key);
}

export interface KeyBinding {
  action: KeyAction;
  gateway: string;
  chainId: number | bigint;
  account: string;
  keyHash: string;
}

/** The exact text to sign (see the file comment). */
export function keyBindingMessage(binding: KeyBinding): string {
  return [
    TITLE[binding.action],
    `Gateway: ${getAddress(binding.gateway)}`,
    `Chain: ${BigInt(binding.chainId).toString()}`,
    `Account: ${getAddress(binding.account)}`,
    `Key hash: ${binding.keyHash.toLowerCase()}`,
  ].join("\n");
}

/** Signs the binding message with `signer` (EIP-191). */
export async function signKeyBinding(signer: Signer, binding: Omit<KeyBinding, "account">): Promise<string> {
  const account = await signer.getAddress();
  return signer.signMessage(keyBindingMessage({ ...binding, account }));
}

function invalid(message: string, details: Record<string, unknown> = {}): PoaError {
  return new PoaError("API_KEY_SIGNATURE_INVALID", message, {
    details,
    action:
      "Sign the key-binding message exactly as documented (EIP-191 personal_sign) with the account being bound, for this gateway and chain.",
  });
}

/**
 * Checks a registration: a well-formed account and key hash, and a signature by that account of
 * the binding message. Returns the account (EIP-55).
 */
export function verifyKeyBinding(binding: KeyBinding, signature: unknown): Address {
  const account = checkAddress(binding.account);
  if (!account.ok) throw invalid(`"account" is not an address`, { account: binding.account });
  if (!/^0x[0-9a-fA-F]{64}$/.test(binding.keyHash))
    throw invalid(`"key_hash" must be 0x and 64 hex digits (keccak256 of the key)`, { keyHash: binding.keyHash });
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature))
    throw invalid(`"signature" must be a 65-byte signature in 0x hex`);
  let signer: string;
  try {
    signer = verifyMessage(keyBindingMessage(binding), signature);
  } catch (error) {
    throw invalid(`"signature" cannot be verified: ${(error as Error).message}`);
  }
  if (signer.toLowerCase() !== account.address.toLowerCase())
    throw invalid(`the signature was made by ${signer}, not by ${account.address}, for this message`, {
      signer,
      account: account.address,
    });
  return getAddress(account.address) as Address;
}
