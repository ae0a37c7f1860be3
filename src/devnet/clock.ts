import { toHex } from "viem";

import { rpc, type Public } from "./rpc.js";

/**
 * Keeps L1 time sane. anvil stamps blocks with the wall clock but lets consecutive blocks share a
 * second, mines nothing when idle and lets the base fee decay 12.5% per block. A withdrawal can
 * only be finalized in an L1 block strictly later than the one that proved it, and clients (the
 * SDK, viem) wait for such a block; a block per second when idle provides it, like a real L1's
 * slots, without ever running L1 time ahead of the wall clock. Every block the devnet mines
 * itself (heartbeats, output proposals) carries the configured base fee, so the L1 data fee
 * charged on the L2 stays at a realistic level.
 */
export class L1Clock {
  heartbeats = 0;

  constructor(
    private readonly l1: Public,
    private readonly baseFee: bigint,
  ) {}

  /** Pins the base fee of the next L1 block. */
  async pinBaseFee(): Promise<void> {
    await rpc(this.l1, "anvil_setNextBlockBaseFeePerGas", [toHex(this.baseFee)]);
  }

  async tick(): Promise<void> {
    const latest = await this.l1.getBlock({ blockTag: "latest" });
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (latest.timestamp >= now) return;
    await this.pinBaseFee();
    await rpc(this.l1, "evm_mine", []);
    this.heartbeats += 1;
  }
}
