import optimism from "@poa/optimism-sdk";

import { PoaError } from "../core/errors.js";
import type { Messenger } from "./messenger.js";

const { sdk, ethers5 } = optimism;
const { MessageStatus } = sdk;

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
  proveTxHash: string;
  finalizeTxHash: string;
  totalMs: number;
}

const WITHDRAWAL_FINALIZED = new ethers5.utils.Interface([
  "event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success)",
]);

/**
 * Gas limit with headroom over an estimate. The SDK sends most transactions with the bare
 * estimate (it pads only depositETH, by 1.5x), and an estimate can be short when the block that
 * includes the transaction differs from the one it was estimated on: e.g. burning bridged OPEN
 * writes a new ERC20Votes total-supply checkpoint in a new second, but only overwrites one in
 * the same second. The same 1.5x as the SDK's own padding, so such a transaction cannot run out.
 */
function buffered(estimate: { toString(): string }): string {
  return ((BigInt(estimate.toString()) * 3n) / 2n).toString();
}

const statusName = (status: number) => MessageStatus[status] ?? String(status);

async function waitForStatus(
  messenger: Messenger,
  txHash: string,
  wanted: number,
  options: BridgeOptions,
): Promise<void> {
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const status = await messenger.getMessageStatus(txHash);
    if (status === MessageStatus.FAILED_L1_TO_L2_MESSAGE)
      throw new PoaError("BRIDGE_MESSAGE_FAILED", `the message of ${txHash} failed on L2`, {
        action: "Replay it with the SDK's resendMessage after fixing the cause.",
      });
    if (status >= wanted) return;
    if (Date.now() > deadline)
      throw new PoaError(
        "TIMEOUT",
        `timed out waiting for ${statusName(wanted)} of ${txHash} (status ${statusName(status)})`,
        { action: "Is the devnet (its relayer and proposer) still running? See .devnet/devnet.log." },
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function checkBalance(what: string, have: bigint, need: bigint, hint: string): Promise<void> {
  if (have < need)
    throw new PoaError(
      "INSUFFICIENT_FUNDS",
      `${what}: balance ${ethers5.utils.formatEther(have.toString())} is below ${ethers5.utils.formatEther(need.toString())}`,
      { action: hint },
    );
}

/** Deposits ETH from L1 to the same address on L2 and waits for the relay. */
export async function depositETH(
  messenger: Messenger,
  amount: bigint,
  options: BridgeOptions = {},
): Promise<DepositResult> {
  const from = await messenger.l1Signer.getAddress();
  const tx = await messenger.depositETH(amount.toString(), { overrides: { from } } as never);
  return finishDeposit(messenger, tx, options);
}

/** Deposits an ERC-20 (e.g. OPEN) through the standard bridge: approve if needed, deposit, wait. */
export async function depositERC20(
  messenger: Messenger,
  l1Token: string,
  l2Token: string,
  amount: bigint,
  options: BridgeOptions = {},
): Promise<DepositResult> {
  const from = await messenger.l1Signer.getAddress();
  const erc20 = new ethers5.Contract(
    l1Token,
    ["function balanceOf(address) view returns (uint256)"],
    messenger.l1Provider,
  );
  await checkBalance(
    "L1 token",
    BigInt((await erc20.balanceOf(from)).toString()),
    amount,
    "Deposit less, or fund the account on L1 first.",
  );
  const allowance = BigInt((await messenger.approval(l1Token, l2Token)).toString());
  if (allowance < amount) {
    options.onStep?.("approve");
    await (await messenger.approveERC20(l1Token, l2Token, amount.toString())).wait();
  }
  const gas = await messenger.estimateGas.depositERC20(l1Token, l2Token, amount.toString(), {
    overrides: { from },
  } as never);
  const tx = await messenger.depositERC20(l1Token, l2Token, amount.toString(), {
    overrides: { from, gasLimit: buffered(gas) },
  } as never);
  return finishDeposit(messenger, tx, options);
}

async function finishDeposit(
  messenger: Messenger,
  tx: { hash: string; wait: () => Promise<unknown> },
  options: BridgeOptions,
): Promise<DepositResult> {
  await tx.wait();
  const sent = Date.now();
  options.onStep?.("deposit sent", tx.hash);
  options.onStep?.("waiting for relay");
  await waitForStatus(messenger, tx.hash, MessageStatus.RELAYED, options);
  const relayMs = Date.now() - sent;
  const receipt = await messenger.getMessageReceipt(tx.hash);
  const l2TxHash = receipt?.transactionReceipt.transactionHash ?? "";
  options.onStep?.("relayed", l2TxHash);
  return { l1TxHash: tx.hash, l2TxHash, relayMs };
}

/** Withdraws an ERC-20 from L2 to L1: initiate on L2, wait for an output, prove, wait, finalize. */
export async function withdrawERC20(
  messenger: Messenger,
  l1Token: string,
  l2Token: string,
  amount: bigint,
  options: BridgeOptions = {},
): Promise<WithdrawResult> {
  const from = await messenger.l2Signer.getAddress();
  const erc20 = new ethers5.Contract(
    l2Token,
    ["function balanceOf(address) view returns (uint256)"],
    messenger.l2Provider,
  );
  await checkBalance(
    "L2 token",
    BigInt((await erc20.balanceOf(from)).toString()),
    amount,
    "Withdraw less, or deposit first.",
  );
  const gas = await messenger.estimateGas.withdrawERC20(l1Token, l2Token, amount.toString(), {
    overrides: { from },
  } as never);
  const tx = await messenger.withdrawERC20(l1Token, l2Token, amount.toString(), {
    overrides: { gasLimit: buffered(gas) },
  } as never);
  return finishWithdrawal(messenger, tx, options);
}

/** Withdraws ETH from L2 to L1 (same steps as an ERC-20). */
export async function withdrawETH(
  messenger: Messenger,
  amount: bigint,
  options: BridgeOptions = {},
): Promise<WithdrawResult> {
  const from = await messenger.l2Signer.getAddress();
  const gas = await messenger.estimateGas.withdrawETH(amount.toString(), { overrides: { from } } as never);
  const tx = await messenger.withdrawETH(amount.toString(), { overrides: { gasLimit: buffered(gas) } } as never);
  return finishWithdrawal(messenger, tx, options);
}

async function finishWithdrawal(
  messenger: Messenger,
  tx: { hash: string; wait: () => Promise<unknown> },
  options: BridgeOptions,
): Promise<WithdrawResult> {
  const started = Date.now();
  await tx.wait();
  options.onStep?.("withdrawal sent", tx.hash);
  options.onStep?.("waiting for output");
  await waitForStatus(messenger, tx.hash, MessageStatus.READY_TO_PROVE, options);
  let proveTxHash = "";
  if ((await messenger.getMessageStatus(tx.hash)) === MessageStatus.READY_TO_PROVE) {
    options.onStep?.("proving");
    const proveGas = await messenger.estimateGas.proveMessage(tx.hash);
    const prove = await messenger.proveMessage(tx.hash, { overrides: { gasLimit: buffered(proveGas) } } as never);
    await prove.wait();
    proveTxHash = prove.hash;
  }
  options.onStep?.("waiting for challenge period");
  await waitForStatus(messenger, tx.hash, MessageStatus.READY_FOR_RELAY, options);
  await waitForLaterL1Block(messenger, tx.hash, options);
  options.onStep?.("finalizing");
  const finalizeGas = await messenger.estimateGas.finalizeMessage(tx.hash);
  const finalize = await messenger.finalizeMessage(tx.hash, {
    overrides: { gasLimit: buffered(finalizeGas) },
  } as never);
  const receipt = await finalize.wait();
  // The portal marks a withdrawal finalized even when the call it carries fails (e.g. the portal
  // holds too little ETH); then the message can only be replayed. Say so instead of waiting.
  const finalized = receipt.logs
    .filter(
      (log: { address: string }) =>
        log.address.toLowerCase() === messenger.contracts.l1.OptimismPortal.address.toLowerCase(),
    )
    .map((log: { topics: string[]; data: string }) => {
      try {
        return WITHDRAWAL_FINALIZED.parseLog(log);
      } catch {
        return undefined;
      }
    })
    .find((event: { name: string } | undefined) => event?.name === "WithdrawalFinalized");
  if (finalized !== undefined && finalized.args.success !== true)
    throw new PoaError(
      "BRIDGE_MESSAGE_FAILED",
      `the withdrawal of ${tx.hash} was finalized but its L1 call failed (finalize ${finalize.hash})`,
      {
        action:
          "Check that the OptimismPortal holds enough ETH and that the recipient accepts it; replay the message on the L1CrossDomainMessenger.",
      },
    );
  await waitForStatus(messenger, tx.hash, MessageStatus.RELAYED, options);
  options.onStep?.("finalized", finalize.hash);
  return { l2TxHash: tx.hash, proveTxHash, finalizeTxHash: finalize.hash, totalMs: Date.now() - started };
}

/**
 * The SDK reports READY_FOR_RELAY as soon as `provenAt + period <= latest L1 timestamp`, but the
 * portal only finalizes when `block.timestamp > provenAt + period`. Wait for an L1 block strictly
 * later than that (the devnet's clock mines one per second) so finalization cannot revert.
 */
async function waitForLaterL1Block(messenger: Messenger, txHash: string, options: BridgeOptions): Promise<void> {
  const message = await messenger.toCrossChainMessage(txHash);
  const low = await messenger.toLowLevelMessage(message);
  const proven = await messenger.getProvenWithdrawal(sdk.hashLowLevelMessage(low));
  if (proven === null) return;
  const period = await messenger.getChallengePeriodSeconds();
  const due = BigInt(proven.timestamp.toString()) + BigInt(period);
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (BigInt((await messenger.l1Provider.getBlock("latest")).timestamp) <= due) {
    if (Date.now() > deadline)
      throw new PoaError("TIMEOUT", "L1 time does not advance", {
        action: "Is the devnet still running? See .devnet/devnet.log.",
      });
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
