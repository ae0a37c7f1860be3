/**
 * Deposits and withdrawals through the OP Stack standard bridge with the official Optimism SDK.
 * `createBridge` takes plain values (RPC URLs, contract addresses, a key) and returns plain values
 * (hashes, amounts, statuses): the SDK's ethers v5 objects never leave src/bridge.
 *
 * Withdrawals survive interruption: the L2 transaction is the withdrawal's identity, every later
 * step (prove, wait, finalize) can be resumed from it with `finalize(l2TxHash)`, and
 * `withdrawals()` lists an account's withdrawals with their status, read from the chain.
 */
import optimism from "@poa/optimism-sdk";

import { decodeRevert } from "../chain/errors.js";
import { formatAmount } from "../core/amount.js";
import { isPoaError, messageOf, PoaError } from "../core/errors.js";
import { createMessenger, type Messenger } from "./messenger.js";
import type {
  BridgeOptions,
  DepositResult,
  OpStackBridgeConfig,
  TokenPair,
  WithdrawalInfo,
  WithdrawalStatus,
  WithdrawResult,
} from "./types.js";

const { sdk, ethers5 } = optimism;
const { MessageStatus } = sdk;

const WITHDRAWAL_FINALIZED = new ethers5.utils.Interface([
  "event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success)",
]);
const ERC20 = ["function balanceOf(address) view returns (uint256)"];
const MINTABLE = ["function remoteToken() view returns (address)", "function bridge() view returns (address)"];

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

const STATUS_WORDS: Record<number, WithdrawalStatus> = {
  [MessageStatus.STATE_ROOT_NOT_PUBLISHED]: "waiting for output",
  [MessageStatus.READY_TO_PROVE]: "ready to prove",
  [MessageStatus.IN_CHALLENGE_PERIOD]: "in challenge period",
  [MessageStatus.READY_FOR_RELAY]: "ready to finalize",
  [MessageStatus.RELAYED]: "finalized",
};

/** A PoaError for what the SDK or its ethers v5 threw (insufficient funds, revert, node down). */
export function bridgeError(error: unknown, what: string): PoaError {
  if (isPoaError(error)) return error;
  const e = error as { code?: string; reason?: string; error?: { data?: string; message?: string }; data?: string };
  const text = messageOf(error);
  if (e.code === "INSUFFICIENT_FUNDS" || /insufficient funds/i.test(text))
    return new PoaError("INSUFFICIENT_FUNDS", `${what}: the account has too little ETH for the value and the gas`, {
      cause: error,
      action: "Fund the account with ETH on that chain, or move less.",
    });
  if (e.code === "NETWORK_ERROR" || e.code === "SERVER_ERROR" || /ECONNREFUSED|could not detect network/i.test(text))
    return new PoaError("RPC_UNREACHABLE", `${what}: a chain node cannot be reached`, {
      cause: error,
      action: "Check that both chains are running.",
    });
  const data = typeof e.data === "string" ? e.data : e.error?.data;
  if (typeof data === "string" && data.length >= 10) {
    const decoded = decodeRevert(data);
    return new PoaError(
      "CONTRACT_REVERTED",
      `${what}: refused with ${decoded?.text ?? `custom error ${data.slice(0, 10)}`}`,
      {
        cause: error,
        details: { error: decoded?.name, data },
      },
    );
  }
  if (/no supported bridge for token pair/i.test(text))
    return new PoaError(
      "BRIDGE_TOKEN_PAIR_UNSUPPORTED",
      `${what}: the standard bridge does not bridge this token pair`,
      {
        cause: error,
        action: "Check the L1 and L2 token addresses: the L2 token's remoteToken() must be the L1 token.",
      },
    );
  return new PoaError("BRIDGE_MESSAGE_FAILED", `${what}: ${e.reason ?? text.split("\n")[0]}`, { cause: error });
}

async function guarded<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw bridgeError(error, what);
  }
}

export interface Bridge {
  /** The address that deposits and withdraws (the same on both chains). */
  account: string;
  /** Deposits ETH (no token) or an ERC-20 pair from L1 to the same address on L2, waiting for the relay. */
  deposit(amount: bigint, token?: TokenPair, options?: BridgeOptions): Promise<DepositResult>;
  /** Initiates a withdrawal on L2 and takes it to the end: output, prove, challenge period, finalize. */
  withdraw(amount: bigint, token?: TokenPair, options?: BridgeOptions): Promise<WithdrawResult>;
  /** Resumes a withdrawal from its L2 transaction: proves it if needed, waits, finalizes. */
  finalize(l2TxHash: string, options?: BridgeOptions): Promise<WithdrawResult>;
  /** This account's withdrawals (ETH and ERC-20), newest first, with their status. */
  withdrawals(): Promise<WithdrawalInfo[]>;
}

export function createBridge(config: OpStackBridgeConfig, privateKey: string): Bridge {
  const messenger = createMessenger(config, privateKey);
  const account = new ethers5.Wallet(privateKey).address;

  const ethBalance = async (chain: "l1" | "l2") =>
    BigInt((await (chain === "l1" ? messenger.l1Provider : messenger.l2Provider).getBalance(account)).toString());
  const tokenBalance = async (chain: "l1" | "l2", token: string) =>
    BigInt(
      (
        await new ethers5.Contract(
          token,
          ERC20,
          chain === "l1" ? messenger.l1Provider : messenger.l2Provider,
        ).balanceOf(account)
      ).toString(),
    );

  /** Refuses a pair the standard bridge cannot move, before any transaction. */
  const checkPair = async (token: TokenPair) => {
    const l2Code = await messenger.l2Provider.getCode(token.l2);
    const l1Code = await messenger.l1Provider.getCode(token.l1);
    const unsupported = (why: string) =>
      new PoaError(
        "BRIDGE_TOKEN_PAIR_UNSUPPORTED",
        `the tokens L1 ${token.l1} / L2 ${token.l2} cannot be bridged: ${why}`,
        {
          details: { l1Token: token.l1, l2Token: token.l2 },
          action:
            "Check the deployment record's OpenToken and L2OpenToken addresses (redeploy if the chains were restarted).",
        },
      );
    if (l1Code === "0x") throw unsupported("no contract at the L1 address");
    if (l2Code === "0x") throw unsupported("no contract at the L2 address");
    let remote: string;
    try {
      remote = await new ethers5.Contract(token.l2, MINTABLE, messenger.l2Provider).remoteToken();
    } catch {
      throw unsupported("the L2 token is not an OptimismMintableERC20 (no remoteToken())");
    }
    if (remote.toLowerCase() !== token.l1.toLowerCase())
      throw unsupported(`the L2 token's remote token is ${remote}, not the L1 token`);
  };

  const need = (what: string, have: bigint, needed: bigint, unit: string, action: string) => {
    if (have < needed)
      throw new PoaError(
        "INSUFFICIENT_FUNDS",
        `${what}: the account holds ${formatAmount(have)} ${unit}, less than the ${formatAmount(needed)} ${unit} needed`,
        { details: { account, have: have.toString(), needed: needed.toString(), unit }, action },
      );
  };

  async function waitForStatus(txHash: string, wanted: number, options: BridgeOptions): Promise<void> {
    const pollMs = options.pollMs ?? 100;
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      const status = await guarded("read the message status", () => messenger.getMessageStatus(txHash));
      if (status === MessageStatus.FAILED_L1_TO_L2_MESSAGE)
        throw new PoaError("BRIDGE_MESSAGE_FAILED", `the message of ${txHash} failed on L2`, {
          details: { txHash },
          action: "Replay it with the SDK's resendMessage after fixing the cause.",
        });
      if (status >= wanted) return;
      if (Date.now() > deadline)
        throw new PoaError(
          "TIMEOUT",
          `timed out waiting for ${statusName(wanted)} of ${txHash} (status ${statusName(status)})`,
          { details: { txHash }, action: "Check that the chains and their relayer and proposer still run." },
        );
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async function finishDeposit(tx: { hash: string; wait: () => Promise<unknown> }, options: BridgeOptions) {
    await tx.wait();
    const sent = Date.now();
    options.onStep?.("deposit sent", tx.hash);
    options.onStep?.("waiting for relay");
    await waitForStatus(tx.hash, MessageStatus.RELAYED, options);
    const relayMs = Date.now() - sent;
    const receipt = await messenger.getMessageReceipt(tx.hash);
    const l2TxHash = receipt?.transactionReceipt.transactionHash ?? "";
    options.onStep?.("relayed", l2TxHash);
    return { l1TxHash: tx.hash, l2TxHash, relayMs };
  }

  /**
   * The SDK reports READY_FOR_RELAY as soon as `provenAt + period <= latest L1 timestamp`, but the
   * portal only finalizes when `block.timestamp > provenAt + period`. Wait for an L1 block strictly
   * later than that (the devnet's clock mines one per second) so finalization cannot revert.
   */
  async function waitForLaterL1Block(txHash: string, options: BridgeOptions): Promise<void> {
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
          action: "Check that the L1 chain is still running (and mining).",
        });
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  }

  async function finalize(txHash: string, options: BridgeOptions = {}): Promise<WithdrawResult> {
    const started = Date.now();
    const receipt = await guarded("read the withdrawal", () => messenger.l2Provider.getTransactionReceipt(txHash));
    if (receipt === null)
      throw new PoaError("WITHDRAWAL_NOT_FOUND", `no L2 transaction ${txHash}`, {
        details: { txHash },
        action: "Check the hash: it is the L2 transaction that initiated the withdrawal.",
      });
    let status: number;
    try {
      status = await messenger.getMessageStatus(txHash);
    } catch (error) {
      throw new PoaError("WITHDRAWAL_NOT_FOUND", `L2 transaction ${txHash} did not initiate a withdrawal`, {
        details: { txHash },
        cause: error,
        action: "Give the hash of the L2 transaction that initiated the withdrawal.",
      });
    }
    if (status === MessageStatus.RELAYED) {
      options.onStep?.("finalized", "(already finalized)");
      return { l2TxHash: txHash, proveTxHash: "", finalizeTxHash: "", totalMs: Date.now() - started };
    }
    options.onStep?.("waiting for output");
    await waitForStatus(txHash, MessageStatus.READY_TO_PROVE, options);
    let proveTxHash = "";
    if ((await messenger.getMessageStatus(txHash)) === MessageStatus.READY_TO_PROVE) {
      options.onStep?.("proving");
      proveTxHash = await guarded("prove the withdrawal on L1", async () => {
        const gas = await messenger.estimateGas.proveMessage(txHash);
        const prove = await messenger.proveMessage(txHash, { overrides: { gasLimit: buffered(gas) } } as never);
        await prove.wait();
        return prove.hash as string;
      });
    }
    options.onStep?.("waiting for challenge period");
    await waitForStatus(txHash, MessageStatus.READY_FOR_RELAY, options);
    await waitForLaterL1Block(txHash, options);
    options.onStep?.("finalizing");
    const finalize = await guarded("finalize the withdrawal on L1", async () => {
      const gas = await messenger.estimateGas.finalizeMessage(txHash);
      return messenger.finalizeMessage(txHash, { overrides: { gasLimit: buffered(gas) } } as never);
    });
    const finalReceipt = await finalize.wait();
    // The portal marks a withdrawal finalized even when the call it carries fails (e.g. the portal
    // holds too little ETH); then the message can only be replayed. Say so instead of waiting.
    const portal = messenger.contracts.l1.OptimismPortal.address.toLowerCase();
    const finalized = finalReceipt.logs
      .filter((log: { address: string }) => log.address.toLowerCase() === portal)
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
        `the withdrawal of ${txHash} was finalized but its L1 call failed (finalize ${finalize.hash})`,
        {
          details: { txHash, finalizeTxHash: finalize.hash },
          action:
            "Check that the OptimismPortal holds enough ETH and that the recipient accepts it; replay the message on the L1CrossDomainMessenger.",
        },
      );
    await waitForStatus(txHash, MessageStatus.RELAYED, options);
    options.onStep?.("finalized", finalize.hash);
    return { l2TxHash: txHash, proveTxHash, finalizeTxHash: finalize.hash, totalMs: Date.now() - started };
  }

  return {
    account,

    async deposit(amount, token, options = {}) {
      if (token === undefined) {
        need("deposit ETH", await ethBalance("l1"), amount, "ETH", "Deposit less, leaving ETH for gas.");
        const tx = await guarded("deposit ETH", () =>
          messenger.depositETH(amount.toString(), { overrides: { from: account } } as never),
        );
        return finishDeposit(tx, options);
      }
      await checkPair(token);
      need(
        "deposit",
        await tokenBalance("l1", token.l1),
        amount,
        "tokens on L1",
        "Deposit less, or fund the account on L1 first.",
      );
      const allowance = BigInt((await messenger.approval(token.l1, token.l2)).toString());
      if (allowance < amount) {
        options.onStep?.("approve");
        await guarded("approve the L1 bridge", async () =>
          (await messenger.approveERC20(token.l1, token.l2, amount.toString())).wait(),
        );
      }
      const tx = await guarded("deposit", async () => {
        const gas = await messenger.estimateGas.depositERC20(token.l1, token.l2, amount.toString(), {
          overrides: { from: account },
        } as never);
        return messenger.depositERC20(token.l1, token.l2, amount.toString(), {
          overrides: { from: account, gasLimit: buffered(gas) },
        } as never);
      });
      return finishDeposit(tx, options);
    },

    async withdraw(amount, token, options = {}) {
      let tx: { hash: string; wait: () => Promise<unknown> };
      if (token === undefined) {
        need("withdraw ETH", await ethBalance("l2"), amount, "ETH on L2", "Withdraw less, leaving ETH for gas.");
        tx = await guarded("withdraw ETH", async () => {
          const gas = await messenger.estimateGas.withdrawETH(amount.toString(), {
            overrides: { from: account },
          } as never);
          return messenger.withdrawETH(amount.toString(), { overrides: { gasLimit: buffered(gas) } } as never);
        });
      } else {
        await checkPair(token);
        need(
          "withdraw",
          await tokenBalance("l2", token.l2),
          amount,
          "tokens on L2",
          "Withdraw less, or deposit first.",
        );
        tx = await guarded("withdraw", async () => {
          const gas = await messenger.estimateGas.withdrawERC20(token.l1, token.l2, amount.toString(), {
            overrides: { from: account },
          } as never);
          return messenger.withdrawERC20(token.l1, token.l2, amount.toString(), {
            overrides: { gasLimit: buffered(gas) },
          } as never);
        });
      }
      await tx.wait();
      options.onStep?.("withdrawal sent", tx.hash);
      return finalize(tx.hash, options);
    },

    finalize,

    async withdrawals() {
      const found = await guarded("list withdrawals", () => messenger.getWithdrawalsByAddress(account));
      const out: WithdrawalInfo[] = [];
      for (const w of found as {
        transactionHash: string;
        blockNumber: number;
        l1Token: string;
        amount: { toString(): string };
      }[]) {
        const status = await guarded("read a withdrawal's status", () => messenger.getMessageStatus(w.transactionHash));
        out.push({
          l2TxHash: w.transactionHash,
          blockNumber: w.blockNumber,
          token: /^0x0{40}$/i.test(w.l1Token) ? "ETH" : w.l1Token,
          amount: BigInt(w.amount.toString()),
          status: STATUS_WORDS[status] ?? "waiting for output",
        });
      }
      return out;
    },
  };
}
