/**
 * Moving the devnet's L2 clock on: what "wait a day for the epoch to end" means on a local chain.
 * The L2's next block is stamped `seconds` later than it would have been, and one block is mined
 * so the new time is visible. Only the devnet's own chain (anvil) accepts this; the L1 clock is
 * untouched (withdrawals keep their timing: the output oracle's checks do not depend on L2 time).
 */
import { PoaError } from "../core/errors.js";
import { devnetChain, publicClient, rpc } from "./rpc.js";

export interface TimeTravel {
  /** The L2's latest block timestamp before and after. */
  before: bigint;
  after: bigint;
}

/**
 * Advances the L2 at `l2Rpc` by `seconds` and mines `blocks` blocks (default 1; mine more when a
 * reader keeps a confirmation depth behind the head); returns the timestamps.
 */
export async function advanceL2Time(
  l2Rpc: string,
  l2ChainId: number,
  seconds: bigint,
  blocks = 1,
): Promise<TimeTravel> {
  if (seconds <= 0n)
    throw new PoaError("INVALID_VALUE", `time moves forward only (got ${seconds} s)`, {
      details: { field: "seconds", value: seconds.toString() },
    });
  const l2 = publicClient(devnetChain(l2ChainId, "L2", l2Rpc));
  const before = (await l2.getBlock()).timestamp;
  await rpc(l2, "evm_increaseTime", [`0x${seconds.toString(16)}`]);
  for (let i = 0; i < Math.max(1, blocks); i++) await rpc(l2, "evm_mine", []);
  const after = (await l2.getBlock()).timestamp;
  return { before, after };
}

/** Advances the L2 so that its latest block is at least at time `t` (no-op when it already is). */
export async function advanceL2TimeTo(l2Rpc: string, l2ChainId: number, t: bigint, blocks = 1): Promise<TimeTravel> {
  const l2 = publicClient(devnetChain(l2ChainId, "L2", l2Rpc));
  const now = (await l2.getBlock()).timestamp;
  if (now >= t) return { before: now, after: now };
  return advanceL2Time(l2Rpc, l2ChainId, t - now, blocks);
}
