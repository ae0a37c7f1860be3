import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";

import { PoaError } from "../core/errors.js";

/** A viem chain for one of the devnet's anvils. */
export function devnetChain(id: number, name: string, rpcUrl: string): Chain {
  return defineChain({
    id,
    name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export type Public = PublicClient<Transport, Chain>;

export function publicClient(chain: Chain): Public {
  return createPublicClient({
    chain,
    transport: http(chain.rpcUrls.default.http[0], { retryCount: 0 }),
    pollingInterval: 50,
  });
}

/** Sends a raw JSON-RPC request (anvil_* and evm_* methods that viem does not type). */
export async function rpc<T = unknown>(client: Public, method: string, params: unknown[] = []): Promise<T> {
  return (await client.request({ method: method as never, params: params as never })) as T;
}

/**
 * Sends transactions from one local key with a nonce counter of its own, fixed gas and fees, so
 * that a batch of set-up transactions costs one RPC round trip each. Receipts are checked by
 * `settle()`: a reverted set-up transaction is an error that names it.
 */
export class Sender {
  private nonce: number | undefined;
  private readonly pending: { label: string; hash: Hex }[] = [];
  private readonly wallet: WalletClient<Transport, Chain, Account>;

  constructor(
    readonly client: Public,
    readonly account: Account,
  ) {
    this.wallet = createWalletClient({
      chain: client.chain,
      account,
      transport: http(client.chain.rpcUrls.default.http[0]),
    });
  }

  get address(): Hex {
    return this.account.address;
  }

  async nextNonce(): Promise<number> {
    if (this.nonce === undefined)
      this.nonce = await this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" });
    return this.nonce;
  }

  /** Sends without waiting; `settle()` later. Returns the hash. */
  async send(label: string, tx: { to?: Hex; data: Hex; value?: bigint; gas?: bigint }): Promise<Hex> {
    const nonce = await this.nextNonce();
    const hash = await this.wallet.sendTransaction({
      to: tx.to ?? null,
      data: tx.data,
      value: tx.value ?? 0n,
      gas: tx.gas ?? 12_000_000n,
      nonce,
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
    } as never);
    this.nonce = nonce + 1;
    this.pending.push({ label, hash });
    return hash;
  }

  /** Waits for every sent transaction and throws if any reverted. */
  async settle(): Promise<void> {
    const batch = this.pending.splice(0);
    for (const { label, hash } of batch) {
      const receipt = await this.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (receipt.status !== "success")
        throw new PoaError("DEVNET_START_FAILED", `devnet set-up transaction "${label}" reverted (${hash})`, {
          action: "This is a bug in the devnet; see .devnet/*.log.",
        });
    }
  }

  /** Forgets the cached nonce (after a failure). */
  reset(): void {
    this.nonce = undefined;
  }
}
