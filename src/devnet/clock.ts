import { toHex } from "viem";

import { rpc, type Public } from "./rpc.js";

/**
 * Keeps L1 time sane. anvil stamps blocks with the wall clock but lets consecutive blocks share a
 * second, and the portal finalizes a withdrawal only in a block with `timestamp > provenAt +
 * period`: a client that finalizes right after proving (viem's `waitToFinalize` with a 0 s
 * period returns at once) would revert in a block of the same second. So L1 runs with a block
 * timestamp interval of 1 s: every block is exactly one second after the previous one, whatever
 * the wall clock says. L1 time starts `l1TimeLag` seconds (default an hour) behind the wall clock
 * and this clock mines a block whenever L1 was idle for a second, so idle L1 time keeps pace with
 * the wall clock while bursts of blocks eat into the lag; L1 only runs ahead of the wall clock
 * (making viem's `waitToFinalize` wait longer) after that many extra blocks. Every block the
 * devnet mines itself (heartbeats, output proposals) carries the configured base fee, since anvil
 * lets it decay 12.5% per empty block, so the L1 data fee charged on the L2 stays realistic.
 */
export class L1Clock {
  heartbeats = 0;
  private lastSeen: bigint | undefined;
  private lastSeenAt = 0;

  constructor(
    private readonly l1: Public,
    private readonly baseFee: bigint,
  ) {}

  /** Pins the base fee of the next L1 block. */
  async pinBaseFee(): Promise<void> {
    await rpc(this.l1, "anvil_setNextBlockBaseFeePerGas", [toHex(this.baseFee)]);
  }

  /** Called every ~250 ms: mines a block when none was mined for a second. */
  async tick(): Promise<void> {
    const head = await this.l1.getBlockNumber();
    const now = Date.now();
    if (this.lastSeen !== head) {
      this.lastSeen = head;
      this.lastSeenAt = now;
      return;
    }
    if (now - this.lastSeenAt < 1000) return;
    await this.pinBaseFee();
    await rpc(this.l1, "evm_mine", []);
    this.heartbeats += 1;
    this.lastSeen = head + 1n;
    this.lastSeenAt = now;
  }
}
