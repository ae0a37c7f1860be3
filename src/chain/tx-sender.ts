/**
 * An ethers v6 wallet as the `TxSender` of the store's outbox (src/store/outbox.ts): signs
 * locally with an explicit nonce, so the transaction's hash and bytes are known (and recorded)
 * before anything is broadcast. Satisfies the interface by its shape (chain and store are one
 * layer and do not import each other).
 */
import { Transaction, type JsonRpcApiProvider, type Wallet } from "ethers";

import { PoaError, messageOf } from "../core/errors.js";
import type { Hex } from "../core/hash.js";

export interface SendRequest {
  to: string;
  data: Hex;
  value?: bigint;
}

export interface Signed {
  hash: Hex;
  raw: Hex;
  nonce: bigint;
}

export interface ReceiptInfo {
  hash: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  status: number;
  gasUsed: bigint;
}

/** Errors a node gives for a transaction it already has or has already mined: not a failure to broadcast. */
export const ALREADY_KNOWN =
  /already known|known transaction|nonce too low|nonce has already been used|NONCE_EXPIRED|already imported/i;

export class WalletTxSender {
  private readonly provider: JsonRpcApiProvider;

  constructor(
    private readonly wallet: Wallet,
    private readonly url = "the RPC endpoint",
  ) {
    if (wallet.provider === null) throw new PoaError("INVALID_VALUE", "the wallet must be connected to a provider");
    this.provider = wallet.provider as JsonRpcApiProvider;
  }

  private unreachable(what: string, error: unknown): PoaError {
    if (error instanceof PoaError) return error;
    return new PoaError("RPC_UNREACHABLE", `could not ${what} at ${this.url}: ${messageOf(error)}`, {
      details: { url: this.url },
      cause: error,
      action: "Check that the node is running, then run again: the transaction is recorded and will not be sent twice.",
    });
  }

  async chainId(): Promise<bigint> {
    try {
      return (await this.provider.getNetwork()).chainId;
    } catch (error) {
      throw this.unreachable("read the chain id", error);
    }
  }

  async address(): Promise<string> {
    return this.wallet.address;
  }

  async pendingNonce(): Promise<bigint> {
    try {
      return BigInt(await this.provider.getTransactionCount(this.wallet.address, "pending"));
    } catch (error) {
      throw this.unreachable("read the sender's nonce", error);
    }
  }

  async confirmedNonce(): Promise<bigint> {
    try {
      return BigInt(await this.provider.getTransactionCount(this.wallet.address, "latest"));
    } catch (error) {
      throw this.unreachable("read the sender's nonce", error);
    }
  }

  async blockNumber(): Promise<bigint> {
    try {
      return BigInt(await this.provider.getBlockNumber());
    } catch (error) {
      throw this.unreachable("read the latest block number", error);
    }
  }

  async sign(request: SendRequest, nonce: bigint): Promise<Signed> {
    let populated;
    try {
      populated = await this.wallet.populateTransaction({
        to: request.to,
        data: request.data,
        value: request.value ?? 0n,
        nonce: Number(nonce),
      });
    } catch (error) {
      // Estimating gas runs the call: a revert here means the transaction would fail.
      const code = (error as { code?: unknown }).code;
      if (code === "CALL_EXCEPTION")
        throw new PoaError("CONTRACT_REVERTED", `the transaction to ${request.to} would revert: ${messageOf(error)}`, {
          details: { to: request.to, nonce },
          cause: error,
        });
      if (code === "INSUFFICIENT_FUNDS")
        throw new PoaError(
          "INSUFFICIENT_FUNDS",
          `${this.wallet.address} cannot pay for the transaction to ${request.to}`,
          {
            details: { from: this.wallet.address, to: request.to },
            cause: error,
            action: "Fund the sender's account, then run again.",
          },
        );
      throw this.unreachable("prepare the transaction", error);
    }
    const raw = (await this.wallet.signTransaction(populated)) as Hex;
    return { hash: Transaction.from(raw).hash!.toLowerCase() as Hex, raw, nonce };
  }

  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.provider.broadcastTransaction(raw);
    } catch (error) {
      if (ALREADY_KNOWN.test(messageOf(error)) || (error as { code?: unknown }).code === "NONCE_EXPIRED") return;
      if ((error as { code?: unknown }).code === "INSUFFICIENT_FUNDS")
        throw new PoaError("INSUFFICIENT_FUNDS", `${this.wallet.address} cannot pay for a recorded transaction`, {
          details: { from: this.wallet.address },
          cause: error,
          action: "Fund the sender's account, then run again: the same transaction is sent.",
        });
      throw this.unreachable("broadcast the transaction", error);
    }
  }

  async receipt(hash: Hex): Promise<ReceiptInfo | null> {
    let receipt;
    try {
      receipt = await this.provider.getTransactionReceipt(hash);
    } catch (error) {
      throw this.unreachable(`read the receipt of ${hash}`, error);
    }
    if (receipt === null) return null;
    return {
      hash: receipt.hash.toLowerCase() as Hex,
      blockNumber: BigInt(receipt.blockNumber),
      blockHash: receipt.blockHash.toLowerCase() as Hex,
      status: receipt.status ?? 0,
      gasUsed: receipt.gasUsed,
    };
  }
}
