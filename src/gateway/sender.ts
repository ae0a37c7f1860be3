/**
 * The operator's transaction sender for the outbox (src/store/outbox.ts `TxSender`, satisfied by
 * shape), tuned for a gateway that pays one batch after another: the gas estimate and the fee
 * suggestion are fetched together (the fee suggestion is reused for a second), broadcasting is one
 * raw `eth_sendRawTransaction`, and the last receipts read are kept so the payer decodes a batch's
 * events without reading its receipt again. Same rules as src/chain/tx-sender.ts: signed locally
 * with the nonce the outbox gives, a call that would revert fails at signing (CONTRACT_REVERTED)
 * and nothing is sent, a node that already knows the bytes is not an error.
 */
import { Transaction, type JsonRpcApiProvider, type Wallet } from "ethers";

import { ALREADY_KNOWN as ALREADY } from "../chain/tx-sender.js";
import { messageOf, PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";

export interface RawReceipt {
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  status: string;
  gasUsed: string;
  logs: { address: string; topics: string[]; data: string }[];
}

export class OperatorSender {
  private readonly provider: JsonRpcApiProvider;
  private fees: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined;
  private readonly receipts = new Map<string, RawReceipt>();
  private chain: bigint | undefined;

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
      action: "Check that the node is running: the payment is recorded and is sent once it answers.",
    });
  }

  async chainId(): Promise<bigint> {
    if (this.chain !== undefined) return this.chain;
    try {
      this.chain = (await this.provider.getNetwork()).chainId;
      return this.chain;
    } catch (error) {
      throw this.unreachable("read the chain id", error);
    }
  }

  async address(): Promise<string> {
    return this.wallet.address;
  }

  private async count(tag: "pending" | "latest"): Promise<bigint> {
    try {
      return BigInt((await this.provider.send("eth_getTransactionCount", [this.wallet.address, tag])) as string);
    } catch (error) {
      throw this.unreachable("read the operator's nonce", error);
    }
  }

  pendingNonce(): Promise<bigint> {
    return this.count("pending");
  }

  confirmedNonce(): Promise<bigint> {
    return this.count("latest");
  }

  async blockNumber(): Promise<bigint> {
    try {
      return BigInt((await this.provider.send("eth_blockNumber", [])) as string);
    } catch (error) {
      throw this.unreachable("read the latest block number", error);
    }
  }

  private async feeData(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    if (this.fees !== undefined && Date.now() - this.fees.at < 1_000) return this.fees;
    const data = await this.provider.getFeeData();
    const priority = data.maxPriorityFeePerGas ?? 1_000_000n;
    const max = data.maxFeePerGas ?? (data.gasPrice ?? 1_000_000_000n) * 2n;
    this.fees = { at: Date.now(), maxFeePerGas: max, maxPriorityFeePerGas: priority };
    return this.fees;
  }

  async sign(
    request: { to: string; data: Hex; value?: bigint },
    nonce: bigint,
  ): Promise<{ hash: Hex; raw: Hex; nonce: bigint }> {
    const tx = { from: this.wallet.address, to: request.to, data: request.data, value: request.value ?? 0n };
    let gas: bigint;
    let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    let chainId: bigint;
    try {
      [gas, fees, chainId] = await Promise.all([this.provider.estimateGas(tx), this.feeData(), this.chainId()]);
    } catch (error) {
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
            action: "Fund the operator's account with ETH for gas.",
          },
        );
      throw this.unreachable("prepare the transaction", error);
    }
    const raw = (await this.wallet.signTransaction({
      type: 2,
      chainId,
      nonce: Number(nonce),
      to: request.to,
      data: request.data,
      value: request.value ?? 0n,
      gasLimit: (gas * 5n) / 4n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    })) as Hex;
    return { hash: Transaction.from(raw).hash!.toLowerCase() as Hex, raw, nonce };
  }

  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.provider.send("eth_sendRawTransaction", [raw]);
    } catch (error) {
      if (ALREADY.test(messageOf(error)) || (error as { code?: unknown }).code === "NONCE_EXPIRED") return;
      if ((error as { code?: unknown }).code === "INSUFFICIENT_FUNDS" || /insufficient funds/i.test(messageOf(error)))
        throw new PoaError("INSUFFICIENT_FUNDS", `${this.wallet.address} cannot pay for a recorded transaction`, {
          details: { from: this.wallet.address },
          cause: error,
          action: "Fund the operator's account with ETH for gas: the same transaction is sent then.",
        });
      throw this.unreachable("broadcast the transaction", error);
    }
  }

  /** The raw receipt of `hash` (kept: the payer reads its events next). */
  async rawReceipt(hash: Hex): Promise<RawReceipt | null> {
    const kept = this.receipts.get(hash);
    if (kept !== undefined) return kept;
    let receipt: RawReceipt | null;
    try {
      receipt = (await this.provider.send("eth_getTransactionReceipt", [hash])) as RawReceipt | null;
    } catch (error) {
      throw this.unreachable(`read the receipt of ${hash}`, error);
    }
    if (receipt !== null) {
      this.receipts.set(hash, receipt);
      if (this.receipts.size > 16) this.receipts.delete(this.receipts.keys().next().value!);
    }
    return receipt;
  }

  async receipt(
    hash: Hex,
  ): Promise<{ hash: Hex; blockNumber: bigint; blockHash: Hex; status: number; gasUsed: bigint } | null> {
    const r = await this.rawReceipt(hash);
    if (r === null) return null;
    return {
      hash: r.transactionHash.toLowerCase() as Hex,
      blockNumber: BigInt(r.blockNumber),
      blockHash: r.blockHash.toLowerCase() as Hex,
      status: Number(BigInt(r.status)),
      gasUsed: BigInt(r.gasUsed),
    };
  }
}
