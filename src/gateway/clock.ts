/**
 * The chain's time as the gateway sees it: the latest block's timestamp plus the wall time since
 * that block was read (re-read at most every `refreshMs`). Prices follow this clock: the terms in
 * force at this time are the terms a payment made now would pay (ModelRegistry `_effectiveTerms`).
 */
import type { JsonRpcApiProvider } from "ethers";

export class ChainClock {
  private timestamp: bigint | undefined;
  private seenAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly refreshMs = 1_000,
  ) {}

  /** Reads the latest block now (errors propagate: the caller decides). */
  async refresh(): Promise<void> {
    const block = await this.provider.getBlock("latest");
    if (block !== null) {
      this.timestamp = BigInt(block.timestamp);
      this.seenAt = Date.now();
    }
  }

  /** The chain time now, in seconds; refreshes in the background when stale (keeps the last value if the node is down). */
  now(): bigint {
    if (Date.now() - this.seenAt > this.refreshMs && this.refreshing === undefined) {
      this.refreshing = this.refresh()
        .catch(() => undefined)
        .finally(() => (this.refreshing = undefined));
    }
    if (this.timestamp === undefined) return BigInt(Math.floor(Date.now() / 1000));
    return this.timestamp + BigInt(Math.floor((Date.now() - this.seenAt) / 1000));
  }
}
