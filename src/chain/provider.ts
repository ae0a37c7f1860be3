import { FeeData, JsonRpcProvider, NonceManager, Wallet, type Signer } from "ethers";

import { messageOf, PoaError } from "../core/errors.js";

/** Where the two chains answer: what every command needs to talk to L1 and L2. */
export interface ChainEndpoints {
  l1Rpc: string;
  l1ChainId: number;
  l2Rpc: string;
  l2ChainId: number;
}

/** Priority fee an OP Stack wallet typically pays (0.001 gwei), instead of anvil's 1 gwei suggestion. */
export const L2_PRIORITY_FEE = 1_000_000n;

/**
 * An ethers v6 provider for one chain: fixed network (no background detection), fast polling (anvil mines at once),
 * padded gas estimates.
 * For the L2 (`opFees`), fee suggestions are what an OP Stack node gives (a small tip over a
 * small base fee) rather than anvil's Ethereum-style 1 gwei tip, so L2 fees look like an OP chain's.
 */
export function chainProvider(url: string, chainId: number, opFees = false): JsonRpcProvider {
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
export function chainSigners(addresses: ChainEndpoints, privateKey: string): { l1: Signer; l2: Signer } {
  return {
    l1: new NonceManager(new Wallet(privateKey, chainProvider(addresses.l1Rpc, addresses.l1ChainId))),
    l2: new NonceManager(new Wallet(privateKey, chainProvider(addresses.l2Rpc, addresses.l2ChainId, true))),
  };
}

/**
 * Asks the node at `url` for its chain id with one plain JSON-RPC request (ethers would retry
 * network detection forever in the background on an unreachable URL). RPC_UNREACHABLE when it
 * does not answer like an Ethereum node.
 */
export async function probeChainId(url: string, timeoutMs = 10_000): Promise<number> {
  const unreachable = (why: string, cause?: unknown) =>
    new PoaError("RPC_UNREACHABLE", `cannot reach a JSON-RPC node at ${url} (${why})`, {
      details: { url },
      cause,
      action: "Check that the chain is running and the URL is right.",
    });
  let body: unknown;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.json();
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw unreachable(code ?? messageOf(error), error);
  }
  const result = (body as { result?: unknown } | null)?.result;
  if (typeof result !== "string" || !/^0x[0-9a-fA-F]+$/.test(result))
    throw unreachable("its answer to eth_chainId is not a chain id");
  return Number(BigInt(result));
}
