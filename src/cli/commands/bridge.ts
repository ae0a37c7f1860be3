import { formatAmount } from "../../core/amount.js";
import { PoaError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";
import { stepPrinter } from "../output.js";

const BRIDGE_OPTIONS = {
  ...NETWORK_OPTIONS,
  eth: { type: "boolean", description: "bridge ETH instead of OPEN" },
} as const;

type NetworkArgs = Parameters<typeof networkSelection>[0];

/** The bridge for the network's L1/L2 pair and the OPEN token pair from its deployment record (unless ETH). */
async function open(args: NetworkArgs & { eth?: boolean }) {
  const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
  const { contractAddress } = await import("../../chain/deployment.js");
  const { createBridge } = await import("../../bridge/index.js");
  const context = await resolveNetwork(networkSelection(args));
  try {
    if (context.devnet === undefined)
      throw new PoaError("INVALID_VALUE", `bridging needs the OP Stack contract addresses, known only for the devnet`, {
        details: { network: context.name },
      });
    const bridge = createBridge({ ...context.devnet, ...context.endpoints }, context.key!);
    let token: { l1: string; l2: string } | undefined;
    if (args.eth !== true) {
      const record = await loadDeployment(context);
      token = {
        l1: contractAddress(record, "OpenToken", context.deploymentFile),
        l2: contractAddress(record, "L2OpenToken", context.deploymentFile),
      };
    }
    return { bridge, token, unit: token === undefined ? "ETH" : "OPEN" };
  } finally {
    context.close();
  }
}

export const bridgeDeposit = defineCommand({
  name: "bridge deposit",
  summary: "Deposit OPEN (or ETH) from L1 to L2 with the Optimism SDK, waiting for the relay",
  description: `Moves <amount> OPEN (or ETH with --eth) from L1 to the same address on L2 through the OP Stack
standard bridge, with @eth-optimism/sdk's CrossChainMessenger: checks the balance and the token
pair, approves the bridge if needed, deposits, and waits until the message is relayed on L2,
printing each step.`,
  positionals: [{ name: "amount", type: "amount", description: "how much, in tokens (e.g. 1000 or 0.5)" }],
  options: BRIDGE_OPTIONS,
  examples: ["npx poa bridge deposit 1000", "npx poa bridge deposit 1 --eth"],
  async run(args) {
    const { bridge, token, unit } = await open(args);
    const onStep = stepPrinter();
    const result = await bridge.deposit(args.amount, token, { onStep });
    console.log(
      `Deposited ${formatAmount(args.amount)} ${unit}: L1 ${result.l1TxHash} -> L2 ${result.l2TxHash} (relayed ${result.relayMs} ms after the L1 receipt)`,
    );
  },
});

export const bridgeWithdraw = defineCommand({
  name: "bridge withdraw",
  summary: "Withdraw OPEN (or ETH) from L2 to L1 with the Optimism SDK: initiate, prove, finalize",
  description: `Moves <amount> OPEN (or ETH with --eth) from L2 back to L1: initiates the withdrawal on L2,
waits for the proposer's output, proves it on L1, waits out the challenge period (0 s on the
devnet) and finalizes it, printing each step.

Interrupted withdrawals are not lost: the L2 transaction hash is printed as soon as it is sent,
with the command that resumes it. When this account has an unfinished withdrawal, this command
resumes it instead of starting a new one (pass --new to start another anyway).`,
  positionals: [{ name: "amount", type: "amount", description: "how much, in tokens (e.g. 100 or 0.5)" }],
  options: {
    ...BRIDGE_OPTIONS,
    new: { type: "boolean", description: "start a new withdrawal even if an unfinished one exists" },
  },
  examples: ["npx poa bridge withdraw 100", "npx poa bridge withdraw 0.5 --eth"],
  async run(args) {
    const { bridge, token, unit } = await open(args);
    const onStep = stepPrinter();
    if (!args.new) {
      const pending = (await bridge.withdrawals()).filter(
        (w) =>
          w.status !== "finalized" &&
          (token === undefined ? w.token === "ETH" : w.token.toLowerCase() === token.l1.toLowerCase()),
      );
      const resume = pending[pending.length - 1];
      if (resume !== undefined) {
        console.error(
          `An unfinished withdrawal of ${formatAmount(resume.amount)} ${unit} (${resume.l2TxHash}, ${resume.status}) exists: resuming it instead of starting a new one (--new starts another).`,
        );
        const result = await bridge.finalize(resume.l2TxHash, { onStep });
        console.log(
          `Finished the withdrawal of ${formatAmount(resume.amount)} ${unit}: L2 ${result.l2TxHash}, finalized ${result.finalizeTxHash || "earlier"}`,
        );
        return;
      }
    }
    const result = await bridge.withdraw(args.amount, token, {
      onStep: (step, detail) => {
        onStep(step, detail);
        if (step === "withdrawal sent")
          console.error(`If this is interrupted, resume it with: npx poa bridge finalize ${detail ?? ""}`);
      },
    });
    console.log(
      `Withdrew ${formatAmount(args.amount)} ${unit}: L2 ${result.l2TxHash}, proven ${result.proveTxHash}, finalized ${result.finalizeTxHash} (${result.totalMs} ms)`,
    );
  },
});

export const bridgeWithdrawals = defineCommand({
  name: "bridge withdrawals",
  summary: "List this account's withdrawals (L2 -> L1) and where each stands",
  description: `Lists the account's withdrawals, read from the L2 bridge's events, newest first, with their
status: waiting for output, ready to prove, in challenge period, ready to finalize, finalized.
Finish any unfinished one with \`poa bridge finalize <l2 tx hash>\`.`,
  options: { ...NETWORK_OPTIONS },
  examples: ["npx poa bridge withdrawals"],
  async run(args) {
    const { bridge } = await open({ ...args, eth: true });
    const list = await bridge.withdrawals();
    if (list.length === 0) {
      console.log(`No withdrawals from ${bridge.account}.`);
      return;
    }
    for (const w of list)
      console.log(
        `${w.l2TxHash}  block ${String(w.blockNumber).padStart(6)}  ${formatAmount(w.amount).padStart(14)} ${w.token === "ETH" ? "ETH " : `token ${w.token}`}  ${w.status}`,
      );
    const unfinished = list.filter((w) => w.status !== "finalized").length;
    if (unfinished > 0)
      console.error(`${unfinished} unfinished: finish one with \`npx poa bridge finalize <l2 tx hash>\`.`);
  },
});

export const bridgeFinalize = defineCommand({
  name: "bridge finalize",
  summary: "Resume a withdrawal from its L2 transaction: prove it if needed, wait, finalize",
  description: `Takes an initiated withdrawal to the end, whatever step it stopped at: waits for the output,
proves it on L1 if it is not proven yet, waits out the challenge period and finalizes it. Safe to
run again: a finalized withdrawal is reported as such.`,
  positionals: [
    { name: "l2-tx-hash", type: "bytes32", description: "the L2 transaction that initiated the withdrawal" },
  ],
  options: { ...NETWORK_OPTIONS },
  examples: ["npx poa bridge finalize 0x8522bd1a868038ed44d5178df4a073af7407b30d29ea194314c651771e42f1c1"],
  async run(args) {
    const { bridge } = await open({ ...args, eth: true });
    const result = await bridge.finalize(args.l2TxHash, { onStep: stepPrinter() });
    console.log(
      result.finalizeTxHash === ""
        ? `The withdrawal ${result.l2TxHash} was already finalized.`
        : `Finalized the withdrawal ${result.l2TxHash}: proven ${result.proveTxHash || "earlier"}, finalized ${result.finalizeTxHash}`,
    );
  },
});
