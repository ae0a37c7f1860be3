import { FeeData, JsonRpcProvider, NonceManager, Wallet, type Signer } from "ethers";

import type { DevnetAddresses } from "../devnet/addresses.js";

/** Priority fee an OP Stack wallet typically pays (0.001 gwei), instead of anvil's 1 gwei suggestion. */
export const L2_PRIORITY_FEE = 1_000_000n;

/**
 * An ethers v6 provider for a devnet chain: fixed network, fast polling (anvil mines at once),
 * padded gas estimates.
 * For the L2 (`opFees`), fee suggestions are what an OP Stack node gives (a small tip over a
 * small base fee) rather than anvil's Ethereum-style 1 gwei tip, so L2 fees look like an OP chain's.
 */
export function devnetProvider(url: string, chainId: number, opFees = false): JsonRpcProvider {
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  // Gas limits with 1.5x headroom, as wallets add: an estimate made on one block can be short on
  // the next (ERC20Votes with a timestamp clock overwrites a checkpoint within a second but
  // pushes a new one in the next). Only the limit grows; the gas used and paid is unchanged.
  const estimate = provider.estimateGas.bind(provider);
  provider.estimateGas = async (tx) => ((await estimate(tx)) * 3n) / 2n;
  if (opFees) {
    provider.getFeeData = async () => {
      const block = await provider.getBlock("latest");
      const baseFee = block?.baseFeePerGas ?? 0n;
      return new FeeData(baseFee + L2_PRIORITY_FEE, 2n * baseFee + L2_PRIORITY_FEE, L2_PRIORITY_FEE);
    };
  }
  return provider;
}

/** One private key as an ethers v6 signer on L1 and on L2 (nonce-managed). */
export function devnetSigners(addresses: DevnetAddresses, privateKey: string): { l1: Signer; l2: Signer } {
  return {
    l1: new NonceManager(new Wallet(privateKey, devnetProvider(addresses.l1Rpc, addresses.l1ChainId))),
    l2: new NonceManager(new Wallet(privateKey, devnetProvider(addresses.l2Rpc, addresses.l2ChainId, true))),
  };
}
