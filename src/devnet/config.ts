import { PoaError } from "../core/errors.js";

/** Everything that can be configured about a devnet. Every field has a default (`DEFAULTS`). */
export interface DevnetConfig {
  host: string;
  l1Port: number;
  l2Port: number;
  l1ChainId: number;
  l2ChainId: number;
  /** Folder for addresses.json, logs and the process file. */
  dir: string;
  /** BIP-39 mnemonic of the funded accounts (the first `accounts` are printed for users). */
  mnemonic: string;
  accounts: number;
  /** How often the relayer and the proposer poll, in milliseconds. */
  pollMs: number;
  /** L1 base fee the clock pins on the blocks it mines (wei). Feeds the L2's L1 data fee. */
  l1BaseFee: bigint;
  /**
   * L1 time starts this many seconds behind the wall clock and advances exactly one second per
   * block (see clock.ts), so bursts of L1 blocks can use this much before L1 runs ahead.
   */
  l1TimeLag: number;
  /** Initial L2 base fee (wei): 0.001 gwei, the order of OP Mainnet's. */
  l2BaseFee: bigint;
  /** Fjord fee scalars written into L1Block (OP Mainnet's values by default). */
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
}

export const TEST_MNEMONIC = "test test test test test test test test test test test junk";

export const DEFAULTS: DevnetConfig = {
  host: "127.0.0.1",
  l1Port: 8545,
  l2Port: 9545,
  l1ChainId: 900,
  l2ChainId: 901,
  dir: ".devnet",
  mnemonic: TEST_MNEMONIC,
  accounts: 10,
  pollMs: 100,
  l1BaseFee: 1_000_000_000n,
  l2BaseFee: 1_000_000n,
  l1TimeLag: 3600,
  baseFeeScalar: 5227,
  blobBaseFeeScalar: 1_014_213,
};

/** Mnemonic indices of the operator accounts, kept apart from the user accounts 0..9. */
export const OPERATOR_INDEX = { admin: 100, proposer: 101 } as const;

/** Checks a configuration and throws a PoaError naming the bad field. Pure. */
export function validateConfig(config: DevnetConfig): DevnetConfig {
  const port = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1 || value > 65_535)
      throw new PoaError("INVALID_VALUE", `${name} must be a TCP port between 1 and 65535, got ${value}`, {
        details: { field: name, value },
      });
  };
  const chainId = (name: string, value: number) => {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new PoaError("INVALID_VALUE", `${name} must be a positive integer chain id, got ${value}`, {
        details: { field: name, value },
      });
  };
  port("l1Port", config.l1Port);
  port("l2Port", config.l2Port);
  chainId("l1ChainId", config.l1ChainId);
  chainId("l2ChainId", config.l2ChainId);
  if (config.l1Port === config.l2Port)
    throw new PoaError("INVALID_VALUE", `L1 and L2 cannot share port ${config.l1Port}`, {
      details: { field: "l2Port", value: config.l2Port },
      action: "Give the two chains different ports.",
    });
  if (config.l1ChainId === config.l2ChainId)
    throw new PoaError("INVALID_VALUE", `L1 and L2 cannot share chain id ${config.l1ChainId}`, {
      details: { field: "l2ChainId", value: config.l2ChainId },
      action: "Give the two chains different chain ids.",
    });
  if (!Number.isInteger(config.accounts) || config.accounts < 1 || config.accounts > 100)
    throw new PoaError("INVALID_VALUE", `accounts must be between 1 and 100, got ${config.accounts}`, {
      details: { field: "accounts", value: config.accounts },
    });
  if (!Number.isInteger(config.pollMs) || config.pollMs < 10)
    throw new PoaError("INVALID_VALUE", `poll interval must be at least 10 ms, got ${config.pollMs}`, {
      details: { field: "pollMs", value: config.pollMs },
    });
  return config;
}
