import { JsonRpcProvider, NonceManager, Wallet, type Signer } from "ethers";

import type { DevnetAddresses } from "./addresses.js";

/** An ethers v6 provider for a devnet chain: fixed network, fast polling (anvil mines at once). */
export function devnetProvider(url: string, chainId: number): JsonRpcProvider {
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  return provider;
}

/** One private key as an ethers v6 signer on L1 and on L2 (nonce-managed). */
export function devnetSigners(addresses: DevnetAddresses, privateKey: string): { l1: Signer; l2: Signer } {
  return {
    l1: new NonceManager(new Wallet(privateKey, devnetProvider(addresses.l1Rpc, addresses.l1ChainId))),
    l2: new NonceManager(new Wallet(privateKey, devnetProvider(addresses.l2Rpc, addresses.l2ChainId))),
  };
}
