import type { ChainEndpoints } from "../chain/provider.js";

/** The OP Stack contracts a bridge needs, on top of the two chains' endpoints (plain values only). */
export interface OpStackBridgeConfig extends ChainEndpoints {
  OptimismPortal: string;
  L1CrossDomainMessenger: string;
  L1StandardBridge: string;
  L2OutputOracle: string;
  L2StandardBridge: string;
}

/** An ERC-20 and its bridged twin. */
export interface TokenPair {
  l1: string;
  l2: string;
}

/** A step of a bridge operation, reported while it waits (for progress output). */
export type BridgeStep =
  | "approve"
  | "deposit sent"
  | "waiting for relay"
  | "relayed"
  | "withdrawal sent"
  | "waiting for output"
  | "proving"
  | "waiting for challenge period"
  | "finalizing"
  | "finalized";

export interface BridgeOptions {
  onStep?: (step: BridgeStep, detail?: string) => void;
  /** Poll interval while waiting for the relay, the output or the challenge period. */
  pollMs?: number;
  timeoutMs?: number;
}

export interface DepositResult {
  l1TxHash: string;
  l2TxHash: string;
  /** Milliseconds from the L1 deposit receipt until the L2 relay was seen. */
  relayMs: number;
}

export interface WithdrawResult {
  l2TxHash: string;
  /** Empty when the withdrawal was already proven (a resumed withdrawal). */
  proveTxHash: string;
  finalizeTxHash: string;
  totalMs: number;
}

/** Where a withdrawal stands, as the SDK's MessageStatus names it, in plain words. */
export type WithdrawalStatus =
  "waiting for output" | "ready to prove" | "in challenge period" | "ready to finalize" | "finalized";

export interface WithdrawalInfo {
  l2TxHash: string;
  blockNumber: number;
  /** "ETH" or the L1 token's address. */
  token: string;
  amount: bigint;
  status: WithdrawalStatus;
}
